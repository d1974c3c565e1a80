/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the stream views (watch, life) share in a line: the time, who (the
 * owner the line is attributed to), the endpoints, and the line that reports
 * lost events. Each view has its own columns table with the STREAM_COL_*
 * columns in it, so their widths are written here once.
 */
#ifndef SOCKTRACE_STREAM_LINE_H
#define SOCKTRACE_STREAM_LINE_H

#include <stdint.h>

#include "columns.h"
#include "options.h"
#include "output.h"
#include "table.h"

/* Where a stream view writes, and how (-w, -T, --json). */
struct stream_line {
	const struct options *o;
	struct output *out;
};

/* hh:mm:ss, or with -T the full RFC 3339 time */
#define STREAM_COL_TIME                                                                            \
	{                                                                                          \
		.header = "TIME", .gap = 1, .width = 8, .when = COL_IF_NOT_T                       \
	}
#define STREAM_COL_TIME_T                                                                          \
	{                                                                                          \
		.header = "TIME", .gap = 1, .width = 27, .when = COL_IF_T                          \
	}
#define STREAM_COL_PID                                                                             \
	{                                                                                          \
		.header = "PID", .gap = 1, .width = 7                                              \
	}
#define STREAM_COL_COMM                                                                            \
	{                                                                                          \
		.header = "COMM", .gap = 1, .width = 15                                            \
	}
/* IPv4 endpoints fit; IPv6 ones with -w */
#define STREAM_COL_LOCAL                                                                           \
	{                                                                                          \
		.header = "LOCAL", .gap = 1, .width = 21, .wide = COL_W_ADDR_WIDE                  \
	}
#define STREAM_COL_REMOTE                                                                          \
	{                                                                                          \
		.header = "REMOTE", .gap = 1, .width = 21, .wide = COL_W_ADDR_WIDE                 \
	}

/* The COL_IF_* a stream line's options hold. */
unsigned int stream_col_have(const struct options *o);
/* The time column alone (no padding: its width is fixed), in text. */
void stream_put_time(const struct stream_line *s, uint64_t mono_ns);
/* The columns every text line starts with: time, PID and COMM, each padded. */
void stream_put_who(const struct stream_line *s, const struct transition *tr);
/* One end of the tuple as a padded column, and the space after it. */
void stream_put_endpoint(const struct stream_line *s, const struct st_tuple *t, bool local);
/* With -w, for a socket that changed hands: "  [origin PID COMM]", its first owner. */
void stream_put_origin(const struct stream_line *s, const struct transition *tr);
/* A line for events lost before they reached the table; source: "ringbuf",
 * "kernel_missed", "map_full", "table_full". */
void stream_lost(const struct stream_line *s, uint64_t mono_ns, uint64_t count, const char *source);

#endif
