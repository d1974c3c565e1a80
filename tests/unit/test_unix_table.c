// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for the UNIX socket table (unix_table.c): records in, events
 * out. A connection from bind to close, the accept that names the embryo's
 * inode, a socketpair's second end, paths (a filesystem path's NUL, abstract
 * names with NULs), closes derived from snapshots only after two misses,
 * many sockets through the index's growth and deletion, and the path
 * escaping and --path filter the views use.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"
#include "escape.h"
#include "filter.h"
#include "table.h"
#include "unix_table.h"

#define MAX_EVENTS 64

/* What the sink saw: copies, since the entries may be gone after the call. */
static struct seen {
	uint8_t event, source;
	uint32_t task_pid; /* 0: no task */
	int err;
	struct unix_entry e;
	uint64_t peer_ino, server_ino;
	uint32_t peer_owner; /* 0: no peer, or one without an owner */
	char path[ST_UNIX_PATH_LEN];
	uint16_t path_len;
} seen[MAX_EVENTS];
static int nseen;

static void sink(void *ctx, const struct unix_event *ev)
{
	struct seen *s = &seen[nseen < MAX_EVENTS ? nseen++ : MAX_EVENTS - 1];

	(void)ctx;
	s->event = ev->event;
	s->source = ev->source;
	s->err = ev->err;
	s->task_pid = ev->task ? ev->task->tgid : 0;
	s->e = *ev->e;
	s->peer_ino = ev->peer ? ev->peer->ino : 0;
	s->peer_owner = ev->peer ? ev->peer->owner_pid : 0;
	s->server_ino = ev->server ? ev->server->ino : 0;
	s->path_len = ev->path_len;
	memcpy(s->path, ev->path, ev->path_len);
}

static struct st_unix_rec rec(uint8_t event, uint8_t source, uint64_t sk, uint64_t ino,
			      uint32_t pid, const char *comm)
{
	struct st_unix_rec r;

	memset(&r, 0, sizeof(r));
	r.hdr.type = ST_REC_UNIX;
	r.hdr.size = sizeof(r);
	r.hdr.ts_ns = 1000000000ull * (nseen + 1);
	r.sk = sk;
	r.ino = ino;
	r.type = SOCK_STREAM;
	r.state = ST_SS_UNCONNECTED;
	r.event = event;
	r.source = source;
	r.netns = 4026531840u;
	r.task.tgid = pid;
	r.task.tid = pid;
	strncpy(r.task.comm, comm, sizeof(r.task.comm) - 1);
	r.fd = 3;
	return r;
}

static void set_path(struct st_unix_rec *r, const char *p, size_t len)
{
	memcpy(r->path, p, len);
	r->path_len = (uint16_t)len;
}

/* The accepted end and the connector's records, as the kernel would make them. */
static struct st_unix_rec accept_rec(uint64_t sk, uint64_t ino, uint64_t peer_sk, uint64_t peer_ino)
{
	struct st_unix_rec r = rec(ST_UNIX_ACCEPT, ST_UNIX_SRC_SYSCALL, sk, ino, 100, "server");

	set_path(&r, "/run/x.sock\0", 12);
	r.state = ST_SS_CONNECTED;
	r.peer_sk = peer_sk;
	r.peer_ino = peer_ino;
	return r;
}

static struct st_unix_rec connect_rec(uint64_t sk, uint64_t ino, uint64_t peer_sk)
{
	struct st_unix_rec r = rec(ST_UNIX_CONNECT, ST_UNIX_SRC_SYSCALL, sk, ino, 200, "client");

	set_path(&r, "/run/x.sock", 11);
	r.state = ST_SS_CONNECTED;
	r.peer_sk = peer_sk;
	return r;
}

