/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* socktrace reuseport: per-listener load of SO_REUSEPORT groups. */
#ifndef SOCKTRACE_VIEW_REUSEPORT_H
#define SOCKTRACE_VIEW_REUSEPORT_H

#include <stdbool.h>
#include "holders.h"
#include "options.h"
#include "output.h"
#include "view_reuseport_procs.h"
#include "table.h"

struct rp_known;

struct reuseport_view {
	const struct options *o;
	struct output *out;
	struct holders *holders; /* from the last snapshot */
	bool queue_exact;	 /* a hook reports queueing; else queued = accepted + queue */
	char *cmdline;
	struct rp_known *known; /* members of the last report */
	size_t nknown, capknown;
	uint32_t round;
	struct acceptors *acc;	  /* who accepted from each listener */
	struct group_procs procs; /* the group being printed */
};

/* The table's sink for this view: it counts who accepts from which listener. */
void reuseport_view_transition(void *ctx, const struct transition *tr);

/* One report of every group, as of now; final: the one at exit. 0 or -1. */
int reuseport_view_print(struct reuseport_view *v, struct table *tb, uint64_t now, bool final);
void reuseport_view_free(struct reuseport_view *v);

#endif
