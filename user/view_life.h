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

#endif
