// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The live table. Entries sit in one array allocated up front (untouched pages
 * cost nothing), found through an open-addressing index keyed by the sock
 * address; updates never allocate. A socket's entry ends at its final CLOSE,
 * or, for an active closer, when its TIME_WAIT time is up.
 */
#include "table.h"

#include <errno.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#define ST_AF_INET6    10
#define ST_IPPROTO_TCP 6
#define ST_IPPROTO_UDP 17

struct pending {
	uint32_t slot;
	uint64_t id;
};

#define LISTEN_BUCKETS 1024
#define TW_WHEEL       128 /* seconds: more than a timewait period (TCP_TIMEWAIT_LEN, 60 s) */
#define NS_PER_SEC     1000000000ull

/*
 * Open addressing with linear probing; the key is a 64-bit field of the
 * entry. Each cell holds the slot number and, above it, the key's hash: a
 * probe compares hashes and reads an entry (a cache miss in a table of
 * thousands) only on a match, and deletion and growth need no entry at all.
 */
struct index {
	uint64_t *slots; /* ix_cell(); 0 = empty */
	uint32_t mask;
	uint32_t n;    /* keys held */
	uint32_t max;  /* the largest size it may grow to */
	size_t keyoff; /* offsetof(struct sock_entry, sk or cookie) */
};

#define INDEX_MIN 1024

struct table {
	struct sock_entry *ents; /* slot i is ents[i - 1]; slot 0 means "none" */
	uint32_t cap;
	uint32_t used; /* slots ever handed out (the high-water mark) */
	uint32_t free_head;
	struct index by_sk;	/* every live entry, by sock address (TIME_WAIT: tuple hash) */
	struct index by_cookie; /* UDP entries, by cookie: their release names nothing else */
	/* TIME_WAIT entries by the second they end: a timer wheel. Snapshots add
	 * entries with any time left, so a sorted list would cost a walk each. */
	uint32_t tw_wheel[TW_WHEEL];
	uint64_t tw_sec; /* the first second not yet fully expired */
	uint32_t listen[LISTEN_BUCKETS];
	struct pending *pend; /* held CLOSE->SYN_SENT lines, oldest first */
	uint32_t pend_cap, pend_head, pend_len;
	uint64_t next_synthetic;
	bool seed_keys;		  /* a sock_diag snapshot made entries known by cookie only */
	uint64_t failed_keys[64]; /* connects whose failure was already reported */
	uint32_t failed_next;
	uint64_t ns_per_jiffy; /* timewait timers count jiffies */
	uint32_t gen;	       /* snapshot generation */
	uint64_t snap_start;   /* when the current snapshot began */
	transition_sink sink;
	void *sink_ctx;
	struct table_stats st;
};

static inline struct sock_entry *slot_entry(struct table *tb, uint32_t slot)
{
	return slot ? &tb->ents[slot - 1] : NULL;
}

static inline uint32_t entry_slot(struct table *tb, const struct sock_entry *e)
{
	return (uint32_t)(e - tb->ents) + 1;
}

static inline uint32_t hash_sk(uint64_t k)
{
	/* splitmix64's finalizer: slab addresses and sequential cookies differ in
	 * few bits, and linear probing needs every bit of the key in the low bits */
	k ^= k >> 30;
	k *= 0xbf58476d1ce4e5b9ull;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebull;
	k ^= k >> 31;
	return (uint32_t)k;
}

struct table *table_new(uint32_t max_entries, transition_sink sink, void *sink_ctx)
{
	struct table *tb = calloc(1, sizeof(*tb));
	uint32_t n = 64;

	if (!tb || max_entries == 0)
		goto fail;
	while (n < max_entries * 2u && n < (1u << 31))
		n <<= 1;
	if (n < INDEX_MIN)
		n = INDEX_MIN;
	tb->cap = max_entries;
	tb->ents = calloc(max_entries, sizeof(*tb->ents));
	/* the indexes grow with the table: their memory follows the sockets held */
	tb->by_sk = (struct index){.slots = calloc(INDEX_MIN, sizeof(uint64_t)),
				   .mask = INDEX_MIN - 1,
				   .max = n,
				   .keyoff = offsetof(struct sock_entry, sk)};
	tb->by_cookie = (struct index){.slots = calloc(INDEX_MIN, sizeof(uint64_t)),
				       .mask = INDEX_MIN - 1,
				       .max = n,
				       .keyoff = offsetof(struct sock_entry, cookie)};
	if (!tb->ents || !tb->by_sk.slots || !tb->by_cookie.slots)
		goto fail;
	tb->sink = sink;
	tb->sink_ctx = sink_ctx;
	tb->next_synthetic = 1ull << 62;
	tb->ns_per_jiffy = 1000000000ull / 250;
	return tb;
fail:
	table_free(tb);
	errno = ENOMEM;
	return NULL;
}

void table_free(struct table *tb)
{
	if (!tb)
		return;
	free(tb->ents);
	free(tb->by_sk.slots);
	free(tb->by_cookie.slots);
	free(tb->pend);
	free(tb);
}

const struct table_stats *table_stats(const struct table *tb)
{
	return &tb->st;
}

/* ---- indexes ---- */

static inline uint64_t ix_key(const struct table *tb, const struct index *ix, uint32_t slot)
{
	return *(const uint64_t *)((const char *)&tb->ents[slot - 1] + ix->keyoff);
}

static inline uint64_t ix_cell(uint32_t hash, uint32_t slot)
{
	return (uint64_t)hash << 32 | slot;
}

static inline uint32_t cell_slot(uint64_t cell)
{
	return (uint32_t)cell;
}

static inline uint32_t cell_hash(uint64_t cell)
{
	return (uint32_t)(cell >> 32);
}

/* The slot holding key, whose hash is h (0 if none); *pos is where it is or would go. */
static uint32_t ix_probe(const struct table *tb, const struct index *ix, uint64_t key, uint32_t h,
			 uint32_t *pos)
{
	uint32_t i = h & ix->mask, n;

	/* the index holds at most half its size: a free slot always ends the probe */
	for (n = 0; n <= ix->mask; n++, i = (i + 1) & ix->mask) {
		uint64_t cell = ix->slots[i];
		uint32_t slot = cell_slot(cell);

		if (!slot || (cell_hash(cell) == h && ix_key(tb, ix, slot) == key)) {
			*pos = i;
			return slot;
		}
	}
	abort(); /* unreachable unless the table is corrupt: fail loudly, not forever */
}

