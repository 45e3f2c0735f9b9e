#!/usr/bin/env bash
# Where the CPU goes while applications send I/O through the sample driver: starts a daemon
# (recording or not) and pci9656 on plx0, runs `dmaemu io stress`, and prints the rate and
# the CPU time per request of every thread of the daemon and of the driver (from
# /proc/PID/task/TID/stat), with voluntary context switches per request. Optionally records
# a perf profile of both processes meanwhile. Used for docs/performance.md.
#
# usage: scripts/profile-io.sh [--db off|PATH] [--threads N] [--seconds S] [--size N]
#                              [--cpus LIST] [--perf FILE] [--build-dir DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${DMAEMU_BUILD:-$root/build}
db=off threads=1 seconds=5 size=4K perf_out=
pin=()
while [ $# -gt 0 ]; do
  case "$1" in
    --db) db=$2 ;;
    --threads) threads=$2 ;;
    --seconds) seconds=$2 ;;
    --size) size=$2 ;;
    --cpus) pin=(taskset -c "$2") ;;
    --perf) perf_out=$(realpath -m "$2") ;;
    --build-dir) build=$(realpath -m "$2") ;;
    *) echo "usage: scripts/profile-io.sh [--db off|PATH] [--threads N] [--seconds S]" \
         "[--size N] [--cpus LIST] [--perf FILE] [--build-dir DIR]" >&2; exit 2 ;;
  esac
  shift 2
done

work=$(mktemp -d /tmp/dmaemu-profile.XXXXXX)
pids=()
cleanup() {
  set +e
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
cli="$build/client/dmaemu"
export DMAEMU_DAEMON=unix:$work/d.sock

"${pin[@]}" "$build/daemon/dmaemud" --socket "$work/d.sock" --http off --db "$db" \
  --log-level warn 2>"$work/daemon.log" &
daemon=$!
pids+=($daemon)
for _ in $(seq 100); do [ -S "$work/d.sock" ] && break; sleep 0.05; done
"${pin[@]}" "$build/driver-shim/samples/pci9656/pci9656" --device plx0 2>"$work/driver.log" &
driver=$!
pids+=($driver)
for _ in $(seq 100); do "$cli" devices 2>/dev/null | grep -q "^plx0 .*owned" && break; sleep 0.05; done

# "PID:TID cpu_ticks voluntary_switches" for every thread of both processes.
snapshot() {
  for p in $daemon $driver; do
    for t in /proc/$p/task/*; do
      echo "$p:${t##*/} $(awk '{print $14 + $15}' "$t/stat")" \
        "$(awk '/^voluntary_ctxt_switches/ {print $2}' "$t/status")"
    done
  done | sort
}
snapshot >"$work/before"
if [ -n "$perf_out" ]; then
  perf record -q -e cpu-clock ${PROFILE_PERF_OPTS--g} -o "$perf_out" -p "$daemon,$driver" -- sleep "$seconds" \
    2>/dev/null &
  pids+=($!)
fi
out=$("${pin[@]}" "$cli" io stress plx0 --threads "$threads" --duration "${seconds}s" \
  --size "$size" --span 128K)
snapshot >"$work/after"
echo "$out"
requests=$(echo "$out" | sed -n 's/.*: \([0-9]*\) writes, \([0-9]*\) reads.*/\1 \2/p' |
  awk '{print $1 + $2}')
hz=$(getconf CLK_TCK)
join "$work/before" "$work/after" | awk -v r="$requests" -v hz="$hz" -v d="$daemon" '
  { split($1, id, ":"); us = ($4 - $2) * 1e6 / hz / r; cs = ($5 - $3) / r
    who = id[1] == d ? "dmaemud" : "pci9656"
    printf "  %-8s thread %-7s %7.1f us/request %5.1f switches/request\n", who, id[2], us, cs
    tot[who] += us; sw[who] += cs }
  END { for (w in tot) printf "  %-8s total          %7.1f us/request %5.1f switches/request\n",
                               w, tot[w], sw[w] }'
