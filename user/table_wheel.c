// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * TIME_WAIT: an active closer's entry outlives its struct sock. It is keyed
 * by its tuple and waits in a timer wheel of one-second buckets until its
 * time is up, the kernel reuses the tuple, or a snapshot no longer has it.
 */
#include "table_internal.h"

/*
 * A TIME_WAIT entry is keyed by its tuple: the event that makes it and a
 * snapshot's timewait socket (another address) must find the same entry.
 * Odd keys never collide with sock addresses, which are aligned.
 */
uint64_t tw_key(const struct st_tuple *t)
{
	/* the tuple without its flags: addresses, netns, ports, family, protocol */
	uint64_t w[(offsetof(struct st_tuple, flags) + 7) / 8] = {0}, h = 0x9e3779b97f4a7c15ull;
	size_t i;

	/* a word at a time: byte by byte, two keys a connection cost 100 ns */
	memcpy(w, t, offsetof(struct st_tuple, flags));
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		h = (h ^ w[i]) * 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	return h | 1;
}

/*
 * How far apart in time two events may reach the table out of order: CPUs
 * stamp their records before they take their place in the ring buffer.
 * A bucket whose entries are in order to within this is kept as it is:
 * tw_expire() walks that far past the first entry not yet due.
 */
#define TW_SLACK_NS 1000000ull

static bool tw_bucket_unsorted(const struct table *tb, uint32_t b)
{
	return tb->tw_unsorted[b / 64] & (1ull << (b % 64));
}

/* Onto the tail of the bucket of the second it ends (never one already past). */
static void tw_insert(struct table *tb, struct sock_entry *e)
{
	uint64_t sec = e->expire_ns / NS_PER_SEC;
	uint32_t b, slot = entry_slot(tb, e);

	if (sec < tb->tw_sec)
		sec = tb->tw_sec;
	b = sec % TW_WHEEL;
	e->next = 0;
	if (tb->tw_tail[b]) {
		if (e->expire_ns + TW_SLACK_NS < tb->tw_max[b])
			tb->tw_unsorted[b / 64] |= 1ull << (b % 64);
		tb->ents[tb->tw_tail[b] - 1].next = slot;
	} else {
		tb->tw_wheel[b] = slot;
		tb->tw_max[b] = 0;
	}
	tb->tw_tail[b] = slot;
	if (e->expire_ns > tb->tw_max[b])
		tb->tw_max[b] = e->expire_ns;
}

/* Merges two lists sorted by expire_ns, a's first where they tie. */
static uint32_t tw_merge(struct table *tb, uint32_t a, uint32_t b)
{
	uint32_t head = 0, *link = &head;

	while (a && b) {
		uint32_t *take = tb->ents[a - 1].expire_ns <= tb->ents[b - 1].expire_ns ? &a : &b;

		*link = *take;
		link = &tb->ents[*take - 1].next;
		*take = *link;
	}
	*link = a ? a : b;
	return head;
}

/*
 * Sorts bucket b by expire_ns, bottom-up: runs[i] holds a sorted run of 2^i
 * entries or none, as a binary counter; O(n log n), no recursion, no memory.
 */
static void tw_sort(struct table *tb, uint32_t b)
{
	uint32_t runs[32] = {0}, cur = tb->tw_wheel[b], head = 0, tail;
	unsigned int i;

	while (cur) {
		uint32_t one = cur;

		cur = tb->ents[cur - 1].next;
		tb->ents[one - 1].next = 0;
		for (i = 0; i < 31 && runs[i]; i++) {
			one = tw_merge(tb, runs[i], one);
			runs[i] = 0;
		}
		runs[i] = runs[i] ? tw_merge(tb, runs[i], one) : one;
	}
	for (i = 0; i < 32; i++)
		if (runs[i])
			head = head ? tw_merge(tb, runs[i], head) : runs[i];
	tb->tw_wheel[b] = head;
	for (tail = head; tail && tb->ents[tail - 1].next;)
		tail = tb->ents[tail - 1].next;
	tb->tw_tail[b] = tail;
	tb->tw_unsorted[b / 64] &= ~(1ull << (b % 64));
}

/*
 * Unlinks and returns the head of the first bucket with entries from the
 * current second on (NULL if none): the entry ending soonest, to within a
 * second. The table calls this for every new socket once it is full, so it
 * must not walk a bucket: at 50,000 connections a second one bucket holds
 * that many entries.
 */
struct sock_entry *tw_take_soonest(struct table *tb)
{
	struct sock_entry *e;
	uint32_t i, b;

	for (i = 0; i < TW_WHEEL; i++) {
		b = (tb->tw_sec + i) % TW_WHEEL;
		if (!tb->tw_wheel[b])
			continue;
		e = &tb->ents[tb->tw_wheel[b] - 1];
		tb->tw_wheel[b] = e->next;
		if (!e->next)
			tb->tw_tail[b] = 0;
		e->next = 0;
		return e;
	}
	return NULL;
}

/*
 * Whether a TIME_WAIT entry is the very socket another entry is: a snapshot
 * met its timewait socket (which keeps the full socket's cookie) before the
 * ring buffer brought the events that lead there.
 */
