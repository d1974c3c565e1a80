#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# socktrace benchmark (`make bench`; docs/performance.md). As root.
#
# For each tool in BENCH_TOOLS and each of BENCH_REPS repetitions, one pair of
# connection storms (build/tools/connstorm -n BENCH_CONNS -t 2 --json), one
# untraced and one traced, the order alternating between repetitions (and
# every second repetition starts one tool further down the list), each in
# a fresh network namespace that only loopback lives in. Then one more storm
# traced by socktrace with kernel.bpf_stats_enabled=1 for the BPF programs'
# own cost. Prints a table; writes everything to build/bench/bench-*.json.
#
# Environment (defaults):
#   BENCH_CONNS=50000  BENCH_REPS=3  BENCH_MODE=server-first
#   BENCH_TOOLS="watch life floor floor-out bpftrace ss watch-unix"
#                      floor: tools/bench/floor.c, the least a tracer of every
#                      state change can do; floor-out: the same, writing a
#                      FLOOR_LINE_BYTES (330, about a watch --json line) line
#                      per record; floor-shared (not by default): the floor
#                      with one ring buffer for all CPUs, as before 2026-12-06; watch-unix: pairs of UNIX stream storms
#                      (connstorm -x, the socket in a directory of its own
#                      in this run's private temp dir), the traced one under
#                      socktrace watch --json (not with BENCH_MODE=rst)
#   BENCH_BPFSTATS=1 (0: skip that run)
#   BENCH_BG_SECONDS=3 quiet window before each traced storm (and after the
#                      BPF-stats storm): the tracer settles, its idle rate is kept
#   BENCH_DRAIN_MAX=30 longest wait for a tracer to finish a storm
#   BENCH_SETTLE=2     seconds to wait after each storm's namespace is deleted
#   BENCH_MAX_SECONDS=840  no new pair starts after this (the rest is reported
#                      as skipped); every wait below has its own bound too
#   BENCH_OUT=build/bench  BENCH_KEEP=0 (1: keep the raw tracer outputs)
#   SOCKTRACE=build/socktrace  CONNSTORM=build/tools/connstorm  FLOOR=build/tools/bench-floor
#   SOCKTRACE_BASE=    another socktrace binary (an older build, say) that the
#                      tools base-watch and base-life run, so that a change is
#                      measured against its baseline in the same run
#
# Safety: traffic only on loopback inside namespaces created here (connstorm
# refuses anything but 127.0.0.0/8 anyway); every loop is bounded in count and
# time; the tracers stop by themselves (--duration, timeout(1)); an EXIT trap
# kills what this script started (by pid), deletes its namespaces and restores
# kernel.bpf_stats_enabled.
set -u
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ST=${SOCKTRACE:-$ROOT/build/socktrace}
ST_BASE=${SOCKTRACE_BASE:-}
CS=${CONNSTORM:-$ROOT/build/tools/connstorm}
OUTDIR=${BENCH_OUT:-$ROOT/build/bench}
N=${BENCH_CONNS:-50000}
REPS=${BENCH_REPS:-3}
MODE=${BENCH_MODE:-server-first}
TOOLS=${BENCH_TOOLS:-watch life floor floor-out bpftrace ss watch-unix}
FL=${FLOOR:-$ROOT/build/tools/bench-floor}
FLOOR_LINE_BYTES=330
SETTLE=${BENCH_SETTLE:-2}
MAXSECS=${BENCH_MAX_SECONDS:-840}
KEEP=${BENCH_KEEP:-0}
BPFSTATS=${BENCH_BPFSTATS:-1}
BG_SECONDS=${BENCH_BG_SECONDS:-3}
DRAIN_MAX=${BENCH_DRAIN_MAX:-30}
THREADS=2
BT_SCRIPT=$HERE/bpftrace-states.bt

die() { echo "bench: $*" >&2; exit 1; }
isint() { case $1 in '' | *[!0-9]*) return 1 ;; esac; }
isint "$N" && [ "$N" -ge 1 ] && [ "$N" -le 16581120 ] || die "BENCH_CONNS=$N: 1..16581120"
isint "$REPS" && [ "$REPS" -ge 1 ] && [ "$REPS" -le 20 ] || die "BENCH_REPS=$REPS: 1..20"
isint "$SETTLE" && [ "$SETTLE" -le 60 ] || die "BENCH_SETTLE=$SETTLE: 0..60"
isint "$BG_SECONDS" && [ "$BG_SECONDS" -le 60 ] || die "BENCH_BG_SECONDS=$BG_SECONDS: 0..60"
isint "$DRAIN_MAX" && [ "$DRAIN_MAX" -ge 1 ] && [ "$DRAIN_MAX" -le 300 ] || die "BENCH_DRAIN_MAX=$DRAIN_MAX: 1..300"
isint "$MAXSECS" || die "BENCH_MAX_SECONDS=$MAXSECS: an integer"
case $MODE in server-first | client-first | rst) ;; *) die "BENCH_MODE=$MODE: server-first, client-first or rst" ;; esac
for t in $TOOLS; do
	case $t in watch | life | floor | floor-out | floor-shared | bpftrace | ss | watch-unix) ;;
	base-watch | base-life) [ -x "$ST_BASE" ] || die "BENCH_TOOLS: $t needs SOCKTRACE_BASE, an executable socktrace" ;;
	*) die "BENCH_TOOLS: unknown tool '$t' (watch life base-watch base-life floor floor-out floor-shared bpftrace ss watch-unix)" ;; esac
done
[ "$(id -u)" = 0 ] || die "run as root (BPF, network namespaces)"
[ -x "$ST" ] || die "$ST missing: run make"
[ -x "$CS" ] || die "$CS missing: run make build/tools/connstorm"
case " $TOOLS " in *" floor "* | *" floor-out "* | *" floor-shared "*)
	[ -x "$FL" ] || die "$FL missing: run make build/tools/bench-floor" ;;
esac
for c in ip ss awk sed getconf; do command -v $c >/dev/null 2>&1 || die "$c not found"; done

# Bounds. A storm gets connstorm --timeout; tracers live at most TRACER_MAX s.
STORM_TIMEOUT=$((30 + N / 500))
[ "$STORM_TIMEOUT" -gt 600 ] && STORM_TIMEOUT=600
TRACER_MAX=$((STORM_TIMEOUT + 180))
HZ=$(getconf CLK_TCK)
START=$(date +%s)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUTDIR" || die "cannot create $OUTDIR"
JSON=$OUTDIR/bench-$STAMP.json
TXT=$OUTDIR/bench-$STAMP.txt
W=$(mktemp -d /tmp/socktrace-bench.XXXXXX) || die "mktemp failed"

