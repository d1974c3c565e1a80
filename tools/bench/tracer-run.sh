# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# What steady.sh and storms.sh share, sourced by both: a namespace per run, a
# tracer started in it and waited for, its CPU ticks, the drain, and the
# EXIT trap that undoes all of it. The caller sets ST (socktrace), CS
# (connstorm), OUTDIR and NAME (the results' name) and defines die(); it may
# define cleanup_extra(). Sets HZ, TSV (the results) and W (a temporary
# directory).
[ "$(id -u)" = 0 ] || die "run as root (BPF, network namespaces)"
[ -x "$ST" ] || die "$ST missing: run make"
[ -x "$CS" ] || die "$CS missing: run make build/tools/connstorm"

HZ=$(getconf CLK_TCK)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUTDIR" || die "cannot create $OUTDIR"
TSV=$OUTDIR/$NAME-$STAMP.tsv
W=$(mktemp -d "/tmp/socktrace-$NAME.XXXXXX") || die "mktemp failed"
TPID=
NS=
NSINO=
cleanup() {
	trap - EXIT INT TERM HUP
	command -v cleanup_extra > /dev/null && cleanup_extra
	[ -n "$TPID" ] && kill -INT "$TPID" 2>/dev/null && sleep 1 && kill -KILL "$TPID" 2>/dev/null
	[ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'echo "$0: interrupted" >&2; exit 130' INT TERM HUP
# a rebuild during the run changes nothing
cp "$ST" "$W/socktrace" && ST=$W/socktrace || die "cannot copy $ST"

# ns_new NAME: a namespace with loopback up; sets NS and NSINO
ns_new() {
	NS=$1
	ip netns add "$NS" && ip -n "$NS" link set lo up || die "cannot create namespace $NS"
	NSINO=$(stat -L -c %i "/run/netns/$NS")
}
ns_del() { ip netns del "$NS"; NS=; }

# tracer_start SECONDS TOOL [OPTION...]: `socktrace TOOL --json` for the
# namespace, at most SECONDS, output in $W/out and $W/err; sets TPID once it
# is ready (at most 60 s)
tracer_start() {
	_dur=$1 _tool=$2
	shift 2
	rm -f "$W/ready"
	"$ST" "$_tool" --json --netns "$NSINO" --duration "$_dur" --ready-file "$W/ready" "$@" \
		> "$W/out" 2> "$W/err" &
	TPID=$!
	_i=0
	while [ ! -e "$W/ready" ] && [ $_i -lt 600 ] && kill -0 "$TPID" 2>/dev/null; do
		sleep 0.1; _i=$((_i + 1))
	done
	[ -e "$W/ready" ] || die "$_tool did not get ready: $(head -n 2 "$W/err" | tr '\n' ' ')"
}
# the tracer's drain: its output grows no more for a second (at most 60 s)
tracer_drain() {
	_n0=-1 _i=0
	while [ $_i -lt 60 ]; do
		sleep 1
		_n=$(wc -c < "$W/out"); [ "$_n" = "$_n0" ] && break
		_n0=$_n; _i=$((_i + 1))
	done
}
tracer_stop() { kill -INT "$TPID"; wait "$TPID"; TPID=; }
# user+system ticks of process $1
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $12 + $13}'; }
