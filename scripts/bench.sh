#!/usr/bin/env bash
# Runs dmaemu-bench (tests/bench) against fresh daemons and prints how close dmaemu runs to the
# machine's limits, every row as a ratio to a baseline measured in the same run.
#
# It starts, in a temporary directory:
#   - dmaemud recording its history, on a UNIX socket and on TCP loopback (with a token), with
#     plx0 (served by the pci9656 sample driver), plx1 (64 MiB SRAM, for the raw MMIO,
#     interrupt and DMA rows) and plx2 (served by dmaemu-bench-isr, for the ISR latency);
#   - a second dmaemud with --db off and plx0 served by pci9656: I/O without recording.
# Every process it started is stopped on any exit.
#
# usage: scripts/bench.sh [--quick] [--json FILE] [--cpus LIST] [--writer-cpus LIST]
#                          [--only PARTS] [--build-dir DIR] [--no-build]
#   --quick      a few seconds: checks that the benchmark works (CI: ctest bench.quick)
#   --json FILE  also write the rows as JSON
#   --cpus LIST  run every process on these CPUs (taskset -c LIST), e.g. 0: on machines where
#                waking a thread on another CPU is slow (VMs), the run measures the software
#                path instead of the scheduler's placement (docs/performance.md)
#   --writer-cpus LIST
#                move the recording daemon's history writer thread to these CPUs, the rest
#                staying where --cpus put it: recording's cost where the writer has a core of
#                its own, as on any machine with one to spare
#   --only PARTS dmaemu-bench's parts: local, remote, isr, io (comma-separated)
#   --build-dir  where to build and find the binaries (default: build, or $DMAEMU_BUILD)
#   --no-build   use the binaries as they are (ctest does)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${DMAEMU_BUILD:-$root/build}
quick=()
json=()
pin=()
writer_cpus=
only=()
do_build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=(--quick) ;;
    --json) json=(--json "$(realpath -m "$2")"); shift ;;
    --cpus) pin=(taskset -c "$2"); shift ;;
    --writer-cpus) writer_cpus=$2; shift ;;
    --only) only=(--only "$2"); shift ;;
    --build-dir) build=$(realpath -m "$2"); shift ;;
    --no-build) do_build=0 ;;
    *) echo "usage: scripts/bench.sh [--quick] [--json FILE] [--cpus LIST] [--writer-cpus LIST]" \
         "[--only PARTS] [--build-dir DIR] [--no-build]" >&2
       exit 2 ;;
  esac
  shift
done

if [ $do_build -eq 1 ]; then
  "$root/scripts/deps.sh" build test # the benchmark lives with the tests, which need cmocka
  cmake -S "$root" -B "$build" -DDMAEMU_TESTS=ON >/dev/null
  cmake --build "$build" -j "$(nproc)" --target dmaemud dmaemu-bench dmaemu-bench-isr pci9656
fi
dmaemud=$build/daemon/dmaemud
bench=$build/tests/bench/dmaemu-bench
isr_driver=$build/tests/bench/dmaemu-bench-isr
sample=$build/driver-shim/samples/pci9656/pci9656
for exe in "$dmaemud" "$bench" "$isr_driver" "$sample"; do
  [ -x "$exe" ] || { echo "bench.sh: $exe is missing: build first (without --no-build)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/dmaemu-bench.XXXXXX)
pids=()
names=() # pids[i] is the process whose log is $work/${names[i]}.log
cleanup() {
  local rc=$?
  set +e
  # In reverse order of starting, each waited for: drivers power down against a live device,
  # then the daemons stop. Each stops with status 0 on SIGTERM; anything else (a crash, a
  # sanitizer's report at exit) fails the run, so ctest's bench.quick checks clean shutdowns.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null
    wait "${pids[i]}" 2>/dev/null && continue
    echo "bench.sh: ${names[i]} exited with status $? (see its log below)" >&2
    [ $rc -eq 0 ] && rc=1
  done
  if [ $rc -ne 0 ]; then
    for log in "$work"/*.log; do
      [ -s "$log" ] && { echo "--- $(basename "$log") (last lines)"; tail -n 15 "$log"; } >&2
    done
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

(umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/token")
cat >"$work/devices.ini" <<'EOF'
[device plx0]
model = plx9656
sram_size = 8M
[device plx1]
model = plx9656
sram_size = 64M
[device plx2]
model = plx9656
EOF

# Starts a daemon (name, extra args...) and waits for its ready report, which lists the
# listeners; they are left in $work/NAME.ready.
start_daemon() {
  local name=$1
  shift
  mkfifo "$work/$name.fifo"
  "${pin[@]}" "$dmaemud" --config "$work/devices.ini" --socket "$work/$name.sock" --http off \
    --log-level warn --ready-fd 4 "$@" 4>"$work/$name.fifo" 2>"$work/$name.log" &
  pids+=($!)
  names+=("$name")
  if ! timeout 15 cat "$work/$name.fifo" >"$work/$name.ready" ||
    ! grep -q '^ready$' "$work/$name.ready"; then
    echo "bench.sh: dmaemud ($name) did not start: see $name.log below" >&2
    exit 1
  fi
}

# Starts a KMDF driver (name, executable, device, daemon socket) and waits until it owns the
# device.
start_driver() {
  local name=$1 exe=$2 dev=$3 sock=$4
  "${pin[@]}" "$exe" --device "$dev" --daemon "unix:$sock" 2>"$work/$name.log" &
  pids+=($!)
  names+=("$name")
  for _ in $(seq 200); do
    "$build/client/dmaemu" --daemon "unix:$sock" devices 2>/dev/null | grep -q "^$dev .*owned" &&
      return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.05
  done
  echo "bench.sh: $name did not attach to $dev: see $name.log below" >&2
  exit 1
}

start_daemon main --db "$work/history.db" --listen tcp://127.0.0.1:0 --token-file "$work/token"
start_daemon off --db off
if [ -n "$writer_cpus" ]; then
  for task in /proc/"${pids[0]}"/task/*; do
    [ "$(cat "$task/comm" 2>/dev/null)" = history-writer ] &&
      taskset -p -c "$writer_cpus" "${task##*/}" >/dev/null
  done
fi
tcp=$(grep '^tcp://' "$work/main.ready")
start_driver sample-main "$sample" plx0 "$work/main.sock"
start_driver sample-off "$sample" plx0 "$work/off.sock"
start_driver bench-isr "$isr_driver" plx2 "$work/main.sock"

args=(--daemon "unix:$work/main.sock" --daemon-off "unix:$work/off.sock" --remote "$tcp"
      --token-file "$work/token" --device plx1 --io-device plx0 --isr-device plx2)
cpus="$(nproc) CPUs"
[ ${#pin[@]} -gt 0 ] && cpus="pinned to CPU ${pin[2]} of $cpus"
[ -n "$writer_cpus" ] && cpus="$cpus, history writer on CPU $writer_cpus"
echo "== dmaemu-bench ${quick[*]} ${only[*]} ($cpus; ratios to baselines measured in this run)"
"${pin[@]}" "$bench" "${args[@]}" "${quick[@]}" "${only[@]}" "${json[@]}"
