# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# socktrace benchmark: what a tracer's output saw of one storm.
#   awk -v fmt=json -v ino=INODE -v port=PORT -v ev=EVENT -f seen.awk FILE
#   awk -v fmt=bpftrace -v ino=INODE -f seen.awk FILE
#   awk -v fmt=ss -f seen.awk FILE
#   awk -v fmt=unix -v path=PATH -f seen.awk FILE
# Prints one line of key=value pairs. "seen" is the number of distinct client
# addresses: connstorm gives connection i its own 127.X.Y.Z source (X >= 1)
# and the server listens on 127.0.0.1, so in the storm's namespace every
# 127.X.Y.Z with X >= 1 is one connection.
#   json:     socktrace's JSON lines; counts objects whose "event" is EV and
#             whose "netns" is INODE (an object without "netns" counts when
#             PORT is its lport or rport); tw = such objects with new_state
#             TIME_WAIT; other_netns = objects of the same event from other
#             namespaces (the rest of the machine).
#   bpftrace: tools/bench/bpftrace-states.bt lines "inum saddr sport daddr
#             dport old new" with inum = INODE; lost = sum of bpftrace's
#             "Lost N events" lines.
#   ss:       `ss -Htan` rows after "#poll N" lines (tools/bench/ss-poll.sh);
#             tuples = distinct 4-tuples, st_X = distinct 4-tuples seen in
#             state X.
#   unix:     socktrace's JSON lines for a UNIX storm (connstorm -x) whose
#             listener is at PATH, a path no one else uses. Here "seen"
#             counts client sockets, by "inode": a connection is seen when
#             its successful connect to PATH ("family":"unix",
#             "event":"connect", "errno":0, "path":PATH) and its socket's
#             "close" are both in the output. connects = such connects,
#             failed = connects to PATH with an errno, accepts = accepts on
#             PATH, closes_client / closes_server = closes of the connecting
#             and the accepted sockets; lines = the storm's objects (those,
#             and bind/listen on PATH), other_lines = every other object;
#             unix = all UNIX objects (0: the tracer reports no UNIX sockets).
function jstr(s, key,    v) {
	if (!match(s, "\"" key "\": ?\"[^\"]*\""))
		return ""
	v = substr(s, RSTART, RLENGTH)
	sub(/^"[^"]*": ?"/, "", v)
	sub(/"$/, "", v)
	return v
}
function jnum(s, key,    v) {
	if (!match(s, "\"" key "\": ?-?[0-9]+"))
		return ""
	v = substr(s, RSTART, RLENGTH)
	sub(/^"[^"]*": ?/, "", v)
	return v
}
function client(a) { return a ~ /^127\.[1-9][0-9]*\.[0-9]+\.[0-9]+$/ }
function add(a) { if (client(a) && !(a in seen)) { seen[a] = 1; nseen++ } }
# "127.0.0.1:80" -> "127.0.0.1"; "[::1]:80" -> "[::1]"
function host(ep) { sub(/:[0-9*]+$/, "", ep); return ep }

BEGIN {
	nseen = 0; lines = 0; tw = 0; lost = 0; polls = 0; ntuples = 0; other = 0; bgl = 0
	unix = 0; failed = 0; nconn = 0; nacc = 0; ncl = 0; ccl = 0; ccs = 0; scl = 0
}

fmt == "json" {
	if (jstr($0, "event") != ev) { other++; next }
	n = jnum($0, "netns")
	if (n != "") {
		if (n != ino) { bgl++; next }
	} else if (jnum($0, "lport") != port && jnum($0, "rport") != port) {
		next
	}
	lines++
	add(jstr($0, "laddr"))
	add(jstr($0, "raddr"))
	if (jstr($0, "new_state") == "TIME_WAIT") tw++
	next
}

fmt == "bpftrace" {
	if ($1 == "Lost" && $3 == "events") { lost += $2; next }
	if (NF != 7) next
	if ($1 != ino) { bgl++; next }
	lines++
	add($2)
	add($4)
	next
}

fmt == "unix" {
	if ($0 !~ /^\{/) next
	if (jstr($0, "family") != "unix") { other++; next }
	unix++
	e = jstr($0, "event"); i = jnum($0, "inode")
	if (e == "close") { closes[i]++; ncl++; next }
	if (jstr($0, "path") != path) { other++; next }
	lines++
	if (e == "connect") {
		er = jnum($0, "errno")
		if (er == "" || er == 0) conn[i] = 1
		else failed++
	} else if (e == "accept") {
		acc[i] = 1
	}
	next
}

fmt == "ss" {
	if ($1 == "#poll") { polls++; next }
	if (NF < 5) next
	lines++
	t = $4 " " $5
	if (!(t in tuples)) { tuples[t] = 1; ntuples++ }
	if (!((t SUBSEP $1) in ts)) { ts[t SUBSEP $1] = 1; st[$1]++ }
	add(host($4))
	add(host($5))
	next
}

END {
	if (fmt == "unix") {
		for (i in conn) { nconn++; if (i in closes) { nseen++; ccl += closes[i] } }
		for (i in acc) { nacc++; if (i in closes) { scl++; ccs += closes[i] } }
		# a close is the storm's when it is one of its sockets'
		lines += ccl + ccs
		other += ncl - ccl - ccs
	}
	printf "seen=%d lines=%d", nseen, lines
	if (fmt == "unix")
		printf " other_lines=%d unix=%d connects=%d failed=%d accepts=%d closes_client=%d closes_server=%d", \
			other, unix, nconn, failed, nacc, nseen, scl
	if (fmt == "json") printf " tw=%d other_events=%d other_netns=%d", tw, other, bgl
	if (fmt == "bpftrace") printf " lost=%d other_netns=%d", lost, bgl
	if (fmt == "ss") {
		printf " polls=%d tuples=%d", polls, ntuples
		for (s in st) printf " st_%s=%d", s, st[s]
	}
	printf "\n"
}
