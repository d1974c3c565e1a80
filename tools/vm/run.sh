#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Boot a kernel-matrix initramfs under QEMU (TCG) and report.
#
#   tools/vm/run.sh -k VMLINUZ -i INITRAMFS [-t TIMEOUT_S] [-l LOGDIR]
#                   [-m MEM_MB] [-c CPUS] [-a "EXTRA KERNEL ARGS"]
#
# Prints one line per command of the guest's tests.list, e.g.
#   6.1.0-56 fentry: 23 passed, 0 failed, 0 skipped (41.2 s)
# then a total line "kernel-matrix: N passed, N failed" and the log paths.
# Exits non-zero if a command failed, a marker is missing, the time limit
# (default 600 s, wall clock; qemu is killed) ran out, or the kernel log shows
# a warning, oops, BUG or panic, or the guest wrote no results for VM_STALL
# seconds (default 420; 0: never). VM_VERBOSE=1 streams the guest's output.
set -u

kernel='' initrd='' tmo=${VM_TIMEOUT:-600} logdir='' mem=${VM_MEM:-1024} cpus=${VM_CPUS:-2} extra=${VM_APPEND:-}
while getopts k:i:t:l:m:c:a: opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	i) initrd=$OPTARG ;;
	t) tmo=$OPTARG ;;
	l) logdir=$OPTARG ;;
	m) mem=$OPTARG ;;
	c) cpus=$OPTARG ;;
	a) extra=$OPTARG ;;
	*) sed -n '2,14s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
[ -f "$kernel" ] && [ -f "$initrd" ] || { sed -n '2,14s/^# \{0,1\}//p' "$0" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "run: qemu-system-x86_64 missing (tools/vm/fetch-kernel.sh installs it)" >&2; exit 2; }
[ -n "$logdir" ] || logdir=$(dirname "$initrd")/logs/$(date +%Y%m%d-%H%M%S)
mkdir -p "$logdir"
console=$logdir/console.log
results=$logdir/results.log
full=$logdir/full.log
: >"$console"
: >"$results"

t0=$(date +%s.%N)
tailpid=''
if [ "${VM_VERBOSE:-0}" = 1 ]; then
	tail -n +1 -f "$results" &
	tailpid=$!
fi
# ttyS0: kernel console; ttyS1: the results port (markers and test output).
# loglevel=5: warnings and the stacks after them reach the console, so that a
# guest that hangs or panics still leaves its oops and lockup traces in the log;
# a soft lockup also prints the other CPUs' stacks (a deadlock has two sides).
# One host thread runs both virtual CPUs in turn (VM_ACCEL, default
# tcg,thread=single). With a thread per CPU, guests died only while socktrace
# attached its programs, when the kernel patches its own text under the other
# CPU: 6.12 with an int3 no patch owned, 5.10 livelocked on both CPUs. One
# thread makes another CPU's view of patched text exact (docs/kernel-matrix.md),
# and the suite takes about as long (a 5.10 family: 199 s against 206 s).
timeout -k 5 "$tmo" qemu-system-x86_64 -accel "${VM_ACCEL:-tcg,thread=single}" -m "$mem" -smp "$cpus" \
	-nographic -no-reboot -monitor none -nic none \
	-serial "file:$console" -serial "file:$results" \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 loglevel=5 softlockup_all_cpu_backtrace=1 $extra" \
	</dev/null >"$logdir/qemu.out" 2>&1 &
qpid=$!
# A guest that writes nothing to the results port for VM_STALL seconds is
# stuck (a livelocked kernel, or a test past its own time limit): stop it
# now rather than at the wall-clock limit. The kernel console does not count:
# a lockup keeps writing there.
stall=${VM_STALL:-420} last=-1 still=0 stalled=0
while kill -0 "$qpid" 2>/dev/null; do
	sleep 5
	size=$(wc -c <"$results")
	if [ "$size" != "$last" ]; then
		last=$size still=0
	else
		still=$((still + 5))
	fi
	if [ "$stall" -gt 0 ] && [ "$still" -ge "$stall" ]; then
		stalled=1
		kill "$qpid" 2>/dev/null
		break
	fi
done
wait "$qpid"
qrc=$?
t1=$(date +%s.%N)
[ -n "$tailpid" ] && kill "$tailpid" 2>/dev/null
wall=$(awk "BEGIN{printf \"%.1f\", $t1 - $t0}")

# One readable log: console (kernel) first, then the results port.
{
	echo "===== console (ttyS0) ====="
	tr -d '\r' <"$console"
	echo "===== results (ttyS1) ====="
	tr -d '\r' <"$results"
	echo "===== qemu ====="
	cat "$logdir/qemu.out"
} >"$full"