static uint32_t ix_find(const struct table *tb, const struct index *ix, uint64_t key, uint32_t *pos)
{
	return ix_probe(tb, ix, key, hash_sk(key), pos);
}

static void ix_del(struct table *tb, struct index *ix, uint64_t key)
{
	uint32_t i, j, k, pos;

	if (!ix_find(tb, ix, key, &pos))
		return;
	ix->n--;
	/* backward-shift deletion keeps probe chains intact without tombstones */
	i = pos;
	ix->slots[i] = 0;
	for (j = (i + 1) & ix->mask; ix->slots[j]; j = (j + 1) & ix->mask) {
		k = cell_hash(ix->slots[j]) & ix->mask;
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			ix->slots[i] = ix->slots[j];
			ix->slots[j] = 0;
			i = j;
		}
	}
}

/*
 * Make room for one more key: past half full, double and re-insert. The
 * probe chains stay short, and the memory is what the sockets need.
 */
static void ix_reserve(struct index *ix)
{
	uint32_t size = ix->mask + 1, nsize = size * 2, i, j;
	uint64_t *old = ix->slots;

	if ((ix->n + 1) * 2 <= size || nsize > ix->max)
		return;
	ix->slots = calloc(nsize, sizeof(uint64_t));
	if (!ix->slots) {
		ix->slots = old; /* stay as we are: fuller, slower, still right */
		return;
	}
	ix->mask = nsize - 1;
	for (j = 0; j < size; j++) {
		if (!old[j])
			continue;
		i = cell_hash(old[j]) & ix->mask;
		while (ix->slots[i])
			i = (i + 1) & ix->mask;
		ix->slots[i] = old[j];
	}
	free(old);
}

/* Insert the slot's key: false, and nothing done, if another slot holds it. */
static bool ix_put(struct table *tb, struct index *ix, uint32_t slot)
{
	uint64_t key = ix_key(tb, ix, slot);
	uint32_t h = hash_sk(key), pos, found;

	ix_reserve(ix);
	found = ix_probe(tb, ix, key, h, &pos);
	if (found)
		return found == slot;
	ix->slots[pos] = ix_cell(h, slot);
	ix->n++;
	return true;
}

static uint32_t idx_find(struct table *tb, uint64_t sk, uint32_t *pos)
{
	return ix_find(tb, &tb->by_sk, sk, pos);
}

static void idx_del(struct table *tb, uint64_t sk)
{
	ix_del(tb, &tb->by_sk, sk);
}

static struct sock_entry *lookup(struct table *tb, uint64_t sk)
{
	uint32_t pos;

	return sk ? slot_entry(tb, idx_find(tb, sk, &pos)) : NULL;
}

static struct sock_entry *lookup_cookie(struct table *tb, uint64_t cookie)
{
	uint32_t pos;

	return cookie ? slot_entry(tb, ix_find(tb, &tb->by_cookie, cookie, &pos)) : NULL;
}

/* UDP entries are also found by cookie: their release reports nothing else. */
static void cookie_index(struct table *tb, struct sock_entry *e)
{
	/* a cookie another entry holds stays with it */
	if (e->cookie && !(e->flags & ENTRY_BY_COOKIE) &&
	    ix_put(tb, &tb->by_cookie, entry_slot(tb, e)))
		e->flags |= ENTRY_BY_COOKIE;
}

/*
 * A snapshot from sock_diag (a kernel without BPF iterators) names a socket by
 * its cookie alone. Its entry gets an odd key, which no struct sock address
 * has, until an event names the address.
 */
static uint64_t seed_key(uint64_t cookie)
{
	return (cookie << 1) | 1;
}

static bool unaddressed(const struct sock_entry *e)
{
	return (e->sk & 1) && !(e->flags & (ENTRY_TIMEWAIT | ENTRY_GONE));
}

static void give_address(struct table *tb, struct sock_entry *e, uint64_t sk)
{
	idx_del(tb, e->sk);
	e->sk = sk;
	ix_put(tb, &tb->by_sk, entry_slot(tb, e));
}

/*
 * The entry of the socket at address sk, by its address, or by its cookie
 * if only a sock_diag snapshot has met it so far (the address is learnt).
 */
static struct sock_entry *lookup_event(struct table *tb, uint64_t sk, uint64_t cookie)
{
	struct sock_entry *e = lookup(tb, sk);

	/* with iterators there are no such entries: no second probe per new socket */
	if (e || !cookie || !tb->seed_keys)
		return e;
	e = lookup_cookie(tb, cookie);
	if (!e || !unaddressed(e))
		return NULL;
	give_address(tb, e, sk);
	return e;
}

/*
 * A TIME_WAIT entry is keyed by its tuple: the event that makes it and a
 * snapshot's timewait socket (another address) must find the same entry.
 * Odd keys never collide with sock addresses, which are aligned.
 */
static uint64_t tw_key(const struct st_tuple *t)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const uint8_t *p = (const uint8_t *)t;
	size_t i;

	/* the tuple without its flags: family, ports, addresses, netns */
	for (i = 0; i < offsetof(struct st_tuple, flags); i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h | 1;
}

/* ---- listeners, by port ---- */

/* The bucket is remembered: a listener's port can arrive after its LISTEN
 * (listen() without bind() stores the state before choosing the port). */
static void listen_add(struct table *tb, struct sock_entry *e)
{
	uint32_t *head;

	if (e->flags & ENTRY_LISTED)
		return;
	e->lbucket = e->t.sport % LISTEN_BUCKETS;
	head = &tb->listen[e->lbucket];
	e->lnext = *head;
	*head = entry_slot(tb, e);
	e->flags |= ENTRY_LISTED;
}

