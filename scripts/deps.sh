#!/bin/sh
# Installs what building, running and testing dahub needs, when missing.
# Debian 12 packages only. Runs apt-get as root, or through sudo.
set -eu

PKGS="build-essential cmake pkg-config libuv1-dev libcurl4-openssl-dev \
libjansson-dev libcmocka-dev libsqlite3-dev libpq-dev libsystemd-dev libssl-dev \
coinor-libclp-dev libzip-dev libexpat1-dev libxlsxwriter-dev python3 sqlite3"
[ $# -gt 0 ] && PKGS="$PKGS $*"

missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
echo "installing:$missing" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
