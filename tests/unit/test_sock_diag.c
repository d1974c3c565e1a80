// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for the netlink and /proc fallbacks' parsers (user/sock_diag.c,
 * user/proc_fds.c): datagrams built as the kernel builds them go in, the
 * records the iterators would have made must come out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "diag_msg.h"
#include "proc_fds.h"
#include "sock_diag.h"
#include "socktrace_abi.h"
#include "tap.h"

#define NS  4026531840u
#define SEQ 7

static struct st_sock_rec got[16];
static int ngot;

static int keep(void *ctx, void *data, size_t len)
{
	(void)ctx;
	if (len == sizeof(got[0]) && ngot < 16)
		memcpy(&got[ngot++], data, len);
	return 0;
}

static struct diag_dump dump(uint16_t protocol)
{
	ngot = 0;
	return (struct diag_dump){
		.netns = NS, .protocol = protocol, .hz = 250, .ts_ns = 42, .seq = SEQ, .fn = keep};
}

static struct diag_sock sock4(const char *src, uint16_t sport, const char *dst, uint16_t dport,
			      uint8_t state)
{
	struct diag_sock s = {.family = AF_INET, .sport = sport, .dport = dport, .state = state};

	inet_pton(AF_INET, src, s.src);
	inet_pton(AF_INET, dst, s.dst);
	return s;
}

static void test_tcp(void)
{
	struct diag_buf b = {0};
	struct diag_sock l = {.family = AF_INET6,
			      .sport = 443,
			      .state = ST_TCP_LISTEN,
			      .cookie = 0x100000005ull,
			      .ino = 9001,
			      .rqueue = 2,
			      .wqueue = 128,
			      .uid = 33,
			      .full = true,
			      .v6only = true,
			      .drops = 17};
	struct diag_sock e = sock4("10.0.0.1", 80, "10.0.0.9", 50000, ST_TCP_ESTABLISHED);
	struct diag_sock tw = sock4("10.0.0.1", 80, "10.0.0.9", 50001, ST_TCP_FIN_WAIT2);
	struct diag_sock rq = sock4("10.0.0.1", 80, "10.0.0.9", 50002, ST_TCP_SYN_RECV);
	struct diag_dump d = dump(IPPROTO_TCP);
	int r;

	inet_pton(AF_INET6, "::1", l.src);
	e.cookie = 11;
	e.ino = 9002;
	e.rqueue = 5;
	e.wqueue = 6;
	e.full = true;
	e.drops = 99;
	tw.timer = 3; /* a timewait socket in its FIN_WAIT2 substate */
	tw.cookie = 12;
	tw.expires_ms = 30000;
	rq.timer = 1;
	rq.cookie = 13;
	diag_put_sock(&b, SEQ, &l);
	diag_put_sock(&b, SEQ + 1, &e); /* another request's: skipped */
	diag_put_sock(&b, SEQ, &e);
	diag_put_sock(&b, SEQ, &tw);
	diag_put_sock(&b, SEQ, &rq);
	r = sock_diag_parse(&d, b.b, b.len);
	is_int(r, 0, "tcp: more to come without NLMSG_DONE");
	is_int(ngot, 4, "tcp: four records, the other request's message skipped");
	is_int(d.records, 4, "tcp: counted");

	ok(got[0].hdr.type == ST_REC_SOCK && got[0].hdr.size == sizeof(got[0]) &&
		   got[0].hdr.ts_ns == 42,
	   "listener: a socket record of the iterators' size, at the dump's time");
	ok(got[0].sk == 0 && got[0].cookie == 0x100000005ull && got[0].ino == 9001,
	   "listener: no address; the 64-bit cookie and the inode");
	ok(got[0].t.family == AF_INET6 && got[0].t.protocol == IPPROTO_TCP &&
		   got[0].t.netns == NS && got[0].t.sport == 443 && got[0].t.dport == 0 &&
		   got[0].t.saddr[15] == 1,
	   "listener: tcp6 [::1]:443 in the dump's namespace");
	ok(got[0].state == ST_TCP_LISTEN && got[0].rx_queue == 2 && got[0].tx_queue == 128 &&
		   got[0].uid == 33 && got[0].drops == 17,
	   "listener: queue, backlog, uid and sk_drops");
	ok(got[0].t.flags == ST_SK_V6ONLY && got[0].rec_flags == ST_SOCK_REUSE_UNKNOWN,
	   "listener: v6only; SO_REUSE* said to be unknown");

	ok(got[1].t.family == AF_INET && got[1].t.saddr[0] == 10 && got[1].t.saddr[3] == 1 &&
		   got[1].t.daddr[3] == 9 && got[1].t.sport == 80 && got[1].t.dport == 50000,
	   "established: the IPv4 tuple in the first 4 bytes, ports in host order");
	ok(got[1].state == ST_TCP_ESTABLISHED && got[1].rx_queue == 5 && got[1].tx_queue == 6 &&
		   got[1].drops == 0 && got[1].t.flags == 0,
	   "established: unread and unacked bytes; drops only for listeners");

	ok(got[2].t.flags == ST_SK_TIMEWAIT && got[2].state == ST_TCP_FIN_WAIT2,
	   "timer 3 without the full-socket attributes: timewait, in its substate");
	is_int(got[2].ttl_jiffies, 7500, "timewait: 30000 ms at HZ 250");
	ok(got[3].t.flags == ST_SK_REQUEST && got[3].state == ST_TCP_SYN_RECV,
	   "SYN_RECV without the full-socket attributes: a request socket");

	b.len = 0;
	diag_put_done(&b, SEQ);
	is_int(sock_diag_parse(&d, b.b, b.len), 1, "NLMSG_DONE ends the dump");
}

