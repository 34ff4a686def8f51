#!/usr/bin/env bash
# Builds the native tree (CLI, server, tests) and the wasm tree (module, tests).
#   scripts/build.sh [native|wasm|asan|all]   (default: native and wasm)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-default}
jobs=${TAILOR_JOBS:-$(nproc)}
werror=${TAILOR_WERROR:-$([[ -n "${CI:-}" ]] && echo ON || echo OFF)}

native() {
  cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release -DTAILOR_WERROR="$werror" >/dev/null
  cmake --build build/native -j"$jobs"
}
asan() {
  cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DTAILOR_SANITIZE=ON \
    -DTAILOR_BUILD_SERVER=OFF -DTAILOR_WERROR="$werror" >/dev/null
  cmake --build build/asan -j"$jobs" --target tailor_tests
}
wasm() {
  emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release -DTAILOR_WERROR="$werror" >/dev/null
  cmake --build build/wasm -j"$jobs"
}

case "$what" in
  native) native ;;
  asan) asan ;;
  wasm) wasm ;;
  default) native; wasm ;;
  all) native; wasm; asan ;;
  *) echo "usage: $0 [native|wasm|asan|all]" >&2; exit 2 ;;
esac
