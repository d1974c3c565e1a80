#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Soak: SOAK_CONNS connections (default 200,000) in batches through
# `socktrace watch --json`, in a network namespace of its own. Reports peak
# RSS, its growth per tracked socket, and losses; fails if anything was lost
# or socktrace did not exit cleanly. Loopback only; bounded in count and time.
#   tools/soak.sh [SOCKTRACE] [CONNSTORM]
set -eu
st=${1:-build/socktrace}
cs=${2:-build/tools/connstorm}
total=${SOAK_CONNS:-200000}
batch=${SOAK_BATCH:-50000}
dir=$(mktemp -d /tmp/socktrace-soak.XXXXXX)
ns=socktrace-soak-$$
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

ip netns add "$ns"
ip -n "$ns" link set lo up
ino=$(ip netns exec "$ns" stat -L -c %i /proc/self/ns/net)
"$st" watch --json --netns "$ino" --ready-file "$dir/ready" >"$dir/out" 2>"$dir/err" &
pid=$!
i=0
while [ ! -e "$dir/ready" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
[ -e "$dir/ready" ] || { echo "soak: socktrace did not start: $(cat "$dir/err")" >&2; exit 1; }
rss0=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")

made=0
start=$(date +%s)
while [ $made -lt "$total" ]; do
	n=$((total - made < batch ? total - made : batch))
	ip netns exec "$ns" "$cs" -n "$n" -t 2 --timeout 120 >/dev/null 2>"$dir/storm" ||
		{ echo "soak: storm failed: $(tail -1 "$dir/storm")" >&2; exit 1; }
	made=$((made + n))
	printf 'soak: %d connections, RSS %s kB\n' "$made" \
		"$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")"
done
sleep 1
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
kill -INT "$pid"
wait "$pid"
rc=$?
pid=
summary=$(tail -1 "$dir/err")
secs=$(($(date +%s) - start))
lines=$(wc -l <"$dir/out")
lost=$(echo "$summary" | sed -n 's/.* lost=\([0-9]*\).*/\1/p')
missed=$(echo "$summary" | sed -n 's/.*kernel_missed=\([0-9]*\).*/\1/p')
sockets=$(echo "$summary" | sed -n 's/.*sockets=\([0-9]*\).*/\1/p')
echo "soak: $made connections in ${secs}s; $lines lines; $summary"
echo "soak: RSS at start ${rss0} kB, peak ${hwm} kB"
echo "soak: exit status $rc"
[ "$rc" = 0 ] && [ "${lost:-1}" = 0 ] && [ "${missed:-1}" = 0 ] && [ "${sockets:-0}" -ge "$made" ]