status=0
if [ "$stalled" = 1 ]; then
	echo "run: STALLED: the guest wrote no results for ${stall}s; qemu killed"
	status=1
elif [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "run: TIMEOUT: qemu killed after ${tmo}s" >&2
	status=1
elif [ "$qrc" != 0 ]; then
	echo "run: qemu exited with status $qrc (see $logdir/qemu.out)" >&2
	status=1
fi

# Per-command report from the markers.
tr -d '\r' <"$results" | awk -v wall="$wall" '
function short(k) { sub(/-amd64$/, "", k); return k }
/^@@@ KERNEL / { kver = $3; next }
/^@@@ UPTIME / { boot = $3; next }
/^@@@ PLAN/ { havePlan = 1; for (i = 3; i <= NF; i++) { plan[++np] = $i } next }
/^@@@ BEGIN / { cur = $3; begun[cur] = 1; sum[cur] = ""; nbad[cur] = 0; nret[cur] = 0; prog = ""; next }
/^@@@ END / {
	l = $3; ended[l] = 1; rc[l] = $4; sub(/^rc=/, "", rc[l])
	secs[l] = $5; sub(/^secs=/, "", secs[l]); cur = ""; next
}
/^@@@ DONE/ { done = 1; next }
cur != "" && /^# --- / { prog = $3; next }
# a program that failed and was run again (TEST_RETRY): always in the report
cur != "" && /^# RETRIED / && nret[cur] < 8 { ret_line[cur, ++nret[cur]] = substr($0, 3); next }
# name each failure under its family, so that a CI log that keeps only the
# report still says which check broke
cur != "" && /^not ok / && nbad[cur] < 8 { bad_line[cur, ++nbad[cur]] = prog ": " $0; more = 2; next }
cur != "" && more > 0 && /^#   / { bad_line[cur, nbad[cur]] = bad_line[cur, nbad[cur]] " |" substr($0, 4); more--; next }
{ more = 0 }
cur != "" && match($0, /[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?/) {
	sum[cur] = substr($0, RSTART, RLENGTH)
}
END {
	bad = 0
	if (!havePlan) { print "run: the guest never started its command list (no @@@ PLAN)"; exit 1 }
	k = short(kver); P = 0; F = 0
	for (i = 1; i <= np; i++) {
		l = plan[i]
		if (!begun[l] || !ended[l]) {
			printf "%s %s: INCOMPLETE (no %s marker)\n", k, l, begun[l] ? "END" : "BEGIN"
			bad = 1; F++; continue
		}
		s = sum[l] != "" ? sum[l] : "no \"N passed, N failed\" line"
		pl = 0; fl = 0
		if (sum[l] != "") { split(sum[l], w, /[ ,]+/); pl = w[1]; fl = w[3] }
		P += pl; F += fl
		note = rc[l] == 0 ? "" : " FAILED rc=" rc[l]
		if (rc[l] != 0) { bad = 1; if (fl == 0) F++ }
		printf "%s %s: %s (%s s)%s\n", k, l, s, secs[l], note
		for (j = 1; j <= nbad[l]; j++) printf "  %s\n", bad_line[l, j]
		for (j = 1; j <= nret[l]; j++) printf "  %s\n", ret_line[l, j]
	}
	if (!done) { print "run: no @@@ DONE marker: the guest did not finish"; bad = 1 }
	printf "boot: %s s to init (guest uptime), total %s s wall clock\n", boot, wall
	printf "kernel-matrix: %d passed, %d failed\n", P, F
	exit bad
}' || status=1

# Kernel trouble: only lines that look like kernel log lines ("[   1.234567] ...")
# from the console and the dmesg dump, never the tests' own output.
pat='WARNING:|BUG:|Oops|Call Trace:|general protection|Kernel panic|kernel BUG|Unable to handle|soft lockup|hung_task|blocked for more than|UBSAN:|KASAN:'
trouble=$( {
	tr -d '\r' <"$console"
	tr -d '\r' <"$results" | sed -n '/^@@@ BEGIN dmesg$/,/^@@@ END dmesg/p'
} | grep -E '^\[ *[0-9]+\.[0-9]+\] ' | grep -E "$pat" | awk '!seen[$0]++' | head -n 20)
if [ -n "$trouble" ]; then
	echo "run: KERNEL TROUBLE in the guest log:"
	printf '%s\n' "$trouble" | sed 's/^/  /'
	# and where each CPU was: one line per incident with its first frames
	awk -f "$(dirname "$0")/stacks.awk" "$console" | sed 's/^/  /'
	status=1
fi
echo "log: $(cd "$(dirname "$full")" && pwd)/$(basename "$full")"
exit "$status"
