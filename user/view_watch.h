/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The transition stream (socktrace watch): text or JSON lines. */
#ifndef SOCKTRACE_VIEW_WATCH_H
#define SOCKTRACE_VIEW_WATCH_H

#include "stream_line.h"

struct watch_view {
	struct stream_line line;
	uint64_t shown; /* lines that passed the filters */
};

void watch_header(struct watch_view *w);
/* A transition_sink for the table. */
void watch_transition(void *ctx, const struct transition *tr);

#endif
