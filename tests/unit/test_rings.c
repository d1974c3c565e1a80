// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for the rings' merge (user/rings.h) on rings in plain memory,
 * laid out as the kernel lays out a BPF ring buffer: records from two rings
 * come out by time, each ring's own order kept; a ring's record with an
 * earlier time a few records deep holds back the other ring's later ones;
 * a record still being written holds back what comes after it, and the
 * caller is told to come back; discarded records are skipped; a ring found
 * empty is looked at again before another ring's record made since goes; the consumer
 * positions end where the records do; each record is shown ahead once, in its
 * ring's order, before it is handed on. And how the rings are planned.
 */
#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "clock.h"
#include "rings.h"
#include "socktrace_abi.h"

#define DATA (64u << 10)

struct fake {
	uint64_t cons, prod;
	_Alignas(8) unsigned char data[DATA];
};

static struct fake fk[2];
static struct rings rs;

static void rings_reset(unsigned int n)
{
	unsigned int i;

	memset(fk, 0, sizeof(fk));
	memset(&rs, 0, sizeof(rs));
	rs.n = n;
	for (i = 0; i < n; i++) {
		rs.r[i].cons = &fk[i].cons;
		rs.r[i].prod = &fk[i].prod;
		rs.r[i].data = fk[i].data;
		rs.r[i].mask = DATA - 1;
		rs.r[i].low = UINT64_MAX;
	}
}

/* A record in ring i with time ts and tag id; flags: BUSY or DISCARD bits.
 * Its position, to commit it later. */
static uint64_t put(unsigned int i, uint64_t ts, uint32_t id, uint32_t flags)
{
	struct {
		struct st_hdr h;
		uint32_t id;
		uint32_t pad;
	} rec = {.h = {.type = 1, .size = 24, .ts_ns = ts}, .id = id};
	uint64_t at = fk[i].prod;
	uint32_t len = sizeof(rec) | flags;

	memcpy(fk[i].data + at + 4, &(uint32_t){0}, 4);
	memcpy(fk[i].data + at + BPF_RINGBUF_HDR_SZ, &rec, sizeof(rec));
	memcpy(fk[i].data + at, &len, 4);
	fk[i].prod += BPF_RINGBUF_HDR_SZ + sizeof(rec);
	return at;
}

static void commit(unsigned int i, uint64_t at, uint64_t ts)
{
	uint32_t len = 24;

	memcpy(fk[i].data + at + BPF_RINGBUF_HDR_SZ + 8, &ts, 8);
	memcpy(fk[i].data + at, &len, 4);
}

/* What came out, in order: the ids. */
static uint32_t got[64];
static unsigned int ngot;
/* a record for ring 1, written when id `when` is handed on */
static uint32_t when = UINT32_MAX;
static uint64_t when_ts;
static int fail_at = -1;

static int take(void *ctx, void *data, size_t len)
{
	uint32_t id;

	(void)ctx;
	if (len != 24)
		return -1;
	memcpy(&id, (char *)data + 16, 4);
	if (ngot < 64)
		got[ngot++] = id;
	if (id == when)
		put(1, when_ts, 99, 0);
	return (int)ngot == fail_at ? -7 : 0;
}

/* ids as "1 2 3", in a buffer of the caller's */
static const char *ids_str(char *s, size_t size, const uint32_t *ids, unsigned int n)
{
	unsigned int i;
	size_t k = 0;

	s[0] = '\0';
	for (i = 0; i < n && k < size - 12; i++)
		k += (size_t)snprintf(s + k, size - k, "%s%u", i ? " " : "", ids[i]);
	return s;
}

/* What came out, as a string. */
static const char *order(void)
{
	static char s[256];

	return ids_str(s, sizeof(s), got, ngot);
}

static int drain(bool *blocked)
{
	ngot = 0;
	return rings_drain(&rs, UINT32_MAX, take, NULL, blocked);
}

