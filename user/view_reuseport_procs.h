/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The processes of a reuseport group: who holds its listeners, who accepts
 * from them, how evenly the accepting processes share the load, and which
 * holders accept nothing while connections wait. The reuseport view prints
 * them beside its per-listener counts.
 */
#ifndef SOCKTRACE_VIEW_REUSEPORT_PROCS_H
#define SOCKTRACE_VIEW_REUSEPORT_PROCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acceptors.h"
#include "holders.h"
#include "output.h"

/* One process of a group. */
struct group_proc {
	uint32_t pid;
	char comm[ST_COMM_LEN];
	uint64_t accepted; /* from the group's present listeners */
	bool waiting;	   /* holds a listener whose queue is not empty */
	bool supervisor;   /* accepted nothing and is the parent of one that did */
};

struct group_procs {
	struct group_proc *v;
	size_t n, cap;
	size_t counted;	 /* in the imbalance: every one but supervisors */
	double max_mean; /* busiest process over the mean; 0 when nothing was accepted */
	double cv;
};

/* Shared: more than one process holds the listener or accepted from it. */
bool listener_shared(struct holders *h, struct acceptors *a, uint64_t id, uint64_t ino);

/*
 * Start a group; add each present listener's holders (waiting: its queue is
 * not empty) and acceptors; finish. 0, or -1 when out of memory.
 */
void group_procs_reset(struct group_procs *g);
int group_procs_add(struct group_procs *g, const struct holder *h, size_t nh,
		    const struct acceptor *a, size_t na, bool waiting);
void group_procs_finish(struct group_procs *g);
void group_procs_free(struct group_procs *g);
/* A holder that is no supervisor, accepted nothing, and connections wait. */
bool group_proc_stalled(const struct group_proc *p);

/* "5 holders: nginx 10160-10164" (nh of total shown). */
void put_holders_compact(struct sbuf *sb, const struct holder *h, size_t nh, size_t total);

/*
 * "acceptors":[{"pid","comm","accepted","share","last_accept"}]; share is of
 * the listener's accepted.
 */
void put_acceptors_json(struct sbuf *sb, const struct output *out, const struct acceptor *a,
			size_t n, uint64_t accepted);
/*
 * One line per acceptor, "    accepted by 10161/nginx 4990 (100%)", at most
 * shown of them, the rest summed; with_last adds the time of the last
 * accept; accepts no acceptor was named for get a line of their own.
 */
void put_acceptors_text(struct output *out, const struct acceptor *a, size_t n, uint64_t accepted,
			size_t shown, bool with_last);

/* "process_imbalance":{...},"stalled_processes":[{"pid","comm"}] */
void put_group_procs_json(struct sbuf *sb, const struct group_procs *g);
/* "  N processes max/mean X cv Y" for the group line */
void put_group_procs_text(struct sbuf *sb, const struct group_procs *g);
/* One "STALLED process" line each. */
void put_stalled_procs_text(struct output *out, const struct group_procs *g);

#endif
