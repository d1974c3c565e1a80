// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "loader.h"
#include "proc_fds.h"
#include "rec_queue.h"
#include "snapshot.skel.h"
#include "sock_diag.h"
#include "socktrace_abi.h"
#include "unix_diag.h"
#include "warn.h"

/* an iterator's output is read this much at a time (bpf_seq_read() fills at
 * most its seq_file's buffer, eight pages, per read) */
#define ITER_READ (256u << 10)

static volatile sig_atomic_t *stop_flag;

void snapshot_set_stop_flag(volatile sig_atomic_t *flag)
{
	stop_flag = flag;
}

static int stopping(void)
{
	return stop_flag && *stop_flag;
}

/* A socket the socket pass met: what a /proc fd scan's record of it carries. */
struct ino_ref {
	uint64_t ino, sk, cookie;
	bool ask_flags; /* sharing flags sock_diag could not tell, and that matter */
};

struct snapshot {
	struct snapshot_bpf *skel;
	struct bpf_link *tcp, *udp, *files, *unx; /* NULL where the fallback serves */
	char why[200]; /* why the socket iterators are not used, where they are not */
	unsigned int hz;
	bool listeners_only; /* snapshot_cfg's */
	char *buf;	     /* ITER_READ bytes: an iterator's output, read a piece at a time */
	uint32_t diag_seq;
	bool udp_diag_warned, unix_diag_warned;
	/* the caller's sink while a read runs */
	record_fn fn;
	void *ctx;
	/* while a reader thread reads: where it puts the records, and what it reads */
	struct rec_queue *queue;
	unsigned int what;
	/* for the /proc fd scan: the sockets of this read, sorted by inode */
	struct ino_ref *refs;
	size_t nrefs, refcap;
};

static void iters_close(struct snapshot *s)
{
	bpf_link__destroy(s->tcp);
	bpf_link__destroy(s->udp);
	bpf_link__destroy(s->files);
	bpf_link__destroy(s->unx);
	snapshot_bpf__destroy(s->skel);
	s->tcp = s->udp = s->files = s->unx = NULL;
	s->skel = NULL;
}

/* Load the iterators, with iter/unix (5.17+) or without it. */
static int iters_load(struct snapshot *s, bool unx)
{
	int err;

	load_failure_reset();
	s->skel = snapshot_bpf__open_opts(loader_open_opts());
	if (!s->skel)
		return -errno;
	bpf_program__set_autoload(s->skel->progs.dump_unix, unx);
	s->skel->rodata->listeners_only = s->listeners_only;
	err = snapshot_bpf__load(s->skel);
	if (err) {
		snapshot_bpf__destroy(s->skel);
		s->skel = NULL;
	}
	return err;
}

/*
 * Load and attach the iterators, all or none but iter/unix, whose stand-in
 * (UNIX_DIAG) misses only reference counts. sock_diag cannot tell a socket's
 * SO_REUSEADDR and SO_REUSEPORT; only the /proc fd scan asks the socket
 * itself (pidfd_getfd), so sockets from sock_diag want holders from /proc.
 * 5.10 has every TCP/UDP iterator, but its socket iterators cannot load
 * (tracing programs may ask for a cookie from 5.12): there both fall back.
 */
static int iters_open(struct snapshot *s)
{
	int err = iters_load(s, true);

	if (err)
		err = iters_load(s, false);
	if (err) {
		snprintf(s->why, sizeof(s->why), "iterators: load: %s%s%.150s", strerror(-err),
			 load_failure_reason()[0] ? "; " : "", load_failure_reason());
		return err;
	}
	s->tcp = bpf_program__attach_iter(s->skel->progs.dump_tcp, NULL);
	s->udp = bpf_program__attach_iter(s->skel->progs.dump_udp, NULL);
	if (bpf_program__autoload(s->skel->progs.dump_unix))
		s->unx = bpf_program__attach_iter(s->skel->progs.dump_unix, NULL);
	s->files = bpf_program__attach_iter(s->skel->progs.dump_files, NULL);
	if (!s->tcp || !s->udp || !s->files) {
		err = -errno;
		snprintf(s->why, sizeof(s->why), "iterators: attach: %s", strerror(-err));
		iters_close(s);
		return err;
	}
	return 0;
}

