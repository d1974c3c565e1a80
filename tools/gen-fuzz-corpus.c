// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * gen-fuzz-corpus DIR: write the seed corpus of tests/fuzz/fuzz_records.c,
 * record sequences as the BPF programs make them (bpf/socktrace_abi.h):
 * connect/accept/close on IPv4 and IPv6, TIME_WAIT, refused and reset
 * connects, UDP bind/connect/close, snapshots with holders, a table at its
 * cap, hostile process names. `make fuzz-corpus` runs it.
 *
 * Input format (see the fuzz target): chunks of a 2-byte little-endian header
 * (op << 12 | len) and len bytes; op 0 is a record, 0x8.. are control ops.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/types.h>

#include "diag_msg.h"
#include "socktrace_abi.h"

#define OP_REC	      0x0
#define OP_DIAG	      0x7
#define OP_TICK	      0x8
#define OP_SNAP_BEGIN 0x9
#define OP_SNAP_END   0xa
#define OP_PRINT      0xb
#define OP_HZ	      0xc
#define OP_CAP	      0xd
#define OP_LOST	      0xe
#define OP_FLUSH      0xf

#define NS1	     4026531840u
#define NS2	     4026532999u
#define SEC	     1000000000ull
#define MS	     1000000ull
#define HELPER_SHORT 0xfffffff1u
#define HELPER_LONG  0xfffffff2u
#define HELPER_CTRL  0xfffffff3u

static const char *dir;
static FILE *cur;
static int nfiles;

static void begin(const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cur = fopen(path, "wb");
	if (!cur) {
		perror(path);
		exit(1);
	}
}

static void end(void)
{
	if (fclose(cur)) {
		perror("write");
		exit(1);
	}
	cur = NULL;
	nfiles++;
}

static void chunk(unsigned int op, const void *p, size_t n)
{
	unsigned int h = op << 12 | (unsigned int)n;
	unsigned char hdr[2] = {h & 0xff, h >> 8};

	fwrite(hdr, 1, 2, cur);
	/* a control op has no body, and fwrite() wants a buffer even for none */
	if (n)
		fwrite(p, 1, n, cur);
}

static void op_u64(unsigned int op, uint64_t v)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	chunk(op, b, 8);
}

static void tick(uint64_t now)
{
	op_u64(OP_TICK, now);
}

static void print_tables(uint64_t now)
{
	op_u64(OP_PRINT, now);
}

static void snap_begin(uint64_t now)
{
	op_u64(OP_SNAP_BEGIN, now);
}

static void snap_end(void)
{
	chunk(OP_SNAP_END, NULL, 0);
}

/* ---- endpoints and tasks ---- */

struct ep {
	uint16_t family;
	uint8_t addr[16];
	uint16_t port;
};

static struct ep ep4(const char *a, uint16_t port)
{
	struct ep e = {.family = AF_INET, .port = port};

	inet_pton(AF_INET, a, e.addr);
	return e;
}

static struct ep ep6(const char *a, uint16_t port)
{
	struct ep e = {.family = AF_INET6, .port = port};

	inet_pton(AF_INET6, a, e.addr);
	return e;
}

static struct st_tuple tuple(uint16_t proto, struct ep l, struct ep r, uint32_t netns)
{
	struct st_tuple t = {.netns = netns,
			     .sport = l.port,
			     .dport = r.port,
			     .family = l.family,
			     .protocol = proto};

	memcpy(t.saddr, l.addr, 16);
	memcpy(t.daddr, r.addr, 16);
	return t;
}

static struct st_task task(uint32_t pid, const char *comm)
{
	struct st_task t = {.tgid = pid, .tid = pid};

	/* comm as the kernel has it: up to 16 bytes, not always terminated */
	memcpy(t.comm, comm, strnlen(comm, ST_COMM_LEN));
	return t;
}

static const struct st_task softirq = {0};

/* ---- records ---- */

static void state(uint64_t ts, uint64_t sk, uint64_t cookie, struct st_tuple t, uint8_t old,
		  uint8_t new, struct st_task tk, uint8_t sk_err)
{
	struct st_state_rec r = {
		.hdr = {ST_REC_STATE, sizeof(r), ts},
		.sk = sk,
		.cookie = cookie,
		.t = t,
		.task = tk,
		.oldstate = old,
		.newstate = new,
		.sk_err = sk_err,
	};

	if (new == ST_TCP_LISTEN || old == ST_TCP_LISTEN) {
		r.rx_queue = old == ST_TCP_LISTEN ? 1 : 0;
		r.tx_queue = 128;
	}
	if (new == ST_TCP_CLOSE) {
		r.bytes_acked = 1234;
		r.bytes_received = 567890;
	}
	chunk(OP_REC, &r, sizeof(r));
}

static void call(uint32_t type, uint64_t ts, uint64_t sk, uint64_t cookie, uint64_t listener,
		 struct st_tuple t, struct st_task tk, int32_t ret, int32_t fd, uint32_t arg,
		 uint8_t st, uint8_t flags)
{
	struct st_call_rec r = {
		.hdr = {type, sizeof(r), ts},
		.sk = sk,
		.cookie = cookie,
		.listener = listener,
		.t = t,
		.task = tk,
		.ret = ret,
		.fd = fd,
		.arg = arg,
		.state = st,
		.call_flags = flags,
	};

	chunk(OP_REC, &r, sizeof(r));
}

static void sock(uint64_t ts, uint64_t sk, uint64_t cookie, uint64_t ino, struct st_tuple t,
		 uint8_t st, uint32_t rxq, uint32_t txq, uint32_t uid, uint32_t ttl)
{
	struct st_sock_rec r = {
		.hdr = {ST_REC_SOCK, sizeof(r), ts},
		.sk = sk,
		.cookie = cookie,
		.ino = ino,
		.t = t,
		.rx_queue = rxq,
		.tx_queue = txq,
		.uid = uid,
		.ttl_jiffies = ttl,
		.state = st,
	};

	chunk(OP_REC, &r, sizeof(r));
}

/* A holder: from iter/task_file (sk, cookie 0) or a /proc scan (cookie, sk 0). */
static void file_rec(uint64_t ts, uint64_t sk, uint64_t cookie, uint64_t ino, struct st_task tk,
		     uint32_t fd)
{
	struct st_file_rec r = {
		.hdr = {ST_REC_FILE, sizeof(r), ts},
		.sk = sk,
		.cookie = cookie,
		.ino = ino,
		.task = tk,
		.fd = fd,
	};

	chunk(OP_REC, &r, sizeof(r));
}

static void file(uint64_t ts, uint64_t sk, uint64_t ino, struct st_task tk, uint32_t fd)
{
	file_rec(ts, sk, 0, ino, tk, fd);
}

