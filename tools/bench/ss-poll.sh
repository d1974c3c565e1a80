#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# socktrace benchmark: poll `ss -tan` every 100 ms, inside the storm's network
# namespace (bench.sh starts it with `ip netns exec`). Bounded: at most MAXPOLLS
# polls; it stops at the first poll after STOPFILE appears.
#   ss-poll.sh OUT TIMES STOPFILE READYFILE MAXPOLLS
# OUT gets every poll's rows after a "#poll N" line. TIMES gets one line per ss
# run with its peak RSS in kB ("rss KB", from /usr/bin/time when installed) and
# at the end "cpu_ticks T": the CPU time (user + system, clock ticks) of all ss
# runs together, from this shell's cutime + cstime read (with the `read`
# builtin, no fork) right before and after each run, so the sleeps between
# polls do not count.
set -u
out=$1 times=$2 stop=$3 ready=$4 max=$5
: > "$out"
: > "$times"
tbin=
[ -x /usr/bin/time ] && tbin=/usr/bin/time
children_ticks() { # CT = cutime + cstime of this shell (stat fields 16, 17), no fork
	read -r _st < /proc/$$/stat
	set -- ${_st##*) }
	CT=$((${14} + ${15}))
}
: > "$ready"
n=0
total=0
while [ "$n" -lt "$max" ]; do
	n=$((n + 1))
	echo "#poll $n" >> "$out"
	children_ticks; c0=$CT
	if [ -n "$tbin" ]; then
		"$tbin" -a -o "$times" -f 'rss %M' ss -Htan >> "$out"
	else
		ss -Htan >> "$out"
	fi
	children_ticks; c1=$CT
	total=$((total + c1 - c0))
	[ -e "$stop" ] && break
	sleep 0.1
done
echo "cpu_ticks $total" >> "$times"
exit 0
