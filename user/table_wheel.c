// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * TIME_WAIT: an active closer's entry outlives its struct sock. It becomes a
 * compact entry of its own (struct tw_entry), keyed by its tuple, and waits
 * in a timer wheel of one-second buckets until its time is up, the kernel
 * reuses the tuple, or a snapshot no longer has it.
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

static uint32_t tw_slot(const struct table *tb, const struct tw_entry *tw)
{
	return (uint32_t)(tw - tb->tws) + 1;
}

static bool tw_bucket_unsorted(const struct table *tb, uint32_t b)
{
	return tb->tw_unsorted[b / 64] & (1ull << (b % 64));
}

/* Onto the tail of the bucket of the second it ends (never one already past). */
static void tw_insert(struct table *tb, struct tw_entry *tw)
{
	uint64_t sec = tw->expire_ns / NS_PER_SEC;
	uint32_t b, slot = tw_slot(tb, tw);

	if (sec < tb->tw_sec)
		sec = tb->tw_sec;
	b = sec % TW_WHEEL;
	tw->next = 0;
	if (tb->tw_tail[b]) {
		if (tw->expire_ns + TW_SLACK_NS < tb->tw_max[b])
			tb->tw_unsorted[b / 64] |= 1ull << (b % 64);
		tb->tws[tb->tw_tail[b] - 1].next = slot;
	} else {
		tb->tw_wheel[b] = slot;
		tb->tw_max[b] = 0;
	}
	tb->tw_tail[b] = slot;
	if (tw->expire_ns > tb->tw_max[b])
		tb->tw_max[b] = tw->expire_ns;
}

/*
 * A bucket's second, cut into slots each narrower than TW_SLACK_NS: slots in
 * turn are in order to within it, which is all tw_expire() asks of a bucket.
 */
#define TW_SORT_SLOTS 1024
_Static_assert(NS_PER_SEC / TW_SORT_SLOTS < TW_SLACK_NS, "a slot wider than the slack");

/*
 * Orders bucket b to within TW_SLACK_NS in one walk: its entries are dealt
 * into the slots of its second, in the order they came within a slot, and
 * the slots are joined. An entry from an earlier second (one that came late,
 * put in the bucket of the second then under way) goes before them all. A
 * merge sort walked a snapshot's bucket of a 50,000-connection storm 16
 * times, and the consumer stood still for 50 ms while the ring filled.
 */
static void tw_sort(struct table *tb, uint32_t b)
{
	uint32_t head[TW_SORT_SLOTS + 1] = {0}, tail[TW_SORT_SLOTS + 1];
	uint32_t cur = tb->tw_wheel[b], *link = &tb->tw_wheel[b], k;
	uint64_t sec = tb->tw_max[b] / NS_PER_SEC;

	while (cur) {
		struct tw_entry *tw = &tb->tws[cur - 1];
		uint32_t next = tw->next;

		k = tw->expire_ns / NS_PER_SEC < sec ? 0
						     : 1 + (uint32_t)(tw->expire_ns % NS_PER_SEC *
								      TW_SORT_SLOTS / NS_PER_SEC);
		tw->next = 0;
		if (head[k])
			tb->tws[tail[k] - 1].next = cur;
		else
			head[k] = cur;
		tail[k] = cur;
		cur = next;
	}
	tb->tw_tail[b] = 0;
	for (k = 0; k <= TW_SORT_SLOTS; k++) {
		if (!head[k])
			continue;
		*link = head[k];
		link = &tb->tws[tail[k] - 1].next;
		tb->tw_tail[b] = tail[k];
	}
	*link = 0;
	tb->tw_unsorted[b / 64] &= ~(1ull << (b % 64));
}

/*
 * Unlinks and returns the head of the first bucket with entries from the
 * current second on (NULL if none): the entry ending soonest, to within a
 * second. The table calls this for every new socket once it is full, so it
 * must not walk a bucket: at 50,000 connections a second one bucket holds
 * that many entries.
 */
static struct tw_entry *tw_take_soonest(struct table *tb)
{
	struct tw_entry *tw;
	uint32_t i, b;

	for (i = 0; i < TW_WHEEL; i++) {
		b = (tb->tw_sec + i) % TW_WHEEL;
		if (!tb->tw_wheel[b])
			continue;
		tw = &tb->tws[tb->tw_wheel[b] - 1];
		tb->tw_wheel[b] = tw->next;
		if (!tw->next)
			tb->tw_tail[b] = 0;
		tw->next = 0;
		return tw;
	}
	return NULL;
}

/* Leaves the indexes and the count (not the wheel, which frees it in time). */
static void tw_unindex(struct table *tb, struct tw_entry *tw)
{
	ix_del(&tb->by_tw, tw->key);
	if (tw->flags & ENTRY_BY_COOKIE)
		ix_del(&tb->tw_by_cookie, tw->cookie);
	tw->flags &= ~ENTRY_BY_COOKIE;
	tb->st.entries--;
}

