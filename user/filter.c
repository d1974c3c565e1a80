// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "filter.h"

#include <string.h>

#include "owner.h"

static bool match_common(const struct filter *f, const struct sock_entry *e, uint32_t pid,
			 const char *comm)
{
	const struct st_tuple *t = &e->t;

	if (f->family && t->family != f->family)
		return false;
	if (f->netns && t->netns != f->netns)
		return false;
	if (f->port && t->sport != f->port && t->dport != f->port)
		return false;
	if (f->lport && t->sport != f->lport)
		return false;
	if (f->rport && t->dport != f->rport)
		return false;
	if (f->pid && pid != f->pid)
		return false;
	if (f->has_comm && strncmp(comm, f->comm, 16) != 0)
		return false;
	return true;
}

bool filter_transition(const struct filter *f, const struct transition *tr)
{
	if (f->states && tr->kind == TR_STATE &&
	    !(f->states & ((1u << tr->old_state) | (1u << tr->new_state))))
		return false;
	if (f->states && tr->kind != TR_STATE && !(f->states & (1u << tr->e->state)))
		return false;
	return match_common(f, tr->e, shown_pid(tr->e, tr->task), shown_comm(tr->e, tr->task));
}

bool filter_entry(const struct filter *f, const struct sock_entry *e)
{
	if (f->states && !(f->states & (1u << e->state)))
		return false;
	return match_common(f, e, e->owner_pid, e->owner_comm);
}
