/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * How long watch and life sleep in a poll. While records come, polls time
 * out every POLL_MS: the BPF side submits without waking us until much is
 * pending (record.bpf.h). Idle, that was 20 wake-ups a second for nothing,
 * 1.0-1.8 ms of CPU a second here (a wake-up in this VM costs about 70 us).
 * So after a few empty polls a stream sleeps until its next timed work, up
 * to IDLE_POLL_MS, and asks the BPF side to wake it at the first record.
 */
#ifndef SOCKTRACE_IDLE_POLL_H
#define SOCKTRACE_IDLE_POLL_H

#include <stdbool.h>
#include <stdint.h>

#define POLL_MS		 50
#define IDLE_POLL_MS	 1000
#define IDLE_AFTER_POLLS 2
/* SOCKTRACE_TEST_IDLE_POLL_MS: IDLE_POLL_MS, for tests that tell a wake-up from a timeout */
#define IDLE_POLL_ENV "SOCKTRACE_TEST_IDLE_POLL_MS"

struct idle_poll {
	unsigned int empty; /* polls in a row that brought nothing */
	uint64_t max_ns;    /* the longest idle sleep */
};

/* IDLE_POLL_MS, or IDLE_POLL_ENV's. -1 (after a one-line warning) if that is not milliseconds. */
int idle_poll_init(struct idle_poll *p);

/* After each poll: how many records it brought. */
static inline void idle_poll_seen(struct idle_poll *p, int records)
{
	p->empty = records ? 0 : p->empty + (p->empty < IDLE_AFTER_POLLS);
}

/*
 * The next poll's timeout in ms, and whether the first record should end it.
 * busy: something waits for a time that only polls see (lines held, a heal
 * wanted); due: the next timed work (CLOCK_MONOTONIC ns, UINT64_MAX: none).
 */
int idle_poll_ms(const struct idle_poll *p, uint64_t now, bool busy, uint64_t due,
		 bool *first_wakes);

#endif
