// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "warn.h"
#include "write_stop.h"

/* The next line's window: right after the lines held. */
static void start_line(struct output *out)
{
	if (out->storage)
		sb_init(&out->sb, out->storage + out->held, OUTPUT_LINE_MAX);
	else
		sb_init(&out->sb, out->fallback + out->held, sizeof(out->fallback) - out->held);
}

static uint64_t count_lines(const char *s, size_t len)
{
	uint64_t n = 0;
	const char *end = s + len;

	while (s < end && (s = memchr(s, '\n', (size_t)(end - s)))) {
		n++;
		s++;
	}
	return n;
}

/*
 * Write the held lines; on failure they are dropped, as later ones will be,
 * and counted: a line cut in the middle counts as not written.
 */
static void write_held(struct output *out)
{
	const char *base = out->storage ? out->storage : out->fallback;
	size_t done = 0;
	int err;

	if (out->held && !out->failed) {
		int fd = fileno(out->f);

		/* a stream with no descriptor (a memory or cookie stream) has no
		 * write() to block in: stdio writes it */
		if (fd >= 0) {
			done = write_stoppable(fd, base, out->held, &err);
		} else {
			done = fwrite(base, 1, out->held, out->f);
			err = ferror(out->f) ? EIO : 0;
		}
		if (done < out->held) {
			out->failed = true;
			out->err = err;
		}
	}
	out->unwritten += count_lines(base + done, out->held - done);
	out->held = 0;
}

void output_init(struct output *out, FILE *f)
{
	out->per_line = isatty(fileno(f));
	/* the batches are the buffering: stdio would only copy them once more */
	if (!out->per_line)
		setvbuf(f, NULL, _IONBF, 0);
	out->f = f;
	out->failed = false;
	out->err = 0;
	out->lines = 0;
	out->unwritten = 0;
	out->held = 0;
	if (!out->storage)
		out->storage = malloc(OUTPUT_BATCH + OUTPUT_LINE_MAX);
	/* without memory, every line is written at once, and lines come out
	 * truncated (sbuf stays safe): the views cap what a line can hold, so
	 * this is the only way to get there */
	out->batch = out->storage && !out->per_line ? OUTPUT_BATCH : 0;
	out->mono_to_real_ns = (int64_t)(clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC));
	start_line(out);
}

void output_free(struct output *out)
{
	free(out->storage);
	out->storage = NULL;
}

void output_line(struct output *out)
{
	sb_putc(&out->sb, '\n');
	out->held += out->sb.len;
	out->lines++;
	if (out->held >= out->batch)
		write_held(out);
	start_line(out);
}

void output_flush(struct output *out)
{
	struct sbuf part = out->sb;

	if (!out->held)
		goto flush;
	write_held(out);
	start_line(out);
	/* a line begun before the flush moves down with the window */
	if (part.len) {
		memmove(out->sb.buf, part.buf, part.len);
		out->sb.len = part.len;
		out->sb.truncated = part.truncated;
	}
flush:
	if (!out->failed && (fflush(out->f) == EOF || ferror(out->f))) {
		out->failed = true;
		out->err = errno;
	}
}

uint64_t output_realtime(const struct output *out, uint64_t mono_ns)
{
	/* unsigned: wraps, never overflows, whatever a record's timestamp says */
	return mono_ns + (uint64_t)out->mono_to_real_ns;
}

int output_status(const struct output *out)
{
	if (out->failed && out->err != EPIPE && out->err != ECANCELED) {
		warnf_errno(out->err, "writing output");
		return 1;
	}
	return 0;
}
