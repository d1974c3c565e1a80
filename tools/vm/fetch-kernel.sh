#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Fetch Debian's current 6.1 kernel image package (without installing it) and
# unpack it into a cache directory, for the QEMU kernel matrix.
#
#   tools/vm/fetch-kernel.sh [CACHE_ROOT]      (default: build/vm)
#
# Installs what is missing on the host (qemu-system-x86, busybox-static, kmod,
# cpio) from Debian's archive. Prints, on stdout, two lines:
#   VMLINUZ=<path to vmlinuz>
#   KVER=<kernel release, e.g. 6.1.0-28-amd64>
# and the unpacked tree is <CACHE_ROOT>/kernel-<KVER>/ (vmlinuz in boot/,
# modules in lib/modules/<KVER>/). Cached: a second run downloads nothing.
# KERNEL_PKG=linux-image-6.1.0-NN-amd64 pins a package instead of the current one.
set -eu

cache=${1:-${VM_CACHE:-build/vm}}
log() { echo "fetch-kernel: $*" >&2; }

# --- host tools -----------------------------------------------------------
need="qemu-system-x86 busybox-static kmod cpio gzip file"
missing=
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
updated=0
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		log "missing packages:$missing (run as root to install them)"
		exit 1
	fi
	log "installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	updated=1
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# --- which kernel package ------------------------------------------------
resolve() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: *\(linux-image-6\.1\.0-[0-9]*-amd64\)$/\1/p' | head -n1
}
pkg=${KERNEL_PKG:-}
if [ -z "$pkg" ]; then
	pkg=$(resolve)
	if [ -z "$pkg" ] && [ "$updated" = 0 ] && [ "$(id -u)" = 0 ]; then
		apt-get update -qq
		updated=1
		pkg=$(resolve)
	fi
	if [ -z "$pkg" ]; then
		# Fall back to the newest unsigned/signed 6.1 image apt knows.
		pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' 2>/dev/null |
			awk '{print $1}' | sort -t- -k4,4n | tail -n1)
	fi
fi
case $pkg in
linux-image-6.1.0-*-amd64) ;;
*)
	log "cannot resolve Debian's 6.1 kernel package (got '$pkg'); run apt-get update"
	exit 1
	;;
esac
kver=${pkg#linux-image-}
dir=$cache/kernel-$kver

if [ ! -f "$dir/.complete" ]; then
	mkdir -p "$cache/deb"
	deb=$(ls "$cache"/deb/"${pkg}"_*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$deb" ]; then
		log "downloading $pkg"
		tmp=$(mktemp -d "$cache/deb/dl.XXXXXX")
		if ! (cd "$tmp" && apt-get download -qq "$pkg" >/dev/null 2>&1); then
			if [ "$updated" = 0 ] && [ "$(id -u)" = 0 ]; then
				apt-get update -qq
				(cd "$tmp" && apt-get download -qq "$pkg" >/dev/null)
			else
				rm -rf "$tmp"
				log "apt-get download $pkg failed"
				exit 1
			fi
		fi
		mv "$tmp"/*.deb "$cache/deb/"
		rmdir "$tmp"
		deb=$(ls "$cache"/deb/"${pkg}"_*.deb | head -n1)
	fi
	log "unpacking $(basename "$deb")"
	rm -rf "$dir"
	mkdir -p "$dir"
	dpkg-deb -x "$deb" "$dir"
	# Debian ships modules xz-compressed in newer ABIs; leave them as they are,
	# mkinitramfs.sh decompresses what it copies.
	touch "$dir/.complete"
fi

vmlinuz=$dir/boot/vmlinuz-$kver
[ -f "$vmlinuz" ] || { log "no $vmlinuz in the package"; exit 1; }
echo "VMLINUZ=$(cd "$(dirname "$vmlinuz")" && pwd)/$(basename "$vmlinuz")"
echo "KVER=$kver"
