// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * life's records: a TCP connection's whole life, built in the kernel
 * (bpf/life.bpf.h), becomes the transition its end would have made here, on
 * an entry of the moment instead of one of the table's, to the same sink: the
 * same line. What only userspace can tell (a listener that predates
 * socktrace, whether an owner exited and who holds the socket now, an MPTCP
 * connection's id) is asked here, and only where the record says so.
 */
#include "table_internal.h"

/* the kernel writes userspace's numbers (compared as ints: two enum types) */
#define SAME_OWNER(name) ((int)OWNER_##name == (int)ST_OWNER_##name)
_Static_assert(SAME_OWNER(NONE) && SAME_OWNER(CONNECT) && SAME_OWNER(LISTEN) &&
		       SAME_OWNER(ACCEPT) && SAME_OWNER(LISTENER) && SAME_OWNER(TASK) &&
		       SAME_OWNER(HOLDER),
	       "enum owner_src and enum st_owner_src differ");
_Static_assert(PATH_MAX_STATES == ST_PATH_MAX_STATES, "path lengths differ");

/* A child of a listener the kernel has no owner for: the table's listener. */
static void listener_owner(struct table *tb, struct sock_entry *e)
{
	const struct sock_entry *l = find_listener(tb, &e->t);

	if (l && l->owner_src != OWNER_NONE) {
		e->owner_pid = l->owner_pid;
		memcpy(e->owner_comm, l->owner_comm, ST_COMM_LEN);
		e->owner_src = OWNER_LISTENER;
	}
}

/* table_state.c's find_holder(), asked at the end instead of at the transition. */
static void holder_now(struct table *tb, struct sock_entry *e, struct sock_origin *origin,
		       uint64_t ts)
{
	struct st_task now;

	/* at the end the socket is closed and its address may be another's:
	 * only its cookie still names it (a child on raw_tp or the classic
	 * tracepoint has none, and the probe found the wrong socket's holder) */
	if (!e->cookie)
		return;
	if (e->owner_src == OWNER_NONE || e->owner_src == OWNER_LISTENER || !tb->probe.gone ||
	    !tb->probe.gone(tb->probe.ctx, e->owner_pid, ts))
		return;
	if (!tb->probe.find(tb->probe.ctx, e, &now) || !now.tgid || now.tgid == e->owner_pid)
		return;
	if (e->owner_src != OWNER_HOLDER) {
		origin->pid = e->owner_pid;
		origin->src = e->owner_src;
		memcpy(origin->comm, e->owner_comm, ST_COMM_LEN);
	}
	set_owner(e, &now, OWNER_HOLDER);
}

void table_apply_life(struct table *tb, const struct st_life_rec *r)
{
	struct sock_origin origin = {0};
	struct sock_entry e = {
		.sk = r->sk,
		.cookie = r->cookie,
		.first_ns = r->first_ns,
		.state_ns = r->hdr.ts_ns,
		.state = r->oldstate,
		.flags = ENTRY_SEEN_START,
		.owner_src = r->owner_src,
		.owner_pid = r->owner_pid,
		.sk_err = r->sk_err,
		.path_len = r->path_len,
		.path = r->path,
		.t = r->t,
	};
	bool unseen = r->life_flags & ST_LIFE_END_UNSEEN;
	struct transition tr = {
		.kind = TR_STATE,
		.ts_ns = r->hdr.ts_ns,
		.e = &e,
		.old_state = r->oldstate,
		.new_state = r->newstate,
		.task = unseen ? NULL : &r->task,
		.sk_err = r->sk_err,
		.end_unseen = unseen,
	};

	tb->st.sockets_seen++;
	if (unseen)
		tb->st.ends_unseen++;
	/* the cookie at the end is the connection's own (a child's first
	 * transition may still carry its listener's) */
	e.id = r->cookie ? r->cookie : tb->next_synthetic++;
	memcpy(e.owner_comm, r->owner_comm, ST_COMM_LEN);
	if (r->life_flags & ST_LIFE_PASSIVE)
		e.flags |= ENTRY_PASSIVE;
	if (r->owner_src == OWNER_HOLDER) {
		origin.pid = r->origin_pid;
		origin.src = r->origin_src;
		memcpy(origin.comm, r->origin_comm, ST_COMM_LEN);
	}
	if ((r->life_flags & ST_LIFE_LISTENER_UNKNOWN) && e.owner_src == OWNER_NONE)
		listener_owner(tb, &e);
	if (r->mptcp_parent)
		subflow_of(tb, &e, r->mptcp_parent);
	if (r->life_flags & ST_LIFE_HOLDER_CHECK)
		holder_now(tb, &e, &origin, r->hdr.ts_ns);
	if (r->bytes_acked || r->bytes_received)
		end_bytes(tb, &e, r->bytes_acked, r->bytes_received, r->close_flags, &tr);
	tr.origin = e.owner_src == OWNER_HOLDER ? &origin : NULL;
	tb->sink(tb->sink_ctx, &tr);
}