static void listen_del(struct table *tb, struct sock_entry *e)
{
	uint32_t *link = &tb->listen[e->lbucket], me = entry_slot(tb, e);

	if (!(e->flags & ENTRY_LISTED))
		return;
	e->flags &= ~ENTRY_LISTED;
	while (*link) {
		if (*link == me) {
			*link = e->lnext;
			e->lnext = 0;
			return;
		}
		link = &tb->ents[*link - 1].lnext;
	}
}

/* After a merge: a listener whose port changed moves to its port's bucket. */
static void listen_rehash(struct table *tb, struct sock_entry *e)
{
	if ((e->flags & ENTRY_LISTED) && e->lbucket != e->t.sport % LISTEN_BUCKETS) {
		listen_del(tb, e);
		listen_add(tb, e);
	}
}

static bool addr_any(const struct st_tuple *t)
{
	static const uint8_t zero[ST_ADDR_LEN];

	return memcmp(t->saddr, zero, t->family == ST_AF_INET6 ? 16 : 4) == 0;
}

/*
 * The listener a passive child came from: same netns, port and family (an
 * IPv4 client of a dual-stack listener makes an IPv6 child with a v4-mapped
 * address); an exact address beats a wildcard, as in the kernel's lookup.
 * Among SO_REUSEPORT siblings the kernel's choice is not visible here; the
 * accept() that follows names the real listener.
 */
static struct sock_entry *find_listener(struct table *tb, const struct st_tuple *c)
{
	struct sock_entry *best = NULL, *l;
	uint32_t slot;

	for (slot = tb->listen[c->sport % LISTEN_BUCKETS]; slot; slot = l->lnext) {
		l = &tb->ents[slot - 1];
		if (l->t.sport != c->sport || l->t.netns != c->netns || l->t.family != c->family)
			continue;
		if (memcmp(l->t.saddr, c->saddr, c->family == ST_AF_INET6 ? 16 : 4) == 0)
			return l;
		if (addr_any(&l->t) && !best)
			best = l;
	}
	return best;
}

/* ---- entries ---- */

static struct sock_entry *tw_take_soonest(struct table *tb);
static void entry_free(struct table *tb, struct sock_entry *e);
static void release_pending(struct table *tb, struct sock_entry *e);

static struct sock_entry *entry_new(struct table *tb)
{
	struct sock_entry *e;
	uint32_t slot;

	if (!tb->free_head && tb->used == tb->cap) {
		/* full: the TIME_WAIT entry ending soonest is the least useful to keep */
		struct sock_entry *old = tw_take_soonest(tb);

		if (old) {
			if (!(old->flags & ENTRY_GONE))
				tb->st.evicted++;
			entry_free(tb, old);
		}
	}
	if (tb->free_head) {
		slot = tb->free_head;
		tb->free_head = tb->ents[slot - 1].next;
	} else if (tb->used < tb->cap) {
		slot = ++tb->used;
	} else {
		tb->st.full++;
		return NULL;
	}
	e = &tb->ents[slot - 1];
	memset(e, 0, sizeof(*e));
	tb->st.entries++;
	tb->st.sockets_seen++;
	if (tb->st.entries > tb->st.peak_entries)
		tb->st.peak_entries = tb->st.entries;
	return e;
}

static struct sock_entry *entry_new_keyed(struct table *tb, uint64_t sk, uint64_t cookie)
{
	struct sock_entry *e;

	/* allocate first: making room may evict an entry, and a deletion moves
	 * other index slots, so the insert position is only good after it */
	e = entry_new(tb);
	if (!e)
		return NULL;
	e->sk = sk;
	e->cookie = cookie;
	e->id = cookie ? cookie : tb->next_synthetic++;
	ix_put(tb, &tb->by_sk, entry_slot(tb, e));
	cookie_index(tb, e);
	return e;
}

/*
 * A GONE entry (a TIME_WAIT one swept or reused) left the indexes and the
 * count already; it is only waiting to leave the wheel.
 */
static void entry_free(struct table *tb, struct sock_entry *e)
{
	/* a held line never vanishes: its socket ended, so it can go now */
	release_pending(tb, e);
	if (!(e->flags & ENTRY_GONE)) {
		idx_del(tb, e->sk);
		tb->st.entries--;
	}
	if (e->flags & ENTRY_BY_COOKIE)
		ix_del(tb, &tb->by_cookie, e->cookie);
	listen_del(tb, e);
	e->flags = 0;
	e->sk = 0;
	e->next = tb->free_head;
	tb->free_head = entry_slot(tb, e);
}

/*
 * An entry learns its cookie. A sock_diag snapshot that ran before the
 * socket's first event here gave the socket that cookie and an entry of its
 * own: the two are one socket.
 */
static void take_cookie(struct table *tb, struct sock_entry *e, uint64_t cookie)
{
	struct sock_entry *dup;

	if (e->cookie || !cookie)
		return;
	dup = tb->seed_keys ? lookup_cookie(tb, cookie) : NULL;
	if (dup && dup != e && unaddressed(dup)) {
		if (e->owner_src == OWNER_NONE && dup->owner_src != OWNER_NONE) {
			e->owner_pid = dup->owner_pid;
			memcpy(e->owner_comm, dup->owner_comm, ST_COMM_LEN);
			e->owner_src = dup->owner_src;
		}
		if (!e->ino)
			e->ino = dup->ino;
		entry_free(tb, dup);
	}
	e->cookie = cookie;
	cookie_index(tb, e);
}

/* Into the wheel, in the bucket of the second it ends (never one already past). */
static void tw_insert(struct table *tb, struct sock_entry *e)
{
	uint64_t sec = e->expire_ns / NS_PER_SEC;
	uint32_t *head;

	if (sec < tb->tw_sec)
		sec = tb->tw_sec;
	head = &tb->tw_wheel[sec % TW_WHEEL];
	e->next = *head;
	*head = entry_slot(tb, e);
}

/* Unlinks and returns the wheel's entry that ends first (NULL if none). */
static struct sock_entry *tw_take_soonest(struct table *tb)
{
	uint32_t b, *link, *best = NULL;
	struct sock_entry *e;