static void connection(void)
{
	struct unix_table *ut = unix_table_new(sink, NULL);
	struct st_unix_rec r;
	const struct unix_entry *e;

	nseen = 0;
	/* the server: bind (the kernel counts the path's NUL), listen */
	r = rec(ST_UNIX_BIND, ST_UNIX_SRC_SYSCALL, 0x1000, 10, 100, "server");
	set_path(&r, "/run/x.sock\0", 12);
	unix_table_apply(ut, &r);
	r = rec(ST_UNIX_LISTEN, ST_UNIX_SRC_SYSCALL, 0x1000, 10, 100, "server");
	set_path(&r, "/run/x.sock\0", 12);
	r.flags = ST_UNIX_ACC;
	r.arg = 5;
	unix_table_apply(ut, &r);
	e = unix_table_find(ut, 10);
	ok(e && e->path_len == 11 && !memcmp(e->path, "/run/x.sock", 11),
	   "bind: the path without the kernel's NUL");
	ok(e && (e->flags & ST_UNIX_ACC) && e->owner_pid == 100, "listen: ACC, owned by 100");
	ok(unix_table_listener(ut, r.netns, "/run/x.sock", 11) == e, "the listener by its path");
	ok(!unix_table_listener(ut, r.netns + 1, "/run/x.sock", 11),
	   "no listener at the path in another namespace");

	/* a client connects: its peer is the embryo, still without an inode */
	r = rec(ST_UNIX_CONNECT, ST_UNIX_SRC_SYSCALL, 0x2000, 20, 200, "client");
	set_path(&r, "/run/x.sock", 11);
	r.state = ST_SS_CONNECTED;
	r.peer_sk = 0x3000;
	unix_table_apply(ut, &r);
	ok(nseen == 3 && seen[2].event == ST_UNIX_CONNECT && seen[2].server_ino == 10 &&
		   seen[2].path_len == 11,
	   "connect: the listener at the path is the server");
	e = unix_table_find(ut, 20);
	ok(e && e->path_len == 0, "connect: the client keeps its own (unnamed) address");

	/* accept names the new socket and the client as its peer */
	r = rec(ST_UNIX_ACCEPT, ST_UNIX_SRC_SYSCALL, 0x3000, 30, 100, "server");
	set_path(&r, "/run/x.sock\0", 12);
	r.state = ST_SS_CONNECTED;
	r.peer_sk = 0x2000;
	r.peer_ino = 20;
	unix_table_apply(ut, &r);
	ok(nseen == 4 && seen[3].event == ST_UNIX_ACCEPT && seen[3].peer_ino == 20 &&
		   seen[3].e.role == UNIX_ROLE_ACCEPT,
	   "accept: the client is the peer");
	e = unix_table_find(ut, 20);
	ok(e && e->peer_ino == 30, "the client now knows its peer's inode");

	/* the client closes first: its peer is the acceptor; the acceptor's
	 * own close later is no second end of the connection */
	r = rec(ST_UNIX_CLOSE, ST_UNIX_SRC_CLOSE, 0x2000, 20, 200, "client");
	r.peer_sk = 0x3000;
	r.peer_ino = 30;
	unix_table_apply(ut, &r);
	ok(nseen == 5 && seen[4].event == ST_UNIX_CLOSE && seen[4].e.role == UNIX_ROLE_CONNECT &&
		   seen[4].peer_ino == 30 && seen[4].e.owner_pid == 200,
	   "close: the connector, with its peer");
	ok(!unix_table_find(ut, 20), "a closed socket leaves the table");
	e = unix_table_find(ut, 30);
	ok(e && e->role == UNIX_ROLE_NONE, "the other end's connection has ended");
	is_int(unix_table_count(ut), 2, "listener and acceptor remain");
	r = rec(ST_UNIX_CLOSE, ST_UNIX_SRC_FENTRY, 0x1000, 10, 100, "server");
	r.flags = ST_UNIX_ACC;
	unix_table_apply(ut, &r);
	ok(!unix_table_listener(ut, r.netns, "/run/x.sock", 11),
	   "a closed listener is no connect's server any more");
	unix_table_free(ut);
}

