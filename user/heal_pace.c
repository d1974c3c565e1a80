// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* When a healing snapshot may run: see heal_pace.h. */
#include "heal_pace.h"

#define WINDOW_NS (200ull * 1000000ull)
/* the shortest part of a window whose rate counts before it closes */
#define WINDOW_MIN_NS (20ull * 1000000ull)
/* below this many sockets a snapshot's fixed costs hide the per-socket one */
#define MEASURE_MIN_SOCKS 1024

void heal_pace_init(struct heal_pace *p, uint64_t ring_size, uint64_t now)
{
	*p = (struct heal_pace){
		.ring_size = ring_size,
		.win_start = now,
		.ns_per_sock = HEAL_NS_PER_SOCK_DEFAULT,
	};
}

void heal_pace_tick(struct heal_pace *p, uint64_t now)
{
	uint64_t dt = now - p->win_start, cur;

	if (now < p->win_start || dt < WINDOW_NS)
		return;
	cur = (uint64_t)((double)(p->bytes - p->win_bytes) * 1e9 / (double)dt);
	/* two windows: a consumer preempted for one window still sees the storm */
	p->rate = cur > p->last_rate ? cur : p->last_rate;
	p->last_rate = cur;
	p->win_start = now;
	p->win_bytes = p->bytes;
}

void heal_pace_took(struct heal_pace *p, uint64_t took_ns, uint64_t socks)
{
	if (socks >= MEASURE_MIN_SOCKS)
		p->ns_per_sock = took_ns / socks;
}

/*
 * The rate, with the window under way once it tells something: a storm that
 * began after the last window closed, a loss within its first 100 ms, and a
 * heal of 200,000 sockets ran then, and lost ten times more (a stall of
 * 100 ms while the ring filled).
 */
static uint64_t rate_now(const struct heal_pace *p, uint64_t now)
{
	uint64_t dt = now - p->win_start, cur;

	if (now < p->win_start || dt < WINDOW_MIN_NS)
		return p->rate;
	cur = (uint64_t)((double)(p->bytes - p->win_bytes) * 1e9 / (double)dt);
	return cur > p->rate ? cur : p->rate;
}

bool heal_pace_may_run(const struct heal_pace *p, uint64_t now, uint64_t socks)
{
	/* what arrives during the snapshot, in bytes: rate (B/s) x duration */
	double during = (double)rate_now(p, now) * (double)(p->ns_per_sock * socks) / 1e9;

	if (p->wanted && now - p->wanted >= HEAL_MAX_WAIT_NS)
		return true;
	/* half the ring: the consumer also falls behind for reasons of its own */
	return during <= (double)p->ring_size / 2;
}
