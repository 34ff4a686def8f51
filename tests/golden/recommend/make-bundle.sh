#!/usr/bin/env bash
# Rebuilds segments.bundle (the bundle of the recommend golden cases) from the
# committed events, items and profile config; then refresh the goldens with
#   node tests/runtimes/golden.mjs --update
set -euo pipefail
cd "$(dirname "$0")"
../../../build/native/tailor build-bundle --events segments.events.jsonl --items segments.items.jsonl \
  --profile-config segments.profile.json --dim 4 --out segments.bundle