static void embryo_and_pair(void)
{
	struct unix_table *ut = unix_table_new(sink, NULL);
	struct st_unix_rec r;
	const struct unix_entry *e;

	nseen = 0;
	/* a snapshot meets an embryo (no inode): keyed by its address */
	r = rec(ST_UNIX_SOCK, ST_UNIX_SRC_ITER, 0x5000, 0, 0, "");
	r.state = ST_SS_CONNECTING;
	unix_table_apply(ut, &r);
	is_int(unix_table_count(ut), 1, "an embryo is kept by its address");
	is_int(nseen, 0, "snapshots print nothing");
	r = rec(ST_UNIX_ACCEPT, ST_UNIX_SRC_SYSCALL, 0x5000, 50, 100, "server");
	unix_table_apply(ut, &r);
	e = unix_table_find(ut, 50);
	ok(e && e->sk == 0x5000 && unix_table_count(ut) == 1,
	   "accept gives the embryo its inode: one entry, not two");

	r = rec(ST_UNIX_SOCKETPAIR, ST_UNIX_SRC_SYSCALL, 0x6000, 60, 300, "pair");
	r.peer_sk = 0x7000;
	r.peer_ino = 61;
	r.state = ST_SS_CONNECTED;
	r.type = SOCK_SEQPACKET;
	unix_table_apply(ut, &r);
	e = unix_table_find(ut, 61);
	ok(e && e->peer_ino == 60 && e->type == SOCK_SEQPACKET && e->owner_pid == 300 &&
		   e->role == UNIX_ROLE_PAIR,
	   "socketpair: the second end mirrors the first");
	ok(nseen == 2 && seen[1].event == ST_UNIX_SOCKETPAIR && seen[1].peer_ino == 61,
	   "socketpair: one event naming both ends");

	/* a failed connect: the path asked for is the event's */
	r = rec(ST_UNIX_CONNECT, ST_UNIX_SRC_SYSCALL, 0x8000, 80, 400, "c");
	set_path(&r, "/nope", 5);
	r.ret = -2;
	unix_table_apply(ut, &r);
	ok(nseen == 3 && seen[2].err == 2 && seen[2].path_len == 5 && !seen[2].server_ino &&
		   !seen[2].e.role,
	   "a failed connect: its errno and path, no connection");

	/* a close of a socket the table never met is still a line */
	r = rec(ST_UNIX_CLOSE, ST_UNIX_SRC_FENTRY, 0x9000, 90, 500, "x");
	unix_table_apply(ut, &r);
	ok(nseen == 4 && seen[3].e.ino == 90 && seen[3].source == ST_UNIX_SRC_FENTRY,
	   "a close of an unknown socket is reported from its record");
	ok(seen[3].task_pid == 500 && seen[3].e.owner_pid == 500 &&
		   seen[3].e.owner_src == OWNER_TASK,
	   "... with its closer as its owner");

	/* released in socktrace itself (its scan held the last reference):
	 * no closer, and the owner stays the one the table knows */
	r = rec(ST_UNIX_BIND, ST_UNIX_SRC_SYSCALL, 0xa000, 100, 600, "srv");
	set_path(&r, "/s", 2);
	unix_table_apply(ut, &r);
	r = rec(ST_UNIX_CLOSE, ST_UNIX_SRC_FENTRY, 0xa000, 100, (uint32_t)getpid(), "socktrace");
	unix_table_apply(ut, &r);
	ok(nseen == 6 && seen[5].event == ST_UNIX_CLOSE && !seen[5].task_pid &&
		   seen[5].e.owner_pid == 600,
	   "a release in socktrace's own process names no closer, and keeps the owner");
	r = rec(ST_UNIX_CLOSE, ST_UNIX_SRC_FENTRY, 0xb000, 110, (uint32_t)getpid(), "socktrace");
	unix_table_apply(ut, &r);
	ok(nseen == 7 && !seen[6].task_pid && !seen[6].e.owner_pid &&
		   seen[6].e.owner_src == OWNER_NONE,
	   "... nor makes socktrace the owner of a socket it never met");
	unix_table_free(ut);
}

