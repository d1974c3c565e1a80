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

void watch_header(struct stream_view *w);
/* A transition_sink for the table. */
void watch_transition(void *ctx, const struct transition *tr);
/* source: "ringbuf", "kernel_missed", "map_full", "table_full" */
void stream_lost(struct stream_view *w, uint64_t mono_ns, uint64_t count, const char *source);

#endif
