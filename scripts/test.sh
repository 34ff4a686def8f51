#!/usr/bin/env bash
# Runs every test suite: Catch2 natively, under ASan+UBSan, and as wasm under
# Node (ctest); then the JS API, Chromium, workerd and server tests (node --test).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/check-core-portable.sh

echo "== build (native, wasm, asan)"
bash scripts/build.sh all

echo "== ctest: native"
(cd build/native && ctest --output-on-failure)
echo "== ctest: native under AddressSanitizer + UndefinedBehaviorSanitizer"
(cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -R core_tests)
echo "== ctest: wasm under node"
(cd build/wasm && ctest --output-on-failure)

echo "== types: tsc --noEmit"
npx --no-install tsc -p tests/js/tsconfig.json

echo "== node --test: JS API, Chromium, workerd, server"
mapfile -t js_tests < <(find tests -name '*.test.mjs' -not -path '*/node_modules/*' | sort)
node --test --test-concurrency=1 "${js_tests[@]}"

# libFuzzer smoke (opt-in: the clang + ASan build of the core takes minutes; the run ~20 s).
if [[ -n "${TAILOR_FUZZ_SMOKE:-}" ]]; then
  echo "== fuzz smoke: every target over its seeds + 2 s"
  bash scripts/fuzz.sh smoke 2
fi