static void snapshots(void)
{
	struct unix_table *ut = unix_table_new(sink, NULL);
	struct st_unix_rec r;
	int i, closes;

	nseen = 0;
	unix_table_snapshot_begin(ut);
	for (i = 0; i < 1000; i++) {
		r = rec(ST_UNIX_SOCK, ST_UNIX_SRC_ITER, 0x10000 + 64 * i, 1000 + i, 0, "");
		unix_table_apply(ut, &r);
	}
	unix_table_snapshot_end(ut, 5, false);
	is_int(unix_table_count(ut), 1000, "1000 sockets through the index's growth");
	/* the next snapshot has only the even ones */
	unix_table_snapshot_begin(ut);
	for (i = 0; i < 1000; i += 2) {
		r = rec(ST_UNIX_SOCK, ST_UNIX_SRC_ITER, 0x10000 + 64 * i, 1000 + i, 0, "");
		unix_table_apply(ut, &r);
	}
	unix_table_snapshot_end(ut, 6, false);
	is_int(nseen, 0, "missing once: no close yet (it may be in the ring buffer)");
	unix_table_snapshot_begin(ut);
	for (i = 0; i < 1000; i += 2) {
		r = rec(ST_UNIX_SOCK, ST_UNIX_SRC_ITER, 0x10000 + 64 * i, 1000 + i, 0, "");
		unix_table_apply(ut, &r);
	}
	unix_table_snapshot_end(ut, 7, false);
	for (i = 0, closes = 0; i < nseen; i++)
		closes += seen[i].event == ST_UNIX_CLOSE && seen[i].source == ST_UNIX_SRC_SNAPSHOT;
	/* the sink keeps MAX_EVENTS: count what the table holds instead */
	is_int(unix_table_count(ut), 500, "missing twice: the odd ones are closed");
	ok(closes == MAX_EVENTS, "each derived close is marked with its source");
	for (i = 0, closes = 0; i < 1000; i++)
		closes += (unix_table_find(ut, 1000 + i) != NULL) != !(i & 1);
	is_int(closes, 0, "every even one is found after the deletions, no odd one");
	/* a table no hook feeds (socktrace table) drops what one snapshot lacks */
	unix_table_snapshot_begin(ut);
	for (i = 0; i < 1000; i += 4) {
		r = rec(ST_UNIX_SOCK, ST_UNIX_SRC_ITER, 0x10000 + 64 * i, 1000 + i, 0, "");
		unix_table_apply(ut, &r);
	}
	unix_table_snapshot_end(ut, 8, true);
	is_int(unix_table_count(ut), 250, "at_once: missing once is enough");
	unix_table_free(ut);

	/* a connection whose connector went without a hook seeing it (its
	 * process exited): the derived close ends the connection, and the
	 * acceptor's close later is no second end */
	ut = unix_table_new(sink, NULL);
	nseen = 0;
	r = connect_rec(0x2000, 20, 0x3000);
	unix_table_apply(ut, &r);
	r = accept_rec(0x3000, 30, 0x2000, 20);
	unix_table_apply(ut, &r);
	for (i = 0; i < 2; i++) {
		unix_table_snapshot_begin(ut);
		r = rec(ST_UNIX_SOCK, ST_UNIX_SRC_ITER, 0x3000, 30, 0, "");
		unix_table_apply(ut, &r);
		unix_table_snapshot_end(ut, 10 + i, false);
	}
	r = rec(ST_UNIX_CLOSE, ST_UNIX_SRC_CLOSE, 0x3000, 30, 100, "server");
	unix_table_apply(ut, &r);
	ok(nseen == 4 && seen[2].event == ST_UNIX_CLOSE && seen[2].e.ino == 20 &&
		   seen[2].e.role == UNIX_ROLE_CONNECT && seen[3].event == ST_UNIX_CLOSE &&
		   seen[3].e.ino == 30 && seen[3].e.role == UNIX_ROLE_NONE,
	   "a derived close ends the connection: one end, not two");
	unix_table_free(ut);
}

static void paths(void)
{
	char storage[512];
	struct sbuf sb;
	struct filter f = {0};

	sb_init(&sb, storage, sizeof(storage));
	sb_put_unix_path_text(&sb, "\0ab\0c\x1b", 6);
	is_str(sb_str(&sb), "@ab\\x00c\\x1b", "abstract name: @, NUL and ESC escaped");
	sb_reset(&sb);
	sb_put_unix_path_json(&sb, "\0a\"\0", 4);
	is_str(sb_str(&sb), "\"@a\\\"\\u0000\"", "abstract name in JSON");
	sb_reset(&sb);
	sb_put_unix_path_text(&sb, "", 0);
	is_str(sb_str(&sb), "", "unnamed: empty");

	f.path_glob = "/run/*.sock";
	ok(filter_unix_path(&f, "/run/x.sock", 11), "--path matches a filesystem path");
	ok(!filter_unix_path(&f, "/tmp/x.sock", 11), "--path refuses another");
	f.path_glob = "@dbus*";
	ok(filter_unix_path(&f, "\0dbus-1", 7), "--path @name matches an abstract name");
	ok(!filter_unix_path(&f, "", 0), "--path refuses an unnamed socket");
}

