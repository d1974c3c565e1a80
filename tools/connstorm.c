// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * connstorm: a bounded loopback TCP (or UNIX stream) connection generator
 * for socktrace's benchmarks and tests.
 *
 * It opens N connections from T client threads to a server of its own (a
 * thread, or a forked child with --fork-server) and reports how many
 * completed and how fast. A trace of the run can then be checked exactly:
 * with IPv4 every connection comes from its own source address, so counting
 * distinct source addresses in the trace counts connections; with --unix
 * every connection goes to one socket path that exists only for this run.
 *
 * Safety: it only ever talks to loopback or to its own UNIX socket. The
 * destination must be in 127.0.0.0/8 or be ::1, and every address is checked
 * again right before it is bound or connected to. Every loop is bounded by a
 * count or by the --timeout deadline, so a run always ends by itself.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

/*
 * Unique IPv4 sources are 127.X.Y.Z with X in 1..255, Y in 0..255 and Z in
 * 1..254: 127.0.0.0/16 (where the usual 127.0.0.1 lives) and the .0/.255
 * host numbers are skipped so no source looks like a network or broadcast
 * address, or collides with the default server address.
 */
#define SRC_PER_Y 254u
#define SRC_PER_X (SRC_PER_Y * 256u)
#define MAX_CONNS (SRC_PER_X * 255u)

#define MAX_THREADS   64
#define MAX_WINDOW    1024
#define MAX_PAYLOAD   (64u << 20)
#define MAX_TIMEOUT_S 3600
#define MAX_PAUSE_MS  600000
#define MAX_RATE      10000000u
#define ACCEPT_BATCH  64 /* accepts per wakeup, so one thread cannot starve the rest */
#define EVENT_BATCH   128
#define IO_CHUNK      65536
#define STOP_GRACE_S  10 /* how long a server may take to stop once asked */

#define NSEC_PER_SEC  1000000000ull
#define NSEC_PER_MSEC 1000000ull

enum mode { MODE_SERVER_FIRST, MODE_CLIENT_FIRST, MODE_RST };
static const char *const mode_names[] = {"server-first", "client-first", "rst"};

enum { STEP_WAIT, STEP_DONE, STEP_FAIL };

/*
 * Sockets are edge-triggered. An event's mask is the readiness when epoll
 * collected it, and input arriving later queues a new event, so without one
 * of these bits a recv() could only say EAGAIN: it is skipped.
 */
#define CONN_INPUT (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)

static struct config {
	uint64_t conns;
	unsigned int threads;
	unsigned int server_threads;
	unsigned int window;
	enum mode mode;
	int family;
	const char *addr_str;
	struct sockaddr_storage dst; /* server address; the port is filled in once known */
	socklen_t dstlen;
	unsigned int port;
	uint64_t payload;
	unsigned int timeout_s;
	unsigned int rate; /* connections started per second; 0: as fast as possible */
	unsigned int pause_ms;
	int ready_fd;
	const char *start_file;
	const char *server_pid_file;
	bool fork_server;
	bool unique_src;
	bool json;
	/* --unix: the socket's directory (ours, made and removed) or an abstract name */
	bool abstract;
	const char *unix_parent; /* where the directory is made */
	char unix_dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char unix_name[sizeof(((struct sockaddr_un *)0)->sun_path) + 1]; /* "@name" if abstract */
} cfg = {
	.conns = 10000,
	.threads = 2,
	.window = 64,
	.mode = MODE_SERVER_FIRST,
	.family = AF_INET,
	.timeout_s = 60,
	.ready_fd = -1,
	.unique_src = true,
};

/* The first thing that went wrong, kept per thread; the earliest one is shown. */
struct failure {
	const char *what;
	int err;
	uint64_t idx; /* connection number, UINT64_MAX if none */
	uint64_t ts_ns;
};

/* Payload bytes are never inspected, only counted; one buffer serves all writers. */
static char txbuf[IO_CHUNK];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void note_failure(struct failure *f, const char *what, int err, uint64_t idx)
{
	if (f->what)
		return;
	f->what = what;
	f->err = err;
	f->idx = idx;
	f->ts_ns = now_ns();
}

static void earliest_failure(struct failure *into, const struct failure *f)
{
	if (f->what && (!into->what || f->ts_ns < into->ts_ns))
		*into = *f;
}

static void format_failure(char *buf, size_t len, const struct failure *f)
{
	int n;

	if (f->err)
		n = snprintf(buf, len, "%s: %s", f->what, strerror(f->err));
	else
		n = snprintf(buf, len, "%s", f->what);
	if (n >= 0 && (size_t)n < len && f->idx != UINT64_MAX)
		snprintf(buf + n, len - n, " (connection %" PRIu64 ")", f->idx);
}

/*
 * The loopback rule, checked on every address we bind or connect to. A UNIX
 * socket never leaves the machine: it passes.
 */
static bool is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_UNIX)
		return true;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		return IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
	}
	return false;
}

/* A bug, not a user error: an address that got past parsing is not loopback. */
static void assert_loopback(const struct sockaddr *sa)
{
	if (!is_loopback(sa)) {
		fprintf(stderr, "connstorm: internal error: refusing non-loopback address\n");
		abort();
	}
}

/* Connection idx's source address, in host order (see SRC_PER_Y). */
static uint32_t src_addr(uint64_t idx)
{
	uint32_t z = 1 + (uint32_t)(idx % SRC_PER_Y);
	uint32_t y = (uint32_t)(idx / SRC_PER_Y % 256);
	uint32_t x = 1 + (uint32_t)(idx / SRC_PER_X);

	return 127u << 24 | x << 16 | y << 8 | z;
}

static void set_port(struct sockaddr_storage *ss, unsigned int port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* ------------------------------------------------------------------ server */

enum sstate { S_READ, S_WRITE, S_WAIT_EOF, S_DRAIN };

struct sconn {
	int fd;
	enum sstate state;
	uint64_t done; /* bytes read or written in the current state */
	bool draining; /* on the drain list */
	struct sconn *next;
};

struct server;

struct srv_thread {
	pthread_t th;
	struct server *srv;
	int ep;
	uint64_t accepted;
	uint64_t errors;
	struct failure first;
	struct sconn *drain; /* rst mode: echo sent, waiting until the client has it */
	char rxbuf[IO_CHUNK];
};

struct server {
	int lfd;
	int stopfd;
	unsigned int port;
	unsigned int nthreads;
	unsigned int started;
	uint64_t deadline_ns;
	struct srv_thread *th;
	char err[200];
};

/* Tags that tell the listener and the stop event from connections in epoll. */
static char listen_tag, stop_tag;

static int srv_fail(struct srv_thread *t, struct sconn *k, const char *what, int err)
{
	t->errors++;
	note_failure(&t->first, what, err, UINT64_MAX);
	close(k->fd);
	return STEP_FAIL;
}

static void close_with_rst(struct srv_thread *t, int fd)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};

	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0) {
		t->errors++;
		note_failure(&t->first, "setsockopt(SO_LINGER)", errno, UINT64_MAX);
	}
	close(fd);
}

/*
 * Drive one server connection as far as it goes without blocking. Sockets
 * are edge-triggered, so every path either finishes or stops at EAGAIN.
 */
