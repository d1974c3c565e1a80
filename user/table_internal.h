/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Inside the live table: struct table and what its rooms share. table.h is the
 * public face; only user/table*.c include this. The rooms:
 *
 *   table.c           new/free, tick, flush, foreach, collect
 *   table_index.c     the open-addressing indexes (by sk key, by cookie) and the keys
 *   table_entry.c     entries: allocation, identity (cookie, address), freeing
 *   table_listeners.c listeners by port: which listener a child or an accept() came from
 *   table_wheel.c     TIME_WAIT: its compact entries, the tuple key and the timer wheel
 *   table_held.c      first lines held back until their tuple is known
 *   table_state.c     a state record becomes a transition (the state machine)
 *   table_calls.c     bind/listen/accept/connect/release records become lines
 *   table_snapshot.c  snapshots (iterators, sock_diag, /proc) reconcile the table
 *
 * The small helpers every record goes through are static inline here: the
 * rooms are separate objects, and the hot path must not pay for the split.
 */
#ifndef SOCKTRACE_TABLE_INTERNAL_H
#define SOCKTRACE_TABLE_INTERNAL_H

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "pages.h"
#include "table.h"

#define LISTEN_BUCKETS 1024
#define TW_WHEEL       128 /* seconds: more than a timewait period (TCP_TIMEWAIT_LEN, 60 s) */
#define NS_PER_SEC     1000000000ull
#define INDEX_MIN      1024
#define IX_MAP_BYTES   (64u << 10) /* index arrays from this size on are mapped */
#define FAILED_KEYS    64
#define MPTCP_ENDED    256 /* MPTCP sockets remembered after their end */

/* Memory per socket is a target: an entry grows only on purpose (table.h). */
_Static_assert(sizeof(struct sock_entry) <= 192, "struct sock_entry grew");

/*
 * A TIME_WAIT socket: what the line of its end and a snapshot need, in two
 * cache lines. A storm leaves 100,000s of them for a minute; as full entries
 * they held a full entry's slot each that live sockets could not reuse, and every
 * new connection's entry was memory touched for the first time (on our
 * virtual machines 8.5 us a page: docs/performance.md). Here the full entry
 * goes back to the free list at once, hot for the next socket.
 */
struct tw_entry {
	uint64_t key; /* tw_key(&t), odd; 0 = free */
	uint64_t id;
	uint64_t cookie;
	uint64_t state_ns; /* entered TIME_WAIT, or a snapshot met it (then SEEDED) */
	uint64_t expire_ns;
	uint32_t next; /* free list / wheel bucket link (tw slot + 1; 0 = none) */
	uint32_t seen_gen;
	uint32_t owner_pid;
	uint8_t state; /* TIME_WAIT, or the FIN_WAIT2 substate a snapshot saw */
	/* enum entry_flags: SEEN_START, PASSIVE, GONE, BY_COOKIE, and SEEDED:
	 * its state was met by a snapshot, not seen entered */
	uint8_t flags;
	uint8_t missed;
	uint8_t owner_src;
	char owner_comm[ST_COMM_LEN];
	struct st_tuple t;
	bool has_extra; /* tw_extra[] holds its origin or its MPTCP connection */
};
_Static_assert(sizeof(struct tw_entry) == 128, "struct tw_entry is two cache lines");

/* What few TIME_WAIT entries have, by tw slot: pages none uses stay untouched. */
struct tw_extra {
	struct sock_origin origin; /* owner_src OWNER_HOLDER */
	uint64_t mptcp_parent;
};

/* A held line: the entry's slot, and its id to tell a reused slot. */
struct pending {
	uint32_t slot;
	uint64_t id;
};

/*
 * Open addressing with linear probing; the key is a 64-bit field of the
 * entry. Each cell holds the slot number and, above it, the key's hash: a
 * probe compares hashes and reads an entry (a cache miss in a table of
 * thousands) only on a match, and deletion and growth need no entry at all.
 */