/* ---- scenarios ---- */

#define SK(n) (0xffff888004a00000ull + (uint64_t)(n)*0x900)
#define T0    (1000 * SEC)

/* An active open and close: the closer ends in TIME_WAIT (derived). */
static void active_close(uint64_t t0, uint64_t sk, uint64_t cookie, struct ep l, struct ep r,
			 struct st_task tk, int with_port_rec)
{
	struct st_tuple t = tuple(IPPROTO_TCP, l, r, NS1), t0tuple = t;

	t0tuple.sport = 0; /* CLOSE -> SYN_SENT: the port is not chosen yet */
	memset(t0tuple.saddr, 0, 16);
	state(t0, sk, cookie, t0tuple, ST_TCP_CLOSE, ST_TCP_SYN_SENT, tk, 0);
	if (with_port_rec)
		call(ST_REC_PORT, t0 + 10000, 0, cookie, 0, t, softirq, 0, -1, 0, ST_TCP_SYN_SENT,
		     0);
	state(t0 + 50000, sk, cookie, t, ST_TCP_SYN_SENT, ST_TCP_ESTABLISHED, softirq, 0);
	call(ST_REC_CONNECT, t0 + 60000, sk, cookie, 0, t, tk, 0, 3, 0, ST_TCP_ESTABLISHED, 0);
	state(t0 + 2 * MS, sk, cookie, t, ST_TCP_ESTABLISHED, ST_TCP_FIN_WAIT1, tk, 0);
	state(t0 + 3 * MS, sk, cookie, t, ST_TCP_FIN_WAIT1, ST_TCP_FIN_WAIT2, softirq, 0);
	memset(&t, 0, offsetof(struct st_tuple, netns)); /* the final CLOSE reads zeros */
	t.sport = l.port;				 /* but inet_sport survives */
	t.dport = 0;
	state(t0 + 4 * MS, sk, cookie, t, ST_TCP_FIN_WAIT2, ST_TCP_CLOSE, softirq, 0);
}

static void scenario_connect_v4(void)
{
	begin("tcp4-connect-timewait");
	active_close(T0, SK(1), 0x1001, ep4("10.0.0.1", 40000), ep4("10.0.0.2", 80),
		     task(4242, "curl"), 0);
	print_tables(T0 + 5 * MS);
	tick(T0 + 30 * SEC);
	tick(T0 + 61 * SEC); /* TIME_WAIT -> CLOSE */
	end();

	begin("tcp4-connect-sockops-port");
	active_close(T0, SK(2), 0x1002, ep4("192.168.1.10", 51000), ep4("93.184.216.34", 443),
		     task(777, "wget"), 1);
	tick(T0 + 2 * SEC);
	end();

	begin("tcp4-syn-held");
	/* a SYN to a black hole: the line is held, then shown with port 0 */
	state(T0, SK(3), 0x1003, tuple(IPPROTO_TCP, ep4("0.0.0.0", 0), ep4("10.9.9.9", 22), NS1),
	      ST_TCP_CLOSE, ST_TCP_SYN_SENT, task(99, "ssh"), 0);
	tick(T0 + 500 * MS);
	tick(T0 + 1500 * MS);
	state(T0 + 3 * SEC, SK(3), 0x1003,
	      tuple(IPPROTO_TCP, ep4("10.0.0.1", 33333), ep4("10.9.9.9", 22), NS1), ST_TCP_SYN_SENT,
	      ST_TCP_CLOSE, softirq, ETIMEDOUT);
	call(ST_REC_CONNECT, T0 + 3 * SEC, SK(3), 0x1003, 0,
	     tuple(IPPROTO_TCP, ep4("10.0.0.1", 33333), ep4("10.9.9.9", 22), NS1), task(99, "ssh"),
	     -ETIMEDOUT, 3, 0, ST_TCP_CLOSE, 0);
	chunk(OP_FLUSH, NULL, 0);
	end();

	begin("tcp4-syn-retransmit-port");
	/* no answer: the SYN's first retransmission names the port (syn_port.bpf.h) */
	state(T0, SK(4), 0x1004, tuple(IPPROTO_TCP, ep4("0.0.0.0", 0), ep4("10.9.9.9", 22), NS1),
	      ST_TCP_CLOSE, ST_TCP_SYN_SENT, task(98, "ssh"), 0);
	tick(T0 + 500 * MS);
	call(ST_REC_PORT, T0 + 1010 * MS, SK(4), 0x1004, 0,
	     tuple(IPPROTO_TCP, ep4("10.0.0.1", 33334), ep4("10.9.9.9", 22), NS1), softirq, 0, -1,
	     0, ST_TCP_SYN_SENT, 0);
	tick(T0 + 1500 * MS);
	state(T0 + 3 * SEC, SK(4), 0x1004,
	      tuple(IPPROTO_TCP, ep4("10.0.0.1", 33334), ep4("10.9.9.9", 22), NS1), ST_TCP_SYN_SENT,
	      ST_TCP_CLOSE, softirq, ETIMEDOUT);
	chunk(OP_FLUSH, NULL, 0);
	end();
}

static void scenario_refused_reset(void)
{
	struct st_tuple t = tuple(IPPROTO_TCP, ep4("127.0.0.1", 45678), ep4("127.0.0.1", 9), NS1);
	struct st_tuple z = t;

	z.sport = 0;
	begin("tcp4-refused");
	state(T0, SK(10), 0x2001, z, ST_TCP_CLOSE, ST_TCP_SYN_SENT, task(1234, "nc"), 0);
	state(T0 + 20000, SK(10), 0x2001, t, ST_TCP_SYN_SENT, ST_TCP_CLOSE, task(1234, "nc"),
	      ECONNREFUSED);
	call(ST_REC_CONNECT, T0 + 30000, SK(10), 0x2001, 0, t, task(1234, "nc"), -ECONNREFUSED, 3,
	     0, ST_TCP_CLOSE, 0);
	/* a connect that failed before SYN_SENT: only the call says so */
	call(ST_REC_CONNECT, T0 + 40000, SK(11), 0x2002, 0, z, task(1234, "nc"), -ENETUNREACH, 4, 0,
	     ST_TCP_CLOSE, 0);
	call(ST_REC_CONNECT, T0 + 50000, SK(12), 0x2003, 0, z, task(1234, "nc"), -EINPROGRESS, 5, 0,
	     ST_TCP_SYN_SENT, 0);
	end();

	begin("tcp4-reset");
	t.dport = 8080;
	state(T0, SK(13), 0x2004, z, ST_TCP_CLOSE, ST_TCP_SYN_SENT, task(1, "init"), 0);
	state(T0 + 100, SK(13), 0x2004, t, ST_TCP_SYN_SENT, ST_TCP_ESTABLISHED, softirq, 0);
	state(T0 + 5 * SEC, SK(13), 0x2004, t, ST_TCP_ESTABLISHED, ST_TCP_CLOSE, softirq,
	      ECONNRESET);
	end();
}

