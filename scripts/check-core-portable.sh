#!/usr/bin/env bash
# The core stays portable: no I/O, clocks, environment, threads or ambient
# randomness (DESIGN.md). A build-level proof, run before every test run.
set -euo pipefail
cd "$(dirname "$0")/.."
forbidden='#include <(fstream|iostream|cstdio|stdio\.h|chrono|ctime|time\.h|thread|mutex|random|filesystem|unistd\.h)>|std::(random_device|chrono|this_thread|getenv|hash<)|\b(getenv|fopen|printf|time\(|clock\(|rand\(|srand\()'
if grep -rnE "$forbidden" core/; then
  echo "check-core-portable: core/ must not use I/O, clocks, env, threads or ambient randomness" >&2
  exit 1
fi
echo "check-core-portable: core/ is free of I/O, clocks, env, threads and ambient randomness"