# ---- cleanup: everything this script started, by pid and by name ----
PIDS=
NSES=
BPFSTATS_OLD=
STATS_AT_START=
cleanup() {
	trap - EXIT INT TERM HUP
	for p in $PIDS; do kill -INT "$p" 2>/dev/null; done
	[ -n "$PIDS" ] && sleep 1
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
	for ns in $NSES; do ip netns del "$ns" 2>/dev/null; done
	[ -n "$BPFSTATS_OLD" ] && sysctl -q -w kernel.bpf_stats_enabled="$BPFSTATS_OLD" >/dev/null 2>&1
	[ -n "$STATS_AT_START" ] && sysctl -q -w kernel.bpf_stats_enabled="$STATS_AT_START" >/dev/null 2>&1
	if [ "$KEEP" = 1 ]; then
		echo "bench: raw outputs kept in $W" >&2
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT TERM HUP
# build/ is shared: measure copies, so that a rebuild during the run changes
# nothing (the socktrace binary embeds its BPF objects)
ST_SRC=$ST
cp "$ST" "$W/socktrace" && ST=$W/socktrace || die "cannot copy $ST"
cp "$CS" "$W/connstorm" && CS=$W/connstorm || die "cannot copy $CS"
if [ -x "$FL" ]; then cp "$FL" "$W/bench-floor" && FL=$W/bench-floor || die "cannot copy $FL"; fi
ST_SUM=$(sha256sum "$ST" | cut -c1-16)
ST_MTIME=$(date -u -r "$ST_SRC" +%Y-%m-%dT%H:%M:%SZ)
addpid() { PIDS="$PIDS $1"; }
delpid() {
	_n=
	for _p in $PIDS; do [ "$_p" = "$1" ] || _n="$_n $_p"; done
	PIDS=$_n
}

# ---- small helpers ----
now_ms() { echo $(($(date +%s%N) / 1000000)); }
elapsed() { echo $(($(date +%s) - START)); }
# state of a process: R, S, Z, ... or "gone"
pstate() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1 || echo gone; }
alive() { _s=$(pstate "$1"); [ -n "$_s" ] && [ "$_s" != gone ] && [ "$_s" != Z ] && [ "$_s" != X ]; }
# utime + stime of a process (all its threads), in clock ticks
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $12 + $13}'; }
# its threads' CPU time in ns (schedstat; empty without): a tick of 10 ms is
# 0.2 us a connection of a 50,000-connection storm, and life's target is 0.5
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ t += $1; n++ } END { if (n) printf "%.0f", t }'; }
# one /proc/PID/status field in kB
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null; }
# wait for our child PID to exit, at most MAX seconds, then SIGKILL; sets RC
wait_bounded() {
	_i=0
	while alive "$1" && [ "$_i" -lt $(($2 * 10)) ]; do sleep 0.1; _i=$((_i + 1)); done
	alive "$1" && kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	RC=$?
	delpid "$1"
}
# wait until a command succeeds, at most MAX seconds; returns its status
wait_for() {
	_max=$1; shift
	_i=0
	while [ "$_i" -lt $((_max * 10)) ]; do
		"$@" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
# one numeric field of connstorm's JSON
cs_num() { sed -n "s/.*\"$2\": *\([-0-9.eE+]*\).*/\1/p" "$1" | head -n 1; }
# one string field of connstorm's JSON (no escaped quotes in it)
cs_str() { sed -n "s/.*\"$2\": *\"\([^\"]*\)\".*/\1/p" "$1" | head -n 1; }
# a JSON string: escape backslash, quote and control characters
jstr() { _J=$1 awk 'BEGIN { n = split(ENVIRON["_J"], p, /\\/); s = p[1]; for (i = 2; i <= n; i++) s = s "\\\\" p[i]; gsub(/"/, "\\\"", s); gsub(/\t/, "\\t", s); gsub(/\n/, "\\n", s); gsub(/\r/, "\\r", s); gsub(/[\001-\037]/, " ", s); printf "\"%s\"", s }'; }
jnull() { [ -n "$1" ] && [ "$1" != - ] && echo "$1" || echo null; }
fdiv() { awk -v a="$1" -v b="$2" -v f="${3:-%.4f}" 'BEGIN { if (b == 0 || a == "" || a == "-") print "-"; else printf f "\n", a / b }'; }

# ---- load: record it before each rep; wait up to 30 s if above 1.0 ----
# every process's CPU ticks: "pid comm ticks" (one cat, no fork per process)
proc_ticks() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk '{
		i = index($0, " ("); j = match($0, /\) [A-Za-z] /)
		if (!i || !j) next
		comm = substr($0, i + 2, j - i - 2); gsub(/ /, "_", comm)
		n = split(substr($0, j + 2), f, " ")
		print substr($0, 1, i - 1), comm, f[12] + f[13]
	}'
}
# over one second: BUSY = CPU busy % (all CPUs, /proc/stat); TOP = the five
# processes that used most CPU in it, "comm:pid:pct,..."
cpu_busy_pct() {
	_a=$(awk '$1 == "cpu" {t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $5 + $6}' /proc/stat)
	proc_ticks > "$W/pt0"
	sleep 1
	_b=$(awk '$1 == "cpu" {t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $5 + $6}' /proc/stat)
	proc_ticks > "$W/pt1"
	BUSY=$(echo "$_a $_b" | awk '{dt = $3 - $1; di = $4 - $2; printf "%.1f\n", (dt > 0 ? 100 * (dt - di) / dt : 0)}')
	TOP=$(awk -v hz="$HZ" 'FNR == NR {t[$1] = $3; next} ($1 in t) && $3 - t[$1] > 0 {print $3 - t[$1], $2 ":" $1}' "$W/pt0" "$W/pt1" |
		sort -rn | head -n 5 | awk -v hz="$HZ" '{printf "%s%s:%.0f%%", (NR > 1 ? "," : ""), $2, 100 * $1 / hz}')
}
load1() { cut -d' ' -f1 /proc/loadavg; }
above1() { awk -v l="$1" 'BEGIN { exit !(l > 1.0) }'; }
check_load() { # sets LOAD_JSON
	_l0=$(load1); _waited=0; _l=$_l0
	while above1 "$_l" && [ "$_waited" -lt 30 ]; do
		sleep 5; _waited=$((_waited + 5)); _l=$(load1)
	done
	_settled=true
	above1 "$_l" && _settled=false
	cpu_busy_pct; _busy=$BUSY; _procs=$TOP
	LOAD_JSON="{\"load1_before\": $_l0, \"waited_s\": $_waited, \"load1_at_start\": $_l, \"settled\": $_settled, \"cpu_busy_pct_1s\": $_busy, \"top_processes_1s\": $(jstr "$_procs"), \"uptime\": $(jstr "$(uptime)")}"
	echo "  load before rep: $_l0$([ "$_waited" -gt 0 ] && echo " (waited ${_waited}s: $_l, settled=$_settled)"); CPU busy over 1 s: ${_busy}%${_procs:+; top: $_procs}"
}