/* A listener, a child through SYN_RECV, accept(), a passive close. */
static void passive(uint64_t t0, struct ep srv, struct ep cli, uint64_t lsk, uint64_t csk,
		    uint64_t lcookie, uint64_t ccookie, int old_kernel)
{
	struct st_tuple lt = tuple(IPPROTO_TCP, srv, srv, NS1),
			ct = tuple(IPPROTO_TCP, srv, cli, NS1);
	struct st_task nginx = task(800, "nginx");

	memset(lt.daddr, 0, 16);
	lt.dport = 0;
	lt.flags = ST_SK_REUSEADDR;
	call(ST_REC_BIND, t0, lsk, lcookie, 0, lt, nginx, 0, 6, 0, ST_TCP_CLOSE, 0);
	state(t0 + 100, lsk, lcookie, lt, ST_TCP_CLOSE, ST_TCP_LISTEN, nginx, 0);
	call(ST_REC_LISTEN, t0 + 200, lsk, lcookie, 0, lt, nginx, 0, 6, 511, ST_TCP_LISTEN, 0);
	if (old_kernel) {
		/* 6.1: the child's cookie is the listener's, its remote end comes later */
		struct st_tuple half = ct;

		half.dport = 0;
		memset(half.daddr, 0, 16);
		state(t0 + SEC, csk, lcookie, half, ST_TCP_LISTEN, ST_TCP_SYN_RECV,
		      task(900, "client"), 0);
	} else {
		state(t0 + SEC, csk, ccookie, ct, ST_TCP_LISTEN, ST_TCP_SYN_RECV,
		      task(900, "client"), 0);
	}
	state(t0 + SEC + 30000, csk, ccookie, ct, ST_TCP_SYN_RECV, ST_TCP_ESTABLISHED,
	      task(900, "client"), 0);
	/* the queue hook: the child waits in the listener's accept queue */
	call(ST_REC_QUEUED, t0 + SEC + 40000, lsk, lcookie, 0, lt, softirq, 0, -1, 1, ST_TCP_LISTEN,
	     0);
	call(ST_REC_ACCEPT, t0 + SEC + 50000, csk, ccookie, lsk, ct, nginx, 7, 6, 0,
	     ST_TCP_ESTABLISHED, 0);
	print_tables(t0 + SEC + 60000);
	state(t0 + 2 * SEC, csk, ccookie, ct, ST_TCP_ESTABLISHED, ST_TCP_CLOSE_WAIT, softirq, 0);
	state(t0 + 2 * SEC + 100, csk, ccookie, ct, ST_TCP_CLOSE_WAIT, ST_TCP_LAST_ACK, nginx, 0);
	state(t0 + 2 * SEC + 200, csk, ccookie, ct, ST_TCP_LAST_ACK, ST_TCP_CLOSE, softirq, 0);
	state(t0 + 3 * SEC, lsk, lcookie, lt, ST_TCP_LISTEN, ST_TCP_CLOSE, nginx, 0);
}

static void scenario_passive(void)
{
	begin("tcp4-listen-accept");
	passive(T0, ep4("0.0.0.0", 80), ep4("10.0.0.7", 50123), SK(20), SK(21), 0x3001, 0x3002, 0);
	end();

	begin("tcp4-listen-accept-6.1");
	passive(T0, ep4("10.0.0.1", 8080), ep4("10.0.0.7", 50124), SK(22), SK(23), 0x3003, 0x3004,
		1);
	tick(T0 + 10 * SEC);
	end();

	begin("tcp6-listen-accept");
	passive(T0, ep6("::", 443), ep6("2001:db8::42", 60000), SK(24), SK(25), 0x3005, 0x3006, 0);
	end();

	begin("tcp6-v4mapped-accept");
	passive(T0, ep6("::", 22), ep6("::ffff:10.1.2.3", 41000), SK(26), SK(27), 0x3007, 0x3008,
		0);
	end();

	/* both ends of a loopback connection in one stream */
	begin("tcp4-loopback-pair");
	{
		struct ep srv = ep4("127.0.0.1", 5000), cli = ep4("127.0.0.1", 45000);
		struct st_tuple lt = tuple(IPPROTO_TCP, srv, ep4("0.0.0.0", 0), NS2);
		struct st_tuple st = tuple(IPPROTO_TCP, srv, cli, NS2);
		struct st_tuple ctt = tuple(IPPROTO_TCP, cli, srv, NS2), cz = ctt;
		struct st_task server = task(300, "server"), client = task(301, "client");

		cz.sport = 0;
		state(T0, SK(30), 0x4001, lt, ST_TCP_CLOSE, ST_TCP_LISTEN, server, 0);
		state(T0 + 10, SK(31), 0x4002, cz, ST_TCP_CLOSE, ST_TCP_SYN_SENT, client, 0);
		state(T0 + 20, SK(32), 0x4003, st, ST_TCP_LISTEN, ST_TCP_SYN_RECV, client, 0);
		state(T0 + 30, SK(31), 0x4002, ctt, ST_TCP_SYN_SENT, ST_TCP_ESTABLISHED, client, 0);
		state(T0 + 40, SK(32), 0x4003, st, ST_TCP_SYN_RECV, ST_TCP_ESTABLISHED, client, 0);
		call(ST_REC_CONNECT, T0 + 50, SK(31), 0x4002, 0, ctt, client, 0, 3, 0,
		     ST_TCP_ESTABLISHED, 0);
		call(ST_REC_ACCEPT, T0 + 60, SK(32), 0x4003, SK(30), st, server, 4, 3, 0,
		     ST_TCP_ESTABLISHED, 0);
		state(T0 + 70, SK(31), 0x4002, ctt, ST_TCP_ESTABLISHED, ST_TCP_FIN_WAIT1, client,
		      0);
		state(T0 + 80, SK(32), 0x4003, st, ST_TCP_ESTABLISHED, ST_TCP_CLOSE_WAIT, client,
		      0);
		state(T0 + 90, SK(31), 0x4002, ctt, ST_TCP_FIN_WAIT1, ST_TCP_FIN_WAIT2, client, 0);
		state(T0 + 100, SK(32), 0x4003, st, ST_TCP_CLOSE_WAIT, ST_TCP_LAST_ACK, server, 0);
		state(T0 + 110, SK(31), 0x4002, ctt, ST_TCP_FIN_WAIT2, ST_TCP_CLOSE, server, 0);
		state(T0 + 120, SK(32), 0x4003, st, ST_TCP_LAST_ACK, ST_TCP_CLOSE, softirq, 0);
		/* simultaneous close: CLOSING -> CLOSE is a TIME_WAIT too */
		state(T0 + 200, SK(33), 0x4004, cz, ST_TCP_CLOSE, ST_TCP_SYN_SENT, client, 0);
		state(T0 + 210, SK(33), 0x4004, ctt, ST_TCP_SYN_SENT, ST_TCP_ESTABLISHED, client,
		      0);
		state(T0 + 220, SK(33), 0x4004, ctt, ST_TCP_ESTABLISHED, ST_TCP_FIN_WAIT1, client,
		      0);
		state(T0 + 230, SK(33), 0x4004, ctt, ST_TCP_FIN_WAIT1, ST_TCP_CLOSING, softirq, 0);
		state(T0 + 240, SK(33), 0x4004, ctt, ST_TCP_CLOSING, ST_TCP_CLOSE, softirq, 0);
		print_tables(T0 + 300);
		tick(T0 + 120 * SEC);
	}
	end();
}