	for (b = 0; b < TW_WHEEL && !best; b++)
		/* from the current second on: the soonest of the first bucket with entries */
		for (link = &tb->tw_wheel[(tb->tw_sec + b) % TW_WHEEL]; *link;
		     link = &tb->ents[*link - 1].next)
			if (!best || tb->ents[*link - 1].expire_ns < tb->ents[*best - 1].expire_ns)
				best = link;
	if (!best)
		return NULL;
	e = &tb->ents[*best - 1];
	*best = e->next;
	e->next = 0;
	return e;
}

/*
 * The entry stops being found by sock address (the kernel may reuse it at
 * once) and is found by its tuple instead. If that tuple already has an entry
 * (a snapshot saw the timewait socket first), the newcomer is dropped.
 */
static void entry_to_timewait(struct table *tb, struct sock_entry *e, uint64_t expire_ns)
{
	uint64_t key = tw_key(&e->t);
	uint32_t slot = entry_slot(tb, e), pos;

	if (e->sk)
		idx_del(tb, e->sk);
	e->flags &= ~ENTRY_PENDING;
	if (idx_find(tb, key, &pos)) {
		e->sk = 0; /* out of the index already */
		entry_free(tb, e);
		return;
	}
	e->sk = key;
	ix_put(tb, &tb->by_sk, slot);
	e->flags |= ENTRY_TIMEWAIT;
	e->state = ST_TCP_TIME_WAIT;
	e->expire_ns = expire_ns;
	tw_insert(tb, e);
}

/* Addresses and ports that read as zero (the final CLOSE, SYN_SENT before the
 * port is chosen) never overwrite what the table already knows. */
static void merge_tuple(struct st_tuple *dst, const struct st_tuple *src)
{
	static const uint8_t zero[ST_ADDR_LEN];

	if (src->sport)
		dst->sport = src->sport;
	if (src->dport)
		dst->dport = src->dport;
	if (memcmp(src->saddr, zero, sizeof(zero)))
		memcpy(dst->saddr, src->saddr, sizeof(dst->saddr));
	if (memcmp(src->daddr, zero, sizeof(zero)))
		memcpy(dst->daddr, src->daddr, sizeof(dst->daddr));
	dst->flags = src->flags;
	dst->netns = src->netns;
}

static void set_owner(struct sock_entry *e, const struct st_task *task, enum owner_src src)
{
	e->owner_pid = task->tgid;
	memcpy(e->owner_comm, task->comm, ST_COMM_LEN);
	e->owner_src = src;
}

static void emit_state(struct table *tb, struct sock_entry *e, uint64_t ts, uint8_t old_state,
		       uint8_t new_state, bool prev_known, const struct st_task *task,
		       uint8_t sk_err)
{
	struct transition tr = {
		.kind = TR_STATE,
		.ts_ns = ts,
		.e = e,
		.old_state = old_state,
		.new_state = new_state,
		.prev_known = prev_known,
		.prev_ns = prev_known && ts > e->state_ns ? ts - e->state_ns : 0,
		.task = task,
		.sk_err = sk_err,
	};

	tb->sink(tb->sink_ctx, &tr);
}

/*
 * Record a state in the socket's path. CLOSE before the start and LISTEN (a
 * child's origin) are not part of a connection's path; a path longer than
 * the field keeps its last states.
 */
static void path_push(struct sock_entry *e, uint8_t state)
{
	if (!e->path_len && (state == ST_TCP_CLOSE || state == ST_TCP_LISTEN))
		return;
	if (e->path_len && entry_path_state(e, e->path_len - 1) == state)
		return;
	if (e->path_len == PATH_MAX_STATES) {
		e->path >>= 4;
		e->path_len--;
	}
	e->path |= (uint64_t)(state & 0xf) << (4 * e->path_len);
	e->path_len++;
}

/*
 * A TIME_WAIT entry whose socket the kernel no longer has leaves the indexes
 * and the count now; it is still linked in the wheel, and table_tick frees it
 * when it gets there.
 */