# ---- namespaces ----
NSSEQ=0
new_ns() { # sets NS, NSINO
	NSSEQ=$((NSSEQ + 1))
	NS=stbench-$$-$NSSEQ
	ip netns add "$NS" || return 1
	NSES="$NSES $NS"
	ip netns exec "$NS" ip link set lo up || return 1
	NSINO=$(stat -L -c %i "/run/netns/$NS")
}
del_ns() {
	ip netns del "$1" 2>/dev/null
	_n=
	for _s in $NSES; do [ "$_s" = "$1" ] || _n="$_n $_s"; done
	NSES=$_n
	sleep "$SETTLE"
}

# all CPUs from /proc/stat: "total idle+iowait steal" in ticks
stat_cpu() { awk '$1 == "cpu" {t = 0; for (i = 2; i <= 9; i++) t += $i; print t, $5 + $6, $9}' /proc/stat; }
# ---- one storm for TOOL in namespace $NS; sets STORM_RC, STORM_JSON (one
#      line), STORM_RATE, STORM_DONE, STORM_PORT, STORM_PATH (a UNIX storm's
#      listener), STORM_CPU (machine busy/steal %) ----
run_storm() {
	_s0=$(stat_cpu)
	# watch-unix: UNIX stream sockets; connstorm makes (and removes) the
	# socket's directory inside $W, which only root can enter
	if [ "$1" = watch-unix ]; then set -- -x --unix-dir "$W"; else set --; fi
	ip netns exec "$NS" "$CS" "$@" -n "$N" -t "$THREADS" -m "$MODE" --timeout "$STORM_TIMEOUT" --json \
		> "$W/storm.json" 2> "$W/storm.err" &
	_p=$!
	addpid "$_p"
	wait_bounded "$_p" $((STORM_TIMEOUT + 30))
	STORM_RC=$RC
	STORM_CPU=$(echo "$_s0 $(stat_cpu)" | awk '{dt = $4 - $1; printf "{\"busy_pct\": %.1f, \"steal_pct\": %.1f}", (dt > 0 ? 100 * (dt - ($5 - $2)) / dt : 0), (dt > 0 ? 100 * ($6 - $3) / dt : 0)}')
	STORM_JSON=$(head -n 1 "$W/storm.json")
	case $STORM_JSON in "{"*"}") ;; *) STORM_JSON=null ;; esac
	STORM_RATE=$(cs_num "$W/storm.json" rate)
	STORM_DONE=$(cs_num "$W/storm.json" completed)
	STORM_PORT=$(cs_num "$W/storm.json" port)
	STORM_PATH=$(cs_str "$W/storm.json" path)
	[ -n "$STORM_RATE" ] || STORM_RATE=-
	[ -n "$STORM_DONE" ] || STORM_DONE=0
	[ -n "$STORM_PORT" ] || STORM_PORT=0
	echo "    storm: $(tail -n 1 "$W/storm.err" | sed 's/ (.*//'); machine $STORM_CPU"
}

# ---- tracers ----
# start_tracer TOOL: sets TPID (the process measured), WPID (the one to wait
# for), READY_S; returns 1 with TERR if it did not get ready
bt_attached() { # bpftrace's tracepoint program is attached (bpftool perf show)
	bpftool perf show 2>/dev/null | grep -q "^pid $TPID .*tracepoint *inet_sock_set_state"
}
start_tracer() {
	rm -f "$W/ready" "$W/stop" "$W/trace.out" "$W/trace.err" "$W/ss.times"
	TERR=
	_t0=$(now_ms)
	case $1 in
	watch | life | base-watch | base-life | watch-unix)
		_bin=$ST; case $1 in base-*) _bin=$ST_BASE ;; esac
		# watch-unix: -x, as a user tracing UNIX sockets runs it (with it,
		# close()'s hook where the kernel has no release hook; without it,
		# closes come from snapshots seconds later)
		_cmd=${1#base-}; _fam=; [ "$1" = watch-unix ] && _cmd=watch _fam=-x
		"$_bin" "$_cmd" $_fam --json --duration "$TRACER_MAX" --ready-file "$W/ready" \
			> "$W/trace.out" 2> "$W/trace.err" &
		TPID=$!; WPID=$TPID; addpid "$TPID"
		_ready() { [ -e "$W/ready" ] || ! alive "$TPID"; }
		;;
	floor | floor-out | floor-shared)
		_lb=0; [ "$1" = floor-out ] && _lb=$FLOOR_LINE_BYTES
		_one=; [ "$1" = floor-shared ] && _one=--one-ring
		"$FL" $_one --line-bytes "$_lb" --duration "$TRACER_MAX" --ready-file "$W/ready" \
			> "$W/trace.out" 2> "$W/trace.err" &
		TPID=$!; WPID=$TPID; addpid "$TPID"
		_ready() { [ -e "$W/ready" ] || ! alive "$TPID"; }
		;;
	bpftrace)
		# -o FILE is block-buffered: readiness comes from the kernel side
		timeout -s INT -k 10 "$TRACER_MAX" bpftrace -o "$W/trace.out" "$BT_SCRIPT" \
			2> "$W/trace.err" < /dev/null &
		WPID=$!; addpid "$WPID"
		_kid() { TPID=$(cat "/proc/$WPID/task/$WPID/children" 2>/dev/null | awk '{print $1}'); [ -n "$TPID" ]; }
		wait_for 10 _kid || TPID=$WPID
		# timeout(1) forwards SIGINT, not SIGKILL: cleanup must know bpftrace too
		[ "$TPID" = "$WPID" ] || addpid "$TPID"
		_ready() { bt_attached || ! alive "$WPID"; }
		;;
	ss)
		ip netns exec "$NS" sh "$HERE/ss-poll.sh" "$W/trace.out" "$W/ss.times" "$W/stop" \
			"$W/ready" $(((STORM_TIMEOUT + 60) * 10)) &
		TPID=$!; WPID=$TPID; addpid "$TPID"
		_ready() { [ -e "$W/ready" ] || ! alive "$TPID"; }
		;;
	esac
	wait_for 120 _ready
	READY_S=$(fdiv $(($(now_ms) - _t0)) 1000 %.2f)
	if ! alive "$WPID"; then
		wait_bounded "$WPID" 5
		forget_kid
		TERR=$(grep -v RLIMIT_MEMLOCK "$W/trace.err" | head -n 3 | tr '\n' ' ')
		[ -n "$TERR" ] || TERR="exited with status $RC before it was ready"
		return 1
	fi
	case $1 in bpftrace) bt_attached ;; ss) true ;; *) [ -e "$W/ready" ] ;; esac || {
		TERR="not ready after 120 s"
		stop_tracer "$1"
		return 1
	}
	sleep 0.2
	return 0
}

