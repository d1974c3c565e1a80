/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Records moved out of the ring buffer to userspace memory while the
 * consumer is behind. A ring the size of a storm's backlog (32M) never
 * stays in the CPUs' caches, and every record's first stores in the kernel
 * waited on memory; a small one does, but a storm that outpaces the
 * consumer for a while overflowed it. So the ring is small, and when the
 * consumer finds itself behind, it copies records out (a copy costs a
 * tenth of what handling one does) and handles them from here, oldest
 * first, while the ring keeps draining. Records keep their order: while
 * any wait here, every new one queues behind them.
 *
 * The memory is taken in chunks as a storm needs it, up to a cap, reused
 * while the storm lasts and given back after it; past the cap the consumer
 * handles the oldest before it takes more, and the ring fills as it did
 * without it.
 */
#ifndef SOCKTRACE_RING_SPILL_H
#define SOCKTRACE_RING_SPILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record_sink.h"
#include "rings.h"

struct spill_chunk;

struct ring_spill {
	const struct rings *rings;	 /* NULL: it never spills */
	uint64_t behind;		 /* bytes waiting in the ring that start a spill */
	size_t cap;			 /* bytes the spill may hold */
	unsigned int until_look;	 /* records until the positions are read again */
	struct spill_chunk *head, *tail; /* oldest, newest */
	struct spill_chunk *spare;	 /* drained chunks, kept for reuse */
	size_t bytes;			 /* records held, with their headers */
	size_t peak;			 /* the most bytes ever held */
	size_t recent;			 /* the most since ring_spill_recent() */
	uint64_t records;		 /* records ever spilled */
};

/*
 * The rings spill once more than behind bytes wait in them, and the spill
 * holds at most cap bytes. With rings NULL it never spills.
 */
void ring_spill_init(struct ring_spill *s, const struct rings *rings, uint64_t behind, size_t cap);
void ring_spill_free(struct ring_spill *s);
/* Give back the drained chunks (after a storm). */
void ring_spill_trim(struct ring_spill *s);

static inline bool ring_spill_empty(const struct ring_spill *s)
{
	return !s->head;
}

/*
 * A record from the ring: true if the spill took it (a copy), false if the
 * caller handles it now. When full, the spill first hands its oldest
 * records to fn.
 */
bool ring_spill_take(struct ring_spill *s, const void *data, size_t len, record_fn fn, void *ctx);

/* The most bytes held since the last call (or ever); starts over. */
size_t ring_spill_recent(struct ring_spill *s);

/* Hand up to max of the oldest records to fn; returns how many. */
unsigned int ring_spill_run(struct ring_spill *s, unsigned int max, record_fn fn, void *ctx);

#endif
