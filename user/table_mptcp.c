// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * MPTCP: a TCP subflow names its MPTCP socket by address; the table turns
 * that into the socket's id and shares its owner with the subflow. An MPTCP
 * socket may end before its subflows do (its close runs in a worker while a
 * subflow waits in LAST_ACK), and life reports a subflow only at its end, so
 * the table remembers the last MPTCP sockets that ended. Their addresses
 * cannot name another socket meanwhile: each subflow holds a reference on its
 * MPTCP socket until the subflow is freed.
 */
#include "table_internal.h"

/* an MPTCP socket that left the table, as its subflows need it */
struct mptcp_ended {
	uint64_t sk, id;
	uint32_t owner_pid;
	uint8_t owner_src;
	char owner_comm[ST_COMM_LEN];
};

void mptcp_ended_keep(struct table *tb, const struct sock_entry *e)
{
	struct mptcp_ended *m;

	/* most tables never see MPTCP: no memory until one ends */
	if (!tb->mptcp_ended) {
		tb->mptcp_ended = calloc(MPTCP_ENDED, sizeof(*tb->mptcp_ended));
		if (!tb->mptcp_ended)
			return;
	}
	m = &tb->mptcp_ended[tb->mptcp_ended_next++ % MPTCP_ENDED];
	m->sk = e->sk;
	m->id = e->id;
	m->owner_pid = e->owner_pid;
	m->owner_src = e->owner_src;
	memcpy(m->owner_comm, e->owner_comm, ST_COMM_LEN);
}

/* The latest MPTCP socket that ended at address sk, if still remembered. */
static const struct mptcp_ended *ended_find(const struct table *tb, uint64_t sk)
{
	uint32_t n = tb->mptcp_ended_next < MPTCP_ENDED ? tb->mptcp_ended_next : MPTCP_ENDED;

	if (!tb->mptcp_ended)
		return NULL;
	for (uint32_t i = 1; i <= n; i++) {
		const struct mptcp_ended *m =
			&tb->mptcp_ended[(tb->mptcp_ended_next - i) % MPTCP_ENDED];

		if (m->sk == sk)
			return m;
	}
	return NULL;
}

/* The subflow shares its connection's owner once known: the path manager
 * makes later subflows in a kernel worker. */
static void take_parent(struct sock_entry *e, uint64_t id, uint8_t owner_src, uint32_t owner_pid,
			const char *owner_comm)
{
	e->mptcp_parent = id;
	if (owner_src != OWNER_NONE) {
		e->owner_pid = owner_pid;
		memcpy(e->owner_comm, owner_comm, ST_COMM_LEN);
		e->owner_src = OWNER_MPTCP;
	}
}

bool subflow_of(struct table *tb, struct sock_entry *e, uint64_t parent_sk)
{
	const struct sock_entry *p;
	const struct mptcp_ended *m;

	if (bad_sk(parent_sk) || parent_sk == e->sk)
		return true;
	p = lookup(tb, parent_sk);
	if (p) {
		/* another protocol's socket there: an event was lost */
		if (p->t.protocol == IPPROTO_MPTCP)
			take_parent(e, p->id, p->owner_src, p->owner_pid, p->owner_comm);
		return true;
	}
	m = ended_find(tb, parent_sk);
	if (!m)
		return false;
	take_parent(e, m->id, m->owner_src, m->owner_pid, m->owner_comm);
	return true;
}

/*
 * The MPTCP socket's entry is made here if its own events have not come yet
 * (an active subflow connects before its MPTCP socket says SYN_SENT), so that
 * the id is the same on every line.
 */
void link_subflow(struct table *tb, struct sock_entry *e, uint64_t parent_sk, uint64_t ts)
{
	struct sock_entry *p;

	if (subflow_of(tb, e, parent_sk))
		return;
	p = entry_new_keyed(tb, parent_sk, 0);
	if (!p)
		return;
	p->first_ns = ts;
	p->state_ns = ts;
	p->state = ST_TCP_CLOSE;
	p->t = e->t;
	p->t.protocol = IPPROTO_MPTCP;
	e->mptcp_parent = p->id;
}