# a quiet window of BG_SECONDS before the storm: the tracer settles after its
# start-up, and its idle CPU rate is kept (the JSON has it; the quiesce test
# uses it); with "bpf", BPF program counters around the window (bpfa, bpf0).
# Sets CPUB, CPU0, T0 (ms), BG_MS, ANON0, RSS0.
background_window() {
	_tb=$(now_ms)
	CPUB=$(cpu_ticks "$TPID")
	[ "${1:-}" = bpf ] && bpftool prog show --json --pretty 2>/dev/null | awk -f "$HERE/bpfstats.awk" > "$W/bpfa"
	[ "$2" = ss ] || sleep "$BG_SECONDS"
	[ "${1:-}" = bpf ] && bpftool prog show --json --pretty 2>/dev/null | awk -f "$HERE/bpfstats.awk" > "$W/bpf0"
	CPU0=$(cpu_ticks "$TPID")
	NS0=$(cpu_ns "$TPID")
	ANON0=$(status_kb "$TPID" RssAnon)
	RSS0=$(status_kb "$TPID" VmRSS)
	T0=$(now_ms)
	BG_MS=$((T0 - _tb))
}

# after the storm: wait until the tracer has consumed what the storm made (its
# CPU use per 0.5 s falls to its quiet-window rate plus a tick, at most 10
# ticks, twice in a row; at most DRAIN_MAX s, then DRAIN_CAPPED=1), then
# sample it. Sets T1, CPU1, HWM, RSS1, ANON1, DRAIN_S.
quiesce_tracer() {
	_t0=$(now_ms)
	DRAIN_CAPPED=
	if [ "$1" = ss ]; then
		: > "$W/stop"
		wait_bounded "$WPID" 30
		T1=$(now_ms)
		DRAIN_S=$(fdiv $((T1 - _t0)) 1000 %.2f)
		return
	fi
	_calm_max=$(awk -v b="$((CPU0 - CPUB))" -v ms="$BG_MS" 'BEGIN { c = ms > 0 ? b * 500 / ms : 0; if (c > 9) c = 9; printf "%d", 1 + c }')
	_prev=$(cpu_ticks "$TPID"); _i=0; _calm=0
	while [ "$_i" -lt $((DRAIN_MAX * 2)) ] && [ "$_calm" -lt 2 ] && alive "$TPID"; do
		sleep 0.5
		_c=$(cpu_ticks "$TPID")
		[ -n "$_c" ] || break
		if [ $((_c - _prev)) -le "$_calm_max" ]; then _calm=$((_calm + 1)); else _calm=0; fi
		_prev=$_c; _i=$((_i + 1))
	done
	[ "$_calm" -lt 2 ] && alive "$TPID" && DRAIN_CAPPED=1
	T1=$(now_ms)
	DRAIN_S=$(fdiv $((T1 - _t0)) 1000 %.2f)
	CPU1=$(cpu_ticks "$TPID")
	NS1=$(cpu_ns "$TPID")
	HWM=$(status_kb "$TPID" VmHWM)
	RSS1=$(status_kb "$TPID" VmRSS)
	ANON1=$(status_kb "$TPID" RssAnon)
}

# BPF-stats storm only: the same window after the storm (CPU2, BG2_MS; with "bpf"
# the counters at its end in bpf2). The background subtracted from the storm is
# the smaller of the two rates: only load that was there before and after.
post_window() {
	CPU2=$CPU1; BG2_MS=0
	[ "$2" = ss ] && return
	_tb=$(now_ms)
	sleep "$BG_SECONDS"
	[ "${1:-}" = bpf ] && bpftool prog show --json --pretty 2>/dev/null | awk -f "$HERE/bpfstats.awk" > "$W/bpf2"
	CPU2=$(cpu_ticks "$TPID")
	BG2_MS=$(($(now_ms) - _tb))
}

# bpftrace runs under timeout(1): if it outlived timeout, it goes now
forget_kid() {
	[ "$TPID" = "$WPID" ] && return
	alive "$TPID" && kill -KILL "$TPID" 2>/dev/null
	delpid "$TPID"
}

stop_tracer() {
	[ "$1" = ss ] && { : > "$W/stop"; wait_bounded "$WPID" 30; return; }
	kill -INT "$TPID" 2>/dev/null
	wait_bounded "$WPID" 60
	TRC=$RC
	forget_kid
}