static void test_errors(void)
{
	struct diag_buf b = {0};
	struct diag_sock u = sock4("0.0.0.0", 53, "0.0.0.0", 0, ST_TCP_CLOSE);
	struct diag_dump d = dump(IPPROTO_UDP);
	struct nlmsghdr *h;

	u.cookie = 3;
	u.ino = 77;
	u.full = true;
	diag_put_sock(&b, SEQ, &u);
	diag_put_done(&b, SEQ);
	is_int(sock_diag_parse(&d, b.b, b.len), 1, "udp: one socket, then done");
	ok(ngot == 1 && got[0].t.protocol == IPPROTO_UDP && got[0].state == ST_TCP_CLOSE &&
		   got[0].t.sport == 53,
	   "udp: an unconnected socket (state CLOSE)");

	b.len = 0;
	diag_put_error(&b, SEQ, -ENOENT);
	is_int(sock_diag_parse(&d, b.b, b.len), -ENOENT,
	       "an error reply is its errno (no diag module)");

	b.len = 0;
	h = diag_put_sock(&b, SEQ, &u);
	h->nlmsg_len += 64;
	d = dump(IPPROTO_UDP);
	is_int(sock_diag_parse(&d, b.b, b.len), -EPROTO, "a message longer than the datagram");
	is_int(ngot, 0, "nothing from it");

	b.len = 0;
	diag_put_sock(&b, SEQ, &u);
	d = dump(IPPROTO_UDP);
	is_int(sock_diag_parse(&d, b.b, b.len - 1), -EPROTO, "a truncated datagram");

	b.len = 0;
	u.state = 0;
	diag_put_sock(&b, SEQ, &u);
	u.state = ST_TCP_CLOSE;
	u.family = AF_UNIX;
	diag_put_sock(&b, SEQ, &u);
	d = dump(IPPROTO_UDP);
	is_int(sock_diag_parse(&d, b.b, b.len), 0, "a bad state and a bad family parse");
	is_int(ngot, 0, "and make no records");
	is_int(sock_diag_parse(&d, b.b, 0), 0, "an empty datagram");
}

static void test_proc_links(void)
{
	static const struct {
		const char *link;
		uint64_t ino;
	} cases[] = {
		{"socket:[12345]", 12345},
		{"socket:[1]", 1},
		{"socket:[18446744073709551615]", UINT64_MAX},
		{"socket:[18446744073709551616]", 0},
		{"socket:[]", 0},
		{"socket:[12a]", 0},
		{"socket:[123", 0},
		{"pipe:[123]", 0},
		{"anon_inode:[eventfd]", 0},
		{"/dev/null", 0},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int(proc_fds_socket_ino(cases[i].link, strlen(cases[i].link)), cases[i].ino,
		       "/proc link '%s'", cases[i].link);
}

int main(void)
{
	test_tcp();
	test_errors();
	test_proc_links();
	return tap_done();
}
