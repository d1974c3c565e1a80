#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Fetch one of Debian's kernel image packages (without installing it) and
# unpack it into a cache directory, for the QEMU kernel matrix.
#
#   tools/vm/fetch-kernel.sh [CACHE_ROOT [SERIES]]   (default: build/vm 6.1)
#
# SERIES is 5.10 (bullseye), 6.1 (bookworm) or 6.12 (trixie). The package
# comes from that suite of the Debian archive this machine already uses, read
# through a private apt configuration under CACHE_ROOT/apt/<suite>/ (its own
# sources list, lists and cache): the machine's apt configuration is never
# changed. Installs what is missing on the host (qemu-system-x86,
# busybox-static, kmod, cpio) with the machine's apt. Prints, on stdout:
#   VMLINUZ=<path to vmlinuz>
#   KVER=<kernel release, e.g. 6.1.0-28-amd64>
# and the unpacked tree is <CACHE_ROOT>/kernel-<KVER>/ (vmlinuz in boot/,
# modules in lib/modules/<KVER>/). Cached: once a suite's package lists are
# there, a second run touches no network (VM_REFRESH=1 updates them).
# KERNEL_PKG=linux-image-<release> pins a package instead of the suite's current one.
set -eu

cache=${1:-${VM_CACHE:-build/vm}}
series=${2:-6.1}
log() { echo "fetch-kernel: $*" >&2; }

case $series in
5.10) suite=bullseye ;;
6.1) suite=bookworm ;;
6.12) suite=trixie ;;
*)
	log "unknown kernel series '$series' (5.10, 6.1 or 6.12)"
	exit 2
	;;
esac

# --- host tools -----------------------------------------------------------
need="qemu-system-x86 busybox-static kmod cpio gzip file"
missing=
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		log "missing packages:$missing (run as root to install them)"
		exit 1
	fi
	log "installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# --- a private apt for the suite ------------------------------------------
# The machine's Debian mirror, from its own sources (deb822 or one-line form).
mirror=${VM_MIRROR:-$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
	/etc/apt/sources.list.d/*.sources 2>/dev/null |
	sed -n 's|^URIs: *\(.*/debian\)/*$|\1|p; s|^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*/debian\)/* .*|\2|p' |
	head -n1)}
mirror=${mirror:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
apt_dir=$(mkdir -p "$cache/apt/$suite" && cd "$cache/apt/$suite" && pwd)
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/parts"
cat >"$apt_dir/sources.list" <<SRC
deb [signed-by=$keyring] $mirror $suite main
deb [signed-by=$keyring] $mirror-security $suite-security main
SRC
set -- -o "Dir::State=$apt_dir" -o "Dir::State::lists=$apt_dir/lists" \
	-o "Dir::Cache=$apt_dir" -o "Dir::Cache::archives=$apt_dir/archives" \
	-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=$apt_dir/parts" \
	-o "Dir::Etc::preferencesparts=$apt_dir/parts" -o "Dir::Etc::preferences=$apt_dir/none" \
	-o "APT::Get::List-Cleanup=false" -o Acquire::Languages=none
update() {
	log "reading $suite's package lists from $mirror"
	apt-get "$@" update -qq >/dev/null || { log "apt-get update ($suite) failed"; exit 1; }
}
if [ "${VM_REFRESH:-0}" = 1 ] || ! ls "$apt_dir"/lists/*_Packages* >/dev/null 2>&1; then
	update "$@"
fi

# --- which kernel package ------------------------------------------------
esc=$(echo "$series" | sed 's/\./\\./g')
resolve() {
	apt-cache "$@" depends linux-image-amd64 2>/dev/null |
		sed -n "s/^ *Depends: *\(linux-image-$esc[.0-9+a-z-]*-amd64\)\$/\1/p" | head -n1
}
pkg=${KERNEL_PKG:-$(resolve "$@")}
case $pkg in
linux-image-"$series".*-amd64 | linux-image-"$series"-*-amd64 | linux-image-"$series"+*-amd64) ;;
*)
	log "cannot resolve Debian $suite's $series kernel package (got '$pkg'); try VM_REFRESH=1"
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
		if ! (cd "$tmp" && apt-get "$@" download -qq "$pkg" >/dev/null 2>&1); then
			update "$@"
			(cd "$tmp" && apt-get "$@" download -qq "$pkg" >/dev/null) ||
				{ rm -rf "$tmp"; log "apt-get download $pkg failed"; exit 1; }
		fi
		mv "$tmp"/*.deb "$cache/deb/"
		rmdir "$tmp"
		deb=$(ls "$cache"/deb/"${pkg}"_*.deb | head -n1)
	fi
	log "unpacking $(basename "$deb")"
	rm -rf "$dir"
	mkdir -p "$dir"
	dpkg-deb -x "$deb" "$dir"
	# trixie is merged-/usr: its modules are in usr/lib/modules
	[ -d "$dir/lib" ] || [ ! -d "$dir/usr/lib/modules" ] || ln -s usr/lib "$dir/lib"
	# Debian ships modules xz-compressed in newer ABIs; leave them as they are,
	# mkinitramfs.sh decompresses what it copies.
	touch "$dir/.complete"
fi

vmlinuz=$dir/boot/vmlinuz-$kver
[ -f "$vmlinuz" ] || { log "no $vmlinuz in the package"; exit 1; }
echo "VMLINUZ=$(cd "$(dirname "$vmlinuz")" && pwd)/$(basename "$vmlinuz")"
echo "KVER=$kver"