# ---- measure one traced storm with TOOL; appends to runs.jsonl; sets the
#      pair's traced values (T_*)
traced_storm() {
	_tool=$1
	T_STATUS=ok; T_NOTE=-; T_RATE=-; T_MADE=0; T_SEEN=-; T_PCT=-; T_LOST=-; T_KM=-
	T_CPU=-; T_CPU_RAW=-; T_HWM=-; T_MEM=-
	new_ns || { T_STATUS=failed; T_NOTE="cannot create a network namespace"; return; }
	CPUB=; CPU0=; CPU1=; NS0=; NS1=; CPU_SRC=-; CPU2=; BG2_MS=0; ANON0=; ANON1=; RSS0=; RSS1=; HWM=; TRC=; DRAIN_S=; SUMMARY=; T0=0; T1=0; BG_MS=0
	if ! start_tracer "$_tool"; then
		T_STATUS=failed; T_NOTE=$TERR
		case $TERR in *"unknown command"*) T_STATUS=unavailable ;; esac
		echo "    $_tool: $T_STATUS: $TERR"
		echo "{\"rep\": $REP, \"tool\": \"$_tool\", \"traced\": true, \"status\": \"$T_STATUS\", \"error\": $(jstr "$TERR")}" >> "$W/runs.jsonl"
		del_ns "$NS"
		return
	fi
	background_window - "$_tool"
	run_storm "$_tool"
	quiesce_tracer "$_tool"
	[ "$_tool" = ss ] || stop_tracer "$_tool"
	T_RATE=$STORM_RATE; T_MADE=$STORM_DONE
	_bytes=$(wc -c < "$W/trace.out" 2>/dev/null || echo 0)
	_extra=
	case $_tool in
	watch | life | base-watch | base-life | watch-unix)
		if [ "$_tool" = watch-unix ]; then
			# the storm's listener path is its own: no namespace needed to tell it apart
			_seen=$(awk -v fmt=unix -v path="$STORM_PATH" -f "$HERE/seen.awk" "$W/trace.out")
		else
			_ev=state; [ "${_tool#base-}" = life ] && _ev=close
			_seen=$(awk -v fmt=json -v ino="$NSINO" -v port="$STORM_PORT" -v ev="$_ev" -f "$HERE/seen.awk" "$W/trace.out")
		fi
		SUMMARY=$(grep '^summary:' "$W/trace.err" | tail -n 1)
		T_LOST=$(echo "$SUMMARY" | sed -n 's/.* lost=\([0-9]*\).*/\1/p')
		T_KM=$(echo "$SUMMARY" | sed -n 's/.* kernel_missed=\([0-9]*\).*/\1/p')
		_socks=$(echo "$SUMMARY" | sed -n 's/.* sockets=\([0-9]*\).*/\1/p')
		# connections whose end no hook reported (lines with end "unseen")
		_unseen=$(echo "$SUMMARY" | sed -n 's/.* ends_unseen=\([0-9]*\).*/\1/p')
		[ -n "$_unseen" ] || _unseen=0
		[ "$_unseen" = 0 ] || T_NOTE="rep $REP: ends_unseen=$_unseen (ends no hook reported)"
		[ -n "$T_LOST" ] || T_LOST=-
		[ -n "$T_KM" ] || T_KM=-
		# table memory: anonymous RSS growth from before the storm to after
		# it, per socket the table holds at the end: every connection leaves
		# one TIME_WAIT socket, which socktrace keeps 60 s (none in rst mode;
		# none for UNIX sockets, which are gone at close)
		if [ "$MODE" != rst ] && [ "$_tool" != watch-unix ] && [ -n "$ANON1" ] && [ -n "$ANON0" ]; then
			T_MEM=$(fdiv $(((ANON1 - ANON0) * 1024)) "$T_MADE" %.0f)
		fi
		_extra="\"summary\": $(jstr "$SUMMARY"), \"summary_sockets\": $(jnull "$_socks"), \"ends_unseen\": $_unseen, "
		;;
	floor | floor-out | floor-shared)
		# no tuples to count connections by: a full count is ten records each
		SUMMARY=$(grep '^summary:' "$W/trace.err" | tail -n 1)
		T_LOST=$(echo "$SUMMARY" | sed -n 's/.* lost=\([0-9]*\).*/\1/p')
		T_KM=$(echo "$SUMMARY" | sed -n 's/.* kernel_missed=\([0-9]*\).*/\1/p')
		[ -n "$T_LOST" ] || T_LOST=-
		[ -n "$T_KM" ] || T_KM=-
		_seen="lines=0 other_netns=0 events=$(echo "$SUMMARY" | sed -n 's/.* events=\([0-9]*\).*/\1/p')"
		_extra="\"summary\": $(jstr "$SUMMARY"), \"line_bytes\": $([ "$_tool" = floor-out ] && echo "$FLOOR_LINE_BYTES" || echo 0), "
		;;
	bpftrace)
		_seen=$(awk -v fmt=bpftrace -v ino="$NSINO" -f "$HERE/seen.awk" "$W/trace.out")
		T_LOST=$(echo "$_seen" | sed -n 's/.* lost=\([0-9]*\).*/\1/p')
		_extra="\"bpftrace_perf_rb_pages\": $(jstr "${BPFTRACE_PERF_RB_PAGES:-default}"), "
		;;
	ss)
		_seen=$(awk -v fmt=ss -f "$HERE/seen.awk" "$W/trace.out")
		# CPU of the ss runs themselves (the poller reads its cutime +
		# cstime around each) and their peak RSS (/usr/bin/time)
		_ct=$(awk '$1 == "cpu_ticks" {print $2}' "$W/ss.times")
		_m=$(awk '$1 == "rss" && $2 > m {m = $2} END {print m + 0}' "$W/ss.times")
		[ "${_m:-0}" -gt 0 ] && T_HWM=$_m
		T_CPU=$(fdiv $((${_ct:-0} * 1000000 / HZ)) "$T_MADE" %.3f)
		T_CPU_RAW=$T_CPU
		_extra="\"ss_cpu_ticks\": ${_ct:-null}, \"ss_runs\": $(grep -c "^rss " "$W/ss.times"), "
		;;
	esac
	T_SEEN=$(echo "$_seen" | sed -n 's/^seen=\([0-9]*\).*/\1/p')
	if [ -n "$T_SEEN" ]; then T_PCT=$(fdiv $((T_SEEN * 100)) "$T_MADE" %.3f); else T_SEEN=-; T_PCT=-; fi
	_share=null
	if [ "$_tool" != ss ] && [ -n "$CPU1" ] && [ -n "$CPU0" ]; then
		# tracer CPU from just before the storm until it was done with it.
		# The tracers see every namespace, and the rest of the machine makes
		# sockets too: the CPU is shared out by output lines, the storm's
		# part being its lines / all lines (raw: all of it; all of it too
		# when the output has none of the storm's lines)
		_share=$(echo "$_seen" | awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } } END { t = v["lines"] + v["other_netns"] + v["other_lines"]; printf "%.4f", (v["lines"] > 0 ? v["lines"] / t : 1) }')
		# in ns where every thread that ran is still there to be read (a
		# thread that ended took its time with it: the ticks disagree)
		_cpu_ns=$(awk -v a="${NS0:-}" -v b="${NS1:-}" -v t=$((CPU1 - CPU0)) -v hz="$HZ" 'BEGIN {
			if (a == "" || b == "" || b < a || t * 1e9 / hz > b - a + 2e9 / hz) exit
			printf "%.0f", b - a }')
		if [ -n "$_cpu_ns" ]; then
			CPU_SRC=schedstat
		else
			CPU_SRC=ticks
			_cpu_ns=$(((CPU1 - CPU0) * 1000000000 / HZ))
		fi
		T_CPU_RAW=$(awk -v t="$_cpu_ns" -v n="$T_MADE" 'BEGIN { if (n > 0) printf "%.3f", t / 1e3 / n; else print "-" }')
		T_CPU=$(awk -v t="$_cpu_ns" -v s="$_share" -v n="$T_MADE" 'BEGIN { if (n > 0) printf "%.3f", t * s / 1e3 / n; else print "-" }')
		T_HWM=$HWM
	fi
	[ "$STORM_RC" = 0 ] || { T_STATUS=storm-failed; T_NOTE="connstorm exit $STORM_RC"; }
	case $_tool in watch | life | base-watch | base-life | watch-unix | floor | floor-out | floor-shared | bpftrace)
		[ "${TRC:-0}" = 0 ] || T_NOTE="rep $REP: tracer exit status $TRC${DRAIN_CAPPED:+, still busy after the ${DRAIN_MAX}s drain limit}" ;;
	esac
	[ -n "$DRAIN_CAPPED" ] && [ "$T_NOTE" = - ] && T_NOTE="rep $REP: still busy after the ${DRAIN_MAX}s drain limit"
	# a socktrace without UNIX tracing (before issue 13) measures its cost
	# on a UNIX storm all the same, but must not look like a tracer that lost
	# every connection
	_un=
	if [ "$_tool" = watch-unix ] && [ "$(echo "$_seen" | sed -n 's/.* unix=\([0-9]*\).*/\1/p')" = 0 ]; then
		_un="no UNIX events in the output: this socktrace does not trace UNIX sockets, so seen is 0"
		if [ "$T_NOTE" = - ]; then T_NOTE="rep $REP: $_un"; else T_NOTE="$T_NOTE; $_un"; fi
	fi
	echo "    $_tool: seen $T_SEEN/$T_MADE, lost $T_LOST (kernel_missed $T_KM), cpu $T_CPU us/conn (raw $T_CPU_RAW, storm share $_share), peak RSS ${T_HWM:-?} kB, $T_MEM B/socket, ready ${READY_S}s, drain ${DRAIN_S}s${TRC:+, exit $TRC}"
	[ "$_tool" = watch-unix ] && echo "      $STORM_PATH: $(echo "$_seen" | cut -d' ' -f3-)${_un:+ ($_un)}"
	printf '{"rep": %s, "tool": "%s", "traced": true, "status": "%s", "note": %s, "netns": "%s", "netns_inode": %s, "storm_exit": %s, "storm": %s, "storm_cpu": %s, "tracer_pid": %s, "ready_s": %s, "drain_s": %s, "drain_capped": %s, "tracer_exit": %s, "clk_tck": %s, "quiet_ms": %s, "cpu_ticks_quiet_start": %s, "cpu_ticks_before_storm": %s, "cpu_ticks_after_storm": %s, "cpu_ns_before_storm": %s, "cpu_ns_after_storm": %s, "cpu_source": %s, "storm_window_ms": %s, "storm_share_of_output": %s, "cpu_us_per_conn": %s, "cpu_us_per_conn_raw": %s, "rss_kb_before_storm": %s, "rss_anon_kb_before_storm": %s, "rss_kb_after_storm": %s, "rss_anon_kb_after_storm": %s, "vmhwm_kb": %s, "mem_b_per_socket": %s, "lost": %s, "kernel_missed": %s, %s"seen": %s, "seen_pct": %s, "output_bytes": %s, "counts": %s}\n' \
		"$REP" "$_tool" "$T_STATUS" "$(jstr "$T_NOTE")" "$NS" "$NSINO" "$STORM_RC" "$STORM_JSON" "$STORM_CPU" "$TPID" "$(jnull "$READY_S")" \
		"$(jnull "$DRAIN_S")" "$([ -n "$DRAIN_CAPPED" ] && echo true || echo false)" "$(jnull "$TRC")" "$HZ" "$BG_MS" "$(jnull "$CPUB")" "$(jnull "$CPU0")" "$(jnull "$CPU1")" \
		"$(jnull "$NS0")" "$(jnull "$NS1")" "$(jstr "$CPU_SRC")" $((T1 - T0)) "$_share" "$(jnull "$T_CPU")" "$(jnull "$T_CPU_RAW")" \
		"$(jnull "$RSS0")" "$(jnull "$ANON0")" "$(jnull "$RSS1")" "$(jnull "$ANON1")" "$(jnull "$T_HWM")" \
		"$(jnull "$T_MEM")" "$(jnull "$T_LOST")" "$(jnull "$T_KM")" "$_extra" "$(jnull "$T_SEEN")" \
		"$(jnull "$T_PCT")" "$_bytes" "$(jstr "$_seen")" >> "$W/runs.jsonl"
	if [ "$KEEP" = 1 ]; then
		mv "$W/trace.out" "$W/rep$REP-$_tool.out"
		mv "$W/trace.err" "$W/rep$REP-$_tool.err"
	fi
	rm -f "$W/trace.out"
	del_ns "$NS"
}

