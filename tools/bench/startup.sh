#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Start-up time and memory per tracked socket (`make bench-startup`;
# docs/performance.md). As root; needs python3 for the socket holder.
#
# A holder process (python3, below) opens STARTUP_SOCKETS/2 loopback TCP
# connections in a network namespace of its own and keeps both ends open:
# STARTUP_SOCKETS established sockets. Then:
#  1. start-up: `socktrace watch|life --json --ready-file F` started with the
#     sockets already there; the time from exec to F, the tracer's RssAnon
#     then, and the same with no held sockets. `table -tanp` to /dev/null,
#     timed, with the sockets there.
#  2. sockets made while tracing: the tracer ready first, then the holder
#     opens the sockets; the tracer's RssAnon growth and the growth of the
#     kernel's memcg-charged kmalloc objects (/proc/slabinfo's kmalloc-cg-*:
#     active objects times object size), where BPF maps, socket storage
#     included, take their memory; less that of the same holder with no
#     tracer, each over the sockets made. The sockets' own caches (TCP,
#     sock_inode_cache) are left out: their frees from an earlier step move
#     them by more than a tracer's share.
#
# Environment: STARTUP_SOCKETS=100000 (even, 2..400000), STARTUP_REPS=3,
# SOCKTRACE=build/socktrace.
# Safety: loopback only, in a namespace made here; every wait is bounded; an
# EXIT trap stops what this started and deletes the namespace.
set -u
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ST=${SOCKTRACE:-$ROOT/build/socktrace}
N=${STARTUP_SOCKETS:-100000}
REPS=${STARTUP_REPS:-3}

die() { echo "bench-startup: $*" >&2; exit 1; }
isint() { case $1 in '' | *[!0-9]*) return 1 ;; esac; }
isint "$N" && [ "$N" -ge 2 ] && [ "$N" -le 400000 ] && [ $((N % 2)) = 0 ] ||
	die "STARTUP_SOCKETS=$N: an even number, 2..400000"
isint "$REPS" && [ "$REPS" -ge 1 ] && [ "$REPS" -le 10 ] || die "STARTUP_REPS=$REPS: 1..10"
[ "$(id -u)" = 0 ] || die "run as root (BPF, network namespaces)"
[ -x "$ST" ] || die "$ST missing: run make"
command -v python3 > /dev/null || die "python3 missing (the socket holder)"