static void scenario_udp(void)
{
	struct ep l = ep4("0.0.0.0", 53), r = ep4("8.8.8.8", 53);
	struct st_tuple t = tuple(IPPROTO_UDP, l, ep4("0.0.0.0", 0), NS1);
	struct st_tuple ct = tuple(IPPROTO_UDP, ep4("10.0.0.1", 41414), r, NS1);
	struct st_task dns = task(53, "dnsmasq"), dig = task(5353, "dig");

	begin("udp4-bind-connect-close");
	call(ST_REC_BIND, T0, SK(40), 0x5001, 0, t, dns, 0, 4, 0, ST_TCP_CLOSE, 0);
	call(ST_REC_BIND, T0 + 10, SK(41), 0x5002, 0, t, dig, -EADDRINUSE, 4, 2, ST_TCP_CLOSE,
	     ST_CALL_ADDR_USER);
	call(ST_REC_CONNECT, T0 + 20, SK(42), 0x5003, 0, ct, dig, 0, 3, 0, ST_TCP_ESTABLISHED, 0);
	print_tables(T0 + 30);
	call(ST_REC_CLOSE, T0 + 40, 0, 0x5003, 0, ct, dig, 0, -1, 0, ST_TCP_ESTABLISHED, 0);
	/* AF_UNSPEC disconnect keeps the socket */
	call(ST_REC_CONNECT, T0 + 50, SK(40), 0x5001, 0, t, dns, 0, 4, 0, ST_TCP_CLOSE, 0);
	call(ST_REC_CLOSE, T0 + 60, 0, 0x5001, 0, t, dns, 0, -1, 0, ST_TCP_CLOSE, 0);
	end();

	begin("udp6-bind-v6only");
	t = tuple(IPPROTO_UDP, ep6("::1", 5353), ep6("::", 0), NS2);
	t.flags = ST_SK_V6ONLY | ST_SK_REUSEPORT;
	call(ST_REC_BIND, T0, SK(43), 0x5004, 0, t, task(600, "avahi"), 0, 9, 3, ST_TCP_CLOSE, 0);
	call(ST_REC_LISTEN, T0 + 5, SK(44), 0x5005, 0, t, task(600, "avahi"), -EOPNOTSUPP, 9, 0,
	     ST_TCP_CLOSE, 0);
	print_tables(T0 + 10);
	end();
}

static void scenario_snapshot(void)
{
	struct st_tuple lt = tuple(IPPROTO_TCP, ep4("0.0.0.0", 22), ep4("0.0.0.0", 0), NS1);
	struct st_tuple et = tuple(IPPROTO_TCP, ep4("10.0.0.1", 22), ep4("10.0.0.5", 51515), NS1);
	struct st_tuple tw = tuple(IPPROTO_TCP, ep4("10.0.0.1", 40404), ep4("1.1.1.1", 443), NS1);
	struct st_tuple rq = tuple(IPPROTO_TCP, ep4("10.0.0.1", 22), ep4("10.0.0.6", 5151), NS1);
	struct st_tuple ut = tuple(IPPROTO_UDP, ep6("::", 123), ep6("::", 0), NS2);

	begin("snapshot-seed");
	op_u64(OP_HZ, 1000);
	snap_begin(T0);
	lt.flags = ST_SK_REUSEADDR;
	sock(T0, SK(50), 0x6001, 11111, lt, ST_TCP_LISTEN, 0, 128, 0, 0);
	sock(T0, SK(51), 0x6002, 11112, et, ST_TCP_ESTABLISHED, 0, 36, 1000, 0);
	tw.flags = ST_SK_TIMEWAIT;
	sock(T0, SK(52), 0x6003, 0, tw, ST_TCP_TIME_WAIT, 0, 0, 0, 30000);
	tw.sport = 40405;
	sock(T0, SK(53), 0x6004, 0, tw, ST_TCP_FIN_WAIT2, 0, 0, 0, 60000);
	rq.flags = ST_SK_REQUEST;
	sock(T0, SK(54), 0x6005, 0, rq, ST_TCP_NEW_SYN_RECV, 0, 0, 0, 0);
	sock(T0, SK(55), 0x6006, 11113, ut, ST_TCP_CLOSE, 0, 0, 107, 0);
	/* sshd and its forked children hold the listener; ntpd the UDP socket */
	file(T0, SK(50), 11111, task(500, "sshd"), 3);
	file(T0, SK(50), 11111, task(501, "sshd"), 3);
	file(T0, SK(50), 11111, task(500, "sshd"), 4);
	file(T0, SK(51), 11112, task(501, "sshd"), 5);
	file(T0, SK(55), 11113, task(123, "ntpd"), 7);
	file(T0, SK(99), 11199, task(124, "orphan"), 8);
	snap_end();
	print_tables(T0 + 1);
	/* events after the snapshot */
	state(T0 + SEC, SK(51), 0x6002, et, ST_TCP_ESTABLISHED, ST_TCP_FIN_WAIT1, task(501, "sshd"),
	      0);
	/* a second and a third snapshot without the established socket: swept */
	snap_begin(T0 + 2 * SEC);
	sock(T0 + 2 * SEC, SK(50), 0x6001, 11111, lt, ST_TCP_LISTEN, 3, 128, 0, 0);
	snap_end();
	snap_begin(T0 + 3 * SEC);
	sock(T0 + 3 * SEC, SK(50), 0x6001, 11111, lt, ST_TCP_LISTEN, 0, 128, 0, 0);
	/* a state the table has wrong: corrected */
	sock(T0 + 3 * SEC, SK(56), 0x6007, 11114, et, ST_TCP_CLOSE_WAIT, 10, 0, 0, 0);
	snap_end();
	print_tables(T0 + 4 * SEC);
	tick(T0 + 100 * SEC);
	print_tables(T0 + 100 * SEC);
	end();
}