static void test_merge(void)
{
	bool blocked;
	int n;

	rings_reset(2);
	put(0, 10, 1, 0);
	put(0, 30, 3, 0);
	put(0, 50, 5, 0);
	put(1, 20, 2, 0);
	put(1, 40, 4, 0);
	put(1, 60, 6, 0);
	n = drain(&blocked);
	is_int(n, 6, "every record handed on");
	is_str(order(), "1 2 3 4 5 6", "two rings merged by time");
	ok(!blocked, "nothing held back");
	ok(fk[0].cons == fk[0].prod && fk[1].cons == fk[1].prod,
	   "each ring's consumer position where its records end");
	is_int(drain(&blocked), 0, "drained: nothing more");
}

static void test_neighbours(void)
{
	bool blocked;

	/* ring 0: a hook reserved 30, another interrupted it and wrote 20
	 * behind it before 30's clock was read */
	rings_reset(2);
	put(0, 10, 1, 0);
	put(0, 30, 3, 0);
	put(0, 20, 2, 0);
	put(1, 25, 25, 0);
	drain(&blocked);
	is_str(order(), "1 3 2 25", "a ring's order is kept; the other's 25 waits for its 20");
}

static void test_busy(void)
{
	bool blocked;
	uint64_t at;

	rings_reset(2);
	at = put(0, 0, 4, BPF_RINGBUF_BUSY_BIT);
	put(0, 5, 5, 0);
	put(1, 10, 10, 0);
	is_int(drain(&blocked), 0, "a record being written holds back the earlier time behind it");
	ok(blocked, "and the caller is told to come back");
	ok(fk[1].cons == 0, "the other ring's later record stays");
	commit(0, at, 4);
	drain(&blocked);
	is_str(order(), "4 5 10", "once written, all in order");
	ok(!blocked, "nothing held back then");

	rings_reset(2);
	put(0, 0, 4, BPF_RINGBUF_BUSY_BIT);
	put(1, 10, 10, 0);
	drain(&blocked);
	is_str(order(), "10", "a record being written with nothing behind it holds nothing back");
	ok(blocked, "but the caller is told to come back for it");
}

static void test_discard(void)
{
	bool blocked;

	rings_reset(2);
	put(0, 1, 1, BPF_RINGBUF_DISCARD_BIT);
	put(0, 2, 2, BPF_RINGBUF_DISCARD_BIT);
	put(1, 3, 3, 0);
	put(1, 4, 4, BPF_RINGBUF_DISCARD_BIT);
	put(1, 5, 5, 0);
	is_int(drain(&blocked), 2, "discarded records are not handed on");
	is_str(order(), "3 5", "the others are");
	ok(fk[0].cons == fk[0].prod && fk[1].cons == fk[1].prod,
	   "the consumer positions pass the discarded ones, a ring of only those too");
}

static void test_late(void)
{
	/* records made from now on: their causes may come after a look */
	uint64_t fresh = mono_now_ns() + 1000000000ull;
	bool blocked;

	/* ring 1 is empty until record 1 is handed on: what it then holds
	 * (a record that record 1's handling made, time 15) goes before 20 */
	rings_reset(2);
	put(0, fresh + 10, 1, 0);
	put(0, fresh + 20, 2, 0);
	when = 1;
	when_ts = fresh + 15;
	drain(&blocked);
	is_str(order(), "1 99 2", "a ring found empty is looked at again for a record made since");

	/* records made before the drain's first look: their causes were all
	 * there to see, and a record that arrives later waits its turn */
	rings_reset(2);
	put(0, 10, 1, 0);
	put(0, 20, 2, 0);
	when_ts = 15;
	drain(&blocked);
	is_str(order(), "1 2 99", "but not for one made before its last look");
	when = UINT32_MAX;
}

static void test_limits(void)
{
	bool blocked;
	uint32_t i;

	rings_reset(2);
	for (i = 0; i < 10; i++)
		put(i & 1, i, i, 0);
	ngot = 0;
	is_int(rings_drain(&rs, 3, take, NULL, &blocked), 3, "at most max records");
	is_str(order(), "0 1 2", "the first ones");
	ok(fk[0].cons + fk[1].cons == 3 * 32, "the consumer positions say so (%llu, %llu)",
	   (unsigned long long)fk[0].cons, (unsigned long long)fk[1].cons);
	fail_at = 2;
	is_int(drain(&blocked), -7, "the callback's error ends the drain");
	fail_at = -1;
	is_str(order(), "3 4", "after the record it failed on");
	ok(fk[0].cons + fk[1].cons == 5 * 32, "that record is consumed");
	drain(&blocked);
	is_str(order(), "5 6 7 8 9", "the rest come next time");

	/* more than the producer position read at first: read again */
	rings_reset(1);
	for (i = 0; i < 3; i++)
		put(0, i, i, 0);
	drain(&blocked);
	for (i = 3; i < 600; i++)
		put(0, i, i, 0);
	ok(drain(&blocked) == 597 && fk[0].cons == fk[0].prod,
	   "more records than were first seen: the producer position is read again");
}

