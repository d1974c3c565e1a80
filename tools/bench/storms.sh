#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The storm matrix (`make bench-storms`; docs/performance.md). As root.
#
# Issue 15 asks for no loss with default settings for every storm connstorm
# can make here. For each tool in STORMS_TOOLS, each size in STORMS_CONNS and
# each shape (client threads x forked server or not x who closes first): a
# fresh network namespace with loopback only, `socktrace TOOL --json` with
# nothing but --netns (to find the storm) and --ready-file, writing to a file,
# then the storm; once the output has stopped growing, SIGINT. One row per
# run: events and lost from socktrace's summary line, and the share of the
# storm's connections its output shows (tools/bench/seen.awk: `state` lines
# for watch, `close` lines for life, by distinct client address).
#
# Environment (defaults):
#   STORMS_TOOLS="watch life"   STORMS_CONNS="50000 200000"
#   STORMS_THREADS="1 4 8"      STORMS_FORK="no yes"
#   STORMS_MODES="server-first client-first rst"
#   STORMS_SHAPES="T:FORK:MODE ..."  instead of the product of the three above
#   STORMS_BIG_SHAPES  shapes for sizes above 50,000 (default: thread counts
#                      1 and 8 only, every fork and mode: the extremes)
#   BENCH_STORMS_QUICK=1  a smoke run: 5,000 connections, three shapes that
#                         between them touch every value of every axis
#   STORMS_PILE=SECONDS  before each traced storm, an untraced one of the same
#                      shape in the same namespace, SECONDS earlier: the
#                      tracer starts over its TIME_WAIT sockets, which end
#                      during the storm if SECONDS is near 60 (default: none)
#   STORMS_OUT=build/bench  SOCKTRACE=build/socktrace
#   CONNSTORM=build/tools/connstorm  STORMS_ARGS (extra socktrace options,
#   for comparisons such as --ringbuf-size; empty by default)
#
# Timing and loss goals belong here, not in `make test`: nothing fails on a
# loss, the table shows it.
#
# Safety: loopback only, in namespaces made here; at most 200 runs; connstorm
# --timeout and socktrace --duration bound every run; an EXIT trap stops what
# this started and deletes its namespace.
set -u
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ST=${SOCKTRACE:-$ROOT/build/socktrace}
CS=${CONNSTORM:-$ROOT/build/tools/connstorm}
TOOLS=${STORMS_TOOLS:-watch life}
OUTDIR=${STORMS_OUT:-$ROOT/build/bench}
XARGS=${STORMS_ARGS:-}
PILE=${STORMS_PILE:-}

die() { echo "bench-storms: $*" >&2; exit 1; }
isint() { case $1 in '' | *[!0-9]*) return 1 ;; esac; }

# every shape of the product of threads, fork and modes
product() {
	for _t in $1; do for _f in $2; do for _m in $3; do
		printf '%s ' "$_t:$_f:$_m"
	done; done; done
}
if [ "${BENCH_STORMS_QUICK:-0}" = 1 ]; then
	CONNS=${STORMS_CONNS:-5000}
	SHAPES=${STORMS_SHAPES:-1:no:server-first 4:yes:client-first 8:yes:rst}
	BIG=$SHAPES
else
	CONNS=${STORMS_CONNS:-50000 200000}
	SHAPES=${STORMS_SHAPES:-$(product "${STORMS_THREADS:-1 4 8}" "${STORMS_FORK:-no yes}" \
		"${STORMS_MODES:-server-first client-first rst}")}
	BIG=${STORMS_BIG_SHAPES:-${STORMS_SHAPES:-$(product "1 8" "${STORMS_FORK:-no yes}" \
		"${STORMS_MODES:-server-first client-first rst}")}}
fi

for t in $TOOLS; do
	case $t in watch | life) ;; *) die "STORMS_TOOLS: unknown tool '$t' (watch life)" ;; esac
done
runs=0
for n in $CONNS; do
	isint "$n" && [ "$n" -ge 1 ] && [ "$n" -le 1000000 ] || die "STORMS_CONNS: '$n' is not 1..1000000"
	set -- $SHAPES
	[ "$n" -gt 50000 ] && set -- $BIG
	for s in "$@"; do
		IFS=: read -r th fk md <<EOF
$s
EOF
		isint "$th" && [ "$th" -ge 1 ] && [ "$th" -le 64 ] || die "shape $s: threads 1..64"
		case $fk in yes | no) ;; *) die "shape $s: fork is yes or no" ;; esac
		case $md in server-first | client-first | rst) ;; *) die "shape $s: unknown mode" ;; esac
		for t in $TOOLS; do runs=$((runs + 1)); done
	done
