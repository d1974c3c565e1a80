// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "idle_poll.h"

#include <stdlib.h>

#include "numparse.h"
#include "warn.h"

#define MS_NS  1000000ull
#define MAX_MS 3600000ull

int idle_poll_init(struct idle_poll *p)
{
	const char *s = getenv(IDLE_POLL_ENV);
	uint64_t ms = IDLE_POLL_MS;

	if (s && parse_u64(s, POLL_MS, MAX_MS, &ms)) {
		warnf("%s=%s: want milliseconds, %d to %llu", IDLE_POLL_ENV, s, POLL_MS, MAX_MS);
		return -1;
	}
	p->empty = 0;
	p->max_ns = ms * MS_NS;
	return 0;
}

int idle_poll_ms(const struct idle_poll *p, uint64_t now, bool busy, uint64_t due,
		 bool *first_wakes)
{
	uint64_t until = now + p->max_ns;

	*first_wakes = false;
	if (p->empty < IDLE_AFTER_POLLS || busy)
		return POLL_MS;
	if (due < until)
		until = due;
	/* timed work within a poll's time: as while records come */
	if (until < now + POLL_MS * MS_NS)
		return POLL_MS;
	*first_wakes = true;
	return (int)((until - now + MS_NS - 1) / MS_NS);
}