struct index {
	uint64_t *slots; /* ix_cell(); 0 = empty */
	uint32_t mask;
	uint32_t n;	  /* keys held */
	uint32_t max;	  /* the largest size it may grow to */
	const char *base; /* the entries' array: slot i is at base + (i - 1) * stride */
	size_t stride;
	size_t keyoff; /* offsetof() the key in an entry */
};

struct table {
	struct sock_entry *ents; /* slot i is ents[i - 1]; slot 0 means "none" */
	uint32_t cap;		 /* entries of both kinds, full and TIME_WAIT, at most */
	uint32_t used;		 /* slots ever handed out (the high-water mark) */
	uint32_t mapped;	 /* slots whose pages are mapped ahead of use (entry_new) */
	uint32_t free_head;
	uint32_t in_use;    /* full entries held */
	struct index by_sk; /* every live entry, by sock address */
	/* entries only sock_diag has named, by seed key: odd keys, which no
	 * record names */
	struct index by_odd;
	/* by cookie: the entries a record names by nothing else (cookie_index()) */
	struct index by_cookie;
	/* TIME_WAIT entries (struct tw_entry), as the full ones: slot i is
	 * tws[i - 1], in pages of their own */
	struct tw_entry *tws;
	struct tw_extra *tw_extra;
	uint32_t tw_used, tw_mapped, tw_free_head, tw_in_use;
	struct index by_tw; /* by tuple hash (tw_key()) */
	/* A bit per local port, set for each entry in by_tw: a clear bit means
	 * no entry without a probe of by_tw. Every new connection asks whether
	 * its tuple is in TIME_WAIT; the answer is nearly always no, and by_tw
	 * is megabytes after a storm (a probe a cache miss) while these 8 KB
	 * stay within the caches. A storm whose servers close first leaves its
	 * TIME_WAIT entries on the servers' ports; where clients close first,
	 * their ports are the ones a new connection may find in TIME_WAIT. */
	uint64_t tw_ports[65536 / 64];
	uint32_t tw_ports_added;   /* entries added since the bits were last made */
	struct index tw_by_cookie; /* with seed keys: a sock_diag snapshot asks by cookie */
	/* TIME_WAIT entries by the second they end: a timer wheel. Each bucket
	 * is a queue (head and tail) in the order the entries end: events come
	 * in time order. A snapshot adds entries with any time left; a bucket
	 * that got one out of order is sorted once, when its second comes
	 * (tw_unsorted), not at each insert. */
	uint32_t tw_wheel[TW_WHEEL];
	uint32_t tw_tail[TW_WHEEL];
	uint64_t tw_max[TW_WHEEL]; /* the latest end a bucket holds */
	uint64_t tw_unsorted[TW_WHEEL / 64];
	uint64_t tw_sec; /* the first second not yet fully expired */
	uint32_t listen[LISTEN_BUCKETS];
	struct pending *pend; /* held CLOSE->SYN_SENT lines, oldest first */
	uint32_t pend_cap, pend_head, pend_len;
	uint64_t next_synthetic;
	bool seed_keys;	     /* a sock_diag snapshot made entries known by cookie only */
	bool cookies_all;    /* every entry by cookie: a snapshot names sockets so */
	bool listeners_only; /* no connection's records come (table_set_listeners_only) */
	uint64_t failed_keys[FAILED_KEYS]; /* connects whose failure was already reported */
	uint32_t failed_next;
	struct mptcp_ended *mptcp_ended; /* MPTCP_ENDED of them, made at the first */
	uint32_t mptcp_ended_next;
	uint64_t ns_per_jiffy; /* timewait timers count jiffies */
	uint32_t gen;	       /* snapshot generation */
	uint64_t snap_start;   /* when the current snapshot began */
	transition_sink sink;
	void *sink_ctx;
	/* by slot, for entries that changed hands: pages no entry uses stay untouched */
	struct sock_origin *origins;
	struct holder_probe probe;
	/* socktrace's own process: the last reference to a socket's file can be
	 * its iterator's or its holder scan's, and the close() it stands for
	 * then runs in socktrace, which never holds the socket */
	uint32_t self_tgid;
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

/* Sock addresses are aligned and never 0; odd keys are TIME_WAIT tuple
 * hashes, which a record must never reach (it would re-link a wheel entry),
 * and 0 marks a free entry. */
static inline bool bad_sk(uint64_t sk)
{
	return !sk || (sk & 1);
}

/* ---- indexes (table_index.c) ---- */

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

static inline uint64_t ix_key(const struct index *ix, uint32_t slot)
{
	return *(const uint64_t *)(ix->base + (size_t)(slot - 1) * ix->stride + ix->keyoff);
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
static inline uint32_t ix_probe(const struct index *ix, uint64_t key, uint32_t h, uint32_t *pos)
{
	uint32_t i = h & ix->mask, n;

	/* the index holds at most half its size: a free slot always ends the probe */
	for (n = 0; n <= ix->mask; n++, i = (i + 1) & ix->mask) {
		uint64_t cell = ix->slots[i];
		uint32_t slot = cell_slot(cell);

		if (!slot || (cell_hash(cell) == h && ix_key(ix, slot) == key)) {
			*pos = i;
			return slot;
		}
	}
	abort(); /* unreachable unless the table is corrupt: fail loudly, not forever */
}

static inline uint32_t ix_find(const struct index *ix, uint64_t key, uint32_t *pos)
{
	return ix_probe(ix, key, hash_sk(key), pos);
}

uint64_t *ix_cells_alloc(uint32_t n);
void ix_cells_free(uint64_t *cells, uint32_t n);
/* An empty index of the entries at base, keyed by the field at keyoff; false without memory. */
bool ix_init(struct index *ix, const void *base, size_t stride, size_t keyoff, uint32_t max);
bool ix_put(struct index *ix, uint32_t slot);
void ix_del(struct index *ix, uint64_t key);

/* The index of a key of the sk field: by sock address, or an odd key. */
static inline struct index *sk_index(struct table *tb, uint64_t sk)
{
	return sk & 1 ? &tb->by_odd : &tb->by_sk;
}

static inline struct sock_entry *lookup(struct table *tb, uint64_t sk)
{
	uint32_t pos;

	return sk ? slot_entry(tb, ix_find(sk_index(tb, sk), sk, &pos)) : NULL;
}

static inline struct sock_entry *lookup_cookie(struct table *tb, uint64_t cookie)
{
	uint32_t pos;

	return cookie ? slot_entry(tb, ix_find(&tb->by_cookie, cookie, &pos)) : NULL;
}

/*
 * A snapshot from sock_diag (a kernel without BPF iterators) names a socket by
 * its cookie alone. Its entry gets an odd key, which no struct sock address
 * has, until an event names the address.
 */
static inline uint64_t seed_key(uint64_t cookie)
{
	return (cookie << 1) | 1;
}

static inline bool unaddressed(const struct sock_entry *e)
{
	return e->sk & 1;
}

void give_address(struct table *tb, struct sock_entry *e, uint64_t sk);
struct sock_entry *lookup_seeded(struct table *tb, uint64_t sk, uint64_t cookie);

/*
 * The entry of the socket at address sk, by its address, or by its cookie
 * if only a sock_diag snapshot has met it so far (the address is learnt).
 */
static inline struct sock_entry *lookup_event(struct table *tb, uint64_t sk, uint64_t cookie)
{
	struct sock_entry *e = lookup(tb, sk);

	/* with iterators there are no such entries: no second probe per new socket */
	if (e || !cookie || !tb->seed_keys)
		return e;
	return lookup_seeded(tb, sk, cookie);
}

/* ---- entries (table_entry.c) ---- */

struct sock_entry *entry_new(struct table *tb);
struct sock_entry *entry_new_keyed(struct table *tb, uint64_t sk, uint64_t cookie);
void entry_free(struct table *tb, struct sock_entry *e);
void cookie_index(struct table *tb, struct sock_entry *e);
void cookie_unindex(struct table *tb, struct sock_entry *e);
void cookies_index_all(struct table *tb);
void take_cookie(struct table *tb, struct sock_entry *e, uint64_t cookie);

/* ---- MPTCP (table_mptcp.c) ---- */

/*
 * A TCP subflow takes its MPTCP socket's id and owner: from the table's
 * entry, or from one that ended lately. False if neither names parent_sk.
 */
bool subflow_of(struct table *tb, struct sock_entry *e, uint64_t parent_sk);
/* The same, making the MPTCP socket's entry if the table has none yet. */
void link_subflow(struct table *tb, struct sock_entry *e, uint64_t parent_sk, uint64_t ts);
/* An MPTCP socket leaves the table: remembered for its subflows' ends. */
void mptcp_ended_keep(struct table *tb, const struct sock_entry *e);

/*
 * The cookie a record may name its socket by. An accepted MPTCP socket
 * carries its listener's (sk_clone_lock() copies it, and a cookie once made
 * is never made again): MPTCP sockets are known by address alone, and their
 * ids are the table's own.
 */
static inline uint64_t record_cookie(const struct st_tuple *t, uint64_t cookie)
{
	return t->protocol == IPPROTO_MPTCP ? 0 : cookie;
}

static inline void set_owner(struct sock_entry *e, const struct st_task *task, enum owner_src src)
{
	e->owner_pid = task->tgid;
	memcpy(e->owner_comm, task->comm, ST_COMM_LEN);
	e->owner_src = src;
}

/* The owner before the socket changed hands; NULL if it never did. */
static inline const struct sock_origin *entry_origin(const struct table *tb,
						     const struct sock_entry *e)
{
	/* lines about a record the table keeps no entry for never have a holder */
	return e->owner_src == OWNER_HOLDER ? &tb->origins[e - tb->ents] : NULL;
}

void change_hands(struct table *tb, struct sock_entry *e, const struct st_task *task);

/* The owner as a task, for a line the table makes itself (a held or derived one). */
static inline struct st_task owner_task(const struct sock_entry *e)
{
	struct st_task task = {.tgid = e->owner_pid, .tid = e->owner_pid};

	memcpy(task.comm, e->owner_comm, ST_COMM_LEN);
	return task;
}

/* Addresses and ports that read as zero (the final CLOSE, SYN_SENT before the
 * port is chosen) never overwrite what the table already knows. */
static inline void merge_tuple(struct st_tuple *dst, const struct st_tuple *src)
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
	/* a passive child gets its device (ir_iif) after its first transition */
	if (src->bound_dev_if)
		dst->bound_dev_if = src->bound_dev_if;
	dst->flags = src->flags;
	dst->netns = src->netns;
}

/* ---- listeners (table_listeners.c) ---- */

/* The bucket of a listener, or of a connection to it: by local port. */
static inline uint16_t listen_bucket(const struct st_tuple *t)
{
	return t->sport % LISTEN_BUCKETS;
}

void listen_add(struct table *tb, struct sock_entry *e);
void listen_del(struct table *tb, struct sock_entry *e);
struct sock_entry *find_listener(struct table *tb, const struct st_tuple *c);
struct sock_entry *accept_listener(struct table *tb, uint64_t sk, const struct st_tuple *c);

/* After a merge: a listener whose port changed moves to its port's bucket. */
static inline void listen_rehash(struct table *tb, struct sock_entry *e)
{
	if ((e->flags & ENTRY_LISTED) && e->lbucket != listen_bucket(&e->t)) {
		listen_del(tb, e);
		listen_add(tb, e);
	}
}

/* ---- TIME_WAIT (table_wheel.c) ---- */

uint64_t tw_key(const struct st_tuple *t);

static inline struct tw_entry *tw_slot_entry(struct table *tb, uint32_t slot)
{
	return slot ? &tb->tws[slot - 1] : NULL;
}

static inline bool tw_port_used(const struct table *tb, uint16_t port)
{
	return tb->tw_ports[port / 64] & (1ull << (port % 64));
}

/* The TIME_WAIT entry of tuple t, if there is one. */
static inline struct tw_entry *tw_find(struct table *tb, const struct st_tuple *t)
{
	uint32_t pos;

	if (!tw_port_used(tb, t->sport))
		return NULL;
	return tw_slot_entry(tb, ix_find(&tb->by_tw, tw_key(t), &pos));
}

static inline struct tw_entry *tw_lookup_cookie(struct table *tb, uint64_t cookie)
{
	uint32_t pos;

	return cookie ? tw_slot_entry(tb, ix_find(&tb->tw_by_cookie, cookie, &pos)) : NULL;
}

/*
 * Room for one more entry of either kind, the TIME_WAIT entry ending soonest
 * evicted if the table is full: false if none can be made.
 */
bool table_room(struct table *tb);
/* A full entry as the views see it, made of a TIME_WAIT one. */
void tw_as_entry(const struct table *tb, const struct tw_entry *tw, struct sock_entry *e);
void entry_to_timewait(struct table *tb, struct sock_entry *e, uint64_t expire_ns);
/* A TIME_WAIT entry a snapshot found before the table had it; NULL if no room. */
struct tw_entry *tw_seed(struct table *tb, const struct st_tuple *t, uint64_t cookie, uint64_t ts,
			 uint64_t expire_ns);
void timewait_gone(struct table *tb, struct tw_entry *tw);
void timewait_reused(struct table *tb, const struct sock_entry *e, uint64_t ts);
void tw_expire(struct table *tb, uint64_t now_ns);
uint64_t tw_next_due(const struct table *tb);

/* ---- held lines (table_held.c) ---- */

void pending_push(struct table *tb, struct sock_entry *e);
void pending_emit(struct table *tb, struct sock_entry *e);
void pending_expire(struct table *tb, uint64_t now_ns);

/* Emit e's held first line, if it has one. */
static inline void release_pending(struct table *tb, struct sock_entry *e)
{
	if (e->flags & ENTRY_PENDING)
		pending_emit(tb, e);
}

/* ---- lines out (table_state.c, table_calls.c) ---- */

/* end: the byte counters of a TCP end (end_bytes()), NULL for none */
static inline void emit_state(struct table *tb, struct sock_entry *e, uint64_t ts,
			      uint8_t old_state, uint8_t new_state, bool prev_known,
			      const struct st_task *task, uint8_t sk_err,
			      const struct transition *end)
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
		.origin = entry_origin(tb, e),
		.tx_bytes = end ? end->tx_bytes : 0,
		.rx_bytes = end ? end->rx_bytes : 0,
	};

	tb->sink(tb->sink_ctx, &tr);
}

/* A call's line (the entry's or a record's) to the sink, with the entry's origin. */
static inline void emit_call(struct table *tb, struct transition *tr)
{
	tr->origin = entry_origin(tb, tr->e);
	tb->sink(tb->sink_ctx, tr);
}

void connect_failed(struct table *tb, const struct sock_entry *e, uint64_t ts, int err);
void entry_end_unseen(struct table *tb, struct sock_entry *e, uint64_t ts);
/* The payload bytes of e's TCP end into tr, from tcp_sock's counters as a record has them. */
void end_bytes(struct table *tb, const struct sock_entry *e, uint64_t tx, uint64_t rx,
	       uint8_t close_flags, struct transition *tr);

#endif
