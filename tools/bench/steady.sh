#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# socktrace at steady connection rates (`make bench-steady`; docs/performance.md).
# As root.
#
# `make bench` storms as fast as the machine goes; a user wants to know what
# socktrace costs at the rate their hosts see. For each rate in STEADY_RATES
# and each tool in STEADY_TOOLS: a fresh network namespace with loopback only,
# the tracer started with --json to a file, then `connstorm --rate R` for
# STEADY_SECONDS; the tracer's user+system CPU over the storm and its drain, and
# the run time of its BPF programs (kernel.bpf_stats_enabled, which the
# programs pay in the tasks they interrupt), each as a percentage of one core
# over the storm's length. The storm made, the tracer's output line count and
# its summary are kept beside each figure.
#
# Environment (defaults):
#   STEADY_RATES="1000 10000 50000"  STEADY_TOOLS="watch life"
#   STEADY_SECONDS=10  STEADY_OUT=build/bench
#   SOCKTRACE=build/socktrace  CONNSTORM=build/tools/connstorm
#
# Safety: loopback only, in namespaces made here; connstorm --timeout and
# socktrace --duration bound every run; an EXIT trap stops what this started
# and deletes its namespaces.
set -u
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ST=${SOCKTRACE:-$ROOT/build/socktrace}
CS=${CONNSTORM:-$ROOT/build/tools/connstorm}
RATES=${STEADY_RATES:-1000 10000 50000}
TOOLS=${STEADY_TOOLS:-watch life}
SECS=${STEADY_SECONDS:-10}
OUTDIR=${STEADY_OUT:-$ROOT/build/bench}

die() { echo "bench-steady: $*" >&2; exit 1; }
isint() { case $1 in '' | *[!0-9]*) return 1 ;; esac; }
isint "$SECS" && [ "$SECS" -ge 1 ] && [ "$SECS" -le 300 ] || die "STEADY_SECONDS=$SECS: 1..300"
for r in $RATES; do
	isint "$r" && [ "$r" -ge 1 ] && [ "$r" -le 200000 ] || die "STEADY_RATES: '$r' is not 1..200000"
done
for t in $TOOLS; do
	case $t in watch | life) ;; *) die "STEADY_TOOLS: unknown tool '$t' (watch life)" ;; esac
done
NAME=steady
BPFSTATS_OLD=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null) || die "no kernel.bpf_stats_enabled"
cleanup_extra() { sysctl -q -w kernel.bpf_stats_enabled="$BPFSTATS_OLD" >/dev/null 2>&1; }
. "$HERE/tracer-run.sh"

# the summed run time (ns) of the BPF programs process $1 holds
bpf_ns() {
	_ids=$(cat /proc/"$1"/fdinfo/* 2>/dev/null | awk '/^prog_id:/ { print $2 }' | sort -u | tr '\n' ' ')
	bpftool prog show --json --pretty 2>/dev/null | awk -f "$HERE/bpfstats.awk" |
		awk -v ids=" $_ids" 'index(ids, " " $1 " ") { t += $3 } END { printf "%.0f", t }'
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

sysctl -q -w kernel.bpf_stats_enabled=1 >/dev/null || die "cannot enable kernel.bpf_stats_enabled"
printf 'rate\ttool\tmade\tstorm_s\tcpu_pct\tbpf_pct\tidle_pct\tlines\tsummary\n' > "$TSV"
echo "socktrace at steady rates: $SECS s per run, $(uname -r), $(nproc) CPUs"
printf '%-8s %-6s %10s %9s %7s %7s %7s %7s  %s\n' rate tool made "storm s" "user %" "BPF %" "total %" "idle %" summary
for r in $RATES; do
	for t in $TOOLS; do
		ns_new "ststeady-$$-$r-$t"
		tracer_start $((SECS + 120)) "$t"
		# the idle rate first: what the tracer costs with nothing to trace
		c0=$(cpu_ticks "$TPID"); t0=$(now_ms)
		sleep 2
		c1=$(cpu_ticks "$TPID"); t1=$(now_ms); b1=$(bpf_ns "$TPID")
		ip netns exec "$NS" "$CS" -n $((r * SECS)) --rate "$r" --timeout $((SECS + 60)) \
			--json > "$W/storm" 2> "$W/storm.err"
		tracer_drain
		c2=$(cpu_ticks "$TPID"); b2=$(bpf_ns "$TPID")
		tracer_stop
		ns_del
		made=$(sed -n 's/.*"completed": \([0-9]*\).*/\1/p' "$W/storm")
		secs=$(sed -n 's/.*"seconds": \([0-9.]*\).*/\1/p' "$W/storm")
		sum=$(grep '^summary:' "$W/err" | tail -n 1)
		lines=$(wc -l < "$W/out")
		pct=$(awk -v c="$((c2 - c1))" -v hz="$HZ" -v s="$secs" 'BEGIN { printf "%.1f", (s > 0 ? 100 * c / hz / s : 0) }')
		bpct=$(awk -v b1="$b1" -v b2="$b2" -v s="$secs" 'BEGIN { printf "%.1f", (s > 0 ? 100 * (b2 - b1) / 1e9 / s : 0) }')
		tot=$(awk -v a="$pct" -v b="$bpct" 'BEGIN { printf "%.1f", a + b }')
		idle=$(awk -v c="$((c1 - c0))" -v hz="$HZ" -v ms="$((t1 - t0))" 'BEGIN { printf "%.1f", (ms > 0 ? 100 * c / hz / (ms / 1000) : 0) }')
		printf '%-8s %-6s %10s %9s %7s %7s %7s %7s  %s\n' "$r" "$t" "${made:-?}" "${secs:-?}" "$pct" "$bpct" "$tot" "$idle" "$sum"
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$t" "${made:-}" "${secs:-}" "$pct" "$bpct" "$idle" "$lines" "$sum" >> "$TSV"
	done
done
echo "user %: the tracer process's user+system time from the storm's start to the end of"
echo "its drain; BPF %: its BPF programs' run time over the same span (in the tasks they"
echo "ran in); both over the storm's length, 100 = one core. idle %: the process before the"
echo "storm. A rate the machine cannot reach shows as a longer storm. Results: $TSV"
