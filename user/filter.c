// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "filter.h"

#include <fnmatch.h>
#include <netinet/in.h>
#include <string.h>

#include "escape.h"
#include "sbuf.h"

#include "owner.h"

/* --pid, --comm */
static bool match_who(const struct filter *f, uint32_t pid, const char *comm)
{
	if (f->pid && pid != f->pid)
		return false;
	return !f->has_comm || strncmp(comm, f->comm, 16) == 0;
}

static bool match_common(const struct filter *f, const struct sock_entry *e, uint32_t pid,
			 const char *comm)
{
	const struct st_tuple *t = &e->t;

	if (f->protos && !(f->protos & (t->protocol == IPPROTO_UDP ? SEL_UDP : SEL_TCP)))
		return false;
	/* a path belongs to UNIX sockets only */
	if (f->path_glob)
		return false;
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
	return match_who(f, pid, comm);
}

bool filter_transition(const struct filter *f, const struct transition *tr)
{
	if (f->states && tr->kind == TR_STATE &&
	    !(f->states & ((1u << tr->old_state) | (1u << tr->new_state))))
		return false;
	if (f->states && tr->kind != TR_STATE && !(f->states & (1u << tr->e->state)))
		return false;
	return filter_transition_any_state(f, tr);
}

bool filter_transition_any_state(const struct filter *f, const struct transition *tr)
{
	return match_common(f, tr->e, shown_pid(tr->e, tr->task), shown_comm(tr->e, tr->task));
}

bool filter_entry(const struct filter *f, const struct sock_entry *e)
{
	return filter_entry_held(f, e, e->owner_pid, e->owner_comm);
}

bool filter_entry_held(const struct filter *f, const struct sock_entry *e, uint32_t pid,
		       const char *comm)
{
	if (f->states && !(f->states & (1u << e->state)))
		return false;
	return match_common(f, e, pid, comm);
}

bool filter_unix_path(const struct filter *f, const char *path, size_t len)
{
	/* escaped, a path grows at most fourfold */
	char storage[ST_UNIX_PATH_LEN * 4 + 2];
	struct sbuf sb;

	if (!f->path_glob)
		return true;
	/* the pattern matches the path as it is shown: "@name" for an abstract one */
	sb_init(&sb, storage, sizeof(storage));
	sb_put_unix_path_text(&sb, path, len);
	return fnmatch(f->path_glob, sb_str(&sb), 0) == 0;
}

bool filter_may_pass_unix(const struct filter *f)
{
	return !(f->protos && !(f->protos & SEL_UNIX)) && !f->family && !f->port && !f->lport &&
	       !f->rport && !f->states;
}

bool filter_unix(const struct filter *f, const struct unix_entry *e, uint32_t pid, const char *comm)
{
	if (!filter_may_pass_unix(f))
		return false;
	if (f->netns && e->netns != f->netns)
		return false;
	return match_who(f, pid, comm);
}
