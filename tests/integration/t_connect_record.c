// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A TCP connection's first line (CLOSE -> SYN_SENT) waits for its source
 * port, which the kernel chooses inside connect(). It comes from the next
 * transition, from a SYN's retransmission, or from tcp_connect() through
 * sockops (kernels without tp_btf's cookies); with either of the last two a
 * non-blocking connect() under way sends no record of its own (calls.bpf.h).
 * With neither, it comes from connect()'s return.
 * The first line must still have its port for every way to connect:
 * non-blocking, blocking, and TCP_FASTOPEN_CONNECT, whose connect() returns
 * before any SYN (and before tcp_connect()), with the first write more than
 * the held line's grace period later. A connect() that no one answers (its
 * SYN dropped by a listener whose queue is full), blocking or not, must show
 * its first line, with its port, while it still waits: its SYN's first
 * retransmission names the port (syn_port.bpf.h). The capture shows which
 * records came.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "capture_file.h"
#include "events.h"
#include "netns.h"
#include "socktrace_abi.h"
#include "tap.h"
#include "tracer.h"
#include "workload.h"

#define NONBLOCKING 5

#ifndef TCP_FASTOPEN_CONNECT
#define TCP_FASTOPEN_CONNECT 30
#endif

struct connect_count {
	long in_progress; /* TCP connect records that returned -EINPROGRESS */
	long returned;	  /* TCP connect records that returned 0 */
};

static void count_connects(const void *rec, uint32_t len, void *ctx)
{
	const struct st_call_rec *r = rec;
	struct connect_count *c = ctx;

	if (len < sizeof(*r) || r->hdr.type != ST_REC_CONNECT || r->t.protocol != IPPROTO_TCP)
		return;
	if (r->ret == -EINPROGRESS)
		c->in_progress++;
	else if (r->ret == 0)
		c->returned++;
}

static int loopback_addr(struct sockaddr_in *sin, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return 0;
}

/* A non-blocking connect, seen through to ESTABLISHED; its local port, 0 on failure. */
static uint16_t connect_nonblocking(uint16_t port, int *fd)
{
	struct sockaddr_in sin;
	struct pollfd p;
	int err = 0;
	socklen_t len = sizeof(err);

	*fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	loopback_addr(&sin, port);
	if (*fd < 0 || connect(*fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 ||
	    errno != EINPROGRESS)
		return 0;
	p = (struct pollfd){.fd = *fd, .events = POLLOUT};
	if (poll(&p, 1, 5000) != 1 || getsockopt(*fd, SOL_SOCKET, SO_ERROR, &err, &len) || err)
		return 0;
	return sock_local_port(*fd);
}

/*
 * TCP_FASTOPEN_CONNECT: connect() returns 0 with no SYN sent; the first
 * write sends it. Its local port, 0 on failure.
 */
static uint16_t connect_fastopen(uint16_t port, int lfd)
{
	struct sockaddr_in sin;
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), s;
	uint16_t lport;

	loopback_addr(&sin, port);
	if (fd < 0 || setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof(one)) ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		tap_diag("TCP_FASTOPEN_CONNECT: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return 0;
	}
	lport = sock_local_port(fd);
	/* past the grace period a held line waits for its port (table.h) */
	usleep(2300 * 1000);
	s = write(fd, "x", 1) == 1 ? accept(lfd, NULL, NULL) : -1;
	if (s < 0)
		lport = 0;
	else
		close(s);
	close(fd);
	return lport;
}

static bool first_line_has_port(const struct json_lines *jl, uint16_t lport, uint16_t port,
				bool say);

struct unanswered {
	int fd;	 /* connects */
	int lfd; /* to this listener */
};

/* A thread, so that a blocking connect() can block while the test watches. */
static void *connect_thread(void *arg)
{
	const struct unanswered *u = arg;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(u->lfd, (struct sockaddr *)&sin, &len) == 0)
		connect(u->fd, (struct sockaddr *)&sin, sizeof(sin));
	return NULL;
}

