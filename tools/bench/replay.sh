#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Userspace's CPU per connection without the storm's noise (`make
# bench-replay`; docs/performance.md). As root.
#
# For each tool in REPLAY_TOOLS: a fresh network namespace with loopback
# only, `socktrace TOOL --json` with SOCKTRACE_CAPTURE keeping every record
# the ring buffer gave it, a storm of REPLAY_CONNS connections (2 client
# threads), then bench-replay (tools/bench/replay.c) running those records
# through the decoder, the table and the view REPLAY_REPS times with the lines
# going to /dev/null. The median CPU time over the connections is what
# userspace costs apart from reading the ring buffer and writing the lines;
# `make bench` measures it all, with the machine's noise.
#
# Environment (defaults):
#   REPLAY_TOOLS="watch life"  REPLAY_CONNS=50000  REPLAY_REPS=7
#   REPLAY_OUT=build/bench  SOCKTRACE=build/socktrace
#   CONNSTORM=build/tools/connstorm  REPLAY=build/tools/bench-replay
#
# Safety: loopback only, in namespaces made here; connstorm --timeout and
# socktrace --duration bound every run; an EXIT trap stops what this started
# and deletes its namespaces and captures.
set -u
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ST=${SOCKTRACE:-$ROOT/build/socktrace}
CS=${CONNSTORM:-$ROOT/build/tools/connstorm}
RP=${REPLAY:-$ROOT/build/tools/bench-replay}
TOOLS=${REPLAY_TOOLS:-watch life}
CONNS=${REPLAY_CONNS:-50000}
REPS=${REPLAY_REPS:-7}
OUTDIR=${REPLAY_OUT:-$ROOT/build/bench}

die() { echo "bench-replay: $*" >&2; exit 1; }
isint() { case $1 in '' | *[!0-9]*) return 1 ;; esac; }
isint "$CONNS" && [ "$CONNS" -ge 100 ] && [ "$CONNS" -le 200000 ] ||
	die "REPLAY_CONNS=$CONNS: 100..200000"
isint "$REPS" && [ "$REPS" -ge 1 ] && [ "$REPS" -le 100 ] || die "REPLAY_REPS=$REPS: 1..100"
for t in $TOOLS; do
	case $t in watch | life) ;; *) die "REPLAY_TOOLS: unknown tool '$t' (watch life)" ;; esac
done
[ -x "$RP" ] || die "$RP missing: run make build/tools/bench-replay"
NAME=replay
. "$HERE/tracer-run.sh"

printf 'tool\tconns\trecords\tmedian_ms\tus_per_conn\tns_per_record\tfastest_us_per_conn\tsummary\n' > "$TSV"
echo "userspace over captured records: $CONNS connections, $REPS replays each, $(uname -r)"
for t in $TOOLS; do
	ns_new "st-replay-$$"
	export SOCKTRACE_CAPTURE="$W/$t.cap"
	tracer_start 300 "$t"
	unset SOCKTRACE_CAPTURE
	ip netns exec "$NS" "$CS" -n "$CONNS" -t 2 --timeout 120 > "$W/storm" 2>&1 ||
		die "connstorm failed: $(tail -n 1 "$W/storm")"
	tracer_drain
	tracer_stop
	ns_del
	SUMMARY=$(grep '^summary:' "$W/err" | tail -n 1)
	"$RP" "$W/$t.cap" "$REPS" "$t" --json > "$W/replay" || die "bench-replay $t failed"
	rm -f "$W/$t.cap"
	_med=$(sed -n 's/^median: \([0-9.]*\) ms, \([0-9.]*\) ns a record (\([0-9]*\) records.*fastest \([0-9.]*\) ms.*/\1 \2 \3 \4/p' "$W/replay")
	[ -n "$_med" ] || die "bench-replay $t: no median: $(tail -n 1 "$W/replay")"
	set -- $_med
	_us=$(awk -v ms="$1" -v n="$CONNS" 'BEGIN { printf "%.3f", ms * 1000 / n }')
	_fast=$(awk -v ms="$4" -v n="$CONNS" 'BEGIN { printf "%.3f", ms * 1000 / n }')
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$CONNS" "$3" "$1" "$_us" "$2" "$_fast" \
		"$SUMMARY" >> "$TSV"
	printf '  %-6s %s records, median %s ms: %s us a connection (fastest %s), %s ns a record (%s)\n' \
		"$t" "$3" "$1" "$_us" "$_fast" "$2" "$SUMMARY"
done
echo "results: $TSV"
