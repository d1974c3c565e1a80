// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench-floor: the loader of floor.bpf.c, for `make bench` only.
 *
 * It counts the records and, with --line-bytes N, writes an N-byte line to
 * stdout for each, in batches as socktrace writes them (user/output.c): 256
 * KiB ending at aligned offsets of a regular file, held while polls bring
 * records (50 ms at most): the cost of an output stream of that size without
 * any formatting. Its rings are socktrace's plan
 * (a power of two of them, one for each CPU or a few, 4 MiB in all), or one
 * ring for all with --one-ring. Like socktrace it polls the
 * rings every 50 ms, and on SIGINT, SIGTERM or --duration it drains the ring
 * and prints "summary: events=N lost=N kernel_missed=N" on stderr.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "floor.skel.h"
#include "numparse.h"

#define POLL_MS	     50
#define RING_BYTES   (4u << 20)
#define RINGS_MAX    8
#define OUT_BATCH    (256 * 1024)
#define OUT_HOLD_NS  (50ull * 1000000ull)
#define LINE_MAX_LEN 4096

static volatile sig_atomic_t stop;

struct sink {
	uint64_t events;
	size_t line_bytes; /* 0: count only */
	char line[LINE_MAX_LEN];
	char *buf; /* OUT_BATCH * 3 / 2 + LINE_MAX_LEN */
	size_t used;
	size_t cut;	  /* write this much once used reaches it */
	int64_t pos;	  /* the file's offset where buf starts; -1: not a regular file */
	uint64_t held_ns; /* when the oldest line held was made */
	bool failed;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* As user/output.c: up to the next multiple of OUT_BATCH, 1/2 to 3/2 of one. */
static size_t next_cut(int64_t pos)
{
	size_t n;

	if (pos < 0)
		return OUT_BATCH;
	n = OUT_BATCH - (size_t)(pos % OUT_BATCH);
	return n < OUT_BATCH / 2 ? n + OUT_BATCH : n;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Write the first len bytes held, and move the rest down. */
static void write_out(struct sink *s, size_t len)
{
	size_t off = 0;

	while (off < len && !s->failed) {
		ssize_t n = write(STDOUT_FILENO, s->buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "bench-floor: writing output: %s\n", strerror(errno));
			s->failed = true;
		} else {
			off += (size_t)n;
		}
	}
	if (s->pos >= 0)
		s->pos += (int64_t)off;
	memmove(s->buf, s->buf + len, s->used - len);
	s->used -= len;
	s->cut = next_cut(s->pos);
}

static void flush_out(struct sink *s)
{
	write_out(s, s->used);
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct sink *s = ctx;

	(void)data;
	(void)size;
	s->events++;
	if (!s->line_bytes || s->failed)
		return 0;
	if (!s->used)
		s->held_ns = mono_ns();
	memcpy(s->buf + s->used, s->line, s->line_bytes);
	s->used += s->line_bytes;
	if (s->used >= s->cut)
		write_out(s, s->cut);
	return 0;
}

/* A whole number from lo to hi for option opt, or one error line and exit 2. */
static uint64_t parse_opt(const char *opt, const char *v, uint64_t lo, uint64_t hi)
{
	uint64_t n;

	if (parse_u64(v, lo, hi, &n)) {
		fprintf(stderr,
			"bench-floor: %s: '%s' is not a number from %" PRIu64 " to %" PRIu64 "\n",
			opt, v, lo, hi);
		exit(2);
	}
	return n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t kernel_missed(struct floor_bpf *skel)
{
	struct bpf_prog_info info = {0};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.floor_state), &info, &len))
		return 0;
	return info.recursion_misses;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench-floor [--line-bytes N] [--duration SECONDS] [--ready-file PATH]\n"
		"                   [--one-ring]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"line-bytes", required_argument, NULL, 'l'},
		{"duration", required_argument, NULL, 'd'},
		{"ready-file", required_argument, NULL, 'r'},
		{"one-ring", no_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	static struct sink sink;
	const char *ready = NULL;
	struct ring_buffer *rb = NULL;
	struct floor_bpf *skel;
	double deadline = 0;
	int ring_fd[RINGS_MAX], cpus = libbpf_num_possible_cpus(), c, err = 0;
	unsigned int nrings = 1, i;
	bool one_ring = false;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			sink.line_bytes =
				(size_t)parse_opt("--line-bytes", optarg, 0, LINE_MAX_LEN);
			break;
		case 'd':
			deadline = now_s() + (double)parse_opt("--duration", optarg, 1, 86400);
			break;
		case 'r':
			ready = optarg;
			break;
		case 'o':
			one_ring = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bench-floor: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (sink.line_bytes) {
		struct stat st;
		off_t pos = -1;

		sink.buf = malloc(OUT_BATCH * 3 / 2 + LINE_MAX_LEN);
		if (!fstat(STDOUT_FILENO, &st) && S_ISREG(st.st_mode))
			pos = fcntl(STDOUT_FILENO, F_GETFL) & O_APPEND
				      ? st.st_size
				      : lseek(STDOUT_FILENO, 0, SEEK_CUR);
		sink.pos = pos;
		sink.cut = next_cut(sink.pos);
		if (!sink.buf) {
			fprintf(stderr, "bench-floor: out of memory\n");
			return 1;
		}
		memset(sink.line, 'x', sink.line_bytes - 1);
		sink.line[sink.line_bytes - 1] = '\n';
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	libbpf_set_print(NULL);

	/* a power of two of rings, no more than the CPUs, as socktrace's */
	while (!one_ring && (int)nrings * 2 <= cpus && nrings * 2 <= RINGS_MAX)
		nrings *= 2;
	for (i = 0; i < nrings; i++) {
		ring_fd[i] = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "floor_ring", 0, 0,
					    RING_BYTES / nrings, NULL);
		if (ring_fd[i] < 0) {
			fprintf(stderr, "bench-floor: cannot make a ring buffer: %s\n",
				strerror(errno));
			return 1;
		}
	}
	skel = floor_bpf__open();
	if (!skel || bpf_map__set_max_entries(skel->maps.floor_rings, cpus > 0 ? cpus : 1) ||
	    bpf_map__set_inner_map_fd(skel->maps.floor_rings, ring_fd[0])) {
		fprintf(stderr, "bench-floor: cannot open the BPF program: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->one_ring = one_ring;
	if (floor_bpf__load(skel)) {
		fprintf(stderr, "bench-floor: cannot load the BPF program: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; !one_ring && (int)i < cpus; i++) {
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.floor_rings), &i,
					&ring_fd[i % nrings], BPF_ANY)) {
			fprintf(stderr, "bench-floor: cannot fill the rings map: %s\n",
				strerror(errno));
			return 1;
		}
	}
	if (floor_bpf__attach(skel)) {
		err = -errno;
		fprintf(stderr, "bench-floor: cannot attach tp_btf/inet_sock_set_state: %s\n",
			strerror(-err));
		goto out;
	}
	rb = ring_buffer__new(one_ring ? bpf_map__fd(skel->maps.floor_events) : ring_fd[0],
			      on_record, &sink, NULL);
	for (i = 1; rb && !one_ring && i < nrings; i++) {
		if (ring_buffer__add(rb, ring_fd[i], on_record, &sink)) {
			ring_buffer__free(rb);
			rb = NULL;
		}
	}
	if (!rb) {
		err = -errno;
		fprintf(stderr, "bench-floor: cannot open the ring buffer: %s\n", strerror(-err));
		goto out;
	}
	if (ready) {
		int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0 || close(fd)) {
			err = -errno;
			fprintf(stderr, "bench-floor: %s: %s\n", ready, strerror(-err));
			goto out;
		}
	}
	while (!stop && !sink.failed && (!deadline || now_s() < deadline)) {
		int n = ring_buffer__poll(rb, POLL_MS);

		if (n < 0 && n != -EINTR) {
			err = n;
			fprintf(stderr, "bench-floor: ring buffer: %s\n", strerror(-n));
			break;
		}
		/* a poll with records is followed by another at once */
		if (ring_buffer__consume(rb) <= 0 && n <= 0)
			flush_out(&sink);
		else if (sink.used && mono_ns() - sink.held_ns >= OUT_HOLD_NS)
			flush_out(&sink);
	}
	ring_buffer__consume(rb);
	flush_out(&sink);
	fprintf(stderr, "summary: events=%llu lost=%llu kernel_missed=%llu\n",
		(unsigned long long)sink.events, (unsigned long long)skel->bss->floor_lost,
		(unsigned long long)kernel_missed(skel));
out:
	ring_buffer__free(rb);
	floor_bpf__destroy(skel);
	free(sink.buf);
	return err || sink.failed ? 1 : 0;
}
