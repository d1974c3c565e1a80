/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* socktrace life: a line per TCP connection when it ends. */
#ifndef SOCKTRACE_VIEW_LIFE_H
#define SOCKTRACE_VIEW_LIFE_H

#include "stream_line.h"

struct life_view {
	struct stream_line line;
	uint64_t shown; /* lines that passed the filters */
};

void life_header(struct life_view *v);
/* A transition_sink for the table. */
void life_transition(void *ctx, const struct transition *tr);

/*
 * Whether tr ends a TCP connection, as life sees it; then its role ("active",
 * "passive", "unknown") and how it ended ("fin_local", ...). The metrics
 * count connections in the same words.
 */
bool life_end(const struct transition *tr, const char **role_name, const char **end_name);

#endif
