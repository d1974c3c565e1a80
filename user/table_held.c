// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Held lines. A socket's first line can come before its tuple is known
 * (CLOSE -> SYN_SENT before connect() picks the port; a child's first
 * transition before its remote end is set): the entry keeps that line and a
 * FIFO remembers it until the tuple arrives or the grace period ends.
 */
#include "table_internal.h"

/*
 * Emit a held first line, at the time it happened. It is attributed to the
 * owner: the task that ran it is not kept (for a child it was the client).
 */
void pending_emit(struct table *tb, struct sock_entry *e)
{
	struct st_task task = owner_task(e);

	e->flags &= ~ENTRY_PENDING;
	cookie_unindex(tb, e);
	emit_state(tb, e, e->pend_ns, e->pend_old, e->pend_new, false, &task, 0, NULL);
}

void pending_push(struct table *tb, struct sock_entry *e)
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

/* Release the lines held for longer than the grace period, oldest first. */
void pending_expire(struct table *tb, uint64_t now_ns)
{
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
