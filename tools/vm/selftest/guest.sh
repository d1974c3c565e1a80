#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Kernel-matrix self-test, shell half (TAP): what the bare guest offers the
# integration tests besides the C library: modules, namespaces, veth.
n=0
fail=0
t() { # t DESCRIPTION COMMAND...
	d=$1
	shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n - $d"
	else
		echo "not ok $n - $d"
		printf '%s\n' "$out" | sed 's/^/#   /'
		fail=$((fail + 1))
	fi
}
t "lo is up" sh -c 'ip link show lo | grep -q UP'
t "::1 on lo" sh -c 'ip -6 addr show dev lo | grep -q "::1"'
t "/tmp is writable" sh -c 'echo x >/tmp/.w && rm /tmp/.w'
t "bpffs on /sys/fs/bpf" sh -c 'grep -q " /sys/fs/bpf bpf " /proc/mounts'
t "veth pair in a new netns" unshare -n /bin/sh -c '
	ip link set lo up &&
	ip link add vt0 type veth peer name vt1 &&
	ip link set vt0 up && ip link set vt1 up && ip link show vt1 | grep -q vt0'
t "modprobe dummy" modprobe dummy
t "/bin/sh finds iproute2 ip in PATH" sh -c 'ip -V | grep -q iproute2'
t "ip netns" sh -c 'ip netns add st0 && ip netns exec st0 ip link set lo up && ip netns del st0'
t "ss lists a listener" sh -c 'nc -l -p 4567 127.0.0.1 </dev/null & p=$!; sleep 0.3; ss -ltn | grep -q :4567; r=$?; kill $p; exit $r'
t "/etc/passwd has root" grep -q "^root:" /etc/passwd
echo "1..$n"
[ "$fail" = 0 ]