untraced_storm() {
	U_RATE=-; U_RC=1
	new_ns || return
	run_storm "$1"
	U_RATE=$STORM_RATE; U_RC=$STORM_RC
	printf '{"rep": %s, "tool": "%s", "traced": false, "netns": "%s", "storm_exit": %s, "storm": %s, "storm_cpu": %s}\n' \
		"$REP" "$1" "$NS" "$STORM_RC" "$STORM_JSON" "$STORM_CPU" >> "$W/runs.jsonl"
	del_ns "$NS"
}

# ---- BPF program cost: one storm traced with kernel.bpf_stats_enabled=1 ----
prog_ids() { # BPF program ids a process holds (prog and link fds)
	for _f in /proc/"$1"/fdinfo/*; do
		awk '$1 == "prog_id:" {print $2}' "$_f" 2>/dev/null
	done | sort -u
}
bpfstats_run() { # TOOL
	_tool=$1
	new_ns || return
	BPFSTATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -q -w kernel.bpf_stats_enabled=1 >/dev/null || { echo "  bpf stats: cannot enable kernel.bpf_stats_enabled"; del_ns "$NS"; return; }
	if ! start_tracer "$_tool"; then
		echo "  bpf stats ($_tool): $TERR"
		sysctl -q -w kernel.bpf_stats_enabled="$BPFSTATS_OLD" >/dev/null; BPFSTATS_OLD=
		del_ns "$NS"
		return
	fi
	prog_ids "$TPID" > "$W/ids"
	# the programs run for every socket on the machine: quiet windows of
	# BG_SECONDS before and after measure what the rest of the machine makes
	# them do
	background_window bpf "$_tool"
	run_storm "$_tool"
	quiesce_tracer "$_tool"
	bpftool prog show --json --pretty 2>/dev/null | awk -f "$HERE/bpfstats.awk" > "$W/bpf1"
	post_window bpf "$_tool"
	stop_tracer "$_tool"
	if [ "$_tool" = bpftrace ]; then
		_SUM="bpftrace: $(awk '$1 == "Lost" {s += $2} END {print s + 0}' "$W/trace.out") events lost"
	else
		_SUM=$(grep "^summary:" "$W/trace.err" | tail -n 1)
	fi
	sysctl -q -w kernel.bpf_stats_enabled="$BPFSTATS_OLD" >/dev/null; BPFSTATS_OLD=
	rm -f "$W/trace.out"
	del_ns "$NS"
	# per program over the storm window (bpf0 -> bpf1): runs, ns per run;
	# per connection: less the smaller background rate of the two quiet
	# windows (bpfa -> bpf0 before, bpf1 -> bpf2 after)
	_SJ="$STORM_JSON" _SUM="$_SUM" awk -v made="$STORM_DONE" -v tool="$_tool" -v json="$W/bpf.json" \
		-v m1="$BG_MS" -v m2="$BG2_MS" -v winms=$((T1 - T0)) '
		function bgrate(a, b, c, d,    r1, r2) { # smaller of the two rates, per ms
			r1 = m1 > 0 ? (b - a) / m1 : 0
			r2 = m2 > 0 ? (d - c) / m2 : r1
			return r1 < r2 ? r1 : r2
		}
		FILENAME == ARGV[1] { mine[$1] = 1; next }
		FILENAME == ARGV[2] { rta[$1] = $3; rca[$1] = $4; next }
		FILENAME == ARGV[3] { rt0[$1] = $3; rc0[$1] = $4; rm0[$1] = $5; next }
		FILENAME == ARGV[4] { rt1[$1] = $3; rc1[$1] = $4; rm1[$1] = $5; nm[$1] = $2; next }
		FILENAME == ARGV[5] { rt2[$1] = $3; rc2[$1] = $4; next }
		END {
			for (p in rc1) {
				if (!(p in mine)) continue
				rt = rt1[p] - rt0[p]; rc = rc1[p] - rc0[p]; rm = rm1[p] - rm0[p]
				if (rc == 0 && rm == 0) continue
				brc = bgrate(rca[p], rc0[p], rc1[p], rc2[p]) * winms
				brt = bgrate(rta[p], rt0[p], rt1[p], rt2[p]) * winms
				n++; name[n] = nm[p]; id[n] = p + 0; RT[n] = rt; RC[n] = rc; RM[n] = rm
				CRC[n] = rc - brc > 0 ? rc - brc : 0; CRT[n] = rt - brt > 0 ? rt - brt : 0
				trt += rt; trc += rc; tcrt += CRT[n]; tcrc += CRC[n]
			}
			for (i = 2; i <= n; i++) { # by program id: load order
				for (j = i; j > 1 && id[j - 1] > id[j]; j--) {
					t = id[j]; id[j] = id[j - 1]; id[j - 1] = t
					t = name[j]; name[j] = name[j - 1]; name[j - 1] = t
					t = RT[j]; RT[j] = RT[j - 1]; RT[j - 1] = t
					t = RC[j]; RC[j] = RC[j - 1]; RC[j - 1] = t
					t = RM[j]; RM[j] = RM[j - 1]; RM[j - 1] = t
					t = CRT[j]; CRT[j] = CRT[j - 1]; CRT[j - 1] = t
					t = CRC[j]; CRC[j] = CRC[j - 1]; CRC[j - 1] = t
				}
			}
			printf "  BPF programs of %s (kernel.bpf_stats_enabled=1, %d connections, storm window %.1f s;\n", tool, made, winms / 1000
			printf "  runs and ns per connection: less the background of %.0f s quiet windows before and after):\n", m1 / 1000
			printf "    %-24s %10s %9s %10s %10s %9s\n", "program", "runs", "ns/run", "runs/conn", "ns/conn", "rec.miss"
			printf "{\"tool\": \"%s\", \"connections\": %d, \"window_ms\": %d, \"background_window_ms\": [%d, %d], \"programs\": [", tool, made, winms, m1, m2 > json
			for (i = 1; i <= n; i++) {
				printf "    %-24s %10d %9.0f %10.2f %10.0f %9d\n", name[i], RC[i], RC[i] ? RT[i] / RC[i] : 0, made ? CRC[i] / made : 0, made ? CRT[i] / made : 0, RM[i]
				printf "%s{\"id\": %s, \"name\": \"%s\", \"run_cnt\": %d, \"run_time_ns\": %d, \"ns_per_run\": %.1f, \"run_cnt_minus_background\": %.0f, \"run_time_ns_minus_background\": %.0f, \"runs_per_conn\": %.3f, \"ns_per_conn\": %.1f, \"recursion_misses\": %d}", (i > 1 ? ", " : ""), id[i], name[i], RC[i], RT[i], RC[i] ? RT[i] / RC[i] : 0, CRC[i], CRT[i], made ? CRC[i] / made : 0, made ? CRT[i] / made : 0, RM[i] > json
			}
			printf "    %-24s %10d %9.0f %10.2f %10.0f\n", "total", trc, trc ? trt / trc : 0, made ? tcrc / made : 0, made ? tcrt / made : 0
			printf "    (without the background subtraction: %.2f runs/conn, %.0f ns/conn)\n", made ? trc / made : 0, made ? trt / made : 0
			printf "], \"total_run_cnt\": %d, \"total_run_time_ns\": %d, \"ns_per_run\": %.1f, \"runs_per_conn\": %.3f, \"ns_per_conn\": %.1f, \"raw_runs_per_conn\": %.3f, \"raw_ns_per_conn\": %.1f, \"summary\": \"%s\", \"storm\": %s}", trc, trt, trc ? trt / trc : 0, made ? tcrc / made : 0, made ? tcrt / made : 0, made ? trc / made : 0, made ? trt / made : 0, ENVIRON["_SUM"], ENVIRON["_SJ"] > json
		}' "$W/ids" "$W/bpfa" "$W/bpf0" "$W/bpf1" "$W/bpf2" | tee -a "$W/bpf.txt"
	echo "    $_SUM" | tee -a "$W/bpf.txt"
	[ -s "$W/bpf.json" ] && { [ -s "$W/bpfall.json" ] && printf ', ' >> "$W/bpfall.json"; cat "$W/bpf.json" >> "$W/bpfall.json"; rm -f "$W/bpf.json"; }
}

# ---- main ----
: > "$W/runs.jsonl"
: > "$W/reps.jsonl"
: > "$W/bpfall.json"
printf 'rep\ttool\torder\tstatus\tuntraced_rate\ttraced_rate\tratio\tmade\tseen\tseen_pct\tlost\tkernel_missed\tcpu_us_per_conn\thwm_kb\tmem_b_per_socket\tnote\n' > "$W/pairs.tsv"

echo "socktrace bench: $N connections x $REPS reps, mode $MODE, tools: $TOOLS"
echo "  $(uname -sr), $(nproc) CPUs, CLK_TCK $HZ; storm timeout ${STORM_TIMEOUT}s; results: $JSON"
echo "  socktrace: $ST_SRC (sha256 $ST_SUM..., built $ST_MTIME), measured as a copy"
BT_VERSION=null
case " $TOOLS " in *" bpftrace "*)
	if command -v bpftrace >/dev/null 2>&1; then BT_VERSION=$(jstr "$(bpftrace --version 2>/dev/null)"); fi ;;
esac

# tools that cannot run at all are found out once, not every rep
UNAVAIL=
for t in $TOOLS; do
	case $t in
	life)
		timeout 20 "$ST" life --json --duration 1 > /dev/null 2> "$W/probe.err" < /dev/null
		_rc=$?
		if [ "$_rc" != 0 ]; then
			_m=$(grep -v '^summary:' "$W/probe.err" | head -n 1)
			echo "  life: unavailable (exit $_rc: $_m)"
			UNAVAIL="$UNAVAIL life"
			printf '{"rep": 0, "tool": "life", "traced": true, "status": "unavailable", "error": %s}\n' "$(jstr "exit $_rc: $_m")" >> "$W/runs.jsonl"
			printf '0\tlife\t-\tunavailable\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t%s\n' "$(echo "$_m" | tr '\t' ' ')" >> "$W/pairs.tsv"
		fi
		;;
	bpftrace)
		if ! command -v bpftrace >/dev/null 2>&1; then
			echo "  bpftrace: unavailable (not installed: WITH_BENCH=1 sh tools/install-deps.sh)"
			UNAVAIL="$UNAVAIL bpftrace"
			printf '0\tbpftrace\t-\tunavailable\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\tnot installed\n' >> "$W/pairs.tsv"
		fi
		;;
	watch-unix)
		if [ "$MODE" = rst ]; then
			echo "  watch-unix: not run (BENCH_MODE=rst: a UNIX socket has no reset)"
			UNAVAIL="$UNAVAIL watch-unix"
			printf '0\twatch-unix\t-\tunavailable\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\tBENCH_MODE=rst: a UNIX socket has no reset\n' >> "$W/pairs.tsv"
		fi
		;;
	esac
done

# BPF run-time statistics cost each program run two clock reads: a tracer of
# 35 runs a connection pays more for them than the floor's 10. Off for the
# pairs: left on by hand, they skewed the ratios of earlier runs.
if [ "$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null)" = 1 ]; then
	STATS_AT_START=1
	sysctl -q -w kernel.bpf_stats_enabled=0 >/dev/null 2>&1
	if [ "$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null)" = 1 ]; then
		echo "  kernel.bpf_stats_enabled stays 1 (held by another program): every BPF run pays for it"
	else
		echo "  kernel.bpf_stats_enabled was 1: 0 for the pairs, 1 again at the end"
	fi
fi

# The tools in the order rep $1 runs them: every second rep starts one tool
# later. A tracer started just after another one exited pays more for its
# memory on our VMs (docs/performance.md, 2026-12-07): in a fixed order the
# same tool would always pay, and two builds compared in one run would differ
# by their places. The pairs' own order alternates every rep, so the
# rotation does every other, or with two tools one would always go first
# with its untraced storm first.
rep_tools() {
	_k=$((($1 - 1) / 2))
	shift
	[ $# -gt 0 ] || return 0
	_k=$((_k % $#))
	_head=
	while [ "$_k" -gt 0 ]; do
		_head="$_head $1"
		shift
		_k=$((_k - 1))
	done
	echo "$*$_head"
}

TRUNCATED=false
REP=0
while [ "$REP" -lt "$REPS" ]; do
	REP=$((REP + 1))
	echo "rep $REP/$REPS ($(elapsed) s elapsed)"
	check_load
	echo "{\"rep\": $REP, \"load\": $LOAD_JSON}" >> "$W/reps.jsonl"
	# shellcheck disable=SC2046 # tool names are words
	for t in $(rep_tools "$REP" $TOOLS); do
		case " $UNAVAIL " in *" $t "*) continue ;; esac
		if [ "$(elapsed)" -ge "$MAXSECS" ]; then
			echo "  $t: skipped (BENCH_MAX_SECONDS=$MAXSECS reached)"
			TRUNCATED=true
			continue
		fi
		# odd reps: untraced first; even reps: traced first
		if [ $((REP % 2)) = 1 ]; then
			order=untraced-first
			untraced_storm "$t"
			traced_storm "$t"
		else
			order=traced-first
			traced_storm "$t"
			untraced_storm "$t"
		fi
		[ "$U_RC" = 0 ] || [ "$T_STATUS" != ok ] || { T_STATUS=storm-failed; T_NOTE="untraced connstorm exit $U_RC"; }
		ratio=$(fdiv "$T_RATE" "$U_RATE" %.4f)
		echo "  $t: untraced $U_RATE conn/s, traced $T_RATE conn/s, ratio $ratio ($order)"
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$REP" "$t" "$order" "$T_STATUS" \
			"$U_RATE" "$T_RATE" "$ratio" "$T_MADE" "${T_SEEN:--}" "${T_PCT:--}" "${T_LOST:--}" "${T_KM:--}" \
			"${T_CPU:--}" "${T_HWM:--}" "${T_MEM:--}" "$(printf '%s' "$T_NOTE" | tr '\t\n' '  ')" >> "$W/pairs.tsv"
		if [ "$T_STATUS" = unavailable ]; then UNAVAIL="$UNAVAIL $t"; fi
	done
done

if [ "$BPFSTATS" = 1 ]; then
	for t in watch base-watch life base-life floor bpftrace; do
		case " $TOOLS " in *" $t "*) ;; *) continue ;; esac
		case " $UNAVAIL " in *" $t "*) continue ;; esac
		if [ "$(elapsed)" -ge "$MAXSECS" ]; then TRUNCATED=true; continue; fi
		REP=bpfstats
		bpfstats_run "$t"
	done
fi

# ---- report ----
echo
{
	echo "socktrace bench $STAMP: $N connections x $REPS reps, mode $MODE, $(uname -r), $(nproc) CPUs"
	awk -F '\t' -v json="$W/summary.json" -v tools="$TOOLS" -f "$HERE/report.awk" "$W/pairs.tsv"
	[ -s "$W/bpf.txt" ] && cat "$W/bpf.txt"
	[ "$TRUNCATED" = true ] && echo "NOTE: BENCH_MAX_SECONDS=$MAXSECS reached: some pairs were skipped"
	echo "total time $(elapsed) s"
} | tee "$TXT"

{
	printf '{"benchmark": "socktrace", "time": "%s", ' "$STAMP"
	printf '"machine": {"kernel": %s, "cpus": %s, "cpu_model": %s, "mem_total_kb": %s}, ' \
		"$(jstr "$(uname -r)")" "$(nproc)" "$(jstr "$(awk -F ': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)")" \
		"$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)"
	printf '"socktrace": {"path": %s, "sha256_prefix": "%s", "mtime": "%s", "git_head": %s}, ' "$(jstr "$ST_SRC")" "$ST_SUM" "$ST_MTIME" \
		"$(jstr "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)")"
	printf '"params": {"connections": %s, "reps": %s, "mode": "%s", "threads": %s, "tools": %s, "settle_s": %s, "storm_timeout_s": %s, "clk_tck": %s}, ' \
		"$N" "$REPS" "$MODE" "$THREADS" "$(jstr "$TOOLS")" "$SETTLE" "$STORM_TIMEOUT" "$HZ"
	printf '"bpftrace_version": %s, "truncated": %s, "total_s": %s, ' "$BT_VERSION" "$TRUNCATED" "$(elapsed)"
	printf '"reps": ['; awk 'NR > 1 {printf ", "} {printf "%s", $0}' "$W/reps.jsonl"; printf '], '
	printf '"runs": ['; awk 'NR > 1 {printf ", "} {printf "%s", $0}' "$W/runs.jsonl"; printf '], '
	printf '"bpf_stats": [%s], ' "$(cat "$W/bpfall.json")"
	printf '"summary": %s, ' "$(cat "$W/summary.json")"
	printf '"table": %s}\n' "$(jstr "$(cat "$TXT")")"
} > "$JSON"
cp "$W/pairs.tsv" "$OUTDIR/bench-$STAMP.tsv"
echo "results: $JSON"
exit 0
