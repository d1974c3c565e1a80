// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for life_gc's clock: a pass at a tick only with enough dead entries, else rarely. */
#include <stdlib.h>

#include "tap.h"
#include "life_gc.h"

#define MS 1000000ull

/* The clock's times with LIFE_GC_ENV at ms (NULL: unset); -1 if it refused it. */
static int clock_with(struct life_gc_clock *c, const char *ms, const char *batch, uint64_t now)
{
	int err;

	if (ms)
		setenv(LIFE_GC_ENV, ms, 1);
	if (batch)
		setenv(LIFE_GC_BATCH_ENV, batch, 1);
	err = life_gc_clock_init(c, now);
	unsetenv(LIFE_GC_ENV);
	unsetenv(LIFE_GC_BATCH_ENV);
	return err;
}

/* The ticks from now to end, with dead entries: how many passes ran. */
static int passes(struct life_gc_clock *c, uint64_t *now, uint64_t end, uint64_t dead)
{
	int n = 0;

	for (; *now < end; *now += MS) {
		if (*now >= c->next_tick && life_gc_due(c, *now, dead))
			n++;
	}
	return n;
}

int main(void)
{
	struct life_gc_clock c;
	uint64_t now = 1000 * MS;

	ok(!clock_with(&c, NULL, NULL, now), "defaults");
	is_int((long long)c.age_ns, 10000 * MS, "a dead entry waits 10 s");
	is_int((long long)c.every_ns, 5000 * MS, "a tick every 5 s");
	is_int((long long)c.idle_ns, 30000 * MS, "a pass at least every 30 s");
	is_int((long long)c.batch, LIFE_GC_BATCH, "a pass at a tick from %d dead entries",
	       LIFE_GC_BATCH);
	is_int((long long)c.next_tick, (long long)(now + 5000 * MS), "the first tick 5 s on");

	/* a storm leaves a few thousand dead: no pass until the longest wait */
	is_int(passes(&c, &now, now + 29000 * MS, LIFE_GC_BATCH - 1), 0,
	       "below the batch: no pass in 29 s");
	is_int(passes(&c, &now, now + 2000 * MS, LIFE_GC_BATCH - 1), 1,
	       "below the batch: a pass at the first tick past 30 s");
	is_int(passes(&c, &now, now + 60000 * MS, 0), 2, "idle: a pass every 30 s");
	is_int(passes(&c, &now, now + 20000 * MS, LIFE_GC_BATCH), 4,
	       "at the batch: a pass every 5 s tick");

	ok(!clock_with(&c, "200", NULL, now), "%s=200", LIFE_GC_ENV);
	ok(c.age_ns == 200 * MS && c.every_ns == 200 * MS && c.idle_ns == 1200 * MS,
	   "200 ms wait and ticks, 1.2 s longest wait");
	ok(!clock_with(&c, "200,3600000", "1", now), "%s=200,3600000 and %s=1", LIFE_GC_ENV,
	   LIFE_GC_BATCH_ENV);
	ok(c.age_ns == 200 * MS && c.every_ns == 200 * MS && c.idle_ns == 3600000 * MS &&
		   c.batch == 1,
	   "200 ms wait and ticks, an hour's longest wait, a batch of 1");
	is_int(passes(&c, &now, now + 1000 * MS, 0), 0, "no dead entry: no pass for an hour");
	is_int(passes(&c, &now, now + 1000 * MS, 1), 5, "one dead entry: a pass every tick");

	ok(clock_with(&c, "soon", NULL, now) == -1, "%s=soon is refused", LIFE_GC_ENV);
	ok(clock_with(&c, "0", NULL, now) == -1, "%s=0 is refused", LIFE_GC_ENV);
	ok(clock_with(&c, "200,", NULL, now) == -1, "%s=200, is refused", LIFE_GC_ENV);
	ok(clock_with(&c, ",200", NULL, now) == -1, "%s=,200 is refused", LIFE_GC_ENV);
	ok(clock_with(&c, "200,300,400", NULL, now) == -1, "%s=200,300,400 is refused",
	   LIFE_GC_ENV);
	ok(clock_with(&c, "99999999999999999999999,1", NULL, now) == -1,
	   "%s with a 23-digit first part is refused", LIFE_GC_ENV);
	ok(clock_with(&c, NULL, "0", now) == -1, "%s=0 is refused", LIFE_GC_BATCH_ENV);
	return tap_done();
}
