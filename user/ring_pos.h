/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A BPF ring buffer's two positions, read from userspace: the consumer's
 * (page 0 of the map) and the producer's (page 1), mapped read-only beside
 * libbpf's own mapping. What lies between them waits to be consumed.
 */
#ifndef SOCKTRACE_RING_POS_H
#define SOCKTRACE_RING_POS_H

#include <stdint.h>

struct ring_pos {
	const volatile uint64_t *cons, *prod; /* NULL: not mapped */
};

/* 0, or -errno (nothing mapped). */
int ring_pos_map(struct ring_pos *rp, int map_fd);
void ring_pos_unmap(struct ring_pos *rp);

/* Bytes waiting in the ring; 0 when not mapped. The producer's line is
 * written at every reservation: a read of it costs a cache miss. */
static inline uint64_t ring_pos_pending(const struct ring_pos *rp)
{
	uint64_t prod, cons;

	if (!rp->prod)
		return 0;
	prod = __atomic_load_n(rp->prod, __ATOMIC_ACQUIRE);
	cons = __atomic_load_n(rp->cons, __ATOMIC_ACQUIRE);
	return prod > cons ? prod - cons : 0;
}

#endif