static void filters(void)
{
	struct unix_entry e = {.ino = 1, .netns = 7};
	struct filter f = {0};

	ok(filter_unix(&f, &e, 10, "x"), "no filter: a UNIX socket is shown");
	f.protos = SEL_TCP | SEL_UDP;
	ok(!filter_unix(&f, &e, 10, "x"), "-t -u leave UNIX sockets out");
	f.protos = SEL_UNIX | SEL_TCP;
	ok(filter_unix(&f, &e, 10, "x"), "-x -t keep them");
	f = (struct filter){.family = AF_INET};
	ok(!filter_unix(&f, &e, 10, "x"), "-4 leaves them out");
	f = (struct filter){.port = 80};
	ok(!filter_unix(&f, &e, 10, "x"), "--port leaves them out");
	f = (struct filter){.netns = 7, .pid = 10};
	ok(filter_unix(&f, &e, 10, "x"), "--netns and --pid match");
	f.pid = 11;
	ok(!filter_unix(&f, &e, 10, "x"), "another --pid does not");
}

/* The same flags on TCP and UDP rows and lines. */
static void inet_filters(void)
{
	struct sock_entry tcp = {.state = ST_TCP_ESTABLISHED}, udp = {.state = ST_TCP_CLOSE};
	struct filter f = {.protos = SEL_UNIX};

	tcp.t.family = udp.t.family = AF_INET;
	tcp.t.protocol = IPPROTO_TCP;
	udp.t.protocol = IPPROTO_UDP;
	ok(!filter_entry(&f, &tcp) && !filter_entry(&f, &udp), "-x leaves TCP and UDP out");
	f.protos = SEL_TCP;
	ok(filter_entry(&f, &tcp) && !filter_entry(&f, &udp), "-t: TCP only");
	f.protos = SEL_UDP | SEL_UNIX;
	ok(!filter_entry(&f, &tcp) && filter_entry(&f, &udp), "-u -x: UDP of the two");
	f = (struct filter){.path_glob = "*"};
	ok(!filter_entry(&f, &tcp), "--path names no TCP socket");
}

/* An accept whose connector is not known yet, then the accepted socket's close. */
static struct st_unix_rec accept_and_close(struct unix_table *ut, uint64_t sk, uint64_t ino,
					   uint64_t peer_sk, uint64_t peer_ino)
{
	struct st_unix_rec r = accept_rec(sk, ino, peer_sk, peer_ino);

	unix_table_apply(ut, &r);
	r = rec(ST_UNIX_CLOSE, ST_UNIX_SRC_CLOSE, sk, ino, 100, "server");
	unix_table_apply(ut, &r);
	return r;
}

/*
 * accept() can return before the connect() that queued its connection: the
 * accept's line waits for the connector's record, so that it names the
 * process at the other end.
 */