static int srv_progress(struct srv_thread *t, struct sconn *k, uint32_t events)
{
	uint64_t want = cfg.payload;
	ssize_t n;

	switch (k->state) {
	case S_READ:
		while (k->done < want) {
			size_t len = want - k->done < IO_CHUNK ? want - k->done : IO_CHUNK;

			n = recv(k->fd, t->rxbuf, len, 0);
			if (n > 0) {
				k->done += n;
			} else if (n == 0) {
				return srv_fail(t, k, "server: EOF before the whole request", 0);
			} else if (errno == EAGAIN) {
				return STEP_WAIT;
			} else if (errno != EINTR) {
				return srv_fail(t, k, "server: recv", errno);
			}
		}
		k->state = S_WRITE;
		k->done = 0;
		/* fallthrough */
	case S_WRITE:
		while (k->done < want) {
			size_t len = want - k->done < IO_CHUNK ? want - k->done : IO_CHUNK;

			n = send(k->fd, txbuf, len, MSG_NOSIGNAL);
			if (n > 0)
				k->done += n;
			else if (errno == EAGAIN)
				return STEP_WAIT;
			else if (n == 0 || errno != EINTR)
				return srv_fail(t, k, "server: send", n ? errno : EIO);
		}
		if (cfg.mode == MODE_SERVER_FIRST) {
			close(k->fd);
			return STEP_DONE;
		}
		if (cfg.mode == MODE_RST) {
			int outq = 0;

			/*
			 * An abortive close throws away whatever the client has
			 * not acknowledged yet, and loopback may still hold the
			 * echo in another CPU's backlog: wait until it is acked
			 * so the client always reads the full echo, then RST.
			 */
			if (want && ioctl(k->fd, SIOCOUTQ, &outq) == 0 && outq > 0) {
				k->state = S_DRAIN;
				return STEP_WAIT;
			}
			close_with_rst(t, k->fd);
			return STEP_DONE;
		}
		k->state = S_WAIT_EOF;
		/* fallthrough */
	case S_WAIT_EOF:
		/*
		 * Right after our echo the client's FIN is rarely here yet,
		 * and epoll reports it when it comes (see CONN_INPUT).
		 * Without a payload, a client that is ahead of us may have
		 * sent it before we accepted: then a look saves a wakeup.
		 */
		if (want && !(events & CONN_INPUT))
			return STEP_WAIT;
		for (;;) {
			n = recv(k->fd, t->rxbuf, sizeof(t->rxbuf), 0);
			if (n == 0) {
				close(k->fd);
				return STEP_DONE;
			}
			if (n > 0)
				return srv_fail(t, k, "server: data after the request", 0);
			if (errno == EAGAIN)
				return STEP_WAIT;
			if (errno != EINTR)
				return srv_fail(t, k, "server: recv", errno);
		}
	case S_DRAIN:
		return STEP_WAIT; /* srv_drain() decides */
	}
	return STEP_WAIT;
}

/* Keep a connection that has to wait: epoll for I/O, the drain list for acks. */
static void srv_park(struct srv_thread *t, struct sconn *tmp, bool registered)
{
	struct sconn *k = tmp;

	if (!registered) {
		k = malloc(sizeof(*k));
		if (!k) {
			srv_fail(t, tmp, "server: malloc", ENOMEM);
			return;
		}
		*k = *tmp;
		if (k->state != S_DRAIN) {
			struct epoll_event ev = {
				.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
				.data.ptr = k,
			};

			if (epoll_ctl(t->ep, EPOLL_CTL_ADD, k->fd, &ev) < 0) {
				srv_fail(t, k, "server: epoll_ctl", errno);
				free(k);
				return;
			}
		}
	}
	if (k->state == S_DRAIN && !k->draining) {
		k->draining = true;
		k->next = t->drain;
		t->drain = k;
	}
}

static void srv_drain(struct srv_thread *t)
{
	struct sconn **pp = &t->drain;

	while (*pp) {
		struct sconn *k = *pp;
		int outq = 0;

		if (ioctl(k->fd, SIOCOUTQ, &outq) == 0 && outq > 0) {
			pp = &k->next;
			continue;
		}
		*pp = k->next;
		close_with_rst(t, k->fd);
		free(k);
	}
}

static void srv_accept(struct srv_thread *t)
{
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sconn k = {.state = S_READ};

		k.fd = accept4(t->srv->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (k.fd < 0) {
			if (errno == EAGAIN)
				return;
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			t->errors++;
			note_failure(&t->first, "server: accept", errno, UINT64_MAX);
			/* Out of fds or memory: back off instead of spinning on the listener. */
			usleep(1000);
			return;
		}
		t->accepted++;
		/* Most connections finish right here, without ever touching epoll. */
		if (srv_progress(t, &k, 0) == STEP_WAIT)
			srv_park(t, &k, false);
	}
}

static void *srv_thread_main(void *arg)
{
	struct srv_thread *t = arg;
	struct epoll_event evs[EVENT_BATCH];

	for (;;) {
		uint64_t now = now_ns();
		int timeout_ms, n;

		if (now >= t->srv->deadline_ns)
			break;
		timeout_ms = (int)((t->srv->deadline_ns - now) / NSEC_PER_MSEC) + 1;
		if (timeout_ms > 1000)
			timeout_ms = 1000;
		if (t->drain)
			timeout_ms = 1; /* acks do not wake us: poll the drain list */
		n = epoll_wait(t->ep, evs, EVENT_BATCH, timeout_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			t->errors++;
			note_failure(&t->first, "server: epoll_wait", errno, UINT64_MAX);
			break;
		}
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == &stop_tag)
				goto out;
			if (p == &listen_tag) {
				srv_accept(t);
				continue;
			}
			struct sconn *k = p;

			switch (srv_progress(t, k, evs[i].events)) {
			case STEP_WAIT:
				srv_park(t, k, true);
				break;
			default:
				free(k);
			}
		}
		if (t->drain)
			srv_drain(t);
	}
out:
	/* Whatever still waits for its ack gets its RST now rather than never. */
	while (t->drain) {
		struct sconn *k = t->drain;

		t->drain = k->next;
		close_with_rst(t, k->fd);
		free(k);
	}
	return NULL;
}

static int server_start(struct server *s, uint64_t deadline_ns)
{
	struct sockaddr_storage ss = cfg.dst;
	socklen_t sslen = cfg.dstlen;
	int one = 1;

	memset(s, 0, sizeof(*s));
	s->lfd = s->stopfd = -1;
	s->deadline_ns = deadline_ns;
	s->nthreads = cfg.server_threads;

	s->lfd = socket(cfg.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0) {
		snprintf(s->err, sizeof(s->err), "socket: %s", strerror(errno));
		return -1;
	}
	/* A fixed --port must be reusable while the last run's TIME_WAITs linger. */
	if (cfg.family != AF_UNIX &&
	    (setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	     (cfg.family == AF_INET6 &&
	      setsockopt(s->lfd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0))) {
		snprintf(s->err, sizeof(s->err), "setsockopt: %s", strerror(errno));
		return -1;
	}
	set_port(&ss, cfg.port);
	assert_loopback((struct sockaddr *)&ss);
	if (bind(s->lfd, (struct sockaddr *)&ss, sslen) < 0) {
		if (cfg.family == AF_UNIX)
			snprintf(s->err, sizeof(s->err), "bind %s: %s", cfg.unix_name,
				 strerror(errno));
		else
			snprintf(s->err, sizeof(s->err), "bind %s port %u: %s", cfg.addr_str,
				 cfg.port, strerror(errno));
		return -1;
	}
	/* The kernel caps this at net.core.somaxconn. */
	if (listen(s->lfd, 65535) < 0 || getsockname(s->lfd, (struct sockaddr *)&ss, &sslen) < 0) {
		snprintf(s->err, sizeof(s->err), "listen: %s", strerror(errno));
		return -1;
	}
	if (ss.ss_family == AF_INET)
		s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		s->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);

	s->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->th = calloc(s->nthreads, sizeof(*s->th));
	if (s->stopfd < 0 || !s->th) {
		snprintf(s->err, sizeof(s->err), "eventfd/calloc: %s", strerror(errno));
		return -1;
	}
	for (unsigned int i = 0; i < s->nthreads; i++) {
		struct srv_thread *t = &s->th[i];
		/* EPOLLEXCLUSIVE: one accept thread wakes per connection, not all. */
		struct epoll_event lev = {.events = EPOLLIN | EPOLLEXCLUSIVE,
					  .data.ptr = &listen_tag};
		struct epoll_event sev = {.events = EPOLLIN, .data.ptr = &stop_tag};
		int err;

		t->srv = s;
		t->ep = epoll_create1(EPOLL_CLOEXEC);
		if (t->ep < 0 || epoll_ctl(t->ep, EPOLL_CTL_ADD, s->lfd, &lev) < 0 ||
		    epoll_ctl(t->ep, EPOLL_CTL_ADD, s->stopfd, &sev) < 0) {
			snprintf(s->err, sizeof(s->err), "epoll: %s", strerror(errno));
			return -1;
		}
		err = pthread_create(&t->th, NULL, srv_thread_main, t);
		if (err) {
			snprintf(s->err, sizeof(s->err), "pthread_create: %s", strerror(err));
			return -1;
		}
		s->started++;
	}
	return 0;
}

