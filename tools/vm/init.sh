#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# /init of the kernel-matrix initramfs (run by busybox sh as PID 1).
# Mounts the basic filesystems, runs /opt/socktrace/tests.list one line at a
# time and powers off. Deliberately NOT mounted: tracefs and debugfs (debugfs
# would auto-mount tracefs under it); socktrace must cope with that itself.
#
# Output channels: /dev/console (ttyS0) gets the kernel log and progress
# lines; /dev/ttyS1 (the results port) gets every marker and all command
# output, where tools/vm/run.sh parses it:
#   @@@ KERNEL <uname -r>
#   @@@ PLAN <label> <label> ...
#   @@@ BEGIN <label>
#   ...command output...
#   @@@ END <label> rc=<n>
#   @@@ BEGIN dmesg ... @@@ END dmesg rc=0
#   @@@ DONE
export PATH=/opt/socktrace:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C
. /etc/vm.conf

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t bpf bpf /sys/fs/bpf
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
mkdir -p /run/netns
hostname socktrace-vm
ip link set lo up
# shellcheck disable=SC3045 # busybox sh has it
ulimit -l unlimited 2>/dev/null
for m in $VM_MODULES; do
	modprobe "$m" || echo "init: modprobe $m failed" >/dev/console
done

R=/dev/ttyS1
[ -c "$R" ] || R=/dev/console
say() { echo "$*" >"$R"; [ "$R" = /dev/console ] || echo "$*" >/dev/console; }

list=/opt/socktrace/tests.list
# Lines: "[label] command" or "command" (label cmdN). '#' comments, blanks skipped.
parse() {
	i=0
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in '' | '#'*) continue ;; esac
		i=$((i + 1))
		case $line in
		'['*']'*)
			label=${line%%]*}
			label=${label#[}
			cmd=${line#*]}
			;;
		*)
			label=cmd$i
			cmd=$line
			;;
		esac
		echo "$label	$cmd"
	done <"$list"
}
parse >/tmp/.plan 2>/dev/null
say "@@@ KERNEL $(uname -r)"
say "@@@ PLAN $(cut -f1 /tmp/.plan | tr '\n' ' ')"
up=$(cut -d' ' -f1 /proc/uptime)
say "@@@ UPTIME $up"

while IFS='	' read -r label cmd; do
	say "@@@ BEGIN $label"
	t0=$(cut -d' ' -f1 /proc/uptime)
	if [ "${VM_CMD_TIMEOUT:-0}" -gt 0 ]; then
		(cd /opt/socktrace && timeout -s KILL "$VM_CMD_TIMEOUT" /bin/sh -c "$cmd" </dev/null >"$R" 2>&1)
	else
		(cd /opt/socktrace && /bin/sh -c "$cmd" </dev/null >"$R" 2>&1)
	fi
	rc=$?
	t1=$(cut -d' ' -f1 /proc/uptime)
	say "@@@ END $label rc=$rc secs=$(awk "BEGIN{printf \"%.1f\", $t1-$t0}")"
done </tmp/.plan

say "@@@ BEGIN dmesg"
dmesg >"$R" 2>&1
say "@@@ END dmesg rc=0"
say "@@@ DONE"
sync
poweroff -f
