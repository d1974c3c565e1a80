// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The calls: bind, listen, accept and connect returns, UDP releases, the
 * source port of a connect() under way (at its SYN's retransmission, or from
 * sockops) and connections queued on listeners. Each updates its socket's
 * entry (a UDP socket's whole life is calls) and gives one line, about the
 * entry or, where the table keeps none, the record.
 */
#include <errno.h>

#include "table_internal.h"

/*
 * A connect that failed: refused, timed out, unreachable. Reported from the
 * SYN_SENT -> CLOSE that carries the error, which covers non-blocking
 * connects too; connect()'s own return then only adds failures that never
 * reached SYN_SENT.
 */
void connect_failed(struct table *tb, const struct sock_entry *e, uint64_t ts, int err)
{
	struct st_task task = owner_task(e);
	struct transition tr = {
		.kind = TR_CONNECT,
		.ts_ns = ts,
		.e = e,
		.err = err,
		.task = &task,
	};

	/* the cookie, or the address where there is none (classic tracepoints) */
	tb->failed_keys[tb->failed_next] = e->cookie ? e->cookie : e->sk;
	tb->failed_next = (tb->failed_next + 1) % FAILED_KEYS;
	emit_call(tb, &tr);
}

/* Whether the state machine already reported this failure; forgets it then. */
static bool failure_reported(struct table *tb, uint64_t key)
{
	size_t i;

	for (i = 0; key && i < FAILED_KEYS; i++)
		if (tb->failed_keys[i] == key) {
			tb->failed_keys[i] = 0;
			return true;
		}
	return false;
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
static void call_line_of_record(struct table *tb, const struct st_call_rec *r,
				struct transition *tr, enum owner_src src)
{
	struct sock_entry tmp = {.sk = r->sk, .cookie = r->cookie, .t = r->t, .state = r->state};

	tmp.id = r->cookie ? r->cookie : tb->next_synthetic++;
	set_owner(&tmp, &r->task, src);
	tr->e = &tmp;
	emit_call(tb, tr);
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
static void call_line(struct table *tb, struct sock_entry *e, const struct st_call_rec *r,
		      struct transition *tr, enum owner_src src)
{
	if (!e) {
		call_line_of_record(tb, r, tr, src);
		return;
	}
	tr->e = e;
	emit_call(tb, tr);
}

static void apply_connect(struct table *tb, struct sock_entry *e, const struct st_call_rec *r,
			  struct transition *tr)
{
	bool udp = r->t.protocol == IPPROTO_UDP;

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
		emit_call(tb, tr);
		return;
	}
	if (e) {
		/* connect() returned: the source port is known now. A failed
		 * call's remote end is the address it asked for, which the
		 * socket (a bound UDP one) is not connected to. */
		struct st_tuple t = r->t;

		if (connect_error(r->ret)) {
			memset(t.daddr, 0, sizeof(t.daddr));
			t.dport = 0;
		}
		merge_tuple(&e->t, &t);
		listen_rehash(tb, e);
		release_pending(tb, e);
	}
	if (udp ? !r->ret
		: (!connect_error(r->ret) || failure_reported(tb, r->cookie) ||
		   failure_reported(tb, r->sk)))
		return;
	/* the line describes the address connect() was given */
	call_line(tb, NULL, r, tr, OWNER_CONNECT);
}

static void apply_bind(struct table *tb, struct sock_entry *e, const struct st_call_rec *r,
		       struct transition *tr)
{
	tr->err = ret_errno(r->ret);
	tr->arg = r->arg;
	tr->call_flags = r->call_flags;
	/* a bound UDP socket is what netstat lists as listening; a bound TCP
	 * socket is in no kernel table until it listens or connects */
	if (!r->ret && r->t.protocol == IPPROTO_UDP) {
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
	call_line(tb, r->ret ? NULL : e, r, tr, OWNER_BIND);
}

static void apply_accept(struct table *tb, struct sock_entry *e, const struct st_call_rec *r,
			 struct transition *tr)
{
	struct sock_entry conn;

	if (!e && tb->listeners_only) {
		/* the line's entry, kept nowhere: even a connection reset
		 * before accept() returned was taken from its listener */
		conn = (struct sock_entry){.sk = r->sk,
					   .cookie = r->cookie,
					   .id = r->cookie ? r->cookie : tb->next_synthetic++,
					   .first_ns = r->hdr.ts_ns,
					   .state_ns = r->hdr.ts_ns,
					   .state = r->state,
					   .flags = ENTRY_PASSIVE,
					   .t = r->t};
		e = &conn;
	} else if (!e) {
		/* its transitions were lost, or it closed already */
		if (r->state == ST_TCP_CLOSE || !(e = entry_from_call(tb, r)))
			return;
		e->flags |= ENTRY_PASSIVE;
	} else {
		merge_tuple(&e->t, &r->t);
		listen_rehash(tb, e);
		/* an accepted MPTCP socket's first line waits for its remote end */
		release_pending(tb, e);
	}
	{
		struct sock_entry *l = accept_listener(tb, r->listener, &r->t);

		if (l)
			l->accepted++;
		tr->peer = l;
	}
	set_owner(e, &r->task, OWNER_ACCEPT);
	tr->e = e;
	emit_call(tb, tr);
}

void table_apply_call(struct table *tb, const struct st_call_rec *rec)
{
	struct st_call_rec mr;
	const struct st_call_rec *r = rec;
	struct sock_entry *e;
	struct transition tr = {.ts_ns = rec->hdr.ts_ns, .task = &rec->task};

	if (record_cookie(&rec->t, rec->cookie) != rec->cookie) {
		mr = *rec;
		mr.cookie = 0;
		r = &mr;
	}

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
		if (!e || e->t.protocol != IPPROTO_UDP)
			return;
		tr.kind = TR_CLOSE;
		tr.e = e;
		emit_call(tb, &tr);
		entry_free(tb, e);
		return;
	}

	if (bad_sk(r->sk) || (r->listener && bad_sk(r->listener)))
		return;
	e = lookup_event(tb, r->sk, r->cookie);
	if (e && r->cookie && e->cookie && r->cookie != e->cookie) {
		tb->st.reused++;
		entry_end_unseen(tb, e, r->hdr.ts_ns);
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
		call_line(tb, e, r, &tr, OWNER_LISTEN);
		break;
	case ST_REC_ACCEPT:
		tr.kind = TR_ACCEPT;
		apply_accept(tb, e, r, &tr);
		break;
	}
}