W=$(mktemp -d /tmp/socktrace-startup.XXXXXX) || die "mktemp failed"
NS=ststartup-$$
TPID=
HPID=
cleanup() {
	trap - EXIT INT TERM HUP
	[ -n "$TPID" ] && kill -INT "$TPID" 2>/dev/null && sleep 1 && kill -KILL "$TPID" 2>/dev/null
	# shellcheck disable=SC2086 # a list of pids
	[ -n "$HPID" ] && kill -KILL $HPID 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'echo "bench-startup: interrupted" >&2; exit 130' INT TERM HUP
cp "$ST" "$W/socktrace" && ST=$W/socktrace || die "cannot copy $ST"
ip netns add "$NS" && ip -n "$NS" link set lo up || die "cannot create namespace $NS"

# A holder: connections i0 .. i0+P-1 to a listener of its own on 127.0.0.1,
# connection i from 127.X.Y.Z as connstorm numbers them (distinct 4-tuples
# without port reuse); writes "ready" to its file and sleeps until killed (at most 600 s). Every socket
# has SO_LINGER {1,0}: killed, it resets, and leaves no TIME_WAIT behind.
cat > "$W/hold.py" << 'EOF'
import resource, socket, struct, sys, time
i0, p = int(sys.argv[1]), int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(4096)
port = ls.getsockname()[1]
held = []
for i in range(i0, i0 + p):
    c = socket.socket()
    c.setsockopt(socket.SOL_IP, 24, 1)  # IP_BIND_ADDRESS_NO_PORT
    c.bind(("127.%d.%d.%d" % (1 + i // 65024, (i // 254) % 256, 1 + i % 254), 0))
    c.connect(("127.0.0.1", port))
    s, _ = ls.accept()
    for x in (c, s):  # close with an RST: no TIME_WAIT left behind
        x.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    held += [c, s]
with open(sys.argv[3], "w") as f:
    f.write("ready\n")
time.sleep(600)
EOF
# a process holds at most CHUNK connections: the hard limit on open files
# (RLIMIT_NOFILE) may be low, and raising it takes CAP_SYS_RESOURCE
NOFILE=$(python3 -c 'import resource; print(resource.getrlimit(resource.RLIMIT_NOFILE)[1])')
CHUNK=$(((NOFILE - 64) / 2))
[ "$CHUNK" -ge 100 ] || die "RLIMIT_NOFILE $NOFILE: too low to hold sockets"
[ "$CHUNK" -le 50000 ] || CHUNK=50000

now_ms() { echo $(($(date +%s%N) / 1000000)); }
anon_kb() { awk '/^RssAnon:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
slab_kb() { awk '$1 ~ /^kmalloc-cg-/ { b += $2 * $4 } END { printf "%d\n", b / 1024 }' /proc/slabinfo; }
# wait_file PATH PID N [S]: PATH exists, or PID ended, or N polls S seconds
# apart (0.01) passed
wait_file() {
	_i=0
	while [ ! -e "$1" ] && [ $_i -lt "$3" ] && kill -0 "$2" 2>/dev/null; do
		sleep "${4:-0.01}"; _i=$((_i + 1))
	done
	[ -e "$1" ]
}
hold_start() { # $1: connections, in processes of at most CHUNK each
	rm -f "$W"/held.*
	HPID=
	_i=0
	while [ "$_i" -lt "$1" ]; do
		_n=$(($1 - _i)); [ "$_n" -gt "$CHUNK" ] && _n=$CHUNK
		ip netns exec "$NS" python3 "$W/hold.py" "$_i" "$_n" "$W/held.$_i" &
		HPID="$HPID $!"
		_i=$((_i + _n))
	done
	_k=0
	for _p in $HPID; do
		wait_file "$W/held.$_k" "$_p" 30000 || die "a holder did not get ready"
		_k=$((_k + CHUNK))
	done
}
hold_stop() {
	# shellcheck disable=SC2086 # a list of pids
	kill -KILL $HPID; wait $HPID 2>/dev/null; HPID=
	sleep 2 # the kernel frees the sockets
}
# The time to ready is the ready file's own time (ns) less the time before
# exec: the poll is slow (a fork every 50 ms), and it neither adds its
# interval nor takes much of the CPUs that socktrace's start-up uses both of.
tracer_start() { # $1: tool; sets TPID, READY_MS
	rm -f "$W/ready"
	_t0=$(date +%s%N)
	"$ST" "$1" --json --ready-file "$W/ready" --duration 600 > /dev/null 2> "$W/err" &
	TPID=$!
	wait_file "$W/ready" "$TPID" 1200 0.05 || die "$1 did not get ready: $(head -n 2 "$W/err")"
	READY_MS=$((($(stat -c %.9Y "$W/ready" | tr -d .) - _t0) / 1000000))
}
tracer_stop() { kill -INT "$TPID"; wait "$TPID"; TPID=; }

P=$((N / 2))
echo "start-up and memory: $N held sockets ($P loopback connections), $REPS reps, $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-5s %-22s %10s %12s %14s %14s\n' rep tool "ready ms" "RssAnon KB" "user B/sock" "kernel B/sock"
for rep in $(seq "$REPS"); do
	for t in watch life; do
		tracer_start "$t"; r0=$READY_MS; a0=$(anon_kb "$TPID"); tracer_stop
		hold_start "$P"
		tracer_start "$t"; r1=$READY_MS; a1=$(anon_kb "$TPID"); tracer_stop
		hold_stop
		printf '%-5s %-22s %10s %12s %14s %14s\n' "$rep" "$t (0 sockets)" "$r0" "$a0" - -
		printf '%-5s %-22s %10s %12s %14s %14s\n' "$rep" "$t ($N existing)" "$r1" "$a1" \
			"$(((a1 - a0) * 1024 / N))" -
	done
	hold_start "$P"
	t0=$(now_ms); "$ST" table -tanp > /dev/null 2>&1; t1=$(now_ms)
	hold_stop
	printf '%-5s %-22s %10s\n' "$rep" "table -tanp" "$((t1 - t0))"
	# sockets made while tracing: slab growth without a tracer first
	k0=$(slab_kb); hold_start "$P"; k1=$(slab_kb); hold_stop
	for t in watch life; do
		tracer_start "$t"; a0=$(anon_kb "$TPID"); s0=$(slab_kb)
		hold_start "$P"
		# the tracer drains what the holder made, and a burst's spill
		# (user/ring_spill.c: chunks mapped for it) goes
		# back 2 s after it (SPILL_KEEP_NS): memory for a burst, not
		# for the sockets, which 1 s counted in one run of three
		sleep 3
		a1=$(anon_kb "$TPID"); s1=$(slab_kb)
		hold_stop; tracer_stop
		printf '%-5s %-22s %10s %12s %14s %14s\n' "$rep" "$t ($N made)" - "$a1" \
			"$(((a1 - a0) * 1024 / N))" "$((((s1 - s0) - (k1 - k0)) * 1024 / N))"
	done
done
echo "ready ms: exec to --ready-file (start-up snapshot included). user B/sock: the tracer's"
echo "RssAnon growth over the held sockets. kernel B/sock: memcg-charged kmalloc growth (BPF maps,"
echo "socket storage; /proc/slabinfo kmalloc-cg-*) with the tracer less that without it, per socket made."
