// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for rec_queue: records from a writer thread reach the reader
 * whole and in order, however they fall across chunks; a reader that stops
 * stops the writer; the writer's error comes through.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "rec_queue.h"
#include "socktrace_abi.h"

#define RECS 200000u

/* Record i: its size and a body of bytes that say which record it is. */
static size_t rec_size(uint32_t i)
{
	/* from a bare header to 3 KB: some never fit what is left of a chunk;
	 * whole 8-byte words, as the kernel's records are (rec_queue_put()) */
	return (sizeof(struct st_hdr) + 8 + (i * 2654435761u) % 3000 + 7) & ~(size_t)7;
}

static void rec_make(uint32_t i, unsigned char *buf)
{
	struct st_hdr *h = (struct st_hdr *)buf;
	size_t k, n = rec_size(i);

	h->type = ST_REC_SOCK;
	h->size = (uint32_t)n;
	h->ts_ns = i;
	for (k = sizeof(*h); k < n; k++)
		buf[k] = (unsigned char)(i + k);
}

struct writer {
	struct rec_queue *q;
	uint32_t recs;
	int close_err;
	int put_err; /* the first put that failed */
	uint32_t put;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	static _Thread_local unsigned char buf[4096];
	uint32_t i;

	for (i = 0; i < w->recs; i++) {
		int err;

		rec_make(i, buf);
		err = rec_queue_put(w->q, buf, rec_size(i));
		if (err) {
			w->put_err = err;
			break;
		}
		w->put++;
	}
	rec_queue_close(w->q, w->close_err);
	return NULL;
}

struct reader {
	uint32_t next, bad;
	uint32_t stop_after; /* 0: never */
};

static struct reader R;

static int check_rec(void *ctx, void *data, size_t len)
{
	struct reader *r = ctx;
	const struct st_hdr *h = data;
	unsigned char want[4096];

	rec_make(r->next, want);
	if (len != rec_size(r->next) || h->ts_ns != r->next || memcmp(data, want, len))
		r->bad++;
	r->next++;
	return 0;
}

static int stop_now(void)
{
	return R.stop_after && R.next >= R.stop_after;
}

/* A writer of recs records closing with close_err; the reader's result. */
static int run(uint32_t recs, int close_err, uint32_t stop_after, struct writer *w)
{
	struct rec_queue q;
	pthread_t t;
	int n;

	memset(&R, 0, sizeof(R));
	R.stop_after = stop_after;
	*w = (struct writer){.recs = recs, .close_err = close_err};
	if (!ok(rec_queue_init(&q) == 0, "queue made"))
		return -1;
	w->q = &q;
	if (!ok(pthread_create(&t, NULL, writer_main, w) == 0, "writer started")) {
		rec_queue_destroy(&q);
		return -1;
	}
	n = rec_queue_drain(&q, check_rec, &R, stop_now);
	pthread_join(t, NULL);
	rec_queue_destroy(&q);
	return n;
}

int main(void)
{
	struct writer w;
	unsigned char big[REC_QUEUE_CHUNK + 16];
	struct rec_queue q;
	int n;

	n = run(RECS, 0, 0, &w);
	is_int(n, RECS, "every record delivered");
	is_int(R.next, RECS, "... to the callback");
	is_int(R.bad, 0, "each whole and in order");
	is_int(w.put_err, 0, "no put failed");

	n = run(0, 0, 0, &w);
	is_int(n, 0, "a writer with nothing: the reader returns at once");

	/* the reader stops early: the writer is told, and nothing waits forever */
	n = run(RECS, 0, 1000, &w);
	is_int(n, 1000, "a reader that stops takes no more");
	is_int(w.put_err, -ECANCELED, "the writer's put says the reader stopped");
	ok(w.put < RECS, "the writer stopped early (%u put)", w.put);

	n = run(5000, -EIO, 0, &w);
	is_int(n, -EIO, "the writer's error is the result");
	is_int(R.next, 5000, "records before it were delivered");

	/* a record that cannot fit a chunk */
	if (ok(rec_queue_init(&q) == 0, "queue made")) {
		memset(big, 0, sizeof(big));
		is_int(rec_queue_put(&q, big, sizeof(big)), -E2BIG, "a record bigger than a chunk");
		rec_queue_close(&q, 0);
		is_int(rec_queue_drain(&q, check_rec, &R, NULL), 0, "and nothing delivered");
		rec_queue_destroy(&q);
	}
	return tap_done();
}
