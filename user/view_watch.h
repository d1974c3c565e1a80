/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The transition stream (socktrace watch): text or JSON lines. */
#ifndef SOCKTRACE_VIEW_WATCH_H
#define SOCKTRACE_VIEW_WATCH_H

#include "options.h"
#include "output.h"
#include "table.h"

/* A stream of lines: the transitions of `watch`, the connections of `life`. */
struct stream_view {
	const struct options *o;
	struct output *out;
	uint64_t shown; /* lines that passed the filters */
};

/* Column widths the stream views share: IPv4 endpoints fit, IPv6 ones -w. */
#define STREAM_W_PID	   7
#define STREAM_W_COMM	   15
#define STREAM_W_ADDR	   21
#define STREAM_W_ADDR_WIDE 47

/* The columns every text line starts with: time, PID and COMM, each padded. */
void stream_put_who(struct stream_view *v, const struct transition *tr);
/* One end of the tuple as a padded column, and the space after it. */
void stream_put_endpoint(struct stream_view *v, const struct st_tuple *t, bool local);

void watch_header(struct stream_view *w);
/* A transition_sink for the table. */
void watch_transition(void *ctx, const struct transition *tr);
/* source: "ringbuf", "kernel_missed", "map_full", "table_full" */
void stream_lost(struct stream_view *w, uint64_t mono_ns, uint64_t count, const char *source);

#endif
