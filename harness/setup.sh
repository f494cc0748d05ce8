#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Install what the harness needs on Debian 12, only if something is missing.
set -eu
PKGS="build-essential libc6-dev flex bison bc libelf-dev libssl-dev cpio
dwarves sparse perl patch git xz-utils python3 qemu-system-x86
busybox-static linux-source-6.1 gcc-aarch64-linux-gnu gcc-s390x-linux-gnu
gnuplot-nox"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "harness: installing:$missing" >&2
if [ "$(id -u)" != 0 ]; then
	echo "harness: run as root, or install these packages first:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
