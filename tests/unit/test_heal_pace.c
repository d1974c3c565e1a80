// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for heal_pace: a healing snapshot waits while a storm would overflow the ring. */
#include "tap.h"
#include "heal_pace.h"

#define MS   1000000ull
#define RING (32ull << 20)

/* feed bytes/s of records for ms milliseconds, ticking every 50 ms */
static uint64_t feed(struct heal_pace *p, uint64_t now, uint64_t rate, uint64_t ms)
{
	uint64_t end = now + ms * MS;

	for (; now < end; now += 50 * MS) {
		uint64_t b = rate / 20, i;

		/* 150-byte records, as watch's state records */
		for (i = 0; i + 150 <= b; i += 158)
			heal_pace_consumed(p, 150);
		heal_pace_tick(p, now + 50 * MS);
	}
	return end;
}

int main(void)
{
	struct heal_pace p;
	uint64_t now = 1000 * MS;

	heal_pace_init(&p, RING, now);
	ok(heal_pace_may_run(&p, now, 200000), "quiet at start: a heal runs");

	/* a storm of 80 MB/s (watch, 38,000 connections a second) */
	now = feed(&p, now, 80ull << 20, 1000);
	ok(p.rate > (70ull << 20) && p.rate < (90ull << 20), "rate measured: %llu B/s",
	   (unsigned long long)p.rate);
	p.wanted = now;
	/* 200,000 sockets at 5 us: 1 s of snapshot, 80 MB arriving: not now */
	ok(!heal_pace_may_run(&p, now, 200000), "mid-storm, large table: the heal waits");
	/* 1,000 sockets: 5 ms, 400 KB: fits */
	ok(heal_pace_may_run(&p, now, 1000), "mid-storm, small table: the heal runs");

	/* a measured cost replaces the default, only from many sockets */
	heal_pace_took(&p, 10 * MS, 100);
	is_int((long long)p.ns_per_sock, (long long)HEAL_NS_PER_SOCK_DEFAULT,
	       "a snapshot of 100 sockets does not set the cost");
	heal_pace_took(&p, 100 * MS, 100000);
	is_int((long long)p.ns_per_sock, 1000, "100,000 sockets in 100 ms: 1 us each");
	/* 150,000 sockets at 1 us: 0.15 s, 12 MB arriving: under half the ring */
	ok(heal_pace_may_run(&p, now, 150000), "cheaper snapshots fit mid-storm");
	heal_pace_took(&p, 1000 * MS, 200000);

	/* one preempted window does not hide the storm */
	now += 50 * MS;
	heal_pace_tick(&p, now + 200 * MS);
	now += 200 * MS;
	ok(!heal_pace_may_run(&p, now, 200000), "one empty window: still a storm");

	/* the storm ends: two quiet windows */
	now = feed(&p, now, 0, 500);
	ok(heal_pace_may_run(&p, now, 200000), "after the storm: the heal runs");

	/* an endless storm: the heal waits at most HEAL_MAX_WAIT_NS */
	now = feed(&p, now, 80ull << 20, 1000);
	p.wanted = now;
	ok(!heal_pace_may_run(&p, now + HEAL_MAX_WAIT_NS - 1, 200000), "waits up to the limit");
	ok(heal_pace_may_run(&p, now + HEAL_MAX_WAIT_NS, 200000), "then runs anyway");

	/* a storm that begins after a window closed is seen before the next closes */
	now = feed(&p, now + HEAL_MAX_WAIT_NS, 0, 500);
	now += 200 * MS;
	heal_pace_tick(&p, now); /* a window closes now */
	p.wanted = now;
	ok(heal_pace_may_run(&p, now, 200000), "quiet again: the heal runs");
	{
		uint64_t i;

		/* 80 MB/s for 50 ms of the window under way: 4 MB */
		for (i = 0; i < (4ull << 20) / 158; i++)
			heal_pace_consumed(&p, 150);
	}
	ok(heal_pace_may_run(&p, now + 10 * MS, 200000),
	   "10 ms into the window: too soon to tell a storm");
	ok(!heal_pace_may_run(&p, now + 50 * MS, 200000),
	   "50 ms into the window, a storm begun: the heal waits");
	ok(heal_pace_may_run(&p, now + 50 * MS, 1000), "... but a small table's heal runs");
	return tap_done();
}