static bool same_socket(const struct sock_entry *tw, const struct sock_entry *e)
{
	return tw->cookie && tw->cookie == e->cookie;
}

/*
 * The entry stops being found by sock address (the kernel may reuse it at
 * once) and is found by its tuple instead. If that tuple already has an entry
 * made by a snapshot, the one that knows more stays: this one, which knows
 * its owner and path, if the snapshot met this very socket; else the
 * snapshot's, and the newcomer is dropped.
 */
void entry_to_timewait(struct table *tb, struct sock_entry *e, uint64_t expire_ns)
{
	uint64_t key = tw_key(&e->t);
	uint32_t slot = entry_slot(tb, e), pos;
	struct sock_entry *old;

	if (e->sk)
		ix_del(tb, sk_index(tb, e->sk), e->sk);
	e->flags &= ~ENTRY_PENDING;
	/* nothing asks for a TIME_WAIT entry by cookie but a sock_diag snapshot
	 * (table_apply_sock()): without one, the index need not hold them */
	if ((e->flags & ENTRY_BY_COOKIE) && !tb->seed_keys) {
		ix_del(tb, &tb->by_cookie, e->cookie);
		e->flags &= ~ENTRY_BY_COOKIE;
	}
	old = slot_entry(tb, ix_find(tb, &tb->by_odd, key, &pos));
	if (old && (old->flags & ENTRY_TIMEWAIT) && same_socket(old, e)) {
		timewait_gone(tb, old);
	} else if (old) {
		e->sk = 0; /* out of the index already */
		entry_free(tb, e);
		return;
	}
	e->sk = key;
	ix_put(tb, &tb->by_odd, slot);
	e->flags |= ENTRY_TIMEWAIT;
	e->state = ST_TCP_TIME_WAIT;
	e->expire_ns = expire_ns;
	tw_insert(tb, e);
}

/*
 * A TIME_WAIT entry whose socket the kernel no longer has leaves the indexes
 * and the count now; it is still linked in the wheel, and table_tick frees it
 * when it gets there.
 */
void timewait_gone(struct table *tb, struct sock_entry *e)
{
	ix_del(tb, sk_index(tb, e->sk), e->sk);
	if (e->flags & ENTRY_BY_COOKIE)
		ix_del(tb, &tb->by_cookie, e->cookie);
	e->flags &= ~ENTRY_BY_COOKIE;
	e->flags |= ENTRY_GONE;
	tb->st.entries--;
}

/*
 * A new connection on a tuple still in TIME_WAIT: the kernel reused the
 * timewait socket (tcp_tw_reuse; on loopback by default), which is gone now.
 * Its entry ends with a derived line, and leaves the wheel when its time
 * comes. A TIME_WAIT entry of the connecting socket itself is no older
 * connection: a snapshot met its end before its events came, which will
 * bring that end again, with its owner; it goes without a line.
 */
void timewait_reused(struct table *tb, const struct sock_entry *e, uint64_t ts)
{
	struct sock_entry *tw = lookup(tb, tw_key(&e->t));

	if (!tw || !(tw->flags & ENTRY_TIMEWAIT))
		return;
	if (!same_socket(tw, e))
		emit_state(tb, tw, ts, tw->state, ST_TCP_CLOSE, true, NULL, 0);
	timewait_gone(tb, tw);
}

/*
 * End the entries whose time is up, each with a derived -> CLOSE line. The
 * table calls this at every poll: a bucket is walked only as far as its
 * entries may be due, or at 50,000 connections a second each poll would walk
 * the 50,000 entries of the second under way.
 */
void tw_expire(struct table *tb, uint64_t now_ns)
{
	uint64_t now_sec = now_ns / NS_PER_SEC, sec;
	uint32_t n;

	/* the first tick looks at every bucket: entries may have come before it */
	if (!tb->tw_sec)
		tb->tw_sec = now_sec >= TW_WHEEL ? now_sec - TW_WHEEL + 1 : 1;
	/* the buckets of the seconds up to now; the current one stays open */
	for (sec = tb->tw_sec, n = 0; sec <= now_sec && n < TW_WHEEL; sec++, n++) {
		uint32_t b = sec % TW_WHEEL, prev = 0;
		uint32_t *link = &tb->tw_wheel[b];

		if (tw_bucket_unsorted(tb, b))
			tw_sort(tb, b);
		while (*link) {
			struct sock_entry *e = &tb->ents[*link - 1];

			/* in order to within TW_SLACK_NS: from here on none is due */
			if (e->expire_ns > now_ns + TW_SLACK_NS)
				break;
			if (e->expire_ns > now_ns) {
				prev = *link;
				link = &e->next;
				continue;
			}
			*link = e->next;
			if (!e->next)
				tb->tw_tail[b] = prev;
			e->next = 0;
			if (!(e->flags & ENTRY_GONE))
				emit_state(tb, e, e->expire_ns, e->state, ST_TCP_CLOSE, true, NULL,
					   0);
			entry_free(tb, e);
		}
	}
	if (now_sec > tb->tw_sec)
		tb->tw_sec = now_sec;
}