/* Back to the free list; it is out of the wheel. */
static void tw_free(struct table *tb, struct tw_entry *tw)
{
	if (!(tw->flags & ENTRY_GONE))
		tw_unindex(tb, tw);
	tw->key = 0;
	tw->flags = 0;
	tw->next = tb->tw_free_head;
	tb->tw_free_head = tw_slot(tb, tw);
	tb->tw_in_use--;
}

bool table_room(struct table *tb)
{
	struct tw_entry *old;

	if (tb->in_use + tb->tw_in_use < tb->cap)
		return true;
	/* full: the TIME_WAIT entry ending soonest is the least useful to keep */
	old = tw_take_soonest(tb);
	if (!old)
		return false;
	if (!(old->flags & ENTRY_GONE))
		tb->st.evicted++;
	tw_free(tb, old);
	return true;
}

/*
 * The port of an entry now in by_tw. Bits are never cleared one by one
 * (another entry may have the port): once more entries have been added than
 * twice those in by_tw (and than there are ports), the bits are made anew
 * from the entries. A remake walks the entries once, after at least twice as
 * many were added.
 */
static void tw_ports_add(struct table *tb, uint16_t port)
{
	uint32_t i;

	tb->tw_ports[port / 64] |= 1ull << (port % 64);
	if (++tb->tw_ports_added <= 2 * tb->by_tw.n || tb->tw_ports_added <= 65536)
		return;
	memset(tb->tw_ports, 0, sizeof(tb->tw_ports));
	tb->tw_ports_added = 0;
	for (i = 0; i < tb->tw_used; i++) {
		const struct tw_entry *tw = &tb->tws[i];

		if (tw->key && !(tw->flags & ENTRY_GONE)) {
			tb->tw_ports[tw->t.sport / 64] |= 1ull << (tw->t.sport % 64);
			tb->tw_ports_added++;
		}
	}
}

/* how many slots ahead tw_alloc() fetches */
#define TW_PREFETCH 8

/*
 * A TIME_WAIT slot. Never short: the caller made room (table_room()), or
 * frees a full entry for it, and both kinds together stay within cap.
 */
static struct tw_entry *tw_alloc(struct table *tb, const struct st_tuple *t)
{
	struct tw_entry *tw;
	uint32_t slot;

	if (tb->tw_free_head) {
		slot = tb->tw_free_head;
		tb->tw_free_head = tb->tws[slot - 1].next;
	} else {
		slot = ++tb->tw_used;
		map_ahead(tb->tws, sizeof(*tb->tws), tb->cap, &tb->tw_mapped, slot);
		/* a storm takes fresh slots one after another, each a cache miss
		 * where its lines are written: start on a later one's now */
		if (slot + TW_PREFETCH <= tb->cap) {
			__builtin_prefetch(&tb->tws[slot + TW_PREFETCH - 1], 1);
			__builtin_prefetch((const char *)&tb->tws[slot + TW_PREFETCH - 1] + 64, 1);
		}
	}
	tb->tw_in_use++;
	tw = &tb->tws[slot - 1];
	memset(tw, 0, sizeof(*tw));
	tw->key = tw_key(t);
	tw->t = *t;
	ix_put(&tb->by_tw, slot);
	tw_ports_add(tb, t->sport);
	return tw;
}

void tw_as_entry(const struct table *tb, const struct tw_entry *tw, struct sock_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->sk = tw->key;
	e->id = tw->id;
	e->cookie = tw->cookie;
	e->first_ns = tw->state_ns;
	e->state_ns = tw->state_ns;
	e->expire_ns = tw->expire_ns;
	e->seen_gen = tw->seen_gen;
	e->state = tw->state;
	e->flags = tw->flags | ENTRY_TIMEWAIT;
	e->missed = tw->missed;
	e->owner_src = tw->owner_src;
	e->owner_pid = tw->owner_pid;
	memcpy(e->owner_comm, tw->owner_comm, ST_COMM_LEN);
	e->t = tw->t;
	if (tw->has_extra)
		e->mptcp_parent = tb->tw_extra[tw - tb->tws].mptcp_parent;
}

/* The derived line of a TIME_WAIT entry's end, at ts. */
static void tw_emit_close(struct table *tb, const struct tw_entry *tw, uint64_t ts)
{
	struct sock_entry e;
	struct transition tr = {
		.kind = TR_STATE,
		.ts_ns = ts,
		.e = &e,
		.old_state = tw->state,
		.new_state = ST_TCP_CLOSE,
		.prev_known = !(tw->flags & ENTRY_SEEDED),
		.prev_ns = ts > tw->state_ns ? ts - tw->state_ns : 0,
	};

	tw_as_entry(tb, tw, &e);
	if (tw->owner_src == OWNER_HOLDER && tw->has_extra)
		tr.origin = &tb->tw_extra[tw - tb->tws].origin;
	tb->sink(tb->sink_ctx, &tr);
}