/* ---- sock_diag replies (the netlink fallback), as the kernel sends them ---- */

static struct diag_buf dgram;

/* One socket of a reply; full sockets carry the attributes. */
static void diag_sock(struct ep l, struct ep r, uint8_t state, uint8_t timer, uint64_t cookie,
		      uint32_t ino, uint32_t rq, uint32_t wq, uint32_t expires_ms, bool full)
{
	struct diag_sock ds = {.family = (uint8_t)l.family,
			       .sport = l.port,
			       .dport = r.port,
			       .state = state,
			       .timer = timer,
			       .cookie = cookie,
			       .ino = ino,
			       .rqueue = rq,
			       .wqueue = wq,
			       .expires_ms = expires_ms,
			       .full = full,
			       .v6only = true,
			       .drops = 3};

	memcpy(ds.src, l.addr, sizeof(ds.src));
	memcpy(ds.dst, r.addr, sizeof(ds.dst));
	diag_put_sock(&dgram, 0, &ds);
}

/* The datagram so far as one chunk: payload[0] 0 for TCP, 1 for UDP. */
static void diag_send(int udp, bool done)
{
	unsigned char out[sizeof(dgram.b) + 1];

	if (done)
		diag_put_done(&dgram, 0);
	out[0] = (unsigned char)udp;
	memcpy(out + 1, dgram.b, dgram.len);
	chunk(OP_DIAG, out, dgram.len + 1);
	dgram.len = 0;
}

static void proc_file(uint64_t ts, uint64_t cookie, uint64_t ino, struct st_task tk, uint32_t fd)
{
	file_rec(ts, 0, cookie, ino, tk, fd);
}

/* Seeding without iterators: sockets by cookie, then events name their addresses. */
static void scenario_sock_diag(void)
{
	struct ep any4 = ep4("0.0.0.0", 0), lst = ep4("0.0.0.0", 80), srv = ep4("10.0.0.1", 80),
		  cli = ep4("10.0.0.9", 50000), l6 = ep6("::", 443), any6 = ep6("::", 0),
		  u = ep4("0.0.0.0", 53);
	struct st_tuple et = tuple(IPPROTO_TCP, srv, cli, NS1);
	struct nlmsghdr *broken;

	begin("sock-diag-seed");
	op_u64(OP_HZ, 250);
	snap_begin(T0);
	diag_sock(lst, any4, ST_TCP_LISTEN, 0, 0x7001, 21001, 0, 128, 0, true);
	diag_sock(srv, cli, ST_TCP_ESTABLISHED, 0, 0x7002, 21002, 5, 0, 0, true);
	diag_sock(srv, ep4("10.0.0.9", 50001), ST_TCP_TIME_WAIT, 3, 0x7003, 0, 0, 0, 30000, false);
	diag_sock(srv, ep4("10.0.0.9", 50002), ST_TCP_SYN_RECV, 1, 0x7004, 0, 0, 0, 1000, false);
	diag_sock(l6, any6, ST_TCP_LISTEN, 0, 0x7005, 21005, 0, 64, 0, true);
	diag_send(0, true);
	diag_sock(u, any4, ST_TCP_CLOSE, 0, 0x7006, 21006, 0, 0, 0, true);
	diag_send(1, true);
	proc_file(T0, 0x7001, 21001, task(800, "nginx"), 6);
	proc_file(T0, 0x7001, 21001, task(801, "nginx"), 6);
	proc_file(T0, 0x7002, 21002, task(801, "nginx"), 9);
	proc_file(T0, 0x7006, 21006, task(53, "dnsmasq"), 4);
	snap_end();
	print_tables(T0 + 1);
	/* the first events name the addresses */
	state(T0 + SEC, SK(60), 0x7002, et, ST_TCP_ESTABLISHED, ST_TCP_CLOSE_WAIT, softirq, 0);
	call(ST_REC_ACCEPT, T0 + SEC + 1, SK(61), 0x7008, SK(62),
	     tuple(IPPROTO_TCP, srv, ep4("10.0.0.9", 50003), NS1), task(801, "nginx"), 12, 6, 0,
	     ST_TCP_ESTABLISHED, 0);
	/* a second snapshot, an error reply, and a broken message */
	snap_begin(T0 + 2 * SEC);
	diag_sock(lst, any4, ST_TCP_LISTEN, 0, 0x7001, 21001, 1, 128, 0, true);
	diag_send(0, true);
	diag_put_error(&dgram, 0, -ENOENT);
	diag_send(1, false);
	diag_sock(srv, cli, ST_TCP_ESTABLISHED, 0, 0x7002, 21002, 5, 0, 0, true);
	broken = (struct nlmsghdr *)dgram.b;
	broken->nlmsg_len += 4000;
	diag_send(0, false);
	snap_end();
	print_tables(T0 + 3 * SEC);
	end();
}

/* A table of 4: TIME_WAIT entries make room, then new sockets are refused. */
static void scenario_full(void)
{
	unsigned char cap = 3; /* cap = 1 + 3 */
	int i;

	begin("table-full-evict");
	chunk(OP_CAP, &cap, 1);
	for (i = 0; i < 6; i++)
		active_close(T0 + (uint64_t)i * SEC, SK(60 + i), 0x7000 + (uint64_t)i,
			     ep4("10.0.0.1", (uint16_t)(41000 + i)), ep4("10.0.0.2", 80),
			     task(4000 + (uint32_t)i, "ab"), 0);
	for (i = 0; i < 6; i++)
		state(T0 + 10 * SEC, SK(70 + i), 0x7100 + (uint64_t)i,
		      tuple(IPPROTO_TCP, ep4("10.0.0.1", 8000), ep4("0.0.0.0", 0), NS1),
		      ST_TCP_CLOSE, ST_TCP_LISTEN, task(4100, "srv"), 0);
	print_tables(T0 + 11 * SEC);
	op_u64(OP_LOST, T0 + 11 * SEC);
	tick(T0 + 200 * SEC);
	end();
}

/* An SO_REUSEPORT group: four listeners, children spread over them, one
 * listener leaving between two reports. */