int snapshot_open(struct snapshot **out, const struct snapshot_cfg *cfg)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->hz = cfg->hz ? cfg->hz : 250;
	s->listeners_only = cfg->listeners_only;
	s->buf = malloc(ITER_READ);
	if (!s->buf) {
		free(s);
		return -ENOMEM;
	}
	if (cfg->seed != SEED_NETLINK) {
		err = iters_open(s);
		if (err && cfg->seed == SEED_ITER) {
			warnf("--seed iter: cannot use the BPF iterators (%s)", s->why);
			snapshot_close(s);
			return err;
		}
	}
	*out = s;
	return 0;
}

struct snapshot_opener {
	pthread_t thread;
	struct snapshot_cfg cfg;
	struct snapshot *snap;
	int err;
};

static void *opener_main(void *arg)
{
	struct snapshot_opener *op = arg;

	op->err = snapshot_open(&op->snap, &op->cfg);
	return NULL;
}

/* A thread that takes no signals: they are the main thread's to handle. */
static int start_quiet_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

struct snapshot_opener *snapshot_open_begin(const struct snapshot_cfg *cfg)
{
	struct snapshot_opener *op = calloc(1, sizeof(*op));

	if (!op)
		return NULL;
	op->cfg = *cfg;
	if (start_quiet_thread(&op->thread, opener_main, op)) {
		free(op);
		return NULL;
	}
	return op;
}

int snapshot_open_end(struct snapshot_opener *op, struct snapshot **out)
{
	int err;

	pthread_join(op->thread, NULL);
	err = op->err;
	if (!err)
		*out = op->snap;
	free(op);
	return err;
}

const char *snapshot_socket_source(const struct snapshot *s)
{
	return s->tcp ? "iter" : "sock_diag";
}

const char *snapshot_fallback(const struct snapshot *s)
{
	return s->why[0] ? s->why : NULL;
}

const char *snapshot_unix_source(const struct snapshot *s)
{
	return s->unx ? "iter" : "sock_diag";
}

const char *snapshot_holder_source(const struct snapshot *s)
{
	return s->files ? "iter" : "procfs";
}

void snapshot_close(struct snapshot *s)
{
	if (!s)
		return;
	iters_close(s);
	free(s->buf);
	free(s->refs);
	free(s);
}

/* Every socket record passes here: the /proc scan needs to know them. */
static int sock_sink(void *ctx, void *data, size_t len)
{
	struct snapshot *s = ctx;
	const struct st_sock_rec *r = data;
	const struct st_unix_rec *u = data;
	struct ino_ref ref;

	if (s->files || len < sizeof(struct st_hdr))
		return s->fn(s->ctx, data, len);
	if (len >= sizeof(*r) && r->hdr.type == ST_REC_SOCK && r->ino)
		/* SO_REUSE* decide who may share a listener's or a UDP socket's port */
		ref = (struct ino_ref){
			r->ino, r->sk, r->cookie,
			(r->rec_flags & ST_SOCK_REUSE_UNKNOWN) &&
				(r->state == ST_TCP_LISTEN || r->t.protocol == IPPROTO_UDP)};
	else if (len >= sizeof(*u) && u->hdr.type == ST_REC_UNIX && u->ino)
		ref = (struct ino_ref){u->ino, u->sk, 0, false};
	else
		return s->fn(s->ctx, data, len);
	if (s->nrefs == s->refcap) {
		size_t ncap = s->refcap ? s->refcap * 2 : 1024;
		struct ino_ref *nr = realloc(s->refs, ncap * sizeof(*nr));

		if (!nr)
			return s->fn(s->ctx, data, len); /* its holders go unnamed */
		s->refs = nr;
		s->refcap = ncap;
	}
	s->refs[s->nrefs++] = ref;
	return s->fn(s->ctx, data, len);
}

/*
 * A record read: to the reader thread's queue, or, without a reader thread,
 * on to the caller at once. 0, or -ECANCELED once the caller stopped reading.
 */
static int deliver(void *ctx, void *data, size_t len)
{
	struct snapshot *s = ctx;

	if (s->queue)
		return rec_queue_put(s->queue, data, len);
	sock_sink(s, data, len);
	return 0;
}

/*
 * Read one iterator to the end, handing on each record as soon as it is
 * whole (a read may end inside one). Records delivered, or -errno.
 */
