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
#include "sock_format.h"
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
/*
 * The pieces of a text line, at a cursor (sbuf.h), with the most each writes.
 * The time column alone (no padding: its width is fixed):
 */
#define STREAM_TIME_MAX (CUR_RFC3339_MAX > CUR_CLOCK_HMS_MAX ? CUR_RFC3339_MAX : CUR_CLOCK_HMS_MAX)
char *stream_cur_time(const struct stream_line *s, char *p, uint64_t mono_ns);
void stream_put_time(const struct stream_line *s, uint64_t mono_ns);
/* The columns every text line starts with: time, PID and COMM, each padded. */
#define STREAM_WHO_MAX (STREAM_TIME_MAX + CUR_U64_MAX + CUR_COMM_TEXT_MAX + 3)
char *stream_cur_who(const struct stream_line *s, char *p, const struct transition *tr);
/* One end of the tuple as a padded column, and the space after it. */
#define STREAM_ENDPOINT_MAX                                                                        \
	((CUR_ENDPOINT_ZONED_MAX > COL_W_ADDR_WIDE ? CUR_ENDPOINT_ZONED_MAX : COL_W_ADDR_WIDE) + 1)
char *stream_cur_endpoint(const struct stream_line *s, char *p, const struct st_tuple *t,
			  bool local);
/* With -w, for a socket that changed hands: "  [origin PID COMM]", its first owner. */
#define STREAM_ORIGIN_MAX (sizeof("  [origin  ]") + CUR_U64_MAX + CUR_COMM_TEXT_MAX)
char *stream_cur_origin(const struct stream_line *s, char *p, const struct transition *tr);
/* A line for events lost before they reached the table; source: "ringbuf",
 * "kernel_missed", "map_full", "table_full". */
void stream_lost(const struct stream_line *s, uint64_t mono_ns, uint64_t count, const char *source);

#endif
