// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Snapshots reconcile the table with the kernel: sockets the table lacks are
 * added (seeded), states that differ are corrected, holders from a task or
 * /proc scan become owners, and entries the kernel no longer has are swept.
 */
#include "table_internal.h"

void table_set_hz(struct table *tb, unsigned int hz)
{
	if (hz)
		tb->ns_per_jiffy = 1000000000ull / hz;
}

void table_set_listeners_only(struct table *tb)
{
	tb->listeners_only = true;
}

void table_snapshot_begin(struct table *tb, uint64_t now_ns)
{
	tb->gen++;
	tb->snap_start = now_ns;
}

void table_apply_sock(struct table *tb, const struct st_sock_rec *rec)
{
	struct st_sock_rec mr;
	const struct st_sock_rec *r = rec;
	bool tw = rec->t.flags & ST_SK_TIMEWAIT;
	uint64_t key;
	struct sock_entry *e;

	if (record_cookie(&rec->t, rec->cookie) != rec->cookie) {
		mr = *rec;
		mr.cookie = 0;
		r = &mr;
	}

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
		entry_end_unseen(tb, e, r->hdr.ts_ns);
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
	if (r->t.protocol == IPPROTO_UDP)
		cookie_index(tb, e);
	if (r->mptcp_parent)
		link_subflow(tb, e, r->mptcp_parent, r->hdr.ts_ns);
}

void table_snapshot_end(struct table *tb)
{
	uint32_t i;

	for (i = 0; i < tb->used; i++) {
		struct sock_entry *e = &tb->ents[i];

		if (!e->sk || (e->flags & ENTRY_GONE) || e->seen_gen == tb->gen ||
		    e->first_ns >= tb->snap_start || (e->flags & ENTRY_PENDING))
			continue;
		if (++e->missed < 2 &&
		    (e->t.protocol == IPPROTO_TCP || e->t.protocol == IPPROTO_MPTCP))
			continue;
		tb->st.swept++;
		if (e->flags & ENTRY_TIMEWAIT) {
			timewait_gone(tb, e);
		} else {
			/* its end reached no hook, or its records were lost */
			entry_end_unseen(tb, e, tb->snap_start);
			entry_free(tb, e);
		}
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