static int drain_iter(struct snapshot *s, struct bpf_link *link)
{
	int fd = bpf_iter_create(bpf_link__fd(link)), n = 0, err = 0;
	size_t len = 0, off;
	ssize_t got;

	if (fd < 0)
		return -errno;
	while (!stopping()) {
		got = read(fd, s->buf + len, ITER_READ - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = -errno;
			break;
		}
		if (got == 0)
			break;
		len += (size_t)got;
		for (off = 0; off + sizeof(struct st_hdr) <= len;) {
			const struct st_hdr *h = (const void *)(s->buf + off);

			if (h->size < sizeof(*h))
				goto out; /* not a record: nothing after it can be read */
			if (h->size > len - off)
				break;
			err = deliver(s, s->buf + off, h->size);
			if (err)
				goto out;
			off += h->size;
			n++;
		}
		memmove(s->buf, s->buf + off, len - off);
		len -= off;
		if (len == ITER_READ) {
			err = -E2BIG; /* one record bigger than the buffer: no record is */
			break;
		}
	}
out:
	close(fd);
	return err ? err : n;
}

static int diag_read(struct snapshot *s, uint32_t netns, uint16_t protocol)
{
	struct diag_dump d = {.netns = netns,
			      .protocol = protocol,
			      .states = s->listeners_only ? 1u << ST_TCP_LISTEN : 0,
			      .hz = s->hz,
			      .seq = s->diag_seq,
			      .fn = deliver,
			      .ctx = s};
	int r = sock_diag_read(&d);

	s->diag_seq = d.seq;
	return r;
}

static int unix_read(struct snapshot *s, uint32_t netns)
{
	struct diag_dump d = {.netns = netns, .seq = s->diag_seq, .fn = deliver, .ctx = s};
	int r = unix_diag_read(&d);

	s->diag_seq = d.seq;
	return r;
}

/* The sockets of the namespace this thread is in (inode netns). */
static int read_here(struct snapshot *s, unsigned int what, uint32_t netns)
{
	int n = 0, r;

	if (what & SNAP_TCP) {
		r = s->tcp ? drain_iter(s, s->tcp) : diag_read(s, netns, IPPROTO_TCP);
		if (r < 0)
			return r;
		n += r;
	}
	if (what & SNAP_UDP) {
		r = s->udp ? drain_iter(s, s->udp) : diag_read(s, netns, IPPROTO_UDP);
		if (r < 0 && !s->udp && !s->udp_diag_warned) {
			/* udp_diag is a module of its own: TCP still counts */
			warnf_errno(r, "no UDP sockets from sock_diag");
			s->udp_diag_warned = true;
		}
		if (r < 0 && s->udp)
			return r;
		if (r > 0)
			n += r;
	}
	if (what & SNAP_UNIX) {
		r = s->unx ? drain_iter(s, s->unx) : unix_read(s, netns);
		if (r < 0 && !s->unx && !s->unix_diag_warned) {
			/* unix_diag is a module of its own too */
			warnf_errno(r, "no UNIX sockets from sock_diag");
			s->unix_diag_warned = true;
		}
		if (r < 0 && s->unx)
			return r;
		if (r > 0)
			n += r;
	}
	return n;
}

struct ns_list {
	ino_t *inos;
	size_t n, cap;
};

static int ns_seen(struct ns_list *l, ino_t ino)
{
	size_t i;
	ino_t *ni;

	for (i = 0; i < l->n; i++)
		if (l->inos[i] == ino)
			return 1;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		ni = realloc(l->inos, l->cap * sizeof(*ni));
		if (!ni)
			return 1; /* cannot remember: skip rather than visit twice */
		l->inos = ni;
	}
	l->inos[l->n++] = ino;
	return 0;
}

/* iter/tcp, iter/udp and sock_diag see the namespace of whoever asks:
 * enter each one, read, come back. */
static int visit_ns(struct snapshot *s, const char *path, struct ns_list *seen, unsigned int what,
		    bool *switched)
{
	struct stat st;
	int fd;

	if (stat(path, &st) || ns_seen(seen, st.st_ino))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	close(fd);
	*switched = true;
	return read_here(s, what, (uint32_t)st.st_ino);
}

