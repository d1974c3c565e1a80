/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Records handed from one thread to another in chunks: a snapshot's reader
 * thread waits for the kernel's iterators while the caller's thread puts
 * the records it already has into the table (snapshot.c). On two CPUs the
 * two halves of a snapshot of 100,000 sockets then overlap instead of
 * adding up. The queue holds a few chunks; a writer that finds them all
 * full waits, so memory stays bounded whatever the snapshot's size.
 */
#ifndef SOCKTRACE_REC_QUEUE_H
#define SOCKTRACE_REC_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "record_sink.h"

#define REC_QUEUE_CHUNKS 4
#define REC_QUEUE_CHUNK	 (256u << 10)

struct rec_queue {
	pthread_mutex_t mu;
	pthread_cond_t changed;
	bool locks; /* mu and changed are initialised */
	char *chunk[REC_QUEUE_CHUNKS];
	size_t len[REC_QUEUE_CHUNKS]; /* of the full chunks */
	unsigned int head, full;      /* the oldest full chunk; how many are full */
	bool closed;		      /* the writer is done (err says how) */
	bool cancelled;		      /* the reader wants no more */
	int err;
	/* the writer's own: the chunk it fills, which the reader never reads
	 * until it is handed over, and how much of it is filled */
	unsigned int w;
	size_t wlen;
};

/* 0, or -errno (no memory). */
int rec_queue_init(struct rec_queue *q);
void rec_queue_destroy(struct rec_queue *q);

/*
 * The writer's side. put copies one record (at most REC_QUEUE_CHUNK bytes)
 * into the chunk being filled, right after the one before: its size is a
 * multiple of 8, as the kernel's records are, so that the reader finds every
 * header aligned. 0, or -ECANCELED once the reader cancelled,
 * -E2BIG for a record that cannot fit. close hands over the last chunk and
 * the writer's result (0 or -errno).
 */
int rec_queue_put(struct rec_queue *q, const void *rec, size_t len);
void rec_queue_close(struct rec_queue *q, int err);

/*
 * The reader's side: each record to fn, in the order put, until the writer
 * closes. stop (may be NULL) is asked between records: once it says so, the
 * rest is dropped and the writer is told. Returns the records delivered, or
 * the writer's error.
 */
int rec_queue_drain(struct rec_queue *q, record_fn fn, void *ctx, int (*stop)(void));

#endif
