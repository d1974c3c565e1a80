#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Build the kernel-matrix initramfs (cpio.gz).
#
#   tools/vm/mkinitramfs.sh -k KERNEL_TREE -o OUT.cpio.gz [-m "MODULES"]
#                           [-b "HOST_BINS"] [-t CMD_TIMEOUT] PAYLOAD_DIR
#
#   -k  the tree fetch-kernel.sh unpacked (holds lib/modules/<release>/)
#   -o  output file
#   -m  kernel modules to copy (with their dependencies) and load at boot;
#       default "veth dummy" (both are modules in Debian's 6.1, veth is what
#       the netns tests need; other modules can be modprobe'd in the guest
#       only if listed here)
#   -b  host programs to copy with their shared libraries into /usr/local/sbin
#       (e.g. "dash ip ss": busybox ip has no "ip netns" and no veth); when
#       dash is among them it becomes /bin/sh; default none
#   -t  per-command time limit in seconds inside the guest (0: none)
#   PAYLOAD_DIR is copied to /opt/socktrace; it must hold tests.list, one
#   shell command per line, optionally "[label] command" (see init.sh).
#   Payload programs must be static (or listed with -b): the guest has no libc.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
ktree='' out='' mods='veth dummy' bins='' tmo=0
while getopts k:o:m:b:t: opt; do
	case $opt in
	k) ktree=$OPTARG ;;
	o) out=$OPTARG ;;
	m) mods=$OPTARG ;;
	b) bins=$OPTARG ;;
	t) tmo=$OPTARG ;;
	*) sed -n '2,20s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# = 1 ] && [ -n "$ktree" ] && [ -n "$out" ] || { sed -n '2,20s/^# \{0,1\}//p' "$0" >&2; exit 2; }
payload=$1
die() { echo "mkinitramfs: $*" >&2; exit 1; }
[ -f "$payload/tests.list" ] || die "$payload/tests.list missing"
kver=$(ls "$ktree/lib/modules" 2>/dev/null | head -n1)
[ -n "$kver" ] || die "no lib/modules/<release> under $ktree"
kmod=$ktree/lib/modules/$kver
bb=$(command -v busybox || true)
[ -n "$bb" ] && file -L "$bb" 2>/dev/null | grep -q 'statically linked' ||
	bb=/bin/busybox
file -L "$bb" | grep -q 'statically linked' || die "no static busybox (apt-get install busybox-static)"

root=$(mktemp -d "${TMPDIR:-/tmp}/vm-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT

# --- skeleton, busybox -----------------------------------------------------
(cd "$root" && mkdir -p bin sbin usr/bin usr/sbin usr/local/bin usr/local/sbin \
	etc root proc sys dev tmp run var opt/socktrace lib/modules)
ln -s ../run "$root/var/run"
ln -s ../tmp "$root/var/tmp"
cp "$bb" "$root/bin/busybox"
for a in $("$bb" --list-full); do
	[ -e "$root/$a" ] || ln -s /bin/busybox "$root/$a"
done
# The C library reads these; static glibc has no NSS modules here, so only
# the "files" data below is ever consulted (if at all).
cat >"$root/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat >"$root/etc/group" <<'G'
root:x:0:
nogroup:x:65534:
G
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
printf 'passwd: files\ngroup: files\nhosts: files\n' >"$root/etc/nsswitch.conf"
ln -s /proc/mounts "$root/etc/mtab"

# --- kernel modules ----------------------------------------------------------
if [ -n "$mods" ]; then
	# Debian's package ships no modules.dep; make one in the (cache) tree once.
	[ -s "$kmod/modules.dep" ] || depmod -b "$ktree" "$kver"
	list=$(for m in $mods; do
		modprobe -d "$ktree" -S "$kver" --show-depends "$m" ||
			die "module $m not found in $kver"
	done | awk '$1 == "insmod" {print $2}' | sort -u)
	mkdir -p "$root/lib/modules/$kver"
	for f in $list; do
		rel=${f#"$kmod"/}
		mkdir -p "$root/lib/modules/$kver/$(dirname "$rel")"
		cp "$f" "$root/lib/modules/$kver/$rel"
		# trixie's modules are xz-compressed; busybox insmod wants them plain
		case $rel in
		*.ko.xz) xz -d "$root/lib/modules/$kver/$rel" ;;
		*.ko.zst) zstd -q -d --rm "$root/lib/modules/$kver/$rel" ;;
		esac
	done
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[ -f "$kmod/$f" ] && cp "$kmod/$f" "$root/lib/modules/$kver/"
	done
	depmod -b "$root" "$kver"
fi

# --- host programs with their libraries --------------------------------------
for b in $bins; do
	p=$(export PATH="$PATH:/usr/sbin:/sbin"; command -v "$b" 2>/dev/null || true)
	[ -n "$p" ] || die "host program $b not found"
	cp -L "$p" "$root/usr/local/sbin/$(basename "$p")"
	ldd "$p" 2>/dev/null | awk '/=> \//{print $3} /^\t\/[^ ]+ \(/{print $1}' |
		while read -r lib; do
			mkdir -p "$root$(dirname "$lib")"
			[ -e "$root$lib" ] || cp -L "$lib" "$root$lib"
		done
done

# busybox-static's own sh runs its applets before anything in PATH (a script's
# "ip" is busybox ip, whatever PATH says); with the host's dash copied, make it
# /bin/sh so that scripts and system() find the copied programs first.
if [ -x "$root/usr/local/sbin/dash" ]; then
	rm -f "$root/bin/sh"
	ln -s /usr/local/sbin/dash "$root/bin/sh"
fi

# --- payload, init -------------------------------------------------------------
cp -a "$payload/." "$root/opt/socktrace/"
# tests run the tracer as an unprivileged user too: it must be able to exec it
chmod 0755 "$root"
chmod -R a+rX "$root/opt" "$root/bin" "$root/usr" 2>/dev/null || true
cp "$here/init.sh" "$root/init"
chmod 0755 "$root/init"
sed -i '1s|.*|#!/bin/busybox sh|' "$root/init"
cat >"$root/etc/vm.conf" <<C
VM_MODULES="$(echo $mods)"
VM_CMD_TIMEOUT=$tmo
C

mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($(du -k "$out" | cut -f1) KiB, kernel $kver, modules: ${mods:-none})" >&2
