// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for ring_spill: one ring's positions are plain counters here.
 * A consumer that is not behind handles every record itself; once behind,
 * the spill takes every record until it is drained, and hands them on whole
 * and in order, across chunks; a full spill hands on its oldest before it
 * takes more; its memory counts are right, and a trim gives back the chunks.
 */
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "ring_spill.h"

#define RECS 40000u

static uint64_t cons, prod;
/* one ring: its positions are the counters above */
static struct rings rings = {.n = 1, .r = {{.cons = &cons, .prod = &prod}}};

/* Record i: from 8 bytes to about 1 KB, bytes that say which record it is. */
static size_t rec_size(uint32_t i)
{
	return 8 + (i * 2654435761u) % 1000;
}

static void rec_make(uint32_t i, unsigned char *buf)
{
	size_t k, n = rec_size(i);

	memcpy(buf, &i, sizeof(i));
	for (k = sizeof(i); k < n; k++)
		buf[k] = (unsigned char)(i + k);
}

/* What the consumer handled: in order, each whole. */
struct seen {
	uint32_t next;
	uint32_t bad;
};

static int handle(void *ctx, void *data, size_t len)
{
	struct seen *s = ctx;
	unsigned char want[1024];
	uint32_t i;

	memcpy(&i, data, sizeof(i));
	rec_make(s->next, want);
	if (i != s->next || len != rec_size(s->next) || memcmp(data, want, len))
		s->bad++;
	s->next++;
	return 0;
}

static void spill_on(struct ring_spill *sp, uint64_t behind, size_t cap)
{
	ring_spill_init(sp, &rings, behind, cap);
	sp->until_look = 1;
}

/* Record i from the ring, as the loader's callback offers it. */
static bool offer(struct ring_spill *sp, struct seen *s, uint32_t i)
{
	unsigned char buf[1024];

	rec_make(i, buf);
	if (ring_spill_take(sp, buf, rec_size(i), handle, s))
		return true;
	handle(s, buf, rec_size(i));
	return false;
}

static void test_order(void)
{
	struct ring_spill sp;
	struct seen s = {0};
	uint32_t i, direct = 0, taken_behind = 0, taken_after = 0;
	size_t most;

	spill_on(&sp, 4096, (size_t)1 << 30);
	/* not behind: the consumer handles each itself */
	prod = cons = 0;
	for (i = 0; i < 1000; i++)
		direct += !offer(&sp, &s, i);
	is_int(direct, 1000, "a consumer that keeps up spills nothing");
	ok(ring_spill_empty(&sp) && sp.records == 0, "the spill stays empty");
	/* behind: within a look's interval the spill starts taking */
	prod = 1 << 20;
	for (; i < 1100; i++)
		taken_behind += offer(&sp, &s, i);
	ok(taken_behind >= 100 - 64 && taken_behind < 100,
	   "behind, the spill takes records within 64 (%u of 100)", taken_behind);
	/* caught up: what comes still queues behind what waits */
	prod = cons;
	for (; i < RECS; i++)
		taken_after += offer(&sp, &s, i);
	is_int(taken_after, RECS - 1100, "while records wait, every new one queues behind them");
	is_int(sp.records, taken_behind + taken_after, "the spill counts what it took");
	ok(s.next < RECS, "spilled records wait (%u handled of %u)", s.next, RECS);
	most = ring_spill_recent(&sp);
	ok(most == sp.peak && most == sp.bytes && most > (size_t)(RECS - 1100) * 8,
	   "its peak and recent peak are what it holds (%zu)", most);
	/* drained in batches, oldest first, across chunks */
	while (!ring_spill_empty(&sp))
		ring_spill_run(&sp, 1000, handle, &s);
	is_int(s.next, RECS, "every record handed on");
	is_int(s.bad, 0, "each whole and in order");
	is_int(sp.bytes, 0, "nothing held once drained");
	is_int(ring_spill_recent(&sp), most, "the recent peak, once");
	is_int(ring_spill_recent(&sp), 0, "then it starts over");
	ok(sp.spare != NULL, "drained chunks are kept for the storm's next records");
	ring_spill_trim(&sp);
	ok(sp.spare == NULL, "a trim gives them back");
	/* not behind any more: the consumer handles records itself again */
	direct = 0;
	for (i = RECS; i < RECS + 100; i++)
		direct += !offer(&sp, &s, i);
	is_int(direct, 100, "drained and caught up, the consumer handles records itself");
	is_int(s.bad, 0, "still in order");
	ring_spill_free(&sp);
}

static void test_cap(void)
{
	struct ring_spill sp;
	struct seen s = {0};
	uint32_t i, handed_early = 0;
	size_t over = 0;

	/* always behind, and room for about 30 records */
	spill_on(&sp, 0, 16 << 10);
	prod = 1 << 20;
	cons = 0;
	for (i = 0; i < 5000; i++) {
		uint32_t before = s.next;

		offer(&sp, &s, i);
		handed_early += s.next != before;
		if (sp.bytes > sp.cap)
			over++;
	}
	ok(handed_early > 0, "a full spill hands on its oldest first (%u times)", handed_early);
	is_int(over, 0, "it never holds more than its cap");
	ok(sp.peak <= sp.cap, "its peak is within the cap (%zu)", sp.peak);
	while (!ring_spill_empty(&sp))
		ring_spill_run(&sp, 7, handle, &s);
	is_int(s.next, 5000, "every record handed on");
	is_int(s.bad, 0, "each whole and in order");
	ring_spill_free(&sp);
}

static void test_off(void)
{
	struct ring_spill sp = {0};
	struct seen s = {0};
	uint32_t i, direct = 0;

	/* no rings: it never spills */
	for (i = 0; i < 200; i++)
		direct += !offer(&sp, &s, i);
	is_int(direct, 200, "without rings, nothing spills");
	ring_spill_free(&sp);
}

int main(void)
{
	test_order();
	test_cap();
	test_off();
	return tap_done();
}
