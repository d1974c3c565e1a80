/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * When a snapshot that heals the table after a loss may run. The snapshot
 * stalls the consumer; in a storm the ring buffer fills meanwhile, and a
 * snapshot of 200,000 sockets taken mid-storm (0.75 s here) lost more events
 * than the loss it healed (the storm matrix, docs/performance.md). So the
 * heal waits until the ring could hold what arrives while it runs.
 */
#ifndef SOCKTRACE_HEAL_PACE_H
#define SOCKTRACE_HEAL_PACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* the longest a heal waits for a storm to pass: then it runs anyway */
#define HEAL_MAX_WAIT_NS (30000ull * 1000000ull)
/* what a snapshot costs per socket until one of many sockets was measured */
#define HEAL_NS_PER_SOCK_DEFAULT 5000ull

struct heal_pace {
	uint64_t ring_size; /* bytes */
	uint64_t bytes;	    /* ring bytes consumed, ever */
	uint64_t win_start; /* this rate window's start (ns) and bytes then */
	uint64_t win_bytes;
	uint64_t rate;	      /* bytes/s: the larger of the last two windows */
	uint64_t last_rate;   /* the window before */
	uint64_t ns_per_sock; /* a snapshot's cost per socket read */
	uint64_t wanted;      /* when a heal was first wanted; 0: none */
};

void heal_pace_init(struct heal_pace *p, uint64_t ring_size, uint64_t now);

/* a record of len bytes taken from the ring (its 8-byte header added here) */
static inline void heal_pace_consumed(struct heal_pace *p, size_t len)
{
	p->bytes += len + 8;
}

/* after each poll: the consumption rate over windows of 200 ms */
void heal_pace_tick(struct heal_pace *p, uint64_t now);

/* a snapshot read socks records in took_ns */
void heal_pace_took(struct heal_pace *p, uint64_t took_ns, uint64_t socks);

/* whether a heal wanted since p->wanted may run now over a table of socks */
bool heal_pace_may_run(const struct heal_pace *p, uint64_t now, uint64_t socks);

#endif