/* What was shown ahead, in order, and whether a record was shown after it
 * was handed on or twice. */
static uint32_t shown[64];
static unsigned int nshown, shown_late;

static void ahead(void *ctx, const void *data, size_t len)
{
	uint32_t id;
	unsigned int i;

	(void)ctx;
	if (len != 24)
		return;
	memcpy(&id, (const char *)data + 16, 4);
	for (i = 0; i < ngot; i++)
		shown_late += got[i] == id;
	for (i = 0; i < nshown; i++)
		shown_late += shown[i] == id;
	if (nshown < 64)
		shown[nshown++] = id;
}

static const char *shown_order(void)
{
	static char s[256];

	return ids_str(s, sizeof(s), shown, nshown);
}

static void test_ahead(void)
{
	bool blocked;
	uint64_t at;
	uint32_t i;

	rings_reset(2);
	rings_set_ahead(&rs, ahead, NULL);
	nshown = shown_late = 0;
	for (i = 1; i <= 12; i++)
		put(i & 1, i, i, 0);
	drain(&blocked);
	is_str(order(), "1 2 3 4 5 6 7 8 9 10 11 12", "with a look ahead, the same merge");
	is_int(nshown, 12, "every record shown ahead");
	is_int(shown_late, 0, "each once, before it was handed on");
	/* the first look takes four of each ring (ring 0 has the even ones),
	 * then each record handed on lets one more in behind it */
	is_str(shown_order(), "2 4 6 8 1 3 5 7 9 10 11 12", "shown a few records deep");

	/* one being written: neither it nor what is behind it yet */
	rings_reset(1);
	rings_set_ahead(&rs, ahead, NULL);
	nshown = shown_late = 0;
	put(0, 1, 1, 0);
	at = put(0, 0, 2, BPF_RINGBUF_BUSY_BIT);
	put(0, 3, 3, 0);
	put(0, 4, 4, BPF_RINGBUF_DISCARD_BIT);
	put(0, 5, 5, 0);
	drain(&blocked);
	is_str(shown_order(), "1",
	       "a record being written holds back the showing of those behind it");
	commit(0, at, 2);
	drain(&blocked);
	is_str(order(), "2 3 5", "once written, the rest handed on");
	is_str(shown_order(), "1 2 3 5",
	       "and shown first, in the ring's order, the discarded one not");
	is_int(shown_late, 0, "none shown late or twice");
}

static void test_plan(void)
{
	static const struct {
		unsigned int cpus;
		uint64_t total;
		unsigned int n;
		uint64_t size;
	} c[] = {
		{1, 8u << 20, 1, 8u << 20},	{2, 8u << 20, 2, 4u << 20},
		{3, 8u << 20, 2, 4u << 20},	{4, 8u << 20, 4, 2u << 20},
		{64, 8u << 20, 8, 1u << 20},	{2, 16u << 10, 1, 16u << 10},
		{8, 1u << 20, 4, 256u << 10},	{2, 512u << 10, 2, 256u << 10},
		{128, 1u << 30, 8, 128u << 20}, {0, 4u << 10, 1, 4u << 10},
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		unsigned int n;
		uint64_t size;

		rings_plan(c[i].cpus, c[i].total, &n, &size);
		ok(n == c[i].n && size == c[i].size && n * size == c[i].total,
		   "%u CPUs, %llu bytes: %u rings of %llu", c[i].cpus,
		   (unsigned long long)c[i].total, n, (unsigned long long)size);
	}
}

int main(void)
{
	test_merge();
	test_neighbours();
	test_busy();
	test_discard();
	test_late();
	test_limits();
	test_ahead();
	test_plan();
	return tap_done();
}