/* Stop the server threads and sum up what they did. Safe after a failed start. */
static void server_stop(struct server *s, uint64_t *accepted, uint64_t *errors,
			struct failure *first)
{
	uint64_t one = 1;

	/* Cannot fail for an eventfd; if it did, their deadline still stops them. */
	if (s->stopfd >= 0 && write(s->stopfd, &one, sizeof(one)) < 0)
		fprintf(stderr, "connstorm: stopping the server: %s\n", strerror(errno));
	for (unsigned int i = 0; i < s->started; i++) {
		pthread_join(s->th[i].th, NULL);
		*accepted += s->th[i].accepted;
		*errors += s->th[i].errors;
		earliest_failure(first, &s->th[i].first);
	}
	if (s->lfd >= 0)
		close(s->lfd);
}

/* -------------------------------------------------------- forked server */

/* What the forked server tells its parent; one write each, below PIPE_BUF. */
struct srv_msg {
	int kind; /* MSG_READY, MSG_DONE, MSG_ERROR */
	unsigned int port;
	uint64_t accepted;
	uint64_t errors;
	char text[200];
};
enum { MSG_READY = 1, MSG_DONE, MSG_ERROR };

struct child {
	pid_t pid;
	int ctl; /* ours to close: the child stops when it sees EOF */
	int st;	 /* its reports */
};

static bool read_msg(int fd, struct srv_msg *m, int timeout_ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	ssize_t n;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return false;
	n = read(fd, m, sizeof(*m));
	return n == (ssize_t)sizeof(*m);
}

static void write_msg(int fd, const struct srv_msg *m)
{
	/* If the parent is gone there is no one left to tell. */
	if (write(fd, m, sizeof(*m)) < 0)
		return;
}

static void __attribute__((noreturn))
child_main(int ctl, int st, pid_t parent, uint64_t deadline_ns)
{
	struct server srv;
	struct srv_msg m = {0};
	struct failure first = {0};
	struct pollfd pfd = {.fd = ctl, .events = POLLIN};

	/* Never outlive the client, even if it is killed. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	if (server_start(&srv, deadline_ns) < 0) {
		m.kind = MSG_ERROR;
		snprintf(m.text, sizeof(m.text), "%s", srv.err);
		write_msg(st, &m);
		_exit(1);
	}
	m.kind = MSG_READY;
	m.port = srv.port;
	write_msg(st, &m);

	/* Serve until the parent closes the control pipe, or the deadline. */
	for (;;) {
		uint64_t now = now_ns();
		int ms;

		if (now >= deadline_ns)
			break;
		ms = (int)((deadline_ns - now) / NSEC_PER_MSEC) + 1;
		if (ms > 1000)
			ms = 1000;
		if (poll(&pfd, 1, ms) > 0)
			break;
	}
	m = (struct srv_msg){.kind = MSG_DONE, .port = srv.port};
	server_stop(&srv, &m.accepted, &m.errors, &first);
	if (first.what)
		format_failure(m.text, sizeof(m.text), &first);
	write_msg(st, &m);
	_exit(0);
}