static int read_namespaces(struct snapshot *s, unsigned int what)
{
	struct ns_list seen = {0};
	struct stat st;
	char path[64];
	struct dirent *d;
	bool switched = false;
	DIR *dir;
	int self, n = 0, r;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0 || fstat(self, &st)) {
		if (self >= 0)
			close(self);
		return read_here(s, what, 0);
	}
	ns_seen(&seen, st.st_ino);
	r = read_here(s, what, (uint32_t)st.st_ino);
	if (r < 0)
		goto out;
	n += r;

	dir = opendir("/proc");
	while (dir && !stopping() && (d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/ns/net", d->d_name);
		r = visit_ns(s, path, &seen, what, &switched);
		if (r > 0)
			n += r;
	}
	if (dir)
		closedir(dir);
	dir = opendir("/run/netns");
	while (dir && !stopping() && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%.40s", d->d_name);
		r = visit_ns(s, path, &seen, what, &switched);
		if (r > 0)
			n += r;
	}
	if (dir)
		closedir(dir);
	r = n;
out:
	/* setns() needs CAP_SYS_ADMIN even to come home: only if we left */
	if (switched && setns(self, CLONE_NEWNET))
		r = -errno;
	close(self);
	free(seen.inos);
	return r;
}

static int cmp_ref(const void *a, const void *b)
{
	const struct ino_ref *x = a, *y = b;

	return (x->ino > y->ino) - (x->ino < y->ino);
}

static bool want_ino(void *ctx, uint64_t ino, struct proc_fds_sock *out)
{
	struct snapshot *s = ctx;
	const struct ino_ref key = {.ino = ino};
	struct ino_ref *r =
		s->nrefs ? bsearch(&key, s->refs, s->nrefs, sizeof(key), cmp_ref) : NULL;

	if (!r)
		return false;
	out->sk = r->sk;
	out->cookie = r->cookie;
	out->ask_flags = r->ask_flags;
	r->ask_flags = false; /* one holder's answer is the socket's */
	return true;
}

/* What a reader thread reads, or the caller's thread without one. */
static int read_sources(struct snapshot *s, unsigned int what)
{
	int n = 0, r;

	if (what & (SNAP_TCP | SNAP_UDP | SNAP_UNIX)) {
		n = read_namespaces(s, what);
		if (n < 0)
			return n;
	}
	/* holders last: they name sockets that the table has by now */
	if ((what & SNAP_FILES) && s->files && !stopping()) {
		r = drain_iter(s, s->files);
		if (r < 0)
			return r;
		n += r;
	}
	return n;
}

static void *reader_main(void *arg)
{
	struct snapshot *s = arg;
	int r = read_sources(s, s->what);

	/* the caller stopped taking records: that is no error of ours */
	rec_queue_close(s->queue, (r >= 0 || r == -ECANCELED) ? 0 : r);
	return NULL;
}

/*
 * The iterators read in a thread of their own while this one hands the
 * records on: the kernel's walk of 100,000 sockets and the table's taking
 * them each cost about 0.1 s here, and two CPUs do them at once. The thread
 * takes no signals; they stop it through the stop flag. Without a thread
 * (no memory, or no thread allowed), the same reads run here. Records
 * delivered, or -errno.
 */
static int read_in_thread(struct snapshot *s, unsigned int what)
{
	struct rec_queue q;
	pthread_t t;
	int n;

	if (rec_queue_init(&q))
		return read_sources(s, what);
	s->queue = &q;
	s->what = what;
	if (start_quiet_thread(&t, reader_main, s)) {
		s->queue = NULL;
		rec_queue_destroy(&q);
		return read_sources(s, what);
	}
	n = rec_queue_drain(&q, sock_sink, s, stopping);
	pthread_join(t, NULL);
	s->queue = NULL;
	rec_queue_destroy(&q);
	return n;
}

int snapshot_read(struct snapshot *s, unsigned int what, record_fn fn, void *ctx)
{
	int n, r;

	s->nrefs = 0;
	s->fn = fn;
	s->ctx = ctx;
	n = read_in_thread(s, what);
	if (n < 0 || !(what & SNAP_FILES) || s->files || stopping())
		return n;
	/* a /proc scan names the sockets by the socket pass's inodes: after it */
	if (s->nrefs)
		qsort(s->refs, s->nrefs, sizeof(*s->refs), cmp_ref);
	r = proc_fds_read(want_ino, s, fn, ctx);
	return r < 0 ? r : n + r;
}
