#!/usr/bin/env bash
# Checked builds and fuzzing (docs/reliability.md). Each stage is named on the command line:
#   envs     the environment library and its tests (test_envs, test_tabletop) under
#            AddressSanitizer + UndefinedBehaviorSanitizer, in build-asan/
#   threads  the thread pool and VectorEnv tests (test_envs) under ThreadSanitizer, in build-tsan/
#   fuzz     every fuzz target (fuzz/) for FUZZ_SECONDS (default 30) on its seed corpus, built
#            with Clang in build-fuzz/ against the main build in build/ (scripts/build.sh first)
#   full     the whole library and every test program under ASan + UBSan, in build-asan/, all
#            tests but the learning ones (an hour and more on 2 cores: not run by CI)
#   ci       envs, threads and fuzz: what scripts/test.sh runs
# A finding fails the script: a sanitizer's report fails its test, a fuzz target's crash or
# uncaught exception leaves its input in build-fuzz/findings/ and fails the stage.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzz_seconds=${FUZZ_SECONDS:-30}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1}

# A build directory of the main project with one sanitizer, configured once.
configure() {  # dir sanitizer
  [ -f "$1/CMakeCache.txt" ] || CXX=clang++ cmake -S . -B "$1" "${generator[@]}" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHTRMRL_SANITIZE="$2" -DHTRMRL_PYTHON=OFF > /dev/null
}

stage_envs() {
  configure build-asan address
  cmake --build build-asan -j "$(nproc)" --target test_envs test_tabletop
  (cd build-asan && ctest --output-on-failure -j "$(nproc)" \
    -R '^(Tabletop|PointRobot|Registry|VectorEnv|ThreadPool)')
}

stage_threads() {
  configure build-tsan thread
  cmake --build build-tsan -j "$(nproc)" --target test_envs
  build-tsan/tests/test_envs --gtest_filter='VectorEnv*:ThreadPool*'
}

stage_fuzz() {
  [ -f build/libhtrmrl_core.a ] || { echo "sanitize.sh fuzz: build the main project first (scripts/build.sh)" >&2; exit 2; }
  [ -f build-fuzz/CMakeCache.txt ] || CXX=clang++ cmake -S fuzz -B build-fuzz "${generator[@]}" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHTRMRL_BUILD="$PWD/build" > /dev/null
  cmake --build build-fuzz -j "$(nproc)"
  mkdir -p build-fuzz/findings build-fuzz/logs
  local failed=0
  for corpus in fuzz/corpus/*/; do
    local name
    name=$(basename "$corpus")
    local seeds=("$corpus")
    [ "$name" = config ] && seeds+=(configs)  # the shipped configs seed the TOML reader too
    local scratch
    scratch=$(mktemp -d)  # new inputs the run finds go here, not into the committed corpus
    local log=build-fuzz/logs/$name.log rc=0
    "build-fuzz/fuzz_$name" -max_total_time="$fuzz_seconds" -max_len=65536 -timeout=10 \
      -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="build-fuzz/findings/$name-" \
      "$scratch" "${seeds[@]}" > "$log" 2>&1 || rc=$?
    echo "fuzz_$name: $(grep -o 'number_of_executed_units: [0-9]*' "$log" | cut -d' ' -f2) inputs in ${fuzz_seconds}s"
    if [ "$rc" -ne 0 ]; then
      tail -n 40 "$log"
      failed=1
    fi
    rm -rf "$scratch"
  done
  [ "$failed" -eq 0 ] || { echo "fuzzing found inputs that fail: build-fuzz/findings/" >&2; exit 1; }
}

stage_full() {
  configure build-asan address
  cmake --build build-asan -j "$(nproc)"
  (cd build-asan && ctest --output-on-failure -j "$(nproc)" -E 'Learning\.')
}

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(ci)
for s in "${stages[@]}"; do
  case "$s" in
    envs|threads|fuzz|full) "stage_$s" ;;
    ci) stage_envs; stage_threads; stage_fuzz ;;
    *) echo "sanitize.sh: unknown stage '$s' (envs, threads, fuzz, full, ci)" >&2; exit 2 ;;
  esac
done