static void scenario_reuseport(void)
{
	struct ep srv = ep4("0.0.0.0", 80);
	struct st_tuple lt = tuple(IPPROTO_TCP, srv, ep4("0.0.0.0", 0), NS1);
	int i, c;

	lt.flags = ST_SK_REUSEPORT | ST_SK_REUSEADDR;
	begin("tcp4-reuseport-group");
	for (i = 0; i < 4; i++) {
		struct st_task w = task(2000 + (uint32_t)i, "worker");

		call(ST_REC_BIND, T0 + (uint64_t)i, SK(120 + i), 0xb000 + (uint64_t)i, 0, lt, w, 0,
		     3, 0, ST_TCP_CLOSE, 0);
		state(T0 + 10 + (uint64_t)i, SK(120 + i), 0xb000 + (uint64_t)i, lt, ST_TCP_CLOSE,
		      ST_TCP_LISTEN, w, 0);
		call(ST_REC_LISTEN, T0 + 20 + (uint64_t)i, SK(120 + i), 0xb000 + (uint64_t)i, 0, lt,
		     w, 0, 3, 4096, ST_TCP_LISTEN, 0);
	}
	snap_begin(T0 + 30);
	for (i = 0; i < 4; i++) {
		sock(T0 + 30, SK(120 + i), 0xb000 + (uint64_t)i, 900 + (uint64_t)i, lt,
		     ST_TCP_LISTEN, (uint32_t)i, 4096, 33, 0);
		file(T0 + 30, SK(120 + i), 900 + (uint64_t)i, task(2000 + (uint32_t)i, "worker"),
		     3);
		file(T0 + 30, SK(120 + i), 900 + (uint64_t)i, task(1999, "master"),
		     6 + (uint32_t)i);
	}
	snap_end();
	print_tables(T0 + SEC);
	for (c = 0; c < 10; c++) {
		int l = c % 3; /* the fourth listener gets nothing: stalled */
		struct st_tuple ct = tuple(IPPROTO_TCP, ep4("10.0.0.1", 80),
					   ep4("10.0.0.9", (uint16_t)(30000 + c)), NS1);
		uint64_t t = T0 + 2 * SEC + (uint64_t)c * 1000, csk = SK(130 + c);

		state(t, csk, 0xb100 + (uint64_t)c, ct, ST_TCP_LISTEN, ST_TCP_SYN_RECV, softirq, 0);
		state(t + 10, csk, 0xb100 + (uint64_t)c, ct, ST_TCP_SYN_RECV, ST_TCP_ESTABLISHED,
		      softirq, 0);
		call(ST_REC_QUEUED, t + 20, SK(120 + l), 0xb000 + (uint64_t)l, 0, lt, softirq, 0,
		     -1, (uint32_t)(c % 4), ST_TCP_LISTEN, 0);
		if (c % 2)
			call(ST_REC_ACCEPT, t + 30, csk, 0xb100 + (uint64_t)c, SK(120 + l), ct,
			     task(2000 + (uint32_t)l, "worker"), 5, 3, 0, ST_TCP_ESTABLISHED, 0);
	}
	print_tables(T0 + 3 * SEC);
	/* worker 2 exits: its listener closes */
	state(T0 + 4 * SEC, SK(122), 0xb002, lt, ST_TCP_LISTEN, ST_TCP_CLOSE, task(2002, "worker"),
	      0);
	print_tables(T0 + 5 * SEC);
	print_tables(T0 + 6 * SEC);
	end();
}

/*
 * Sock addresses that collide in the table's index: its hash (splitmix64's
 * finalizer, as user/table.c has it) modulo the smallest index, 1024 slots,
 * lands them on the last slots and the first, so probe chains wrap around and
 * deletions shift entries back across the end. If table.c changes its hash or
 * its index size, this is just another seed.
 */
static uint32_t hash_sk(uint64_t k)
{
	k ^= k >> 30;
	k *= 0xbf58476d1ce4e5b9ull;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebull;
	k ^= k >> 31;
	return (uint32_t)k;
}

static void scenario_collisions(void)
{
	struct st_tuple t = tuple(IPPROTO_TCP, ep4("10.0.0.1", 0), ep4("10.0.0.2", 443), NS1);
	uint64_t sk[8], cand = 0xffff888010000000ull;
	static const uint32_t want[8] = {1021, 1022, 1022, 1023, 1023, 0, 0, 1};
	int i, n;

	for (i = 0; i < 8; i++) {
		while ((hash_sk(cand) & 1023) != want[i])
			cand += 0x40;
		sk[i] = cand;
		cand += 0x40;
	}
	begin("index-collisions");
	for (i = 0; i < 8; i++) {
		t.sport = (uint16_t)(50000 + i);
		state(T0 + (uint64_t)i, sk[i], 0xc000 + (uint64_t)i, t, ST_TCP_CLOSE,
		      ST_TCP_SYN_SENT, task(100 + (uint32_t)i, "collide"), 0);
	}
	/* close from the middle of the chains: the later keys shift back */
	for (n = 0; n < 8; n += 3) {
		t.sport = (uint16_t)(50000 + n);
		state(T0 + 100 + (uint64_t)n, sk[n], 0xc000 + (uint64_t)n, t, ST_TCP_SYN_SENT,
		      ST_TCP_CLOSE, softirq, ECONNREFUSED);
	}
	/* every other key must still be found, not made anew */
	for (i = 0; i < 8; i++) {
		if (i % 3 == 0)
			continue;
		t.sport = (uint16_t)(50000 + i);
		state(T0 + 200 + (uint64_t)i, sk[i], 0xc000 + (uint64_t)i, t, ST_TCP_SYN_SENT,
		      ST_TCP_ESTABLISHED, softirq, 0);
	}
	print_tables(T0 + 300);
	for (i = 0; i < 8; i++) {
		t.sport = (uint16_t)(50000 + i);
		state(T0 + 400 + (uint64_t)i, sk[i], 0xc000 + (uint64_t)i, t, ST_TCP_ESTABLISHED,
		      ST_TCP_CLOSE, softirq, ECONNRESET);
	}
	end();
}

/* A connection that goes through more states than its path keeps (16). */
static void scenario_long_path(void)
{
	struct st_tuple t = tuple(IPPROTO_TCP, ep4("10.0.0.1", 1234), ep4("10.0.0.2", 80), NS1);
	static const uint8_t walk[] = {ST_TCP_ESTABLISHED, ST_TCP_FIN_WAIT1,  ST_TCP_CLOSING,
				       ST_TCP_ESTABLISHED, ST_TCP_CLOSE_WAIT, ST_TCP_LAST_ACK};
	uint8_t cur = ST_TCP_SYN_SENT;
	int i;

	begin("tcp4-long-path");
	state(T0, SK(140), 0xd001, t, ST_TCP_CLOSE, ST_TCP_SYN_SENT, task(5, "flappy"), 0);
	for (i = 0; i < 24; i++) {
		uint8_t next = walk[i % (int)sizeof(walk)];

		state(T0 + 10 * (uint64_t)(i + 1), SK(140), 0xd001, t, cur, next, softirq, 0);
		cur = next;
	}
	state(T0 + 1000, SK(140), 0xd001, t, cur, ST_TCP_CLOSE, softirq, 0);
	end();
}