done
[ "$runs" -le 200 ] || die "$runs runs: at most 200 (trim STORMS_*)"
[ -z "$PILE" ] || { isint "$PILE" && [ "$PILE" -le 120 ]; } || die "STORMS_PILE: '$PILE' is not 0..120 seconds"
NAME=storms
. "$HERE/tracer-run.sh"

# all CPUs from /proc/stat: "total idle+iowait"
stat_cpu() { awk '$1 == "cpu" {t = 0; for (i = 2; i <= 9; i++) t += $i; print t, $5 + $6}' /proc/stat; }
sumval() { echo "$1" | sed -n "s/.* $2=\([0-9]*\).*/\1/p"; }

printf 'tool\tconns\tthreads\tfork\tmode\tmade\tstorm_s\trate\tevents\tlost\tkernel_missed\tseen\tseen_pct\ttracer_cpu_s\tbusy_pct\tsummary\n' > "$TSV"
echo "storm matrix: $runs runs, $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)${XARGS:+, socktrace options: $XARGS}${PILE:+, each over an untraced storm ${PILE} s before}"
printf '%-6s %-22s %7s %7s %8s %9s %8s %7s %7s %6s %5s\n' tool shape conns made "storm s" events lost "seen %" "cpu s" "busy%" rc
seq=0
for n in $CONNS; do
	set -- $SHAPES
	[ "$n" -gt 50000 ] && set -- $BIG
	for s in "$@"; do
		IFS=: read -r th fk md <<EOF
$s
EOF
		fork=
		[ "$fk" = yes ] && fork=--fork-server
		for t in $TOOLS; do
			seq=$((seq + 1))
			ns_new "ststorms-$$-$seq"
			tmo=$((30 + n / 500))
			if [ -n "$PILE" ]; then
				# shellcheck disable=SC2086 # fork is one option or none
				ip netns exec "$NS" "$CS" -n "$n" -t "$th" -m "$md" $fork --timeout "$tmo" \
					> /dev/null 2>&1
				sleep "$PILE"
			fi
			# shellcheck disable=SC2086 # STORMS_ARGS is a list of options
			tracer_start $((tmo + 180)) "$t" $XARGS
			c0=$(cpu_ticks "$TPID")
			s0=$(stat_cpu)
			# shellcheck disable=SC2086 # fork is one option or none
			ip netns exec "$NS" "$CS" -n "$n" -t "$th" -m "$md" $fork --timeout "$tmo" \
				--json > "$W/storm" 2> "$W/storm.err"
			rc=$?
			busy=$(echo "$s0 $(stat_cpu)" | awk '{dt = $3 - $1; printf "%.0f", (dt > 0 ? 100 * (dt - ($4 - $2)) / dt : 0)}')
			tracer_drain
			c1=$(cpu_ticks "$TPID")
			tracer_stop
			ns_del
			made=$(sed -n 's/.*"completed": \([0-9]*\).*/\1/p' "$W/storm")
			secs=$(sed -n 's/.*"seconds": \([0-9.]*\).*/\1/p' "$W/storm")
			rate=$(sed -n 's/.*"rate": \([0-9.]*\).*/\1/p' "$W/storm")
			sum=$(grep '^summary:' "$W/err" | tail -n 1)
			ev=$(sumval "$sum" events); lost=$(sumval "$sum" lost); km=$(sumval "$sum" kernel_missed)
			what=state
			[ "$t" = life ] && what=close
			seen=$(awk -v fmt=json -v ino="$NSINO" -v port=0 -v ev="$what" -f "$HERE/seen.awk" "$W/out" |
				sed -n 's/^seen=\([0-9]*\).*/\1/p')
			pct=$(awk -v s="${seen:-0}" -v m="${made:-0}" 'BEGIN { printf "%.2f", (m > 0 ? 100 * s / m : 0) }')
			cpu=$(awk -v c="$((c1 - c0))" -v hz="$HZ" 'BEGIN { printf "%.2f", c / hz }')
			printf '%-6s %-22s %7s %7s %8s %9s %8s %7s %7s %6s %5s\n' "$t" "$s" "$n" "${made:-?}" "${secs:-?}" \
				"${ev:-?}" "${lost:-?}${km:+/$km}" "$pct" "$cpu" "$busy" "$rc"
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$n" "$th" "$fk" "$md" \
				"${made:-}" "${secs:-}" "${rate:-}" "${ev:-}" "${lost:-}" "${km:-}" "${seen:-}" "$pct" \
				"$cpu" "$busy" "$sum" >> "$TSV"
		done
	done
done
echo "shape: client threads:forked server:who closes first. lost: the summary's lost/kernel_missed."
echo "seen %: distinct client addresses in the output over connections made. cpu s: the tracer's"
echo "user+system time over the storm and its drain. busy%: the whole machine during the storm"
echo "(every CPU). rc: connstorm's exit status (0: every connection completed). Results: $TSV"
