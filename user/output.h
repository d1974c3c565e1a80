/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where views write: one buffered stream of lines, and the offset that turns
 * the kernel's monotonic timestamps into the wall time lines carry.
 */
#ifndef SOCKTRACE_OUTPUT_H
#define SOCKTRACE_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sbuf.h"

struct output {
	FILE *f;
	bool failed;	    /* a write failed (closed pipe, full disk): stop */
	int err;	    /* its errno, taken at once: later calls overwrite errno;
			     * ECANCELED: a stop request cut a blocked write short */
	uint64_t unwritten; /* lines made but not written, once failed */
	bool per_line;	    /* a terminal: each line goes out as it is made */
	int64_t mono_to_real_ns;
	uint64_t lines;
	/* the line being made: a window of OUTPUT_LINE_MAX bytes over storage,
	 * right after the finished lines not written yet */
	struct sbuf sb;
	size_t held;	  /* finished lines at the start of storage */
	size_t batch;	  /* write once held reaches this: so much, and keep the rest */
	int64_t file_pos; /* a regular file's offset where held starts; -1: not one */
	uint64_t held_ns; /* when the oldest line held was made (CLOCK_MONOTONIC) */
	char *storage;	  /* OUTPUT_STORAGE bytes */
	char fallback[256];
};

/*
 * The longest line: a table row with HOLDERS_SHOWN holders, each with a
 * command line of CMDLINE_SHOWN bytes escaped at worst six bytes each (JSON
 * \u00XX), and room for the rest.
 */
#define CMDLINE_SHOWN	1024
#define HOLDERS_SHOWN	128
#define OUTPUT_LINE_MAX (HOLDERS_SHOWN * (CMDLINE_SHOWN * 6 + 128) + 4096)
/*
 * Lines are written in batches of about this much. A write per line, or per
 * stdio's 4 KiB, cost more than making the lines (a storm makes 5 KiB per
 * connection); it is small enough that the pages it touches are a fixed cost.
 */
#define OUTPUT_BATCH (256 * 1024)
/*
 * Into a regular file a batch ends where the file's offset is a multiple of
 * OUTPUT_BATCH, whatever line it cuts: the page cache can then take it in
 * large folios, and such a write cost 30 % less kernel time than the same
 * bytes at other offsets (ext4, 6.18). A batch after a flush realigns: it is
 * 1/2 to 3/2 of OUTPUT_BATCH.
 */
#define OUTPUT_BATCH_MAX (OUTPUT_BATCH + OUTPUT_BATCH / 2)
#define OUTPUT_STORAGE	 (OUTPUT_BATCH_MAX + OUTPUT_LINE_MAX)

/* The first call allocates the line buffer; out must start zeroed. */
void output_init(struct output *out, FILE *f);
void output_free(struct output *out);
/* End the line in out->sb (a newline is added) and start the next one. */
void output_line(struct output *out);
/* Write the lines made so far to the file; marks failure on error. */
void output_flush(struct output *out);
/*
 * How long a busy tracer may hold finished lines: while records keep coming,
 * a flush at every poll made writes of 40 KiB at any offset, and the batches
 * above saved nothing.
 */
#define OUTPUT_HOLD_NS (50ull * 1000000ull)
/*
 * output_flush(), if nothing is coming (idle) or the oldest line held has
 * waited OUTPUT_HOLD_NS at now; else the lines wait for a whole batch.
 */
void output_flush_due(struct output *out, bool idle, uint64_t now);
uint64_t output_realtime(const struct output *out, uint64_t mono_ns);
/*
 * 1 after saying on stderr why a write failed; 0 if none did, or if the
 * failure was the reader going away (socktrace | head) or a stop request
 * giving up on a reader that would not read: normal ends.
 */
int output_status(const struct output *out);

#endif