static void accept_first(void)
{
	struct unix_table *ut = unix_table_new(sink, NULL);
	struct st_unix_rec r;
	uint64_t due;

	nseen = 0;
	r = accept_rec(0x3000, 30, 0x2000, 20);
	unix_table_apply(ut, &r);
	is_int(nseen, 0, "an accept before its connect: held");
	due = unix_table_next_due(ut);
	ok(due == r.hdr.ts_ns + UNIX_ACCEPT_WAIT_NS, "... until the wait ends at the latest");
	ok(unix_table_find(ut, 30) && unix_table_find(ut, 30)->role == UNIX_ROLE_ACCEPT,
	   "... in the table meanwhile");
	unix_table_tick(ut, due - 1);
	is_int(nseen, 0, "... and still held before then");
	r = connect_rec(0x2000, 20, 0x3000);
	unix_table_apply(ut, &r);
	ok(nseen == 2 && seen[0].event == ST_UNIX_ACCEPT && seen[0].peer_ino == 20 &&
		   seen[0].peer_owner == 200 && seen[0].task_pid == 100 &&
		   seen[0].e.owner_pid == 100,
	   "the connect releases it: the accept names the connector's process");
	ok(seen[1].event == ST_UNIX_CONNECT && seen[1].task_pid == 200,
	   "... and goes out first, as it happened first");
	is_int(unix_table_next_due(ut), (int64_t)UINT64_MAX, "nothing waits any more");

	/* a connector that is never seen: the line goes out when the wait ends */
	nseen = 0;
	r = accept_rec(0x5000, 50, 0x4000, 40);
	unix_table_apply(ut, &r);
	unix_table_tick(ut, r.hdr.ts_ns + UNIX_ACCEPT_WAIT_NS);
	ok(nseen == 1 && seen[0].event == ST_UNIX_ACCEPT && !seen[0].peer_ino,
	   "an accept whose connector never comes: out when the wait ends");

	/* the acceptor closes while its accept waits: the close waits behind it,
	 * and both name the connector once it comes */
	nseen = 0;
	accept_and_close(ut, 0x7000, 70, 0x6000, 60);
	ok(nseen == 0 && !unix_table_find(ut, 70),
	   "the acceptor's close waits too, out of the table");
	r = connect_rec(0x6000, 60, 0x7000);
	r.peer_ino = 70;
	unix_table_apply(ut, &r);
	ok(nseen == 3 && seen[0].event == ST_UNIX_ACCEPT && seen[0].peer_owner == 200 &&
		   seen[1].event == ST_UNIX_CLOSE && seen[1].e.ino == 70 &&
		   seen[1].peer_owner == 200 && seen[1].e.role == UNIX_ROLE_ACCEPT &&
		   seen[1].task_pid == 100 && seen[2].event == ST_UNIX_CONNECT,
	   "the connect releases accept, then close, both naming the connector");
	ok(unix_table_find(ut, 60) && unix_table_find(ut, 60)->role == UNIX_ROLE_NONE,
	   "the connection ended with the acceptor's close");

	/* the same, and the connector never comes: out in order when the waits end */
	nseen = 0;
	r = accept_and_close(ut, 0x7100, 71, 0x6100, 61);
	unix_table_tick(ut, r.hdr.ts_ns + UNIX_ACCEPT_WAIT_NS);
	ok(nseen == 2 && seen[0].event == ST_UNIX_ACCEPT && seen[1].event == ST_UNIX_CLOSE &&
		   seen[1].e.ino == 71,
	   "no connector: the accept, then the close, when their waits end");
	/* a close held at exit is freed with the table (ASan would tell) */
	accept_and_close(ut, 0x7200, 72, 0x6200, 62);
	unix_table_free(ut);
	ut = unix_table_new(sink, NULL);

	/* known peers, and accepts that name none, are not held */
	nseen = 0;
	r = connect_rec(0x8000, 80, 0x9000);
	unix_table_apply(ut, &r);
	r = accept_rec(0x9000, 90, 0x8000, 80);
	unix_table_apply(ut, &r);
	ok(nseen == 2 && seen[1].event == ST_UNIX_ACCEPT && seen[1].peer_owner == 200,
	   "connect first: the accept goes out at once");
	r = accept_rec(0xa000, 100, 0, 0);
	unix_table_apply(ut, &r);
	is_int(nseen, 3, "an accept that names no peer goes out at once");

	/* the same socket accepted again while its first accept waits (a record
	 * that reused its inode): both lines go out, the first one first */
	nseen = 0;
	r = accept_rec(0xf000, 150, 0xf100, 151);
	unix_table_apply(ut, &r);
	r = accept_rec(0xf000, 150, 0xf200, 152);
	unix_table_apply(ut, &r);
	is_int(nseen, 1, "accepted twice while held: the first accept goes out");
	r = rec(ST_UNIX_CLOSE, ST_UNIX_SRC_CLOSE, 0xf000, 150, 100, "server");
	unix_table_apply(ut, &r);
	unix_table_flush(ut);
	ok(nseen == 3 && seen[0].event == ST_UNIX_ACCEPT && seen[1].event == ST_UNIX_ACCEPT &&
		   seen[2].event == ST_UNIX_CLOSE,
	   "... the second, then the close, at exit");
	is_int(unix_table_next_due(ut), (int64_t)UINT64_MAX, "... and nothing left held");

	/* at exit, whatever waits goes out */
	nseen = 0;
	r = accept_rec(0xc000, 120, 0xb000, 110);
	unix_table_apply(ut, &r);
	unix_table_flush(ut);
	ok(nseen == 1 && seen[0].e.ino == 120, "flush: a held accept goes out");
	unix_table_free(ut);

	/* a table without a sink (socktrace table) holds nothing */
	ut = unix_table_new(NULL, NULL);
	r = accept_rec(0xe000, 140, 0xd000, 130);
	unix_table_apply(ut, &r);
	is_int(unix_table_next_due(ut), (int64_t)UINT64_MAX, "no sink: nothing held");
	unix_table_free(ut);
}

int main(void)
{
	connection();
	embryo_and_pair();
	accept_first();
	snapshots();
	paths();
	filters();
	inet_filters();
	return tap_done();
}
