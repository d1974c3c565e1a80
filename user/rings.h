/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The BPF ring buffers, one for each CPU or for a few (bpf/record.bpf.h),
 * read from userspace and merged into one stream by the records' times.
 *
 * Why a merge by time keeps each socket's story in order: a socket's
 * transitions and calls run under its lock, and a hook's record is committed
 * before the hook returns. So a record's causes were committed before it
 * was even reserved, and once it is seen they are seen too, in its ring or
 * another. The merge hands on the record with the lowest time among those
 * committed, looking a few records deep into each ring: a hook that another
 * interrupted on its CPU reserved first and read the clock last, so a ring is
 * in time order but for such neighbours. Each ring's own order is kept. An
 * empty ring is looked at again only for a record made after its last look.
 */
#ifndef SOCKTRACE_RINGS_H
#define SOCKTRACE_RINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record_sink.h"

#define RINGS_MAX 8

struct ring {
	uint64_t *cons;		   /* the consumer position: ours to write */
	const uint64_t *prod;	   /* the producer's, read-only */
	const unsigned char *data; /* the ring, mapped twice in a row: no record wraps */
	uint64_t mask;
	uint64_t pos;	    /* ours, written to cons from time to time */
	uint64_t published; /* what cons holds */
	uint64_t prod_seen; /* the producer position when last read */
	int fd;
	/* the merge's look at the ring, from cons */
	uint64_t low;	    /* the lowest time of the records looked at; UINT64_MAX: none */
	uint64_t looked_ns; /* CLOCK_MONOTONIC before the last look */
	uint64_t ahead_pos; /* the records before it were shown to rings.ahead */
	uint64_t fetched;   /* the bytes before it were asked into the cache */
	bool head_busy;
};

struct rings {
	struct ring r[RINGS_MAX];
	unsigned int n;
	uint64_t size; /* each ring's */
	int epfd;
	record_ahead_fn ahead; /* NULL: none */
	void *ahead_ctx;
};

/* How many rings for this many CPUs and total bytes (a power of two), and
 * each one's size. */
void rings_plan(unsigned int cpus, uint64_t total, unsigned int *n, uint64_t *size);

/* Makes n rings of size bytes and maps them; 0 or -errno. */
int rings_open(struct rings *rs, unsigned int n, uint64_t size);
/* Puts ring (i % n) in slots 0..slots-1 of an array of maps; 0 or -errno. */
int rings_fill(const struct rings *rs, int outer_fd, unsigned int slots);
void rings_close(struct rings *rs);

/*
 * fn is shown each record once, in its ring's order, when the merge first
 * looks at it: a few records before it is handed on (a record still being
 * written waits, and the ones behind it). Discarded records are not shown.
 */
void rings_set_ahead(struct rings *rs, record_ahead_fn fn, void *ctx);

/* Sleeps until a ring has records or timeout_ms passes; as epoll_wait(). */
int rings_wait(struct rings *rs, int timeout_ms);
/*
 * fd's error or hang-up (a pipe whose reader left) ends a wait too, once:
 * an idle run sleeps long, and notices at once. 0, or -errno (EPERM for a
 * regular file or /dev/null, which have no reader to lose).
 */
int rings_wake_on_error(struct rings *rs, int fd);

/*
 * Hands on up to max records in merged order, each to fn. Returns how many,
 * or fn's negative return. *blocked: records wait behind one still being
 * written (a few microseconds): call again soon.
 */
int rings_drain(struct rings *rs, unsigned int max, record_fn fn, void *ctx, bool *blocked);

/* Bytes waiting in all the rings; any thread may ask. */
uint64_t rings_pending(const struct rings *rs);

#endif