/* An address reused before its CLOSE was seen; a cookie that changes. */
static void scenario_reuse(void)
{
	struct st_tuple a = tuple(IPPROTO_TCP, ep4("10.0.0.1", 1111), ep4("10.0.0.2", 80), NS1);
	struct st_tuple b = tuple(IPPROTO_TCP, ep4("10.0.0.1", 2222), ep4("10.0.0.3", 80), NS1);

	begin("tcp4-reuse-lost-close");
	state(T0, SK(80), 0x8001, a, ST_TCP_CLOSE, ST_TCP_SYN_SENT, task(10, "a"), 0);
	state(T0 + 1, SK(80), 0x8001, a, ST_TCP_SYN_SENT, ST_TCP_ESTABLISHED, softirq, 0);
	/* lost: the CLOSE; the address comes back with another cookie */
	state(T0 + 2, SK(80), 0x8002, b, ST_TCP_CLOSE, ST_TCP_SYN_SENT, task(11, "b"), 0);
	/* out of order: the table expected SYN_SENT */
	state(T0 + 3, SK(80), 0x8002, b, ST_TCP_FIN_WAIT1, ST_TCP_FIN_WAIT2, softirq, 0);
	/* no cookie (a hook without one), then one */
	state(T0 + 4, SK(81), 0, a, ST_TCP_CLOSE, ST_TCP_SYN_SENT, task(12, "c"), 0);
	state(T0 + 5, SK(81), 0x8003, a, ST_TCP_SYN_SENT, ST_TCP_ESTABLISHED, softirq, 0);
	call(ST_REC_ACCEPT, T0 + 6, SK(82), 0x8004, SK(999), a, task(13, "d"), 5, 4, 0,
	     ST_TCP_ESTABLISHED, 0);
	call(ST_REC_ACCEPT, T0 + 7, SK(83), 0x8005, SK(999), a, task(13, "d"), 6, 4, 0,
	     ST_TCP_CLOSE, 0);
	end();
}

/* Process names and command lines that try to reach the terminal. */
/* ---- UNIX sockets ---- */

static void unix_rec(uint8_t event, uint8_t source, uint64_t ts, uint64_t sk, uint64_t ino,
		     uint64_t peer_sk, uint64_t peer_ino, const char *path, size_t path_len,
		     uint8_t state, uint8_t flags, int32_t ret, struct st_task tk)
{
	struct st_unix_rec r = {
		.hdr = {ST_REC_UNIX, sizeof(r), ts},
		.sk = sk,
		.ino = ino,
		.peer_sk = peer_sk,
		.peer_ino = peer_ino,
		.task = tk,
		.netns = 4026531840u,
		.ret = ret,
		.fd = 3,
		.type = SOCK_STREAM,
		.path_len = (uint16_t)path_len,
		.state = state,
		.flags = flags,
		.event = event,
		.source = source,
	};

	memcpy(r.path, path, path_len);
	chunk(OP_REC, &r, sizeof(r));
}

/* A listener at a path, a client's connect, accept, a failed connect, an
 * abstract name with NULs and an escape, closes from a hook and a snapshot. */
static void scenario_unix(void)
{
	struct st_task srv = task(100, "server"), cli = task(200, "cli\x1b[2J");
	static const char path[] = "/run/x.sock";
	static const char abstract[] = "\0ab\0\x1b]0;x\x07";

	begin("unix");
	unix_rec(ST_UNIX_BIND, ST_UNIX_SRC_SYSCALL, T0, SK(1), 10, 0, 0, path, sizeof(path),
		 ST_SS_UNCONNECTED, 0, 0, srv);
	unix_rec(ST_UNIX_LISTEN, ST_UNIX_SRC_SYSCALL, T0 + 1, SK(1), 10, 0, 0, path, sizeof(path),
		 ST_SS_UNCONNECTED, ST_UNIX_ACC, 0, srv);
	unix_rec(ST_UNIX_CONNECT, ST_UNIX_SRC_SYSCALL, T0 + 2, SK(2), 20, SK(3), 0, path,
		 sizeof(path) - 1, ST_SS_CONNECTED, 0, 0, cli);
	unix_rec(ST_UNIX_ACCEPT, ST_UNIX_SRC_SYSCALL, T0 + 3, SK(3), 30, SK(2), 20, path,
		 sizeof(path), ST_SS_CONNECTED, 0, 4, srv);
	unix_rec(ST_UNIX_CONNECT, ST_UNIX_SRC_SYSCALL, T0 + 4, SK(4), 40, 0, 0, "/nope", 5,
		 ST_SS_UNCONNECTED, 0, -2, cli);
	unix_rec(ST_UNIX_BIND, ST_UNIX_SRC_SYSCALL, T0 + 5, SK(5), 50, 0, 0, abstract,
		 sizeof(abstract) - 1, ST_SS_UNCONNECTED, 0, 0, cli);
	unix_rec(ST_UNIX_SOCKETPAIR, ST_UNIX_SRC_SYSCALL, T0 + 6, SK(6), 60, SK(7), 61, "", 0,
		 ST_SS_CONNECTED, 0, 0, cli);
	file(T0 + 7, SK(1), 10, srv, 3);
	file(T0 + 7, SK(3), 30, srv, 4);
	print_tables(T0 + 8);
	unix_rec(ST_UNIX_CLOSE, ST_UNIX_SRC_CLOSE, T0 + 9, SK(2), 20, SK(3), 30, "", 0,
		 ST_SS_CONNECTED, 0, 0, cli);
	snap_begin(T0 + 10);
	unix_rec(ST_UNIX_SOCK, ST_UNIX_SRC_ITER, T0 + 10, SK(1), 10, 0, 0, path, sizeof(path),
		 ST_SS_UNCONNECTED, ST_UNIX_ACC, 0, task(0, ""));
	snap_end();
	snap_begin(T0 + 11);
	snap_end();
	print_tables(T0 + 12);
	end();
}

