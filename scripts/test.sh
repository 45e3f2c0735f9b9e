#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through ctest: first a normal build with
# warnings as errors, then an AddressSanitizer + UndefinedBehaviorSanitizer build (clang) that
# also runs the libFuzzer targets briefly.
# usage: scripts/test.sh [--quick]   (--quick: the normal build only)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
quick=0
case "${1:-}" in
  --quick) quick=1 ;;
  "") ;;
  *) echo "usage: scripts/test.sh [--quick]" >&2; exit 2 ;;
esac
jobs=$(nproc)

if [ $quick -eq 1 ]; then "$root/scripts/deps.sh" test; else "$root/scripts/deps.sh" test sanitize; fi

echo "== build (gcc, -Werror)"
"$root/scripts/build.sh" "$root/build" -DDMAEMU_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== tests"
(cd "$root/build" && ctest --output-on-failure -j "$jobs")

[ $quick -eq 1 ] && exit 0

echo "== build (clang, ASan + UBSan, fuzzers)"
CC=clang "$root/scripts/build.sh" "$root/build-asan" -DDMAEMU_WERROR=ON -DDMAEMU_SANITIZE=ON \
  -DDMAEMU_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug
echo "== tests under ASan + UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd "$root/build-asan" && ctest --output-on-failure -j "$jobs")
