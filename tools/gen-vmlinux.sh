#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Regenerate vmlinux/<arch>/vmlinux.h from a kernel's BTF.
# usage: tools/gen-vmlinux.sh [BTF_FILE] [ARCH]
# CO-RE relocates field offsets at load time, so one header per architecture is
# enough for every kernel of that architecture; regenerate only to pick up new types.
set -eu
btf=${1:-/sys/kernel/btf/vmlinux}
arch=${2:-$(uname -m)}
case "$arch" in
x86_64 | x86) arch=x86 ;;
aarch64 | arm64) arch=arm64 ;;
esac
[ -r "$btf" ] || { echo "gen-vmlinux: cannot read BTF file $btf" >&2; exit 1; }
command -v bpftool >/dev/null || { echo "gen-vmlinux: bpftool not found (apt-get install bpftool)" >&2; exit 1; }
out=$(dirname "$0")/../vmlinux/$arch/vmlinux.h
mkdir -p "$(dirname "$out")"
bpftool btf dump file "$btf" format c >"$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out"
