// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for idle_poll: an idle stream sleeps until its next timed work, woken by a record. */
#include <stdlib.h>

#include "tap.h"
#include "idle_poll.h"

#define MS 1000000ull

int main(void)
{
	struct idle_poll p;
	uint64_t now = 5000 * MS;
	bool first = true;

	ok(!idle_poll_init(&p), "defaults");
	is_int((long long)p.max_ns, IDLE_POLL_MS * MS, "an idle sleep of %d ms at most",
	       IDLE_POLL_MS);
	is_int(idle_poll_ms(&p, now, false, UINT64_MAX, &first), POLL_MS,
	       "at start: a poll of %d ms", POLL_MS);
	ok(!first, "... that records past the mark end");
	idle_poll_seen(&p, 0);
	is_int(idle_poll_ms(&p, now, false, UINT64_MAX, &first), POLL_MS,
	       "one empty poll: the same");
	idle_poll_seen(&p, 0);
	is_int(idle_poll_ms(&p, now, false, UINT64_MAX, &first), IDLE_POLL_MS,
	       "two empty polls: idle, %d ms", IDLE_POLL_MS);
	ok(first, "... that the first record ends");
	is_int(idle_poll_ms(&p, now, false, now + 300 * MS + 1, &first), 301,
	       "timed work in 300 ms and 1 ns: 301 ms");
	ok(first, "... still woken by the first record");
	is_int(idle_poll_ms(&p, now, false, now + 20 * MS, &first), POLL_MS,
	       "timed work within a poll: a poll of %d ms", POLL_MS);
	ok(!first, "... as while records come");
	is_int(idle_poll_ms(&p, now, false, now - 20 * MS, &first), POLL_MS,
	       "timed work overdue: a poll of %d ms", POLL_MS);
	is_int(idle_poll_ms(&p, now, true, UINT64_MAX, &first), POLL_MS,
	       "lines waiting for a time: a poll of %d ms", POLL_MS);
	ok(!first, "... as while records come");
	idle_poll_seen(&p, 3);
	is_int(idle_poll_ms(&p, now, false, UINT64_MAX, &first), POLL_MS,
	       "a poll that brought records: back to %d ms", POLL_MS);
	for (int i = 0; i < 1000; i++)
		idle_poll_seen(&p, 0);
	is_int(idle_poll_ms(&p, now, false, UINT64_MAX, &first), IDLE_POLL_MS,
	       "a thousand empty polls: idle, %d ms", IDLE_POLL_MS);

	setenv(IDLE_POLL_ENV, "60000", 1);
	ok(!idle_poll_init(&p), "%s=60000", IDLE_POLL_ENV);
	p.empty = IDLE_AFTER_POLLS;
	is_int(idle_poll_ms(&p, now, false, UINT64_MAX, &first), 60000, "an idle sleep of 60 s");
	setenv(IDLE_POLL_ENV, "10", 1);
	ok(idle_poll_init(&p) == -1, "%s=10 (below a poll) is refused", IDLE_POLL_ENV);
	setenv(IDLE_POLL_ENV, "1s", 1);
	ok(idle_poll_init(&p) == -1, "%s=1s is refused", IDLE_POLL_ENV);
	unsetenv(IDLE_POLL_ENV);
	return tap_done();
}
