#!/usr/bin/env bash
# Installs what is missing, builds, and runs dmaemud in the foreground with its built-in devices
# (plx0 and plx1), listening locally and on TCP 127.0.0.1:7681 with a token. Ctrl-C stops it.
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
echo
echo "dmaemud is starting (Ctrl-C stops it). In another terminal:"
[ -n "$socket_uri" ] && echo "  export DMAEMU_DAEMON=$socket_uri"
echo "  $cli devices                 # over the local socket"
echo "  $cli --daemon $tcp --token-file $token devices   # over TCP"
echo "  $cli regs plx0                # plx0's registers, decoded"
echo "Socket: ${socket_uri:-default (\$XDG_RUNTIME_DIR/dmaemu or /run/dmaemu)}  TCP: $tcp  token: $token"
echo
exec "$build/daemon/dmaemud" "${args[@]}" --listen "$tcp" --token-file "$token"
