#!/usr/bin/env bash
# Installs the Debian packages dmaemu needs that are missing; does nothing when all are there.
# usage: scripts/deps.sh [build|test|sanitize]...   (build is always included)
# The web dashboard needs node and npm; browser tests need Debian's chromium.
set -euo pipefail

packages=(build-essential cmake pkg-config libuv1-dev libprotobuf-c-dev protobuf-c-compiler
          libinih-dev libjansson-dev libsqlite3-dev libh2o-dev)
for want in "$@"; do
  case "$want" in
    build) ;;
    test) packages+=(libcmocka-dev chromium) ;;
    sanitize) packages+=(libcmocka-dev chromium clang libclang-rt-14-dev) ;;
    *) echo "deps.sh: unknown set '$want' (build, test, sanitize)" >&2; exit 2 ;;
  esac
done

# node may come from elsewhere than Debian (NodeSource bundles npm): only the commands count.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null; then
  sudo=(sudo)
else
  echo "deps.sh: missing packages (${missing[*]}) and no sudo: install them as root" >&2
  exit 1
fi
echo "Installing: ${missing[*]}"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