static int child_start(struct child *c, uint64_t deadline_ns, unsigned int *port, char *err,
		       size_t errlen)
{
	int ctl[2], st[2];
	pid_t parent = getpid();
	struct srv_msg m = {0};

	if (pipe2(ctl, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (c->pid == 0) {
		close(ctl[1]);
		close(st[0]);
		/* The parent answers on the ready fd; a reader waiting for EOF must not wait on us.
		 */
		if (cfg.ready_fd > 2)
			close(cfg.ready_fd);
		child_main(ctl[0], st[1], parent, deadline_ns);
	}
	close(ctl[0]);
	close(st[1]);
	c->ctl = ctl[1];
	c->st = st[0];
	if (!read_msg(c->st, &m, 10000) || m.kind != MSG_READY) {
		snprintf(err, errlen, "forked server: %s",
			 m.kind == MSG_ERROR ? m.text : "did not start");
		return -1;
	}
	*port = m.port;
	return 0;
}

/* Ask the child to stop, collect its counts, and reap it, all within a bound. */
static void child_stop(struct child *c, uint64_t *accepted, uint64_t *errors, char *err,
		       size_t errlen)
{
	struct srv_msg m = {0};
	int status;

	if (c->pid <= 0)
		return;
	close(c->ctl);
	if (read_msg(c->st, &m, STOP_GRACE_S * 1000) && m.kind == MSG_DONE) {
		*accepted = m.accepted;
		*errors = m.errors;
		snprintf(err, errlen, "%s", m.text);
	} else {
		snprintf(err, errlen, "forked server did not report");
		*errors += 1;
	}
	for (int i = 0; i < STOP_GRACE_S * 100; i++) {
		if (waitpid(c->pid, &status, WNOHANG) != 0)
			return;
		usleep(10000);
	}
	kill(c->pid, SIGKILL); /* our own child, by pid */
	waitpid(c->pid, &status, 0);
}

/* ------------------------------------------------------------------ client */

enum cstate { C_CONNECTING, C_SEND, C_RECV, C_FINAL };

struct cconn {
	int fd;
	enum cstate state;
	uint64_t idx;
	uint64_t done;
};

struct client {
	pthread_t th;
	uint64_t completed;
	uint64_t failed;
	uint64_t t_last_ns; /* when its last connection ended */
	bool timed_out;
	struct failure first;
	char rxbuf[IO_CHUNK];
};

static atomic_uint_fast64_t next_idx;
static pthread_barrier_t start_barrier;
static uint64_t storm_deadline_ns;
static uint64_t storm_start_ns;

static int cfail(struct client *c, struct cconn *k, const char *what, int err)
{
	c->failed++;
	note_failure(&c->first, what, err, k->idx);
	close(k->fd);
	return STEP_FAIL;
}

/* Drive one client connection as far as it goes; edge-triggered like the server. */
static int client_progress(struct client *c, struct cconn *k, uint32_t events)
{
	uint64_t want = cfg.payload;
	ssize_t n;

	switch (k->state) {
	case C_CONNECTING:
		if (!events) {
			/*
			 * Right after connect(): over loopback the handshake
			 * has usually finished inside connect() already, so
			 * send the request now instead of a wakeup later; the
			 * server then finds it when it accepts. EAGAIN means
			 * still SYN_SENT: wait for the connect event.
			 */
			if (!want) {
				/* Nothing to send: only the server's FIN or RST matters. */
				if (cfg.mode != MODE_CLIENT_FIRST)
					k->state = C_FINAL;
				return STEP_WAIT;
			}
			n = send(k->fd, txbuf, want < IO_CHUNK ? want : IO_CHUNK, MSG_NOSIGNAL);
			if (n < 0)
				return errno == EAGAIN ? STEP_WAIT : cfail(c, k, "connect", errno);
			k->done = n;
			k->state = C_SEND;
			goto send;
		}
		if (events & EPOLLERR) {
			int err = 0;
			socklen_t len = sizeof(err);

			if (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
				err = errno;
			/*
			 * A reset (not a refusal) means the handshake completed
			 * and the server's RST came before we looked: in rst
			 * mode without payload that is the whole exchange.
			 */
			if (err == ECONNRESET && cfg.mode == MODE_RST && !want) {
				close(k->fd);
				return STEP_DONE;
			}
			return cfail(c, k, err == ECONNRESET ? "reset after connect" : "connect",
				     err ? err : EIO);
		}
		if (!(events & EPOLLOUT))
			return STEP_WAIT;
		k->state = C_SEND;
		/* fallthrough */
	case C_SEND:
	send:
		while (k->done < want) {
			size_t len = want - k->done < IO_CHUNK ? want - k->done : IO_CHUNK;

			n = send(k->fd, txbuf, len, MSG_NOSIGNAL);
			if (n > 0)
				k->done += n;
			else if (errno == EAGAIN)
				return STEP_WAIT;
			else if (n == 0 || errno != EINTR)
				return cfail(c, k, "send", n ? errno : EIO);
		}
		k->state = C_RECV;
		k->done = 0;
		/* fallthrough */
	case C_RECV:
		if (want && !(events & CONN_INPUT))
			return STEP_WAIT; /* see CONN_INPUT */
		while (k->done < want) {
			size_t len = want - k->done < IO_CHUNK ? want - k->done : IO_CHUNK;

			n = recv(k->fd, c->rxbuf, len, 0);
			if (n > 0)
				k->done += n;
			else if (n == 0)
				return cfail(c, k, "EOF before the whole echo", 0);
			else if (errno == EAGAIN)
				return STEP_WAIT;
			else if (errno != EINTR)
				return cfail(c, k, "recv echo", errno);
		}
		/*
		 * client-first: our FIN goes first. shutdown() rather than
		 * close() so we still see the server's FIN, which proves it
		 * accepted and closed; the TCP states are the same.
		 */
		if (cfg.mode == MODE_CLIENT_FIRST && shutdown(k->fd, SHUT_WR) < 0)
			return cfail(c, k, "shutdown", errno);
		k->state = C_FINAL;
		/* fallthrough */
	case C_FINAL:
		if (!(events & CONN_INPUT)) /* see CONN_INPUT */
			return STEP_WAIT;
		for (;;) {
			n = recv(k->fd, c->rxbuf, sizeof(c->rxbuf), 0);
			if (n == 0) {
				if (cfg.mode == MODE_RST)
					return cfail(c, k, "expected RST, got FIN", 0);
				close(k->fd);
				return STEP_DONE;
			}
			if (n > 0)
				return cfail(c, k, "unexpected data from the server", 0);
			if (errno == EAGAIN)
				return STEP_WAIT;
			if (errno == ECONNRESET && cfg.mode == MODE_RST) {
				close(k->fd);
				return STEP_DONE;
			}
			if (errno != EINTR)
				return cfail(c, k, errno == ECONNREFUSED ? "connect" : "recv",
					     errno);
		}
	}
	return STEP_WAIT;
}

/*
 * Open connection idx and take it as far as it goes at once: STEP_WAIT if it
 * is now in flight, STEP_FAIL (counted) or, in theory, STEP_DONE.
 */
static int client_open(struct client *c, int ep, struct cconn *k, uint32_t slot, uint64_t idx)
{
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLRDHUP | EPOLLET,
		.data.u32 = slot,
	};

	/*
	 * Writability matters only for sending, or for knowing we are connected
	 * before shutdown(); leaving it out spares an event per connection.
	 */
	if (cfg.payload || cfg.mode == MODE_CLIENT_FIRST)
		ev.events |= EPOLLOUT;
	k->idx = idx;
	k->state = C_CONNECTING;
	k->done = 0;
	k->fd = socket(cfg.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (k->fd < 0) {
		c->failed++;
		note_failure(&c->first, "socket", errno, idx);
		return STEP_FAIL;
	}
	if (cfg.unique_src) {
		struct sockaddr_in src = {
			.sin_family = AF_INET,
			.sin_addr.s_addr = htonl(src_addr(idx)),
		};
		int one = 1;

		/*
		 * Without IP_BIND_ADDRESS_NO_PORT, bind() would reserve a port
		 * for the address alone; with it the port is chosen at
		 * connect() time against the full 4-tuple.
		 */
		if (setsockopt(k->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one)) < 0)
			return cfail(c, k, "setsockopt(IP_BIND_ADDRESS_NO_PORT)", errno);
		assert_loopback((struct sockaddr *)&src);
		if (bind(k->fd, (struct sockaddr *)&src, sizeof(src)) < 0)
			return cfail(c, k, "bind", errno);
	}
	assert_loopback((struct sockaddr *)&cfg.dst);
	/*
	 * A non-blocking UNIX connect() never says EINPROGRESS: it is done at
	 * once, or EAGAIN when the listener's backlog is full. The window keeps
	 * far fewer connections pending than net.core.somaxconn allows.
	 */
	if (connect(k->fd, (struct sockaddr *)&cfg.dst, cfg.dstlen) < 0 && errno != EINPROGRESS)
		return cfail(c, k,
			     errno == EADDRNOTAVAIL ? "connect (source ports exhausted?)"
			     : errno == EAGAIN && cfg.family == AF_UNIX
				     ? "connect (listener backlog full)"
				     : "connect",
			     errno);
	if (epoll_ctl(ep, EPOLL_CTL_ADD, k->fd, &ev) < 0)
		return cfail(c, k, "epoll_ctl", errno);
	/* No event yet: events == 0 tells client_progress() to try its luck. */
	return client_progress(c, k, 0);
}

static void *client_main(void *arg)
{
	struct client *c = arg;
	struct cconn *slots = calloc(cfg.window, sizeof(*slots));
	uint32_t *freelist = calloc(cfg.window, sizeof(*freelist));
	struct epoll_event evs[EVENT_BATCH];
	unsigned int nfree = cfg.window, inflight = 0;
	bool exhausted = false, give_up = false;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	pthread_barrier_wait(&start_barrier);
	if (!slots || !freelist || ep < 0) {
		note_failure(&c->first, "client setup", errno ? errno : ENOMEM, UINT64_MAX);
		goto out;
	}
	for (unsigned int i = 0; i < cfg.window; i++)
		freelist[i] = cfg.window - 1 - i;

	for (;;) {
		uint64_t now;
		int n, timeout_ms, rate_wait_ms;

		/* Keep the window full; claim numbers one by one so no thread idles. */
		rate_wait_ms = -1;
		while (!exhausted && nfree) {
			uint64_t idx, due;
			uint32_t slot;

			/* --rate: connection i starts at i/rate s into the storm, whichever
			 * thread takes it, so the rate stays steady however they share.
			 * The number checked is the one claimed: another thread may
			 * take it in between, and its successor is not due yet. */
			if (cfg.rate) {
				idx = atomic_load(&next_idx);
				due = storm_start_ns + idx * NSEC_PER_SEC / cfg.rate;
				now = now_ns();
				if (due > now) {
					rate_wait_ms = (int)((due - now) / NSEC_PER_MSEC) + 1;
					break;
				}
				if (!atomic_compare_exchange_weak(&next_idx, &idx, idx + 1))
					continue;
			} else {
				idx = atomic_fetch_add(&next_idx, 1);
			}

			if (idx >= cfg.conns) {
				exhausted = true;
				break;
			}
			slot = freelist[--nfree];
			switch (client_open(c, ep, &slots[slot], slot, idx)) {
			case STEP_WAIT:
				inflight++;
				break;
			case STEP_DONE:
				c->completed++;
				/* fallthrough */
			default:
				freelist[nfree++] = slot;
				c->t_last_ns = now_ns();
			}
		}
		now = now_ns();
		if (!inflight && exhausted)
			break;
		if (now >= storm_deadline_ns) {
			c->timed_out = give_up = true;
			break;
		}
		if (!inflight && rate_wait_ms < 0)
			continue; /* every open failed at once; try the next ones */
		timeout_ms = (int)((storm_deadline_ns - now) / NSEC_PER_MSEC) + 1;
		if (timeout_ms > 1000)
			timeout_ms = 1000;
		if (rate_wait_ms >= 0 && rate_wait_ms < timeout_ms)
			timeout_ms = rate_wait_ms; /* no fds at all: epoll_wait just sleeps */
		n = epoll_wait(ep, evs, EVENT_BATCH, timeout_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			note_failure(&c->first, "epoll_wait", errno, UINT64_MAX);
			give_up = true;
			break;
		}
		for (int i = 0; i < n; i++) {
			uint32_t slot = evs[i].data.u32;
			int r = client_progress(c, &slots[slot], evs[i].events);

			if (r == STEP_WAIT)
				continue;
			if (r == STEP_DONE)
				c->completed++;
			c->t_last_ns = now_ns();
			inflight--;
			freelist[nfree++] = slot;
		}
	}
	if (give_up && inflight) {
		/* Out of time: whatever is still open failed; closing it is all we do. */
		bool busy[MAX_WINDOW] = {false};

		for (unsigned int i = 0; i < cfg.window; i++)
			busy[i] = true;
		for (unsigned int i = 0; i < nfree; i++)
			busy[freelist[i]] = false;
		for (unsigned int i = 0; i < cfg.window; i++) {
			if (busy[i])
				cfail(c, &slots[i], "timed out", 0);
		}
		c->t_last_ns = now_ns();
	}
out:
	if (ep >= 0)
		close(ep);
	free(slots);
	free(freelist);
	return NULL;
}

/* --------------------------------------------------------------- options */

static void __attribute__((noreturn)) usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("connstorm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see --help)\n", stderr);
	exit(2);
}

/* Decimal digits only: no sign, no spaces, no hex, no suffix, within range. */
static uint64_t parse_num(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	unsigned long long v;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		usage_error("%s: '%s' is not a decimal number", opt, s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		usage_error("%s: '%s' is not a decimal number", opt, s);
	if (errno == ERANGE || v < min || v > max)
		usage_error("%s: %s is out of range (%" PRIu64 "..%" PRIu64 ")", opt, s, min, max);
	return v;
}

static void usage(void)
{
	printf("Usage: connstorm [OPTION]...\n"
	       "Open N TCP connections over loopback (or N UNIX stream connections with -x),\n"
	       "as fast as possible, against a server of our own, and report how many\n"
	       "completed and the rate. Loopback only: 127.0.0.0/8 and ::1; any other\n"
	       "address is refused.\n"
	       "\n"
	       "  -n, --connections N    connections to make (default 10000, max %u)\n"
	       "  -t, --threads T        client threads (default 2, max %d)\n"
	       "  -w, --window W         connections in flight per client thread (default 64,\n"
	       "                         max %d); each uses non-blocking connect() and epoll\n"
	       "  -m, --mode MODE        who closes first (default server-first):\n"
	       "                           server-first  server closes after the request,\n"
	       "                                         client closes on EOF\n"
	       "                           client-first  client sends FIN (shutdown) after the\n"
	       "                                         echo, server closes on EOF, then the\n"
	       "                                         client closes\n"
	       "                           rst           server closes with SO_LINGER {1,0}:\n"
	       "                                         an RST instead of a FIN\n"
	       "      --payload BYTES    client sends BYTES, server reads them all and sends\n"
	       "                         BYTES back, client reads them all (default 0,\n"
	       "                         max %u)\n"
	       "  -p, --port PORT        server port (default 0: an ephemeral port)\n"
	       "  -6, --ipv6             use ::1 instead of 127.0.0.1\n"
	       "      --addr ADDR        server address: in 127.0.0.0/8, or ::1 with -6\n"
	       "      --fork-server      run the server in a forked child (its own pid)\n"
	       "      --server-threads S server threads sharing the listener (default 1: the\n"
	       "                         server's half of the work is the smaller one)\n"
	       "      --no-unique-src    do not bind a distinct source address per connection\n"
	       "  -x, --unix             UNIX stream sockets instead of TCP: the server listens\n"
	       "                         at DIR/connstorm.XXXXXX/storm.sock, in a directory\n"
	       "                         made for the run and removed at its end\n"
	       "      --unix-dir DIR     where that directory is made (default $TMPDIR, else\n"
	       "                         /tmp); implies --unix\n"
	       "      --abstract         listen at an abstract name, @connstorm.PID.N, instead\n"
	       "                         of a path; implies --unix\n"
	       "      --rate R           start R connections a second, evenly, instead of as\n"
	       "                         fast as the window allows (max %u; N/R must fit in\n"
	       "                         --timeout)\n"
	       "      --timeout SEC      give up after SEC seconds of storm, report, exit 1\n"
	       "                         (default 60, max %d)\n"
	       "      --start-file PATH  wait until PATH exists before the storm (at most\n"
	       "                         --timeout seconds), e.g. until a tracer is attached\n"
	       "      --pause-ms-before MS  sleep MS milliseconds before the storm\n"
	       "      --ready-fd FD      once the server listens, write \"ready PORT SERVER_PID\n"
	       "                         CLIENT_PID\\n\" to FD and close it\n"
	       "      --server-pid-file PATH  write the server's pid to PATH\n"
	       "      --json             also print one JSON object with the results on stdout\n"
	       "  -h, --help             show this help\n"
	       "\n"
	       "Source addresses: with IPv4, connection i (0-based) binds 127.X.Y.Z with\n"
	       "X = 1 + i / 65024, Y = (i / 254) %% 256, Z = 1 + i %% 254, port 0 (chosen at\n"
	       "connect time, IP_BIND_ADDRESS_NO_PORT): 127.1.0.1, 127.1.0.2, ..., 127.1.0.254,\n"
	       "127.1.1.1, ... Every 4-tuple is unique and a trace is complete when it holds N\n"
	       "distinct source addresses. With -6 unique source addresses are not available\n"
	       "(::1 is the only IPv6 loopback address): connections differ by source port\n"
	       "alone. Then, as with --no-unique-src, ports are reused, and client-first runs\n"
	       "(TIME_WAIT on the client side) may exhaust the ephemeral ports for large N.\n"
	       "Such connects fail with EADDRNOTAVAIL and are counted as failed, never retried.\n"
	       "\n"
	       "UNIX sockets: clients are unnamed and all connect to the one listener; -6,\n"
	       "--addr, --port, --no-unique-src and --mode rst (a UNIX socket has no reset) are\n"
	       "refused. --ready-fd then also gives the socket's name: \"ready 0 SERVER_PID\n"
	       "CLIENT_PID NAME\".\n"
	       "\n"
	       "Timing: from the storm's start (the client threads let go; --rate's connection\n"
	       "0) to the end of the last connection (the client has seen the server's FIN or\n"
	       "RST and closed). Summary on stderr; exit status 0 only if every connection\n"
	       "completed, 1 otherwise, 2 for bad arguments.\n"
	       "\n"
	       "Examples:\n"
	       "  connstorm -n 50000 -m client-first --json\n"
	       "  connstorm -n 50000 --fork-server -m rst --payload 1000\n"
	       "  unshare -n sh -c 'ip link set lo up; connstorm -6 -n 20000'\n"
	       "  connstorm -x -n 50000 --fork-server -m client-first --json\n"
	       "  connstorm --start-file /tmp/tracer-ready --server-pid-file /tmp/srv.pid\n",
	       MAX_CONNS, MAX_THREADS, MAX_WINDOW, MAX_PAYLOAD, MAX_RATE, MAX_TIMEOUT_S);
}

#define UNIX_DIR_TEMPLATE "/connstorm.XXXXXX"
#define UNIX_SOCK_NAME	  "/storm.sock"

/*
 * The UNIX destination. An abstract name is complete here; a path gets its
 * directory later (make_unix_dir), but its length is checked now so a bad
 * --unix-dir is a usage error like any other.
 */
static void unix_dest(void)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&cfg.dst;
	const char *parent = cfg.unix_parent, *what = "--unix-dir";
	size_t max = sizeof(un->sun_path) - 1 - strlen(UNIX_DIR_TEMPLATE UNIX_SOCK_NAME);

	memset(&cfg.dst, 0, sizeof(cfg.dst));
	un->sun_family = AF_UNIX;
	cfg.family = AF_UNIX;
	cfg.unique_src = false; /* clients stay unnamed */
	if (cfg.abstract) {
		/* Unique per run: the pid, and the clock for a pid that comes round again. */
		int n = snprintf(cfg.unix_name, sizeof(cfg.unix_name), "@connstorm.%d.%llu",
				 (int)getpid(), (unsigned long long)(now_ns() % NSEC_PER_SEC));

		/* sun_path[0] stays NUL: that makes the name abstract; "@" is how it is shown */
		memcpy(un->sun_path + 1, cfg.unix_name + 1, n - 1);
		cfg.dstlen = offsetof(struct sockaddr_un, sun_path) + n;
		return;
	}
	if (!parent) {
		parent = getenv("TMPDIR");
		what = "TMPDIR";
		if (!parent || !*parent)
			parent = "/tmp";
	}
	if (strlen(parent) > max)
		usage_error("%s: '%s' is too long for a UNIX socket path (at most %zu bytes)", what,
			    parent, max);
	snprintf(cfg.unix_dir, sizeof(cfg.unix_dir), "%s" UNIX_DIR_TEMPLATE, parent);
}

static void parse_args(int argc, char **argv)
{
	enum {
		OPT_PAYLOAD = 256,
		OPT_ADDR,
		OPT_FORK,
		OPT_SRV_THREADS,
		OPT_NO_UNIQUE,
		OPT_TIMEOUT,
		OPT_RATE,
		OPT_START_FILE,
		OPT_PAUSE,
		OPT_READY_FD,
		OPT_PID_FILE,
		OPT_JSON,
		OPT_UNIX_DIR,
		OPT_ABSTRACT,
	};
	static const struct option opts[] = {
		{"connections", required_argument, NULL, 'n'},
		{"threads", required_argument, NULL, 't'},
		{"window", required_argument, NULL, 'w'},
		{"mode", required_argument, NULL, 'm'},
		{"port", required_argument, NULL, 'p'},
		{"ipv6", no_argument, NULL, '6'},
		{"help", no_argument, NULL, 'h'},
		{"payload", required_argument, NULL, OPT_PAYLOAD},
		{"addr", required_argument, NULL, OPT_ADDR},
		{"fork-server", no_argument, NULL, OPT_FORK},
		{"server-threads", required_argument, NULL, OPT_SRV_THREADS},
		{"no-unique-src", no_argument, NULL, OPT_NO_UNIQUE},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"rate", required_argument, NULL, OPT_RATE},
		{"start-file", required_argument, NULL, OPT_START_FILE},
		{"pause-ms-before", required_argument, NULL, OPT_PAUSE},
		{"ready-fd", required_argument, NULL, OPT_READY_FD},
		{"server-pid-file", required_argument, NULL, OPT_PID_FILE},
		{"json", no_argument, NULL, OPT_JSON},
		{"unix", no_argument, NULL, 'x'},
		{"unix-dir", required_argument, NULL, OPT_UNIX_DIR},
		{"abstract", no_argument, NULL, OPT_ABSTRACT},
		{NULL, 0, NULL, 0},
	};
	const char *tcp_only = NULL; /* the first option given that UNIX sockets refuse */
	bool unix_mode = false;
	int c;

	opterr = 0; /* our own one-line messages */
	while ((c = getopt_long(argc, argv, ":n:t:w:m:p:6xh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			cfg.conns = parse_num("--connections", optarg, 1, MAX_CONNS);
			break;
		case 't':
			cfg.threads = parse_num("--threads", optarg, 1, MAX_THREADS);
			break;
		case 'w':
			cfg.window = parse_num("--window", optarg, 1, MAX_WINDOW);
			break;
		case 'm':
			for (c = 0; c < 3 && strcmp(optarg, mode_names[c]); c++)
				;
			if (c == 3)
				usage_error("--mode: '%s' is not server-first, client-first or rst",
					    optarg);
			cfg.mode = c;
			break;
		case 'p':
			cfg.port = parse_num("--port", optarg, 0, 65535);
			tcp_only = tcp_only ? tcp_only : "--port";
			break;
		case '6':
			cfg.family = AF_INET6;
			tcp_only = tcp_only ? tcp_only : "-6";
			break;
		case 'x':
			unix_mode = true;
			break;
		case OPT_UNIX_DIR:
			cfg.unix_parent = optarg;
			unix_mode = true;
			break;
		case OPT_ABSTRACT:
			cfg.abstract = true;
			unix_mode = true;
			break;
		case 'h':
			usage();
			exit(0);
		case OPT_PAYLOAD:
			cfg.payload = parse_num("--payload", optarg, 0, MAX_PAYLOAD);
			break;
		case OPT_ADDR:
			cfg.addr_str = optarg;
			tcp_only = tcp_only ? tcp_only : "--addr";
			break;
		case OPT_FORK:
			cfg.fork_server = true;
			break;
		case OPT_SRV_THREADS:
			cfg.server_threads = parse_num("--server-threads", optarg, 1, MAX_THREADS);
			break;
		case OPT_NO_UNIQUE:
			cfg.unique_src = false;
			tcp_only = tcp_only ? tcp_only : "--no-unique-src";
			break;
		case OPT_RATE:
			cfg.rate = parse_num("--rate", optarg, 1, MAX_RATE);
			break;
		case OPT_TIMEOUT:
			cfg.timeout_s = parse_num("--timeout", optarg, 1, MAX_TIMEOUT_S);
			break;
		case OPT_START_FILE:
			cfg.start_file = optarg;
			break;
		case OPT_PAUSE:
			cfg.pause_ms = parse_num("--pause-ms-before", optarg, 0, MAX_PAUSE_MS);
			break;
		case OPT_READY_FD:
			cfg.ready_fd = parse_num("--ready-fd", optarg, 0, INT32_MAX);
			if (fcntl(cfg.ready_fd, F_GETFD) < 0)
				usage_error("--ready-fd: %d is not an open file descriptor",
					    cfg.ready_fd);
			break;
		case OPT_PID_FILE:
			cfg.server_pid_file = optarg;
			break;
		case OPT_JSON:
			cfg.json = true;
			break;
		case ':':
			usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (cfg.rate && (cfg.conns + cfg.rate - 1) / cfg.rate >= cfg.timeout_s)
		usage_error("--rate %u: %" PRIu64 " connections take %" PRIu64
			    " s, not less than --timeout %u",
			    cfg.rate, cfg.conns, (cfg.conns + cfg.rate - 1) / cfg.rate,
			    cfg.timeout_s);
	if (!cfg.server_threads)
		cfg.server_threads = 1;
	if ((cfg.start_file && !*cfg.start_file) ||
	    (cfg.server_pid_file && !*cfg.server_pid_file) ||
	    (cfg.unix_parent && !*cfg.unix_parent))
		usage_error("empty file name");
	if (unix_mode) {
		if (tcp_only)
			usage_error("%s does not apply to UNIX sockets (--unix)", tcp_only);
		if (cfg.mode == MODE_RST)
			usage_error("--mode rst: a UNIX socket has no reset (use server-first or "
				    "client-first with --unix)");
		if (cfg.abstract && cfg.unix_parent)
			usage_error(
				"--abstract and --unix-dir exclude each other: an abstract name "
				"has no directory");
		unix_dest();
		return;
	}

	/* The destination, which must be loopback: this is the hard rule. */
	memset(&cfg.dst, 0, sizeof(cfg.dst));
	if (cfg.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&cfg.dst;

		if (!cfg.addr_str)
			cfg.addr_str = "127.0.0.1";
		sin->sin_family = AF_INET;
		if (inet_pton(AF_INET, cfg.addr_str, &sin->sin_addr) != 1)
			usage_error("--addr: '%s' is not an IPv4 address (IPv6 needs -6)",
				    cfg.addr_str);
		cfg.dstlen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&cfg.dst;

		if (!cfg.addr_str)
			cfg.addr_str = "::1";
		sin6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, cfg.addr_str, &sin6->sin6_addr) != 1)
			usage_error("--addr: '%s' is not an IPv6 address", cfg.addr_str);
		cfg.dstlen = sizeof(*sin6);
		cfg.unique_src = false; /* ::1 is the only IPv6 loopback address */
	}
	if (!is_loopback((struct sockaddr *)&cfg.dst))
		usage_error("--addr: %s is not a loopback address (only 127.0.0.0/8 and ::1)",
			    cfg.addr_str);
}

/* ------------------------------------------------------------------ main */

static int write_pid_file(const char *path, pid_t pid)
{
	char tmp[4096];
	FILE *f;

	/* Write aside and rename, so a reader polling for it never sees half a pid. */
	if (snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) >= (int)sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%d\n", (int)pid);
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool wait_for_file(const char *path, unsigned int timeout_s)
{
	uint64_t deadline = now_ns() + timeout_s * NSEC_PER_SEC;

	while (access(path, F_OK) < 0) {
		if (now_ns() >= deadline)
			return false;
		sleep_ms(10);
	}
	return true;
}

/*
 * s as in a JSON string, without the quotes: quote, backslash and control
 * characters escaped. Cut short (at a whole character) if out is too small.
 */
static const char *escape(char *out, size_t len, const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char ch = *s;
		char one[8];
		int k;

		if (ch == '"' || ch == '\\')
			k = snprintf(one, sizeof(one), "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			k = snprintf(one, sizeof(one), "\\u%04x", ch);
		else
			k = snprintf(one, sizeof(one), "%c", ch);
		if (n + k >= len)
			break;
		memcpy(out + n, one, k);
		n += k;
	}
	out[n] = '\0';
	return out;
}

static void json_string(const char *s)
{
	char buf[2048];

	printf("\"%s\"", escape(buf, sizeof(buf), s));
}

/* ------------------------------------------------------- UNIX socket path */

static pid_t unix_owner; /* the process that made the directory and removes it */

/*
 * Async-signal-safe: also run from the signal handler. A forked server binds
 * the socket once, and may do it between the unlink and the rmdir here (a
 * signal while it starts): the second round removes what it made.
 */
static void unix_remove(void)
{
	int i;

	if (!unix_owner || getpid() != unix_owner)
		return;
	for (i = 0; i < 3; i++) {
		unlink(cfg.unix_name);
		if (rmdir(cfg.unix_dir) == 0 || errno != ENOTEMPTY)
			return;
	}
}

static void on_fatal_signal(int sig)
{
	unix_remove();
	raise(sig); /* SA_RESETHAND: the default action now */
}

/* Our own directory for the socket, removed on exit and on SIGINT/TERM/HUP. */
static int make_unix_dir(void)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&cfg.dst;
	struct sigaction sa = {.sa_handler = on_fatal_signal, .sa_flags = SA_RESETHAND};
	sigset_t fatal, was;
	int len;

	if (cfg.family != AF_UNIX || cfg.abstract)
		return 0;
	/* a signal between mkdtemp() and the handlers would leave the
	 * directory behind: it waits until they are in place */
	sigemptyset(&fatal);
	sigaddset(&fatal, SIGINT);
	sigaddset(&fatal, SIGTERM);
	sigaddset(&fatal, SIGHUP);
	sigprocmask(SIG_BLOCK, &fatal, &was);
	if (!mkdtemp(cfg.unix_dir)) {
		int err = errno;

		sigprocmask(SIG_SETMASK, &was, NULL);
		*strrchr(cfg.unix_dir, '/') = '\0'; /* the template ends in UNIX_DIR_TEMPLATE */
		fprintf(stderr, "connstorm: cannot make a directory in %s: %s\n", cfg.unix_dir,
			strerror(err));
		return -1;
	}
	unix_owner = getpid();
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigprocmask(SIG_SETMASK, &was, NULL);
	/* unix_dest() checked that it fits; a bug if it does not */
	len = snprintf(cfg.unix_name, sizeof(cfg.unix_name), "%s" UNIX_SOCK_NAME, cfg.unix_dir);
	if (len < 0 || (size_t)len >= sizeof(un->sun_path)) {
		fprintf(stderr, "connstorm: internal error: socket path too long\n");
		abort();
	}
	memcpy(un->sun_path, cfg.unix_name, len + 1);
	cfg.dstlen = sizeof(*un);
	return 0;
}

static void raise_nofile(void)
{
	struct rlimit rl;

	/* The window and server bound the fds we need; this only lifts a low soft limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct client *clients;
	struct server srv = {.lfd = -1, .stopfd = -1};
	struct child child = {.pid = -1};
	struct failure first = {0}, srv_first = {0};
	uint64_t completed = 0, failed = 0, accepted = 0, srv_errors = 0;
	uint64_t t_last = 0, srv_deadline;
	bool timed_out = false;
	pid_t server_pid = 0, client_pid = getpid();
	unsigned int port = 0;
	char err[256] = "", srv_err[256] = "", first_str[320] = "";
	char name[sizeof(cfg.unix_name) * 6], endpoint[sizeof(name) + 8];
	const char *family;
	double secs, rate;
	int status = 1;

	parse_args(argc, argv);
	if (make_unix_dir() < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	memset(txbuf, 'x', sizeof(txbuf));

	/* The server lives through the start wait, the pause and the storm, then a grace. */
	srv_deadline = now_ns() +
		       ((cfg.start_file ? cfg.timeout_s : 0) + cfg.timeout_s + STOP_GRACE_S) *
			       NSEC_PER_SEC +
		       cfg.pause_ms * NSEC_PER_MSEC;

	/* Fork before any thread exists. */
	if (cfg.fork_server) {
		if (child_start(&child, srv_deadline, &port, err, sizeof(err)) < 0) {
			fprintf(stderr, "connstorm: %s\n", err);
			goto stop;
		}
		server_pid = child.pid;
	} else {
		if (server_start(&srv, srv_deadline) < 0) {
			fprintf(stderr, "connstorm: server: %s\n", srv.err);
			goto stop;
		}
		port = srv.port;
		server_pid = client_pid;
	}
	set_port(&cfg.dst, port);

	if (cfg.server_pid_file && write_pid_file(cfg.server_pid_file, server_pid) < 0) {
		fprintf(stderr, "connstorm: --server-pid-file %s: %s\n", cfg.server_pid_file,
			strerror(errno));
		goto stop;
	}
	if (cfg.ready_fd >= 0) {
		char name[sizeof(cfg.unix_name) * 6];

		dprintf(cfg.ready_fd, "ready %u %d %d%s%s\n", port, (int)server_pid,
			(int)client_pid, cfg.family == AF_UNIX ? " " : "",
			cfg.family == AF_UNIX ? escape(name, sizeof(name), cfg.unix_name) : "");
		if (cfg.ready_fd > 2) /* closing stdout would lose the --json line */
			close(cfg.ready_fd);
	}
	if (cfg.start_file && !wait_for_file(cfg.start_file, cfg.timeout_s)) {
		fprintf(stderr, "connstorm: --start-file %s did not appear within %u s\n",
			cfg.start_file, cfg.timeout_s);
		goto stop;
	}
	if (cfg.pause_ms)
		sleep_ms(cfg.pause_ms);

	clients = calloc(cfg.threads, sizeof(*clients));
	if (!clients || pthread_barrier_init(&start_barrier, NULL, cfg.threads + 1)) {
		fprintf(stderr, "connstorm: out of memory\n");
		goto stop;
	}
	for (unsigned int i = 0; i < cfg.threads; i++) {
		int e = pthread_create(&clients[i].th, NULL, client_main, &clients[i]);

		if (e) {
			/* The barrier counts on every thread: nothing sane is left to do. */
			fprintf(stderr, "connstorm: pthread_create: %s\n", strerror(e));
			unix_remove();
			exit(1);
		}
	}
	storm_start_ns = now_ns();
	storm_deadline_ns = storm_start_ns + cfg.timeout_s * NSEC_PER_SEC;
	pthread_barrier_wait(&start_barrier);
	for (unsigned int i = 0; i < cfg.threads; i++) {
		struct client *c = &clients[i];

		pthread_join(c->th, NULL);
		completed += c->completed;
		failed += c->failed;
		timed_out |= c->timed_out;
		if (c->t_last_ns > t_last)
			t_last = c->t_last_ns;
		earliest_failure(&first, &c->first);
	}
	/* Numbers no thread got to before the deadline failed too. */
	if (completed + failed < cfg.conns) {
		failed = cfg.conns - completed;
		if (!first.what)
			note_failure(&first, "timed out", 0, UINT64_MAX);
	}
	status = completed == cfg.conns ? 0 : 1;

stop:
	if (cfg.fork_server) {
		child_stop(&child, &accepted, &srv_errors, srv_err, sizeof(srv_err));
	} else {
		server_stop(&srv, &accepted, &srv_errors, &srv_first);
		if (srv_first.what)
			format_failure(srv_err, sizeof(srv_err), &srv_first);
	}
	unix_remove(); /* the server is gone: nothing listens there any more */
	if (status == 1 && !completed && !failed)
		return 1; /* setup failed; already said why */

	/*
	 * From the storm's start, which --rate's schedule counts from, not from
	 * the first connect(): a thread woken late started connection 0 late,
	 * and 400 connections at --rate 1000 then seemed to take 0.397 s.
	 */
	secs = t_last > storm_start_ns ? (double)(t_last - storm_start_ns) / 1e9 : 0.0;
	rate = secs > 0 ? completed / secs : 0.0;
	if (first.what)
		format_failure(first_str, sizeof(first_str), &first);

	family = cfg.family == AF_INET ? "ipv4" : cfg.family == AF_INET6 ? "ipv6" : "unix";
	escape(name, sizeof(name), cfg.unix_name);
	if (cfg.family == AF_UNIX)
		snprintf(endpoint, sizeof(endpoint), "path %s", name);
	else
		snprintf(endpoint, sizeof(endpoint), "port %u", port);
	fprintf(stderr,
		"connstorm: %s%" PRIu64 "/%" PRIu64 " completed, %" PRIu64 " failed in %.3f s: "
		"%.0f conn/s (%s, %s%s, %u client threads x %u in flight, %u server thread%s%s, "
		"payload %" PRIu64 ", %s, client pid %d, server pid %d, accepted %" PRIu64 ")",
		timed_out ? "TIMED OUT: " : "", completed, cfg.conns, failed, secs, rate,
		mode_names[cfg.mode], family, cfg.unique_src ? " unique-src" : "", cfg.threads,
		cfg.window, cfg.server_threads, cfg.server_threads == 1 ? "" : "s",
		cfg.fork_server ? " forked" : "", cfg.payload, endpoint, (int)client_pid,
		(int)server_pid, accepted);
	if (first.what)
		fprintf(stderr, "; first error: %s", first_str);
	if (srv_errors)
		fprintf(stderr, "; %" PRIu64 " server errors, first: %s", srv_errors, srv_err);
	fputc('\n', stderr);

	if (cfg.json) {
		printf("{\"connections\": %" PRIu64 ", \"completed\": %" PRIu64
		       ", \"failed\": %" PRIu64 ", \"seconds\": %.6f, \"rate\": %.1f, "
		       "\"mode\": \"%s\", \"family\": \"%s\", \"threads\": %u, \"client_pid\": %d, "
		       "\"server_pid\": %d, \"port\": %u, \"path\": %s%s%s, \"payload\": %" PRIu64
		       ", \"unique_src\": %s, \"window\": %u, \"server_threads\": %u, "
		       "\"fork_server\": %s, \"rate_limit\": %u, \"accepted\": %" PRIu64
		       ", \"server_errors\": %" PRIu64 ", \"timed_out\": %s, \"first_error\": ",
		       cfg.conns, completed, failed, secs, rate, mode_names[cfg.mode], family,
		       cfg.threads, (int)client_pid, (int)server_pid, port,
		       cfg.family == AF_UNIX ? "\"" : "", cfg.family == AF_UNIX ? name : "null",
		       cfg.family == AF_UNIX ? "\"" : "", cfg.payload,
		       cfg.unique_src ? "true" : "false", cfg.window, cfg.server_threads,
		       cfg.fork_server ? "true" : "false", cfg.rate, accepted, srv_errors,
		       timed_out ? "true" : "false");
		if (first.what)
			json_string(first_str);
		else
			fputs("null", stdout);
		puts("}");
		fflush(stdout);
	}
	return status;
}
