#!/usr/bin/env bash
# Builds what `npm run demo` needs and nothing more: the CLI and tailor-sync
# (native), and the wasm package. When tailor-sync cannot be built (its Debian
# packages are missing), the CLI is built alone and the demo runs storefront-only.
set -uo pipefail
cd "$(dirname "$0")/.."
jobs=${TAILOR_JOBS:-$(nproc)}
werror=${TAILOR_WERROR:-OFF}

if cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release -DTAILOR_BUILD_SERVER=ON -DTAILOR_WERROR="$werror" >/dev/null &&
   cmake --build build/native -j"$jobs" --target tailor_cli tailor_sync; then
  :
else
  echo "demo: could not build tailor-sync (see above); building the CLI alone: the demo will run STOREFRONT ONLY" >&2
  rm -f build/native/tailor-sync
  cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release -DTAILOR_BUILD_SERVER=OFF -DTAILOR_WERROR="$werror" >/dev/null &&
    cmake --build build/native -j"$jobs" --target tailor_cli || { echo "demo: the tailor CLI did not build" >&2; exit 1; }
fi
emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release -DTAILOR_WERROR="$werror" >/dev/null &&
  cmake --build build/wasm -j"$jobs" --target tailor_wasm || { echo "demo: the wasm package did not build" >&2; exit 1; }
