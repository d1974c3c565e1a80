// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Entries: one array allocated up front (untouched pages cost nothing), a
 * free list through the slots, no allocation per socket. An entry's identity
 * is its sk key and its cookie; both indexes follow them here.
 */
#include "table_internal.h"

struct sock_entry *entry_new(struct table *tb)
{
	struct sock_entry *e;
	uint32_t slot;

	if (!table_room(tb)) {
		tb->st.full++;
		return NULL;
	}
	if (tb->free_head) {
		slot = tb->free_head;
		tb->free_head = tb->ents[slot - 1].next;
	} else {
		slot = ++tb->used;
		map_ahead(tb->ents, sizeof(*tb->ents), tb->cap, &tb->mapped, slot);
	}
	tb->in_use++;
	e = &tb->ents[slot - 1];
	memset(e, 0, sizeof(*e));
	tb->st.entries++;
	tb->st.sockets_seen++;
	if (tb->st.entries > tb->st.peak_entries)
		tb->st.peak_entries = tb->st.entries;
	return e;
}

struct sock_entry *entry_new_keyed(struct table *tb, uint64_t sk, uint64_t cookie)
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
	ix_put(sk_index(tb, sk), entry_slot(tb, e));
	cookie_index(tb, e);
	return e;
}

void entry_free(struct table *tb, struct sock_entry *e)
{
	/* a held line never vanishes: its socket ended, so it can go now */
	release_pending(tb, e);
	if (e->sk && e->t.protocol == IPPROTO_MPTCP)
		mptcp_ended_keep(tb, e);
	if (e->sk)
		ix_del(sk_index(tb, e->sk), e->sk);
	tb->st.entries--;
	if (e->flags & ENTRY_BY_COOKIE)
		ix_del(&tb->by_cookie, e->cookie);
	listen_del(tb, e);
	e->flags = 0;
	e->sk = 0;
	e->next = tb->free_head;
	tb->free_head = entry_slot(tb, e);
	tb->in_use--;
}

/*
 * Whether e is to be found by its cookie: a UDP socket's release and a
 * connecting socket's source port (its SYN's retransmission, sockops) name
 * it by nothing else, and so do snapshots from sock_diag or a /proc scan.
 * Every other entry stays out:
 * at 100,000 sockets the index is 2 MB, and each connection put and deleted
 * its keys.
 */
static bool cookie_wanted(const struct table *tb, const struct sock_entry *e)
{
	return tb->cookies_all || e->t.protocol == IPPROTO_UDP || (e->flags & ENTRY_PENDING);
}

void cookie_index(struct table *tb, struct sock_entry *e)
{
	/* a cookie another entry holds stays with it */
	if (e->cookie && !(e->flags & ENTRY_BY_COOKIE) && cookie_wanted(tb, e) &&
	    ix_put(&tb->by_cookie, entry_slot(tb, e)))
		e->flags |= ENTRY_BY_COOKIE;
}

/* Out of the cookie index, once nothing is to find e by its cookie. */
void cookie_unindex(struct table *tb, struct sock_entry *e)
{
	if ((e->flags & ENTRY_BY_COOKIE) && !cookie_wanted(tb, e)) {
		ix_del(&tb->by_cookie, e->cookie);
		e->flags &= ~ENTRY_BY_COOKIE;
	}
}

/* From now on, every entry by its cookie: a snapshot names sockets so. */
void cookies_index_all(struct table *tb)
{
	uint32_t slot;

	if (tb->cookies_all)
		return;
	tb->cookies_all = true;
	for (slot = 1; slot <= tb->used; slot++) {
		struct sock_entry *e = &tb->ents[slot - 1];

		if (e->sk) /* in use */
			cookie_index(tb, e);
	}
}

/*
 * An entry learns its cookie. A sock_diag snapshot that ran before the
 * socket's first event here gave the socket that cookie and an entry of its
 * own: the two are one socket.
 */
void take_cookie(struct table *tb, struct sock_entry *e, uint64_t cookie)
{
	struct sock_entry *dup;

	if (e->cookie || !cookie)
		return;
	dup = tb->seed_keys ? lookup_cookie(tb, cookie) : NULL;
	if (dup && dup != e && unaddressed(dup)) {
		if (e->owner_src == OWNER_NONE && dup->owner_src != OWNER_NONE) {
			if (dup->owner_src == OWNER_HOLDER)
				tb->origins[e - tb->ents] = *entry_origin(tb, dup);
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

/*
 * The socket changed hands: task holds it now. The owner it had first (the
 * connector, the acceptor) is kept as its origin, however often it moves on.
 */
void change_hands(struct table *tb, struct sock_entry *e, const struct st_task *task)
{
	struct sock_origin *o = &tb->origins[e - tb->ents];

	if (e->owner_src != OWNER_HOLDER) {
		o->pid = e->owner_pid;
		o->src = e->owner_src;
		memcpy(o->comm, e->owner_comm, ST_COMM_LEN);
	}
	set_owner(e, task, OWNER_HOLDER);
}
