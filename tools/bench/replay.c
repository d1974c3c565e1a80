// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench-replay: the records socktrace took from the ring buffer during a
 * storm (SOCKTRACE_CAPTURE, user/capture.h), run again through the decoder,
 * the table and a view, with the lines written to /dev/null. What it measures
 * is userspace's work alone, in CPU time, without the storm beside it on the
 * same two CPUs: a change to the table or a view shows in a few percent where
 * a storm's noise is fifteen.
 *
 *   bench-replay [--lines FILE] CAPTURE REPS COMMAND [OPTION...]
 *   bench-replay /tmp/watch.cap 5 watch --json
 *
 * Prints one line per repetition and then the median and the fastest, in CPU
 * nanoseconds per record and milliseconds in all. The command and options are socktrace's;
 * watch and life are the commands it can replay. --lines keeps the first
 * repetition's lines in FILE: tests/integration/t_replay.c checks that they
 * are the lines the traced run printed, so that what is measured is the work
 * socktrace does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "decode.h"
#include "numparse.h"
#include "options.h"
#include "output.h"
#include "record_route.h"
#include "table.h"
#include "view_life.h"
#include "view_watch.h"

#define MAX_REPS 100

struct capture_file {
	char *data; /* 8-aligned: records are read in place */
	size_t len;
	size_t records;
	int64_t mono_to_real_ns; /* the traced run's: its times, not ours */
};

static int die(const char *fmt, const char *arg)
{
	fprintf(stderr, "bench-replay: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 2;
}

static int load(const char *path, struct capture_file *c)
{
	FILE *f = fopen(path, "re");
	size_t cap = 1 << 20, off;
	char *p;

	if (!f)
		return -errno;
	c->len = 0;
	c->data = aligned_alloc(8, cap);
	while (c->data) {
		c->len += fread(c->data + c->len, 1, cap - c->len, f);
		if (c->len < cap)
			break;
		p = aligned_alloc(8, cap * 2);
		if (p)
			memcpy(p, c->data, c->len);
		free(c->data);
		c->data = p;
		cap *= 2;
	}
	if (!c->data || ferror(f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	if (c->len < CAPTURE_HEAD || memcmp(c->data, CAPTURE_MAGIC, sizeof(CAPTURE_MAGIC) - 1))
		return -EINVAL;
	memcpy(&c->mono_to_real_ns, c->data + sizeof(CAPTURE_MAGIC) - 1,
	       sizeof(c->mono_to_real_ns));
	for (off = CAPTURE_HEAD; off + 8 <= c->len;) {
		uint32_t n;

		memcpy(&n, c->data + off, sizeof(n));
		if (n > c->len - off - 8)
			return -EINVAL;
		off += 8 + (n + 7) / 8 * 8;
		c->records++;
	}
	return 0;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One run over every record: a fresh table and view, as a new tracer has. */
static int replay(const struct capture_file *c, const struct options *o, FILE *sink, uint64_t *ns,
		  uint64_t *bad)
{
	struct output out = {0};
	struct stream_line line = {.o = o, .out = &out};
	struct watch_view watch = {.line = line};
	struct life_view life = {.line = line};
	struct table *tb;
	uint64_t t0, tick = 0;
	size_t off = CAPTURE_HEAD;

	output_init(&out, sink);
	out.mono_to_real_ns = c->mono_to_real_ns;
	watch.line = line;
	life.line = line;
	tb = o->cmd == CMD_LIFE ? table_new(o->max_sockets, life_transition, &life)
				: table_new(o->max_sockets, watch_transition, &watch);
	if (!tb) {
		output_free(&out);
		return -ENOMEM;
	}
	*bad = 0;
	t0 = cpu_ns();
	while (off + 8 <= c->len) {
		const struct st_hdr *h = (const void *)(c->data + off + 8);
		uint32_t n;
		__u32 type;

		memcpy(&n, c->data + off, sizeof(n));
		if (decode_record(h, n, &type) != DECODE_OK || !record_route(tb, NULL, h, type))
			(*bad)++;
		/* the tracer's poll loop ticks the table every few milliseconds */
		else if (h->ts_ns >= tick + 5000000) {
			table_tick(tb, h->ts_ns);
			tick = h->ts_ns;
		}
		off += 8 + (n + 7) / 8 * 8;
	}
	table_flush(tb);
	output_flush(&out);
	*ns = cpu_ns() - t0;
	table_free(tb);
	output_free(&out);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct capture_file c = {0};
	struct options o;
	uint64_t ns[MAX_REPS], bad = 0;
	uint64_t reps;
	FILE *sink, *lines = NULL;
	int err, i;

	if (argc > 2 && !strcmp(argv[1], "--lines")) {
		lines = fopen(argv[2], "we");
		if (!lines)
			return die("--lines: %s", strerror(errno));
		argv += 2;
		argc -= 2;
	}
	if (argc < 4)
		return die("usage: bench-replay [--lines FILE] CAPTURE REPS COMMAND [OPTION...]%s",
			   "");
	if (parse_u64(argv[2], 1, MAX_REPS, &reps))
		return die("REPS: %s: a count from 1 to 100", argv[2]);
	/* socktrace's own parser, as if its command line were the rest */
	argv[2] = "socktrace";
	if (options_parse(argc - 2, argv + 2, &o))
		return 2;
	if (o.cmd != CMD_WATCH && o.cmd != CMD_LIFE)
		return die("%s: only watch and life can be replayed", argv[3]);
	err = load(argv[1], &c);
	if (err)
		return die("%s: not a capture that can be read (SOCKTRACE_CAPTURE makes one)",
			   argv[1]);
	sink = fopen("/dev/null", "we");
	if (!sink)
		return die("/dev/null: %s", strerror(errno));
	for (i = 0; i < (int)reps; i++) {
		err = replay(&c, &o, i == 0 && lines ? lines : sink, &ns[i], &bad);
		if (err)
			return die("replay: %s", strerror(-err));
		printf("rep %d: %zu records, %llu refused, %.1f ms, %.1f ns a record\n", i + 1,
		       c.records, (unsigned long long)bad, ns[i] / 1e6,
		       c.records ? (double)ns[i] / (double)c.records : 0.0);
	}
	qsort(ns, reps, sizeof(ns[0]), cmp_u64);
	/* the fastest too: on a shared machine the slow runs are the neighbours' */
	printf("median: %.1f ms, %.1f ns a record (%zu records, %d reps); fastest %.1f ms, %.1f "
	       "ns\n",
	       ns[reps / 2] / 1e6, c.records ? (double)ns[reps / 2] / (double)c.records : 0.0,
	       c.records, (int)reps, ns[0] / 1e6,
	       c.records ? (double)ns[0] / (double)c.records : 0.0);
	fclose(sink);
	if (lines && fclose(lines))
		return die("--lines: %s", strerror(errno));
	free(c.data);
	return 0;
}
