#!/usr/bin/env bash
# Installs what is missing, builds, and runs dmaemud in the foreground with its built-in devices
# (plx0 and plx1), listening locally and on TCP 127.0.0.1:7681 with a token, with the sample
# KMDF driver pci9656 attached to plx0. Ctrl-C stops both.
# Environment: DMAEMU_TCP (default tcp://127.0.0.1:7681), DMAEMU_BUILD (default build/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${DMAEMU_BUILD:-$root/build}
tcp=${DMAEMU_TCP:-tcp://127.0.0.1:7681}

"$root/scripts/deps.sh" build
"$root/scripts/build.sh" "$build" -DDMAEMU_TESTS=OFF

# The token TCP clients must present: made once, readable only by you.
state=${XDG_STATE_HOME:-$HOME/.local/state}/dmaemu
mkdir -p "$state"
token=$state/token
if [ ! -s "$token" ]; then
  (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$token")
fi

# The default socket lives in $XDG_RUNTIME_DIR (or /run for root); elsewhere, use /tmp.
args=()
if [ -n "${XDG_RUNTIME_DIR:-}" ] || [ "$(id -u)" -eq 0 ]; then
  socket_uri=""
else
  sock=/tmp/dmaemu-$(id -u)/dmaemud.sock
  mkdir -p "$(dirname "$sock")" && chmod 700 "$(dirname "$sock")"
  args+=(--socket "$sock")
  socket_uri="unix:$sock"
fi

cli=$build/client/dmaemu
driver=$build/driver-shim/samples/pci9656/pci9656

# The daemon reports its listeners on a pipe once it is ready; the driver starts after that.
fifo=$(mktemp -u)
mkfifo "$fifo"
exec 3<>"$fifo"
rm -f "$fifo"
# Their own session: Ctrl-C reaches only this script, which stops the driver before the daemon
# so the driver powers down against a live device.
setsid "$build/daemon/dmaemud" "${args[@]}" --listen "$tcp" --token-file "$token" \
  --ready-fd 4 4>&3 &
daemon_pid=$!
driver_pid=
stop_all() {
  set +e # whatever their exit status, both must be stopped
  if [ -n "$driver_pid" ]; then kill -TERM "$driver_pid" 2>/dev/null; wait "$driver_pid"; fi
  kill -TERM "$daemon_pid" 2>/dev/null
  wait "$daemon_pid"
}
trap stop_all EXIT
trap 'exit 130' INT TERM
ready=0
http_uri=
while read -r -t 15 line <&3; do
  case "$line" in
    ready) ready=1; break ;;
    http://*) http_uri=$line ;;
  esac
done
if [ $ready -ne 1 ]; then
  echo "run.sh: dmaemud did not start (see its messages above)" >&2
  exit 1
fi
setsid "$driver" --device plx0 ${socket_uri:+--daemon "$socket_uri"} &
driver_pid=$!

echo
echo "dmaemud is running with pci9656 on plx0 (Ctrl-C stops both). In another terminal:"
[ -n "$socket_uri" ] && echo "  export DMAEMU_DAEMON=$socket_uri"
echo "  $cli devices                 # plx0 owned by pci9656, plx1 free"
echo "  $cli io write plx0 --size 64K --pattern random:7"
echo "  $cli io read plx0 --size 64K --verify random:7"
echo "  $cli io stress plx0 --threads 4 --duration 10s"
echo "  $cli regs plx0                # the chip's registers, decoded"
echo "  $cli --daemon $tcp --token-file $token devices   # the same over TCP"
echo "  $cli history; $cli show 1; $cli stats    # what happened, from the history"
echo "History database: ${XDG_STATE_HOME:-$HOME/.local/state}/dmaemu/history.db"
[ -n "$http_uri" ] && echo "Dashboard: $http_uri/  (JSON API: $http_uri/api/devices)"
echo
wait $daemon_pid