static void timewait_gone(struct table *tb, struct sock_entry *e)
{
	idx_del(tb, e->sk);
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
 * comes.
 */
static void timewait_reused(struct table *tb, const struct st_tuple *t, uint64_t ts)
{
	struct sock_entry *tw = lookup(tb, tw_key(t));

	if (!tw || !(tw->flags & ENTRY_TIMEWAIT))
		return;
	emit_state(tb, tw, ts, tw->state, ST_TCP_CLOSE, true, NULL, 0);
	timewait_gone(tb, tw);
}

/*
 * Emit a held first line, at the time it happened. It is attributed to the
 * owner: the task that ran it is not kept (for a child it was the client).
 */
static void release_pending(struct table *tb, struct sock_entry *e)
{
	struct st_task task = {.tgid = e->owner_pid, .tid = e->owner_pid};

	if (!(e->flags & ENTRY_PENDING))
		return;
	e->flags &= ~ENTRY_PENDING;
	memcpy(task.comm, e->owner_comm, ST_COMM_LEN);
	emit_state(tb, e, e->pend_ns, e->pend_old, e->pend_new, false, &task, 0);
}

static void pending_push(struct table *tb, struct sock_entry *e)
{
	if (tb->pend_len == tb->pend_cap) {
		uint32_t ncap = tb->pend_cap ? tb->pend_cap * 2 : 256, i;
		struct pending *np = malloc(ncap * sizeof(*np));

		if (!np) {
			/* cannot hold it: emit now, with the port still unknown */
			release_pending(tb, e);
			return;
		}
		for (i = 0; i < tb->pend_len; i++)
			np[i] = tb->pend[(tb->pend_head + i) % tb->pend_cap];
		free(tb->pend);
		tb->pend = np;
		tb->pend_cap = ncap;
		tb->pend_head = 0;
	}
	tb->pend[(tb->pend_head + tb->pend_len) % tb->pend_cap] =
		(struct pending){.slot = entry_slot(tb, e), .id = e->id};
	tb->pend_len++;
}

/*
 * A connect that failed: refused, timed out, unreachable. Reported from the
 * SYN_SENT -> CLOSE that carries the error, which covers non-blocking
 * connects too; connect()'s own return then only adds failures that never
 * reached SYN_SENT.
 */
static void connect_failed(struct table *tb, const struct sock_entry *e, uint64_t ts, int err)
{
	struct st_task task = {.tgid = e->owner_pid, .tid = e->owner_pid};
	struct transition tr = {
		.kind = TR_CONNECT,
		.ts_ns = ts,
		.e = e,
		.err = err,
		.task = &task,
	};

	memcpy(task.comm, e->owner_comm, ST_COMM_LEN);
	/* the cookie, or the address where there is none (classic tracepoints) */
	tb->failed_keys[tb->failed_next] = e->cookie ? e->cookie : e->sk;
	tb->failed_next = (tb->failed_next + 1) % 64;
	tb->sink(tb->sink_ctx, &tr);
}

/* Whether the state machine already reported this failure; forgets it then. */
static bool failure_reported(struct table *tb, uint64_t key)
{
	size_t i;

	for (i = 0; key && i < 64; i++)
		if (tb->failed_keys[i] == key) {
			tb->failed_keys[i] = 0;
			return true;
		}
	return false;
}

/*
 * Payload bytes from the kernel's counters, which count sequence space: an
 * acknowledged SYN (an active open's) and the FINs the record names.
 */
static void set_bytes(struct sock_entry *e, const struct st_state_rec *r)
{
	uint64_t tx = r->bytes_acked, rx = r->bytes_received;
	bool active = e->path_len && entry_path_state(e, 0) == ST_TCP_SYN_SENT;
	unsigned int i;

	for (i = 0; active && i < e->path_len; i++)
		if (entry_path_state(e, i) == ST_TCP_ESTABLISHED) {
			tx -= tx > 0;
			break;
		}
	if (r->close_flags & ST_CLOSE_FIN_OUT_ACKED)
		tx -= tx > 0;
	if (r->close_flags & ST_CLOSE_FIN_IN)
		rx -= rx > 0;
	e->bytes_acked = tx;
	e->bytes_received = rx;
}

/* Transitions that only the owning process makes, in a system call. */
static bool made_by_process(uint8_t old_state, uint8_t new_state)
{
	return new_state == ST_TCP_SYN_SENT || new_state == ST_TCP_LISTEN ||
	       (old_state == ST_TCP_ESTABLISHED && new_state == ST_TCP_FIN_WAIT1) ||
	       (old_state == ST_TCP_CLOSE_WAIT && new_state == ST_TCP_LAST_ACK);
}

/* Sock addresses are aligned and never 0; odd keys are TIME_WAIT tuple
 * hashes, which a record must never reach (it would re-link a wheel entry),
 * and 0 marks a free entry. */
static bool bad_sk(uint64_t sk)
{
	return !sk || (sk & 1);
}

void table_apply_state(struct table *tb, const struct st_state_rec *r)
{
	struct sock_entry *e;
	uint8_t old_state = r->oldstate, new_state = r->newstate;
	bool child = old_state == ST_TCP_LISTEN && new_state == ST_TCP_SYN_RECV;
	bool prev_known = false;

	if (bad_sk(r->sk))
		return;
	/* a child's first event may carry its listener's cookie (below) */
	e = lookup_event(tb, r->sk, child ? 0 : r->cookie);

	/*
	 * The address belongs to a new socket if the cookies differ, or if this
	 * is a first transition (from CLOSE, or a child's) while the entry still
	 * lives: the previous owner's final CLOSE was lost.
	 */
	if (e && ((r->cookie && e->cookie && r->cookie != e->cookie) ||
		  (!(r->cookie && r->cookie == e->cookie) &&
		   (child || (old_state == ST_TCP_CLOSE && e->state != ST_TCP_CLOSE))))) {
		tb->st.reused++;
		entry_free(tb, e);
		e = NULL;
	}

	if (!e) {
		uint64_t cookie = r->cookie;

		/* before 6.18 (at least on 6.1) a child's first transition runs
		 * before sk_clone_lock()'s copy of the listener's cookie is reset:
		 * that cookie is the listener's, and the child's comes later */
		if (child) {
			const struct sock_entry *l = find_listener(tb, &r->t);

			if (l && l->cookie == cookie)
				cookie = 0;
		}
		e = entry_new_keyed(tb, r->sk, cookie);
		if (!e)
			return;
		e->first_ns = r->hdr.ts_ns;
		e->state_ns = r->hdr.ts_ns;
		e->state = old_state;
		e->t = r->t;
		if (old_state == ST_TCP_CLOSE || child)
			e->flags |= ENTRY_SEEN_START;
	} else {
		merge_tuple(&e->t, &r->t);
		listen_rehash(tb, e);
		if (e->state == old_state)
			prev_known = true;
		else
			tb->st.out_of_order++;
		take_cookie(tb, e, r->cookie);
	}

	/* a snapshot may have found the child before this event arrived */
	if (child && e->owner_src == OWNER_NONE) {
		struct sock_entry *l = find_listener(tb, &r->t);

		e->flags |= ENTRY_PASSIVE;
		if (l && l->owner_src != OWNER_NONE) {
			e->listener_id = l->id;
			e->owner_pid = l->owner_pid;
			memcpy(e->owner_comm, l->owner_comm, ST_COMM_LEN);
			e->owner_src = OWNER_LISTENER;
		}
	}

	if (old_state == ST_TCP_CLOSE && new_state == ST_TCP_SYN_SENT)
		set_owner(e, &r->task, OWNER_CONNECT);
	else if (new_state == ST_TCP_LISTEN)
		set_owner(e, &r->task, OWNER_LISTEN);
	else if (e->owner_src == OWNER_NONE && made_by_process(old_state, new_state))
		set_owner(e, &r->task, OWNER_TASK);

	e->sk_err = r->sk_err;
	if (new_state == ST_TCP_LISTEN || old_state == ST_TCP_LISTEN) {
		e->rx_queue = r->rx_queue;
		e->tx_queue = r->tx_queue;
	}
	if (r->bytes_acked || r->bytes_received)
		set_bytes(e, r);

	/* connect() has not chosen the source port yet; before 6.18 a child's
	 * remote end is set only after its first transition */
	if ((old_state == ST_TCP_CLOSE && new_state == ST_TCP_SYN_SENT && !e->t.sport) ||
	    (child && !e->t.dport)) {
		e->flags |= ENTRY_PENDING;
		e->pend_ns = r->hdr.ts_ns;
		e->pend_old = old_state;
		e->pend_new = new_state;
		path_push(e, old_state);
		path_push(e, new_state);
		e->state = new_state;
		e->state_ns = r->hdr.ts_ns;
		pending_push(tb, e);
		return;
	}
	release_pending(tb, e);

	/* The kernel hands an active closer over to a timewait socket and closes
	 * the full one; no transition reports it. A reset closes with sk_err set. */
	if (new_state == ST_TCP_CLOSE && !r->sk_err &&
	    (old_state == ST_TCP_FIN_WAIT2 || old_state == ST_TCP_CLOSING))
		new_state = ST_TCP_TIME_WAIT;
	path_push(e, old_state);
	path_push(e, new_state);

	emit_state(tb, e, r->hdr.ts_ns, old_state, new_state, prev_known, &r->task, r->sk_err);
	if (old_state == ST_TCP_SYN_SENT && new_state == ST_TCP_CLOSE && r->sk_err)
		connect_failed(tb, e, r->hdr.ts_ns, r->sk_err);

	if (e->state == ST_TCP_LISTEN && new_state != ST_TCP_LISTEN)
		listen_del(tb, e);
	else if (new_state == ST_TCP_LISTEN && e->state != ST_TCP_LISTEN)
		listen_add(tb, e);
	e->state = new_state;
	e->state_ns = r->hdr.ts_ns;

	if (old_state == ST_TCP_SYN_SENT && new_state == ST_TCP_ESTABLISHED)
		timewait_reused(tb, &e->t, r->hdr.ts_ns);
	if (new_state == ST_TCP_TIME_WAIT)
		entry_to_timewait(tb, e, r->hdr.ts_ns + TIMEWAIT_NS);
	else if (new_state == ST_TCP_CLOSE)
		entry_free(tb, e);
}

static bool connect_error(int ret)
{
	/* in progress, or interrupted: the state machine will tell the outcome */
	return ret < 0 && ret != -EINPROGRESS && ret != -EALREADY && ret != -EINTR &&
	       ret != -EAGAIN;
}

/* The errno a call returned: a kernel return of -1..-4095 (MAX_ERRNO), else 0. */
static int ret_errno(int32_t ret)
{
	return ret < 0 && ret >= -4095 ? -ret : 0;
}

/* A call on a socket the table does not keep: describe it from the record. */
static void emit_call_tmp(struct table *tb, const struct st_call_rec *r, struct transition *tr,
			  enum owner_src src)
{
	struct sock_entry tmp = {.sk = r->sk, .cookie = r->cookie, .t = r->t, .state = r->state};

	tmp.id = r->cookie ? r->cookie : tb->next_synthetic++;
	set_owner(&tmp, &r->task, src);
	tr->e = &tmp;
	tb->sink(tb->sink_ctx, tr);
}

/* A socket first met through a call: its entry, as the call left it. */
static struct sock_entry *entry_from_call(struct table *tb, const struct st_call_rec *r)
{
	struct sock_entry *e = entry_new_keyed(tb, r->sk, r->cookie);

	if (e) {
		e->first_ns = r->hdr.ts_ns;
		e->state_ns = r->hdr.ts_ns;
		e->state = r->state;
		e->t = r->t;
	}
	return e;
}

/* The call's line, about the entry, or about the record where there is none. */
static void emit_call(struct table *tb, struct sock_entry *e, const struct st_call_rec *r,
		      struct transition *tr, enum owner_src src)
{
	if (!e) {
		emit_call_tmp(tb, r, tr, src);
		return;
	}
	tr->e = e;
	tb->sink(tb->sink_ctx, tr);
}

static void apply_connect(struct table *tb, struct sock_entry *e, const struct st_call_rec *r,
			  struct transition *tr)
{
	bool udp = r->t.protocol == ST_IPPROTO_UDP;

	tr->err = ret_errno(r->ret);
	if (udp && !r->ret) {
		/* a UDP socket's connect is its whole handshake: keep it, as the
		 * kernel has it after the call (AF_UNSPEC disconnects) */
		if (!e && !(e = entry_from_call(tb, r)))
			return;
		e->t = r->t;
		if (e->state == ST_TCP_LISTEN && r->state != ST_TCP_LISTEN)
			listen_del(tb, e);
		e->state = r->state;
		e->state_ns = r->hdr.ts_ns;
		set_owner(e, &r->task, OWNER_CONNECT);
		cookie_index(tb, e);
		tr->e = e;
		tb->sink(tb->sink_ctx, tr);
		return;
	}
	if (e) {
		/* connect() returned: the source port is known now */
		merge_tuple(&e->t, &r->t);
		listen_rehash(tb, e);
		release_pending(tb, e);
	}
	if (udp ? !r->ret
		: (!connect_error(r->ret) || failure_reported(tb, r->cookie) ||
		   failure_reported(tb, r->sk)))
		return;
	emit_call(tb, e, r, tr, OWNER_CONNECT);
}

static void apply_bind(struct table *tb, struct sock_entry *e, const struct st_call_rec *r,
		       struct transition *tr)
{
	tr->err = ret_errno(r->ret);
	tr->arg = r->arg;
	tr->call_flags = r->call_flags;
	/* a bound UDP socket is what netstat lists as listening; a bound TCP
	 * socket is in no kernel table until it listens or connects */
	if (!r->ret && r->t.protocol == ST_IPPROTO_UDP) {
		if (!e) {
			if (!(e = entry_from_call(tb, r)))
				return;
			set_owner(e, &r->task, OWNER_BIND);
		}
		cookie_index(tb, e);
	}
	if (e && !r->ret) {
		merge_tuple(&e->t, &r->t);
		listen_rehash(tb, e);
	}
	/* a failed bind's line describes the address it asked for */
	emit_call(tb, r->ret ? NULL : e, r, tr, OWNER_BIND);
}

/*
 * The listener accept() names by address. One that only a sock_diag snapshot
 * has met is known by its cookie, which accept() does not report: the
 * address goes to it if it is the only such listener the connection fits.
 */
static struct sock_entry *accept_listener(struct table *tb, uint64_t sk, const struct st_tuple *c)
{
	struct sock_entry *l = lookup(tb, sk), *only = NULL, *x;
	uint32_t slot;

	if (l || !sk || !tb->seed_keys)
		return l;
	for (slot = tb->listen[c->sport % LISTEN_BUCKETS]; slot; slot = x->lnext) {
		x = &tb->ents[slot - 1];
		if (!unaddressed(x) || x->t.sport != c->sport || x->t.netns != c->netns ||
		    x->t.family != c->family ||
		    (!addr_any(&x->t) &&
		     memcmp(x->t.saddr, c->saddr, c->family == ST_AF_INET6 ? 16 : 4)))
			continue;
		if (only)
			return NULL; /* SO_REUSEPORT siblings: which one is not knowable */
		only = x;
	}
	if (only)
		give_address(tb, only, sk);
	return only;
}

static void apply_accept(struct table *tb, struct sock_entry *e, const struct st_call_rec *r,
			 struct transition *tr)
{
	if (!e) {
		/* its transitions were lost, or it closed already */
		if (r->state == ST_TCP_CLOSE || !(e = entry_from_call(tb, r)))
			return;
		e->flags |= ENTRY_PASSIVE;
	} else {
		merge_tuple(&e->t, &r->t);
		listen_rehash(tb, e);
	}
	{
		struct sock_entry *l = accept_listener(tb, r->listener, &r->t);

		if (l) {
			e->listener_id = l->id;
			l->accepted++;
		}
		tr->peer = l;
	}
	set_owner(e, &r->task, OWNER_ACCEPT);
	tr->e = e;
	tb->sink(tb->sink_ctx, tr);
}

void table_apply_call(struct table *tb, const struct st_call_rec *r)
{
	struct sock_entry *e;
	struct transition tr = {.ts_ns = r->hdr.ts_ns, .task = &r->task};

	if (r->hdr.type == ST_REC_PORT) {
		/* the source port, chosen inside connect(): the held line can go */
		e = lookup_cookie(tb, r->cookie);
		if (e && (e->flags & ENTRY_PENDING)) {
			/* only the local end: sockops knows no netns or options */
			e->t.sport = r->t.sport;
			memcpy(e->t.saddr, r->t.saddr, sizeof(e->t.saddr));
			release_pending(tb, e);
		}
		return;
	}
	if (r->hdr.type == ST_REC_QUEUED) {
		e = lookup_event(tb, r->sk, r->cookie);
		if (e && e->state == ST_TCP_LISTEN) {
			e->queued++;
			e->rx_queue = r->arg;
		}
		return;
	}
	if (r->hdr.type == ST_REC_CLOSE) {
		/* a UDP release names the socket by cookie alone */
		e = lookup_cookie(tb, r->cookie);
		if (!e || e->t.protocol != ST_IPPROTO_UDP || (e->flags & ENTRY_TIMEWAIT))
			return;
		tr.kind = TR_CLOSE;
		tr.e = e;
		tb->sink(tb->sink_ctx, &tr);
		entry_free(tb, e);
		return;
	}

	if (bad_sk(r->sk) || (r->listener && bad_sk(r->listener)))
		return;
	e = lookup_event(tb, r->sk, r->cookie);
	if (e && r->cookie && e->cookie && r->cookie != e->cookie) {
		tb->st.reused++;
		entry_free(tb, e);
		e = NULL;
	}
	if (e)
		take_cookie(tb, e, r->cookie);

	switch (r->hdr.type) {
	case ST_REC_CONNECT:
		tr.kind = TR_CONNECT;
		apply_connect(tb, e, r, &tr);
		break;
	case ST_REC_BIND:
		tr.kind = TR_BIND;
		apply_bind(tb, e, r, &tr);
		break;
	case ST_REC_LISTEN:
		tr.kind = TR_LISTEN;
		tr.err = ret_errno(r->ret);
		tr.arg = r->arg;
		if (e && !r->ret) {
			/* listen() without bind() chose the port after the LISTEN */
			e->tx_queue = r->arg;
			merge_tuple(&e->t, &r->t);
			listen_rehash(tb, e);
		}
		emit_call(tb, e, r, &tr, OWNER_LISTEN);
		break;
	case ST_REC_ACCEPT:
		tr.kind = TR_ACCEPT;
		apply_accept(tb, e, r, &tr);
		break;
	}
}

void table_set_hz(struct table *tb, unsigned int hz)
{
	if (hz)
		tb->ns_per_jiffy = 1000000000ull / hz;
}

void table_snapshot_begin(struct table *tb, uint64_t now_ns)
{
	tb->gen++;
	tb->snap_start = now_ns;
}

void table_apply_sock(struct table *tb, const struct st_sock_rec *r)
{
	bool tw = r->t.flags & ST_SK_TIMEWAIT;
	uint64_t key;
	struct sock_entry *e;

	if (tw) {
		key = tw_key(&r->t);
		e = lookup(tb, key);
	} else if (r->sk) {
		if (bad_sk(r->sk))
			return;
		key = r->sk;
		e = lookup(tb, key);
	} else {
		/* from sock_diag: the cookie is all that names it */
		if (!r->cookie)
			return;
		key = seed_key(r->cookie);
		tb->seed_keys = true;
		e = lookup_cookie(tb, r->cookie);
		if (e && (e->flags & ENTRY_TIMEWAIT))
			return; /* its end is in the table already */
	}

	if (e && !tw && r->cookie && e->cookie && r->cookie != e->cookie) {
		tb->st.reused++;
		entry_free(tb, e);
		e = NULL;
	}
	if (!e) {
		e = tw ? entry_new(tb) : entry_new_keyed(tb, key, r->cookie);
		if (!e)
			return;
		e->first_ns = r->hdr.ts_ns;
		e->state_ns = r->hdr.ts_ns;
		e->state = r->state;
		e->t = r->t;
		e->flags |= ENTRY_SEEDED;
		if (tw) {
			e->cookie = r->cookie;
			e->id = r->cookie ? r->cookie : tb->next_synthetic++;
			entry_to_timewait(
				tb, e, r->hdr.ts_ns + (uint64_t)r->ttl_jiffies * tb->ns_per_jiffy);
		} else if (r->state == ST_TCP_LISTEN) {
			listen_add(tb, e);
		}
	} else if (e->state != r->state && !(e->flags & ENTRY_PENDING)) {
		/* events were lost; the kernel knows better */
		if (!tw) {
			tb->st.corrected++;
			if (e->state == ST_TCP_LISTEN)
				listen_del(tb, e);
			else if (r->state == ST_TCP_LISTEN)
				listen_add(tb, e);
		}
		e->state = r->state;
		e->state_ns = r->hdr.ts_ns;
	}
	/* a timewait socket in its FIN_WAIT2 substate: netstat shows FIN_WAIT2 */
	if (tw)
		e->state = r->state;
	e->rx_queue = r->rx_queue;
	e->tx_queue = r->tx_queue;
	e->drops = r->drops;
	e->uid = r->uid;
	if (r->ino)
		e->ino = r->ino;
	if (!tw) {
		uint8_t keep = 0;

		if (r->rec_flags & ST_SOCK_REUSE_UNKNOWN)
			keep = e->t.flags & (ST_SK_REUSEADDR | ST_SK_REUSEPORT);
		e->t.flags = r->t.flags | keep;
	}
	e->seen_gen = tb->gen;
	e->missed = 0;
	if (r->t.protocol == ST_IPPROTO_UDP)
		cookie_index(tb, e);
}

void table_snapshot_end(struct table *tb)
{
	uint32_t i;

	for (i = 0; i < tb->used; i++) {
		struct sock_entry *e = &tb->ents[i];

		if (!e->sk || (e->flags & ENTRY_GONE) || e->seen_gen == tb->gen ||
		    e->first_ns >= tb->snap_start || (e->flags & ENTRY_PENDING))
			continue;
		if (++e->missed < 2 && e->t.protocol == ST_IPPROTO_TCP)
			continue;
		tb->st.swept++;
		if (e->flags & ENTRY_TIMEWAIT)
			timewait_gone(tb, e);
		else
			entry_free(tb, e);
	}
}

void table_apply_file(struct table *tb, const struct st_file_rec *r)
{
	struct sock_entry *e;

	/* a /proc scan knows no address: the socket pass's cookie names the socket */
	if (!r->sk)
		e = lookup_cookie(tb, r->cookie);
	else
		e = bad_sk(r->sk) ? NULL : lookup_event(tb, r->sk, r->cookie);
	if (!e || (e->flags & ENTRY_TIMEWAIT))
		return;
	if (e->owner_src == OWNER_NONE)
		set_owner(e, &r->task, OWNER_SEED);
	if (r->file_flags & ST_FILE_SK_FLAGS)
		e->t.flags = (e->t.flags & ~(ST_SK_REUSEADDR | ST_SK_REUSEPORT)) |
			     (r->sk_flags & (ST_SK_REUSEADDR | ST_SK_REUSEPORT));
}

void table_tick(struct table *tb, uint64_t now_ns)
{
	uint64_t now_sec = now_ns / NS_PER_SEC, sec;
	uint32_t n;

	/* the first tick looks at every bucket: entries may have come before it */
	if (!tb->tw_sec)
		tb->tw_sec = now_sec >= TW_WHEEL ? now_sec - TW_WHEEL + 1 : 1;
	/* the buckets of the seconds up to now; the current one stays open */
	for (sec = tb->tw_sec, n = 0; sec <= now_sec && n < TW_WHEEL; sec++, n++) {
		uint32_t *link = &tb->tw_wheel[sec % TW_WHEEL];

		while (*link) {
			struct sock_entry *e = &tb->ents[*link - 1];

			if (e->expire_ns > now_ns) { /* later this second, or a later round */
				link = &e->next;
				continue;
			}
			*link = e->next;
			e->next = 0;
			if (!(e->flags & ENTRY_GONE))
				emit_state(tb, e, e->expire_ns, e->state, ST_TCP_CLOSE, true, NULL,
					   0);
			entry_free(tb, e);
		}
	}
	if (now_sec > tb->tw_sec)
		tb->tw_sec = now_sec;
	while (tb->pend_len) {
		struct pending *p = &tb->pend[tb->pend_head];
		struct sock_entry *e = slot_entry(tb, p->slot);

		if (e->id == p->id && (e->flags & ENTRY_PENDING)) {
			if (e->pend_ns + PENDING_GRACE_NS > now_ns)
				break;
			release_pending(tb, e);
		}
		tb->pend_head = (tb->pend_head + 1) % tb->pend_cap;
		tb->pend_len--;
	}
}

void table_flush(struct table *tb)
{
	while (tb->pend_len) {
		struct pending *p = &tb->pend[tb->pend_head];
		struct sock_entry *e = slot_entry(tb, p->slot);

		if (e->id == p->id)
			release_pending(tb, e);
		tb->pend_head = (tb->pend_head + 1) % tb->pend_cap;
		tb->pend_len--;
	}
}

int table_foreach(struct table *tb, int (*fn)(void *ctx, const struct sock_entry *e), void *ctx)
{
	uint32_t i;
	int ret;

	for (i = 0; i < tb->used; i++) {
		const struct sock_entry *e = &tb->ents[i];

		if (!e->sk || (e->flags & ENTRY_GONE))
			continue;
		ret = fn(ctx, e);
		if (ret)
			return ret;
	}
	return 0;
}

int table_collect(struct table *tb, bool (*keep)(const void *ctx, const struct sock_entry *e),
		  const void *ctx, const struct sock_entry ***out, size_t *n)
{
	const struct sock_entry **v = NULL, **nv;
	size_t cap = 0;
	uint32_t i;

	*n = 0;
	for (i = 0; i < tb->used; i++) {
		const struct sock_entry *e = &tb->ents[i];

		if (!e->sk || (e->flags & ENTRY_GONE) || !keep(ctx, e))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				*out = NULL;
				*n = 0;
				return -1;
			}
			v = nv;
		}
		v[(*n)++] = e;
	}
	*out = v;
	return 0;
}
