// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The state machine: a state record (inet_sock_set_state) becomes a
 * transition. Here an address turns out to be a new socket, a child finds its
 * listener's owner, a first line is held until its tuple is known, an active
 * closer's CLOSE becomes TIME_WAIT, and an entry ends.
 */
#include "table_internal.h"

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
 * Whether e opened its connection with an acknowledged SYN. A connection
 * that predates socktrace has no path to say: it is taken for the active
 * end when no listener holds its local address and port (a server's
 * connections share its listener's, a client's port is its own).
 */
static bool syn_acked(struct table *tb, const struct sock_entry *e)
{
	unsigned int i;

	if (!(e->flags & (ENTRY_SEEN_START | ENTRY_PASSIVE)))
		return !find_listener(tb, &e->t);
	if (!e->path_len || entry_path_state(e, 0) != ST_TCP_SYN_SENT)
		return false;
	for (i = 1; i < e->path_len; i++)
		if (entry_path_state(e, i) == ST_TCP_ESTABLISHED)
			return true;
	return false;
}

/*
 * Payload bytes from the kernel's counters, which count sequence space: an
 * acknowledged SYN (an active open's) and the FINs the record names.
 */
void end_bytes(struct table *tb, const struct sock_entry *e, uint64_t tx, uint64_t rx,
	       uint8_t close_flags, struct transition *tr)
{
	if (syn_acked(tb, e))
		tx -= tx > 0;
	if (close_flags & ST_CLOSE_FIN_OUT_ACKED)
		tx -= tx > 0;
	if (close_flags & ST_CLOSE_FIN_IN)
		rx -= rx > 0;
	tr->tx_bytes = tx;
	tr->rx_bytes = rx;
}

/*
 * Transitions that only the owning process makes, in a system call (a
 * listener's close is its last holder's close() or exit: a child of the
 * process that listened, once that one left).
 */
static bool made_by_process(uint8_t old_state, uint8_t new_state)
{
	return new_state == ST_TCP_SYN_SENT || new_state == ST_TCP_LISTEN ||
	       (old_state == ST_TCP_LISTEN && new_state == ST_TCP_CLOSE) ||
	       (old_state == ST_TCP_ESTABLISHED && new_state == ST_TCP_FIN_WAIT1) ||
	       (old_state == ST_TCP_CLOSE_WAIT && new_state == ST_TCP_LAST_ACK);
}

/*
 * A transition no process makes in a call (a FIN or a reset arriving) on a
 * socket someone holds, run in some other task than its owner's: if the
 * owner has exited, the socket changed hands (fd passing; fork() and the
 * parent left) and the probe names who holds it now. The owner is asked
 * about only here, so a socket whose owner lives costs one check per such
 * transition, and one whose owner acts costs nothing.
 */
static void find_holder(struct table *tb, struct sock_entry *e, uint8_t old_state, uint64_t ts)
{
	struct st_task now;

	if ((old_state != ST_TCP_ESTABLISHED && old_state != ST_TCP_CLOSE_WAIT) ||
	    e->owner_src == OWNER_LISTENER || !tb->probe.gone ||
	    !tb->probe.gone(tb->probe.ctx, e->owner_pid, ts))
		return;
	if (tb->probe.find(tb->probe.ctx, e, &now) && now.tgid && now.tgid != e->owner_pid)
		change_hands(tb, e, &now);
}

/*
 * A live TCP entry whose socket is gone: a new socket took its address, or
 * snapshots no longer find it. Its end was never reported (a record lost, or
 * transitions that reached no program on the tracepoint, which 6.18 does to
 * some orphans in FIN_WAIT1 under load). Its line says so, at the time the
 * table learnt it.
 */
void entry_end_unseen(struct table *tb, struct sock_entry *e, uint64_t ts)
{
	struct transition tr = {
		.kind = TR_STATE,
		.ts_ns = ts,
		.e = e,
		.old_state = e->state,
		.new_state = ST_TCP_CLOSE,
		.end_unseen = true,
	};

	if (e->t.protocol != IPPROTO_TCP || e->state == ST_TCP_CLOSE)
		return;
	release_pending(tb, e);
	tr.origin = entry_origin(tb, e);
	tb->st.ends_unseen++;
	tb->sink(tb->sink_ctx, &tr);
}

