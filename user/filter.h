/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The filters every view shares (--pid, --port, --state, ...). */
#ifndef SOCKTRACE_FILTER_H
#define SOCKTRACE_FILTER_H

#include <stdbool.h>
#include "options.h"
#include "table.h"
#include "unix_table.h"

/* A stream line: state filters test either end of the transition. */
bool filter_transition(const struct filter *f, const struct transition *tr);
/* filter_transition() without the states (life matches them on the whole path). */
bool filter_transition_any_state(const struct filter *f, const struct transition *tr);
/* A table row in its current state. */
bool filter_entry(const struct filter *f, const struct sock_entry *e);
/* The same, as held by pid (comm): a socket after fork() has several holders. */
bool filter_entry_held(const struct filter *f, const struct sock_entry *e, uint32_t pid,
		       const char *comm);
/*
 * A UNIX socket, shown as process pid/comm; its path is tested apart
 * (filter_unix_path()), because a line may show another path than e's (the
 * one a failed connect asked for).
 */
bool filter_unix(const struct filter *f, const struct unix_entry *e, uint32_t pid,
		 const char *comm);
/* Whether any UNIX socket can pass: -4, -6, ports and TCP states name none. */
bool filter_may_pass_unix(const struct filter *f);
bool filter_unix_path(const struct filter *f, const char *path, size_t len);

#endif