static void scenario_hostile(void)
{
	struct st_tuple t = tuple(IPPROTO_TCP, ep4("10.0.0.1", 3000), ep4("10.0.0.9", 4000), NS1);
	struct st_tuple l = tuple(IPPROTO_TCP, ep6("::", 7000), ep6("::", 0), NS1);
	struct st_task evil = task(666, "\x1b]0;x\x07\x1b[2J\r\n\t\"\\\x7f");
	struct st_task bidi = task(667, "\xe2\x80\xae\xc2\x9b"
					"31m\xff\xfe\xe2\x80\xa8pw");
	struct st_task full = {.tgid = 668, .tid = 669};
	struct st_task hs = {.tgid = HELPER_SHORT, .tid = 1}, hl = {.tgid = HELPER_LONG};

	memcpy(full.comm, "0123456789abcdef", 16); /* no NUL */
	memcpy(hs.comm, "helper\x1b", 7);
	memcpy(hl.comm, "long", 4);
	begin("hostile-comm");
	state(T0, SK(90), 0x9001, t, ST_TCP_CLOSE, ST_TCP_SYN_SENT, evil, 0);
	state(T0 + 1, SK(90), 0x9001, t, ST_TCP_SYN_SENT, ST_TCP_ESTABLISHED, bidi, 0);
	state(T0 + 2, SK(91), 0x9002, l, ST_TCP_CLOSE, ST_TCP_LISTEN, full, 0);
	state(T0 + 3, SK(90), 0x9001, t, ST_TCP_ESTABLISHED, ST_TCP_FIN_WAIT1, full, 0);
	snap_begin(T0 + 4);
	file(T0 + 4, SK(90), 1, evil, 3);
	file(T0 + 4, SK(90), 1, bidi, 4);
	file(T0 + 4, SK(91), 2, full, 5);
	snap_end();
	print_tables(T0 + 5);
	end();

	/* holders whose /proc/PID/cmdline is hostile (the fuzz target's helpers) */
	begin("hostile-cmdline");
	state(T0, SK(92), 0x9003, l, ST_TCP_CLOSE, ST_TCP_LISTEN, hs, 0);
	state(T0 + 1, SK(93), 0x9004, t, ST_TCP_CLOSE, ST_TCP_SYN_SENT, hl, 0);
	snap_begin(T0 + 2);
	file(T0 + 2, SK(92), 1, hs, 3);
	snap_end();
	print_tables(T0 + 3);
	end();

	begin("hostile-cmdline-long");
	snap_begin(T0 + 2);
	sock(T0 + 2, SK(94), 0x9005, 3, l, ST_TCP_LISTEN, 0, 5, 0, 0);
	file(T0 + 2, SK(94), 3, hl, 3);
	snap_end();
	print_tables(T0 + 3);
	end();
}

/*
 * Reproducers of known findings (docs/hardening.md), named as libFuzzer names
 * what it finds. They pass under make fuzz's default FUZZ_KNOWN masks and fail
 * with FUZZ_KNOWN= until fixed.
 */
static void reproducers(void)
{
	struct st_tuple l = tuple(IPPROTO_TCP, ep4("0.0.0.0", 8443), ep4("0.0.0.0", 0), NS1);
	struct st_task hc = {.tgid = HELPER_CTRL, .tid = 1};

	/* no input: every table view prints no row and no holder was ever seen */
	begin("crash-qsort-null-empty");
	end();

	/* a state change stamped near 2^63 ns: its wall time overflows int64_t */
	begin("crash-realtime-overflow");
	state(0x7900000000000000ull, SK(111), 0xa002, l, ST_TCP_CLOSE, ST_TCP_LISTEN, task(1, "x"),
	      0);
	end();

	/* a bind that "returned" INT32_MIN: table.c negates it */
	begin("crash-ret-int-min");
	call(ST_REC_BIND, T0, SK(112), 0xa003, 0, l, task(1, "x"), INT32_MIN, 3, 0, ST_TCP_CLOSE,
	     0);
	end();

	/* a listener held by a process whose argv is 4 KiB of control bytes */
	begin("crash-table-long-cmdline");
	snap_begin(T0);
	sock(T0, SK(110), 0xa001, 77, l, ST_TCP_LISTEN, 0, 128, 0, 0);
	memcpy(hc.comm, "ctrl", 4);
	file(T0, SK(110), 77, hc, 3);
	snap_end();
	print_tables(T0 + 1);
	end();
}

/* Records one at a time, as the fuzzer's smallest useful inputs. */
static void scenario_singles(void)
{
	struct st_tuple t = tuple(IPPROTO_TCP, ep4("1.2.3.4", 5), ep4("6.7.8.9", 10), NS1);
	static const uint32_t calls[] = {ST_REC_ACCEPT, ST_REC_CONNECT, ST_REC_BIND,  ST_REC_LISTEN,
					 ST_REC_CLOSE,	ST_REC_PORT,	ST_REC_QUEUED};
	char name[64];
	size_t i;

	begin("single-state");
	state(T0, SK(100), 1, t, ST_TCP_SYN_RECV, ST_TCP_ESTABLISHED, task(1, "x"), 0);
	end();
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		snprintf(name, sizeof(name), "single-call-%u", calls[i]);
		begin(name);
		call(calls[i], T0, SK(101), 2, 0, t, task(2, "y"), 0, 3, 0, ST_TCP_ESTABLISHED, 0);
		end();
	}
	begin("single-sock");
	sock(T0, SK(102), 3, 4, t, ST_TCP_ESTABLISHED, 1, 2, 3, 0);
	end();
	begin("single-file");
	file(T0, SK(102), 4, task(3, "z"), 9);
	end();
	/* the iterator stream's exact length and the ring buffer's 8-rounded one */
	begin("single-state-padded");
	{
		unsigned char buf[sizeof(struct st_state_rec) + 7] = {0};
		struct st_state_rec r = {
			.hdr = {ST_REC_STATE, sizeof(r), T0},
			.sk = SK(103),
			.t = t,
			.oldstate = ST_TCP_CLOSE,
			.newstate = ST_TCP_SYN_SENT,
		};

		memcpy(buf, &r, sizeof(r));
		chunk(OP_REC, buf, sizeof(buf));
	}
	end();
	begin("ops-only");
	op_u64(OP_HZ, 100);
	tick(T0);
	snap_begin(T0);
	snap_end();
	op_u64(OP_LOST, T0);
	chunk(OP_FLUSH, NULL, 0);
	print_tables(T0);
	end();
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen-fuzz-corpus DIR\n");
		return 2;
	}
	dir = argv[1];
	scenario_connect_v4();
	scenario_refused_reset();
	scenario_passive();
	scenario_udp();
	scenario_snapshot();
	scenario_sock_diag();
	scenario_full();
	scenario_reuse();
	scenario_reuseport();
	scenario_collisions();
	scenario_long_path();
	scenario_hostile();
	scenario_unix();
	scenario_singles();
	reproducers();
	printf("gen-fuzz-corpus: %d files in %s\n", nfiles, dir);
	return 0;
}
