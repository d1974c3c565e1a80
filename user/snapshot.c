#include "snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "socktrace_abi.h"
#include "snapshot.skel.h"

static volatile sig_atomic_t *stop_flag;

void snapshot_set_stop_flag(volatile sig_atomic_t *flag)
{
	stop_flag = flag;
}

static int stopping(void)
{
	return stop_flag && *stop_flag;
}

struct snapshot {
	struct snapshot_bpf *skel;
	struct bpf_link *tcp, *udp, *files;
	char *buf;
	size_t cap;
	unsigned int visited, failed;
};

int snapshot_open(struct snapshot **out)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->skel = snapshot_bpf__open_opts(loader_open_opts());
	if (!s->skel || (err = snapshot_bpf__load(s->skel))) {
		err = s->skel ? err : -errno;
		fprintf(stderr, "socktrace: cannot load the snapshot iterators: %s\n",
			strerror(-err));
		goto fail;
	}
	s->tcp = bpf_program__attach_iter(s->skel->progs.dump_tcp, NULL);
	s->udp = bpf_program__attach_iter(s->skel->progs.dump_udp, NULL);
	s->files = bpf_program__attach_iter(s->skel->progs.dump_files, NULL);
	if (!s->tcp || !s->udp || !s->files) {
		err = -errno;
		fprintf(stderr, "socktrace: cannot attach the snapshot iterators: %s\n",
			strerror(-err));
		goto fail;
	}
	*out = s;
	return 0;
fail:
	snapshot_close(s);
	return err;
}

void snapshot_close(struct snapshot *s)
{
	if (!s)
		return;
	bpf_link__destroy(s->tcp);
	bpf_link__destroy(s->udp);
	bpf_link__destroy(s->files);
	snapshot_bpf__destroy(s->skel);
	free(s->buf);
	free(s);
}

/* Read one iterator to the end, then walk its records. */
static int drain_iter(struct snapshot *s, struct bpf_link *link, record_fn fn, void *ctx)
{
	int fd = bpf_iter_create(bpf_link__fd(link)), n = 0;
	size_t len = 0, off;
	ssize_t got;

	if (fd < 0)
		return -errno;
	for (;;) {
		if (s->cap - len < 65536) {
			size_t ncap = s->cap ? s->cap * 2 : 1 << 20;
			char *nb = realloc(s->buf, ncap);

			if (!nb) {
				close(fd);
				return -ENOMEM;
			}
			s->buf = nb;
			s->cap = ncap;
		}
		got = read(fd, s->buf + len, s->cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	for (off = 0; off + sizeof(struct st_hdr) <= len && !stopping();) {
		const struct st_hdr *h = (const void *)(s->buf + off);

		if (h->size < sizeof(*h) || h->size > len - off)
			break;
		fn(ctx, s->buf + off, h->size);
		off += h->size;
		n++;
	}
	return n;
}

static int read_here(struct snapshot *s, unsigned int what, record_fn fn, void *ctx)
{
	int n = 0, r;

	if (what & SNAP_TCP) {
		r = drain_iter(s, s->tcp, fn, ctx);
		if (r < 0)
			return r;
		n += r;
	}
	if (what & SNAP_UDP) {
		r = drain_iter(s, s->udp, fn, ctx);
		if (r < 0)
			return r;
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

/* iter/tcp and iter/udp walk the namespace of whoever creates the iterator:
 * enter each one, read, come back. */
static int visit_ns(struct snapshot *s, const char *path, struct ns_list *seen, unsigned int what,
		    record_fn fn, void *ctx, bool *switched)
{
	struct stat st;
	int fd, n;

	if (stat(path, &st) || ns_seen(seen, st.st_ino))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		s->failed++;
		if (fd >= 0)
			close(fd);
		return 0;
	}
	close(fd);
	*switched = true;
	s->visited++;
	n = read_here(s, what, fn, ctx);
	return n;
}

int snapshot_read(struct snapshot *s, unsigned int what, record_fn fn, void *ctx)
{
	struct ns_list seen = {0};
	struct stat st;
	char path[64];
	struct dirent *d;
	bool switched = false;
	DIR *dir;
	int self, n = 0, r;

	s->visited = s->failed = 0;
	if (what & SNAP_FILES) {
		r = drain_iter(s, s->files, fn, ctx);
		if (r < 0)
			return r;
		n += r;
	}
	if (!(what & (SNAP_TCP | SNAP_UDP)))
		return n;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0 || fstat(self, &st)) {
		if (self >= 0)
			close(self);
		return read_here(s, what, fn, ctx);
	}
	ns_seen(&seen, st.st_ino);
	s->visited++;
	r = read_here(s, what, fn, ctx);
	if (r < 0)
		goto out;
	n += r;

	dir = opendir("/proc");
	while (dir && !stopping() && (d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/ns/net", d->d_name);
		r = visit_ns(s, path, &seen, what, fn, ctx, &switched);
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
		r = visit_ns(s, path, &seen, what, fn, ctx, &switched);
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

void snapshot_netns_counts(const struct snapshot *s, unsigned int *visited, unsigned int *failed)
{
	*visited = s->visited;
	*failed = s->failed;
}