/* Into the wheel, and by cookie where a sock_diag snapshot may ask. */
static void tw_start(struct table *tb, struct tw_entry *tw, uint64_t expire_ns)
{
	tw->expire_ns = expire_ns;
	if (tb->seed_keys && tw->cookie && ix_put(&tb->tw_by_cookie, tw_slot(tb, tw)))
		tw->flags |= ENTRY_BY_COOKIE;
	tw_insert(tb, tw);
}

/*
 * The full entry becomes a TIME_WAIT one, found by its tuple (the kernel may
 * reuse the sock address at once), and its slot goes back to the free list.
 * If that tuple already has a TIME_WAIT entry made by a snapshot, the one
 * that knows more stays: this one, which knows its owner, if the snapshot met
 * this very socket (a timewait socket keeps the full socket's cookie); else
 * the snapshot's, and the newcomer is dropped.
 */
void entry_to_timewait(struct table *tb, struct sock_entry *e, uint64_t expire_ns)
{
	struct tw_entry *old = tw_find(tb, &e->t), *tw;
	const struct sock_origin *origin = entry_origin(tb, e);

	e->flags &= ~ENTRY_PENDING;
	if (old && old->cookie && old->cookie == e->cookie) {
		timewait_gone(tb, old);
	} else if (old) {
		entry_free(tb, e);
		return;
	}
	tw = tw_alloc(tb, &e->t);
	tw->id = e->id;
	tw->cookie = e->cookie;
	tw->state_ns = e->state_ns;
	tw->state = ST_TCP_TIME_WAIT;
	/* TIME_WAIT was seen entered, whoever found the socket first */
	tw->flags = e->flags & (ENTRY_SEEN_START | ENTRY_PASSIVE);
	tw->seen_gen = e->seen_gen;
	tw->missed = e->missed;
	tw->owner_src = e->owner_src;
	tw->owner_pid = e->owner_pid;
	memcpy(tw->owner_comm, e->owner_comm, ST_COMM_LEN);
	if (origin || e->mptcp_parent) {
		struct tw_extra *x = &tb->tw_extra[tw - tb->tws];

		x->origin = origin ? *origin : (struct sock_origin){0};
		x->mptcp_parent = e->mptcp_parent;
		tw->has_extra = true;
	}
	entry_free(tb, e);
	tb->st.entries++; /* the same socket, in its new entry */
	tw_start(tb, tw, expire_ns);
}

struct tw_entry *tw_seed(struct table *tb, const struct st_tuple *t, uint64_t cookie, uint64_t ts,
			 uint64_t expire_ns)
{
	struct tw_entry *tw;

	if (!table_room(tb)) {
		tb->st.full++;
		return NULL;
	}
	tw = tw_alloc(tb, t);
	tw->id = cookie ? cookie : tb->next_synthetic++;
	tw->cookie = cookie;
	tw->state_ns = ts;
	tw->state = ST_TCP_TIME_WAIT;
	tw->flags = ENTRY_SEEDED;
	tb->st.entries++;
	tb->st.sockets_seen++;
	if (tb->st.entries > tb->st.peak_entries)
		tb->st.peak_entries = tb->st.entries;
	tw_start(tb, tw, expire_ns);
	return tw;
}

/*
 * A TIME_WAIT entry whose socket the kernel no longer has leaves the indexes
 * and the count now; it is still linked in the wheel, and table_tick frees it
 * when it gets there.
 */
void timewait_gone(struct table *tb, struct tw_entry *tw)
{
	tw_unindex(tb, tw);
	tw->flags |= ENTRY_GONE;
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
	struct tw_entry *tw = tw_find(tb, &e->t);

	if (!tw)
		return;
	if (!(tw->cookie && tw->cookie == e->cookie))
		tw_emit_close(tb, tw, ts);
	timewait_gone(tb, tw);
}

/*
 * When the first entry not yet ended is due: its bucket's head, or the
 * bucket's second if the bucket waits to be sorted. UINT64_MAX: none.
 */
uint64_t tw_next_due(const struct table *tb)
{
	uint64_t sec = tb->tw_sec;
	uint32_t n, b;

	for (n = 0; n < TW_WHEEL; n++, sec++) {
		b = sec % TW_WHEEL;
		if (!tb->tw_wheel[b])
			continue;
		if (tw_bucket_unsorted(tb, b))
			return sec * NS_PER_SEC;
		return tb->tws[tb->tw_wheel[b] - 1].expire_ns;
	}
	return UINT64_MAX;
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
			struct tw_entry *tw = &tb->tws[*link - 1];

			/* in order to within TW_SLACK_NS: from here on none is due */
			if (tw->expire_ns > now_ns + TW_SLACK_NS)
				break;
			if (tw->expire_ns > now_ns) {
				prev = *link;
				link = &tw->next;
				continue;
			}
			*link = tw->next;
			if (!tw->next)
				tb->tw_tail[b] = prev;
			tw->next = 0;
			if (!(tw->flags & ENTRY_GONE))
				tw_emit_close(tb, tw, tw->expire_ns);
			tw_free(tb, tw);
		}
	}
	if (now_sec > tb->tw_sec)
		tb->tw_sec = now_sec;
}
