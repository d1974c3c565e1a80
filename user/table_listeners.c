// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Listeners, in buckets by port: the listener a passive child came from
 * (its owner becomes the child's), and the one an accept() names.
 */
#include "table_internal.h"

/* The bucket is remembered: a listener's port can arrive after its LISTEN
 * (listen() without bind() stores the state before choosing the port). */
void listen_add(struct table *tb, struct sock_entry *e)
{
	uint32_t *head;

	if (e->flags & ENTRY_LISTED)
		return;
	e->lbucket = listen_bucket(&e->t);
	head = &tb->listen[e->lbucket];
	e->lnext = *head;
	*head = entry_slot(tb, e);
	e->flags |= ENTRY_LISTED;
}

void listen_del(struct table *tb, struct sock_entry *e)
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

static size_t addr_len(const struct st_tuple *t)
{
	return t->family == AF_INET6 ? 16 : 4;
}

static bool addr_any(const struct st_tuple *t)
{
	static const uint8_t zero[ST_ADDR_LEN];

	return memcmp(t->saddr, zero, addr_len(t)) == 0;
}

/*
 * The listener a passive child came from: same netns, port, protocol (an
 * MPTCP listener has a TCP one of its own on the same port) and family (an
 * IPv4 client of a dual-stack listener makes an IPv6 child with a v4-mapped
 * address); an exact address beats a wildcard, as in the kernel's lookup.
 * Among SO_REUSEPORT siblings the kernel's choice is not visible here; the
 * accept() that follows names the real listener.
 */
struct sock_entry *find_listener(struct table *tb, const struct st_tuple *c)
{
	struct sock_entry *best = NULL, *l;
	uint32_t slot;

	for (slot = tb->listen[listen_bucket(c)]; slot; slot = l->lnext) {
		l = &tb->ents[slot - 1];
		if (l->t.sport != c->sport || l->t.netns != c->netns || l->t.family != c->family ||
		    l->t.protocol != c->protocol)
			continue;
		if (memcmp(l->t.saddr, c->saddr, addr_len(c)) == 0)
			return l;
		if (addr_any(&l->t) && !best)
			best = l;
	}
	return best;
}

/*
 * The listener accept() names by address. One that only a sock_diag snapshot
 * has met is known by its cookie, which accept() does not report: the
 * address goes to it if it is the only such listener the connection fits.
 */
struct sock_entry *accept_listener(struct table *tb, uint64_t sk, const struct st_tuple *c)
{
	struct sock_entry *l = lookup(tb, sk), *only = NULL, *x;
	uint32_t slot;

	if (l || !sk || !tb->seed_keys)
		return l;
	for (slot = tb->listen[listen_bucket(c)]; slot; slot = x->lnext) {
		x = &tb->ents[slot - 1];
		if (!unaddressed(x) || x->t.sport != c->sport || x->t.netns != c->netns ||
		    x->t.family != c->family ||
		    (!addr_any(&x->t) && memcmp(x->t.saddr, c->saddr, addr_len(c))))
			continue;
		if (only)
			return NULL; /* SO_REUSEPORT siblings: which one is not knowable */
		only = x;
	}
	if (only)
		give_address(tb, only, sk);
	return only;
}
