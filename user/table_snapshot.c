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

/*
 * A timewait socket: its entry, made if the table lacks it. In its FIN_WAIT2
 * substate it is shown as FIN_WAIT2, as netstat does.
 */
static void apply_timewait(struct table *tb, const struct st_sock_rec *r)
{
	struct tw_entry *tw = tw_find(tb, &r->t);

	if (!tw) {
		tw = tw_seed(tb, &r->t, r->cookie, r->hdr.ts_ns,
			     r->hdr.ts_ns + (uint64_t)r->ttl_jiffies * tb->ns_per_jiffy);
		if (!tw)
			return;
	} else if (tw->state != r->state) {
		tw->state_ns = r->hdr.ts_ns;
		tw->flags |= ENTRY_SEEDED;
	}
	tw->state = r->state;
	tw->seen_gen = tb->gen;
	tw->missed = 0;
}

void table_apply_sock(struct table *tb, const struct st_sock_rec *rec)
{
	struct st_sock_rec mr;
	const struct st_sock_rec *r = rec;
	uint64_t key;
	uint8_t keep = 0;
	struct sock_entry *e;

	if (record_cookie(&rec->t, rec->cookie) != rec->cookie) {
		mr = *rec;
		mr.cookie = 0;
		r = &mr;
	}

	if (r->t.flags & ST_SK_TIMEWAIT) {
		apply_timewait(tb, r);
		return;
	}
	if (r->sk) {
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
		cookies_index_all(tb);
		if (tw_lookup_cookie(tb, r->cookie))
			return; /* its end is in the table already */
		e = lookup_cookie(tb, r->cookie);
	}

	if (e && r->cookie && e->cookie && r->cookie != e->cookie) {
		tb->st.reused++;
		entry_end_unseen(tb, e, r->hdr.ts_ns);
		entry_free(tb, e);
		e = NULL;
	}
	if (!e) {
		e = entry_new_keyed(tb, key, r->cookie);
		if (!e)
			return;
		e->first_ns = r->hdr.ts_ns;
		/* in that state since a time nothing told */
		e->state_ns = 0;
		e->state = r->state;
		e->t = r->t;
		e->flags |= ENTRY_SEEDED;
		if (r->state == ST_TCP_LISTEN)
			listen_add(tb, e);
	} else if (e->state != r->state && !(e->flags & ENTRY_PENDING)) {
		/* events were lost; the kernel knows better */
		tb->st.corrected++;
		if (e->state == ST_TCP_LISTEN)
			listen_del(tb, e);
		else if (r->state == ST_TCP_LISTEN)
			listen_add(tb, e);
		e->state = r->state;
		e->state_ns = 0;
	}
	e->rx_queue = r->rx_queue;
	e->tx_queue = r->tx_queue;
	e->drops = r->drops;
	e->uid = r->uid;
	if (r->ino)
		e->ino = r->ino;
	if (r->rec_flags & ST_SOCK_REUSE_UNKNOWN)
		keep = e->t.flags & (ST_SK_REUSEADDR | ST_SK_REUSEPORT);
	e->t.flags = r->t.flags | keep;
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

		/* a held line goes out first (entry_end_unseen()): a connection
		 * whose records were lost can hold its first line for its grace
		 * period, past two snapshots */
		if (!e->sk || e->seen_gen == tb->gen || e->first_ns >= tb->snap_start)
			continue;
		if (++e->missed < 2 &&
		    (e->t.protocol == IPPROTO_TCP || e->t.protocol == IPPROTO_MPTCP))
			continue;
		tb->st.swept++;
		/* its end reached no hook, or its records were lost */
		entry_end_unseen(tb, e, tb->snap_start);
		entry_free(tb, e);
	}
	for (i = 0; i < tb->tw_used; i++) {
		struct tw_entry *tw = &tb->tws[i];

		/* one that began TIME_WAIT since the snapshot began was not there to see */
		if (!tw->key || (tw->flags & ENTRY_GONE) || tw->seen_gen == tb->gen ||
		    tw->state_ns >= tb->snap_start || ++tw->missed < 2)
			continue;
		tb->st.swept++;
		timewait_gone(tb, tw);
	}
}

void table_apply_file(struct table *tb, const struct st_file_rec *r)
{
	struct sock_entry *e;

	/* a /proc scan knows no address: the socket pass's cookie names the socket */
	if (!r->sk) {
		cookies_index_all(tb);
		e = lookup_cookie(tb, r->cookie);
	} else
		e = bad_sk(r->sk) ? NULL : lookup_event(tb, r->sk, r->cookie);
	if (!e)
		return;
	if (e->owner_src == OWNER_NONE)
		set_owner(e, &r->task, OWNER_SEED);
	if (r->file_flags & ST_FILE_SK_FLAGS)
		e->t.flags = (e->t.flags & ~(ST_SK_REUSEADDR | ST_SK_REUSEPORT)) |
			     (r->sk_flags & (ST_SK_REUSEADDR | ST_SK_REUSEPORT));
}
