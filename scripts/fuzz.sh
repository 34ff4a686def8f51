#!/usr/bin/env bash
# libFuzzer targets of the core's hostile-input parsers (clang, ASan + UBSan).
#   scripts/fuzz.sh build                 build build/fuzz (TAILOR_FUZZ=ON)
#   scripts/fuzz.sh smoke [seconds]       every target: the committed seeds, then
#                                         `seconds` (default 2) of fuzzing each; fails on any finding
#   scripts/fuzz.sh run <target> [secs]   fuzz one target (copy, event, catalog, condition, sticky,
#                                         bundle); new inputs go to build/fuzz/corpus/<target>
#   scripts/fuzz.sh seeds                 rewrite the generated seeds (bundle, sticky cookies)
# A crash leaves its input in build/fuzz/findings/; add it to tests/fuzz/corpus/<target>/ with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(copy event catalog condition sticky bundle)
jobs=${TAILOR_JOBS:-$(nproc)}
cxx=${TAILOR_FUZZ_CXX:-clang++}

build() {
  cmake -S . -B build/fuzz -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTAILOR_FUZZ=ON \
    -DTAILOR_BUILD_TESTS=OFF -DTAILOR_BUILD_SERVER=OFF >/dev/null
  cmake --build build/fuzz -j"$jobs" --target "${targets[@]/#/fuzz_}" fuzz_make_seeds
}

# fuzz <target> <seconds> [extra libFuzzer flags]
fuzz() {
  local t=$1 secs=$2
  shift 2
  mkdir -p "build/fuzz/corpus/$t" build/fuzz/findings
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    "build/fuzz/tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=5 -rss_limit_mb=1024 -max_len=8192 \
    -artifact_prefix="build/fuzz/findings/$t-" -print_final_stats=0 "$@" \
    "build/fuzz/corpus/$t" "tests/fuzz/corpus/$t"
}

case "${1:-smoke}" in
  build) build ;;
  smoke)
    build
    secs=${2:-2}
    for t in "${targets[@]}"; do
      echo "fuzz_$t: seeds + ${secs}s"
      if ! fuzz "$t" "$secs" -seed=1 >"build/fuzz/$t.log" 2>&1; then
        grep -E '(ERROR|SUMMARY|runtime error|Test unit written)' "build/fuzz/$t.log" >&2 || tail -20 "build/fuzz/$t.log" >&2
        echo "fuzz_$t: finding, see build/fuzz/findings/ and build/fuzz/$t.log" >&2
        exit 1
      fi
      grep -E '^#[0-9]+ +DONE' "build/fuzz/$t.log" || true
    done ;;
  run)
    build
    fuzz "${2:?target}" "${3:-60}" ;;
  seeds)
    build
    build/fuzz/tests/fuzz/fuzz_make_seeds tests/fuzz/corpus ;;
  *) echo "usage: $0 build|smoke [secs]|run <target> [secs]|seeds" >&2; exit 2 ;;
esac