void table_apply_state(struct table *tb, const struct st_state_rec *r)
{
	struct sock_entry *e;
	uint8_t old_state = r->oldstate, new_state = r->newstate;
	bool mptcp = r->t.protocol == IPPROTO_MPTCP;
	/* an accepted MPTCP socket is cloned from its listener straight into
	 * ESTABLISHED, before its remote end is set */
	bool child = old_state == ST_TCP_LISTEN &&
		     (new_state == ST_TCP_SYN_RECV || (mptcp && new_state == ST_TCP_ESTABLISHED));
	bool prev_known = false;
	/* not socktrace's own: see table.self_tgid */
	bool by_process = made_by_process(old_state, new_state) && r->task.tgid != tb->self_tgid;
	struct transition end = {0};
	uint64_t rcookie = record_cookie(&r->t, r->cookie);

	/* MPTCP stores a state it has already (a listener takes its listening
	 * subflow's; a closed socket is closed again when freed): no change */
	if (bad_sk(r->sk) || old_state == new_state)
		return;
	/* a child's first event may carry its listener's cookie (below) */
	e = lookup_event(tb, r->sk, child ? 0 : rcookie);

	/*
	 * The address belongs to a new socket if the cookies differ, or if this
	 * is a first transition (from CLOSE, or a child's) while the entry still
	 * lives: the previous owner's final CLOSE was lost.
	 */
	if (e && ((rcookie && e->cookie && rcookie != e->cookie) ||
		  (!(rcookie && rcookie == e->cookie) &&
		   (child || (old_state == ST_TCP_CLOSE && e->state != ST_TCP_CLOSE))))) {
		tb->st.reused++;
		entry_end_unseen(tb, e, r->hdr.ts_ns);
		entry_free(tb, e);
		e = NULL;
	}

	if (!e) {
		uint64_t cookie = rcookie;

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
		/* time spent closed means nothing: an entry closed before its
		 * first transition was made for a subflow's MPTCP socket */
		if (e->state == old_state && old_state != ST_TCP_CLOSE && e->state_ns)
			prev_known = true;
		else if (e->state != old_state)
			tb->st.out_of_order++;
		if (old_state == ST_TCP_CLOSE)
			e->flags |= ENTRY_SEEN_START;
		take_cookie(tb, e, rcookie);
	}

	/* a snapshot may have found the child before this event arrived */
	if (child && e->owner_src == OWNER_NONE) {
		struct sock_entry *l = find_listener(tb, &r->t);

		e->flags |= ENTRY_PASSIVE;
		if (l && l->owner_src != OWNER_NONE) {
			e->owner_pid = l->owner_pid;
			memcpy(e->owner_comm, l->owner_comm, ST_COMM_LEN);
			e->owner_src = OWNER_LISTENER;
		}
	}

	if (old_state == ST_TCP_CLOSE && new_state == ST_TCP_SYN_SENT)
		set_owner(e, &r->task, OWNER_CONNECT);
	else if (new_state == ST_TCP_LISTEN)
		set_owner(e, &r->task, OWNER_LISTEN);
	else if (e->owner_src == OWNER_NONE && by_process)
		set_owner(e, &r->task, OWNER_TASK);
	else if (e->owner_src != OWNER_NONE && r->task.tgid != e->owner_pid && !r->mptcp_parent &&
		 !e->mptcp_parent) {
		/* close() or shutdown() in another process: it holds the socket (a
		 * subflow is closed by the kernel's MPTCP worker, and follows its
		 * connection's owner instead) */
		if (by_process && r->task.tgid)
			change_hands(tb, e, &r->task);
		else
			find_holder(tb, e, old_state, r->hdr.ts_ns);
	}
	if (r->mptcp_parent)
		link_subflow(tb, e, r->mptcp_parent, r->hdr.ts_ns);

	e->sk_err = r->sk_err;
	if (new_state == ST_TCP_LISTEN || old_state == ST_TCP_LISTEN) {
		e->rx_queue = r->rx_queue;
		e->tx_queue = r->tx_queue;
	}
	/* before the end's states join the path, which the count reads */
	if (r->bytes_acked || r->bytes_received)
		end_bytes(tb, e, r->bytes_acked, r->bytes_received, r->close_flags, &end);

	/* connect() has not chosen the source port yet; before 6.18 a child's
	 * remote end is set only after its first transition */
	if ((old_state == ST_TCP_CLOSE && new_state == ST_TCP_SYN_SENT && !e->t.sport) ||
	    (child && !e->t.dport)) {
		e->flags |= ENTRY_PENDING;
		e->pend_ns = r->hdr.ts_ns;
		e->pend_old = old_state;
		e->pend_new = new_state;
		/* its source port may come by cookie (syn_port.bpf.h, sockops) */
		cookie_index(tb, e);
		path_push(e, old_state);
		path_push(e, new_state);
		e->state = new_state;
		e->state_ns = r->hdr.ts_ns;
		pending_push(tb, e);
		return;
	}
	release_pending(tb, e);

	/* The kernel hands an active closer over to a timewait socket and closes
	 * the full one; no transition reports it. A reset closes with sk_err set.
	 * An MPTCP socket has no TIME_WAIT: its subflows do. */
	if (new_state == ST_TCP_CLOSE && !r->sk_err && !mptcp &&
	    (old_state == ST_TCP_FIN_WAIT2 || old_state == ST_TCP_CLOSING))
		new_state = ST_TCP_TIME_WAIT;
	path_push(e, old_state);
	path_push(e, new_state);

	emit_state(tb, e, r->hdr.ts_ns, old_state, new_state, prev_known, &r->task, r->sk_err,
		   &end);
	if (old_state == ST_TCP_SYN_SENT && new_state == ST_TCP_CLOSE && r->sk_err)
		connect_failed(tb, e, r->hdr.ts_ns, r->sk_err);

	if (e->state == ST_TCP_LISTEN && new_state != ST_TCP_LISTEN)
		listen_del(tb, e);
	else if (new_state == ST_TCP_LISTEN && e->state != ST_TCP_LISTEN)
		listen_add(tb, e);
	e->state = new_state;
	e->state_ns = r->hdr.ts_ns;

	if (old_state == ST_TCP_SYN_SENT && new_state == ST_TCP_ESTABLISHED)
		timewait_reused(tb, e, r->hdr.ts_ns);
	if (new_state == ST_TCP_TIME_WAIT)
		entry_to_timewait(tb, e, r->hdr.ts_ns + TIMEWAIT_NS);
	else if (new_state == ST_TCP_CLOSE)
		entry_free(tb, e);
}
