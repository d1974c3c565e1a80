/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * UNIX domain sockets in the views: netstat's "Active UNIX domain sockets"
 * section for socktrace table, and the lines of watch and life.
 */
#ifndef SOCKTRACE_VIEW_UNIX_H
#define SOCKTRACE_VIEW_UNIX_H

#include <stdbool.h>

#include "stream_line.h"
#include "unix_table.h"
#include "view_table.h"

/*
 * The UNIX section of a table, as of now (CLOCK_MONOTONIC), under netstat's
 * "Active UNIX domain sockets" title. 0, or -1 when out of memory.
 */
int unix_view_print(struct table_view *tv, const struct unix_table *ut, uint64_t now);

/* watch and life: the stream's state for UNIX lines. */
struct unix_stream {
	struct stream_line line;
	struct holders *holders; /* the last snapshot's, for a peer's processes */
	bool life;		 /* one line per connection when it ends, instead of events */
	uint64_t shown;
};

/* The header of a stream of UNIX lines alone (-x without -t or -u). */
void unix_stream_header(struct unix_stream *us);

/* A unix_sink: one line per event (watch) or per ended connection (life). */
void unix_stream_event(void *ctx, const struct unix_event *ev);

/* Shared by the lines and the rows: "stream", "dgram", "seqpacket". */
const char *unix_type_name(uint16_t type);

#endif