/* Whether the connection is still waiting for its answer. */
static bool still_connecting(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
	       ti.tcpi_state == 2; /* TCP_SYN_SENT */
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * A connect() whose SYNs a full listener drops, blocking or not. Whether
 * watch shows its first line, with its port, while the connection still
 * waits; *ms is when it came (ms after the connect() started).
 */
static bool unanswered_first_line(const char *out_path, bool nonblocking, long *ms)
{
	struct unanswered u = {.fd = -1, .lfd = -1};
	uint16_t port = 0, lport = 0;
	int lfd = tcp_listen_on(AF_INET, "127.0.0.1", 0, 0, &port), filler = -1, i;
	bool seen = false, waiting = true;
	struct timespec t0;
	pthread_t th;

	*ms = -1;
	/* the queue's one place taken: later SYNs are dropped, unanswered */
	if (lfd >= 0)
		filler = tcp_connect_to(AF_INET, "127.0.0.1", port);
	u.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
	u.lfd = lfd;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* a blocking connect() returns by then, whatever shutdown() below does
	 * (5.10's does not wake it; the SYNs would go on for two minutes) */
	if (filler < 0 || u.fd < 0 ||
	    setsockopt(u.fd, SOL_SOCKET, SO_SNDTIMEO, &(struct timeval){.tv_sec = 5},
		       sizeof(struct timeval)) ||
	    pthread_create(&th, NULL, connect_thread, &u)) {
		tap_diag("a connect to a full listener: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < 100 && !lport; i++) {
		usleep(20 * 1000);
		lport = sock_local_port(u.fd);
	}
	while (lport && !seen && (waiting = still_connecting(u.fd)) && ms_since(&t0) < 4000) {
		struct json_lines jl = {0};

		usleep(50 * 1000);
		if (json_lines_load(out_path, &jl) == 0)
			seen = first_line_has_port(&jl, lport, port, false);
		json_lines_free(&jl);
		*ms = ms_since(&t0);
	}
	seen &= waiting;
	if (!seen)
		tap_diag("port %u: %s", lport,
			 !waiting ? "the connection ended first" : "no first line in 4 s");
	/* abort the connect(): a SYN_SENT socket's shutdown disconnects it */
	shutdown(u.fd, SHUT_RDWR);
	pthread_join(th, NULL);
out:
	if (u.fd >= 0)
		close(u.fd);
	if (filler >= 0)
		close(filler);
	if (lfd >= 0)
		close(lfd);
	return seen;
}

/* The CLOSE -> SYN_SENT line of the connection from lport to port, with its port. */
static bool first_line_has_port(const struct json_lines *jl, uint16_t lport, uint16_t port,
				bool say)
{
	const struct json_obj *ev[256];
	size_t n = ev_select(jl, (struct ev_match){"state", "127.0.0.1", -1, "127.0.0.1", port}, ev,
			     256),
	       i;

	if (n > 256)
		n = 256;

	for (i = 0; i < n; i++) {
		long long v = -1;

		if (json_int(ev[i], "lport", &v) || v != lport)
			continue;
		if (json_str_is(ev[i], "old_state", "CLOSE") &&
		    json_str_is(ev[i], "new_state", "SYN_SENT"))
			return true;
	}
	if (say)
		tap_diag("no CLOSE -> SYN_SENT line from port %u to %u (%zu lines to it)", lport,
			 port, n);
	return false;
}

int main(void)
{
	char dir[] = "/tmp/t_connect_record.XXXXXX", cap[PATH_MAX], *features = NULL;
	uint16_t port, nb[NONBLOCKING], blocking = 0, fastopen;
	struct connect_count c = {0};
	struct json_lines jl = {0};
	int lfd, fds[NONBLOCKING], fd, i, sockops, port_early;
	long unanswered_ms = -1;
	struct tracer t;

	if (!mkdtemp(dir) || netns_enter_new() < 0) {
		ok(0, "a temporary directory and a network namespace: %s", strerror(errno));
		return tap_done();
	}
	run_capture((const char *const[]){socktrace_path(), "features", NULL}, &features, 30000);
	sockops = features && strstr(features, "syn_port=sockops");
	port_early = sockops || (features && strstr(features, "syn_port=retransmit"));
	tap_diag("the source port's early hook: %s", sockops	  ? "sockops"
						     : port_early ? "retransmit"
								  : "none");
	free(features);

	snprintf(cap, sizeof(cap), "%s/connect.cap", dir);
	setenv("SOCKTRACE_CAPTURE", cap, 1);
	if (!ok(start_tracer(&t, (const char *const[]){"watch", NULL}) == 0, "watch started")) {
		tap_diag("%s", tracer_stderr(&t));
		return tap_done();
	}
	lfd = tcp_listen_on(AF_INET, "127.0.0.1", 0, 64, &port);
	for (i = 0; i < NONBLOCKING; i++) {
		nb[i] = lfd < 0 ? 0 : connect_nonblocking(port, &fds[i]);
		fd = nb[i] ? accept(lfd, NULL, NULL) : -1;
		if (fd >= 0)
			close(fd);
		if (fds[i] >= 0)
			close(fds[i]);
	}
	fd = lfd < 0 ? -1 : tcp_connect_to(AF_INET, "127.0.0.1", port);
	if (fd >= 0) {
		blocking = sock_local_port(fd);
		close(fd);
		fd = accept(lfd, NULL, NULL);
		if (fd >= 0)
			close(fd);
	}
	fastopen = lfd < 0 ? 0 : connect_fastopen(port, lfd);
	if (port_early) {
		bool early = unanswered_first_line(t.out_path, false, &unanswered_ms);

		ok(early,
		   "a blocking connect() no one answers: its first line with its port came while "
		   "it waited (%ld ms)",
		   unanswered_ms);
		early = unanswered_first_line(t.out_path, true, &unanswered_ms);
		ok(early,
		   "a non-blocking connect() no one answers: its first line with its port came "
		   "while it waited (%ld ms)",
		   unanswered_ms);
	} else
		tap_skip("no early source port here (syn_port=transition)",
			 "a connect() no one answers, blocking and not");
	ok(lfd >= 0 && nb[NONBLOCKING - 1] && blocking && fastopen,
	   "%d non-blocking connects, a blocking one, one with TCP_FASTOPEN_CONNECT", NONBLOCKING);
	if (lfd >= 0)
		close(lfd);
	usleep(300 * 1000);
	ok(tracer_stop(&t, 10000) == 0 && json_lines_load(t.out_path, &jl) == 0 && !jl.bad,
	   "watch exits 0, every line valid");

	for (i = 0; i < NONBLOCKING; i++)
		if (!first_line_has_port(&jl, nb[i], port, true))
			break;
	ok(i == NONBLOCKING, "non-blocking: each first line has its source port");
	ok(first_line_has_port(&jl, blocking, port, true),
	   "blocking: the first line has its port %u", blocking);
	ok(first_line_has_port(&jl, fastopen, port, true),
	   "TCP_FASTOPEN_CONNECT: the first line has its port %u, though no SYN left for 2.3 s",
	   fastopen);

	ok(capture_each(cap, count_connects, &c) > 0, "the capture was written");
	if (port_early)
		ok(c.in_progress == 0, "with %s, a connect under way sends no record (%ld did)",
		   sockops ? "sockops" : "the retransmission hook", c.in_progress);
	else
		ok(c.in_progress == NONBLOCKING,
		   "without an early port, each connect under way sends a record (%ld of %d)",
		   c.in_progress, NONBLOCKING);
	ok(c.returned >= 2, "a connect that returned 0 sends a record (%ld)", c.returned);

	json_lines_free(&jl);
	tracer_cleanup(&t);
	unlink(cap);
	rmdir(dir);
	return tap_done();
}
