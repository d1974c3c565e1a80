// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* The next batch's size: up to the next aligned offset of a regular file (output.h). */
static size_t next_batch(const struct output *out)
{
	size_t n;

	if (!out->storage || out->per_line)
		return 0;
	if (out->file_pos < 0)
		return OUTPUT_BATCH;
	n = OUTPUT_BATCH - (size_t)(out->file_pos % OUTPUT_BATCH);
	return n < OUTPUT_BATCH / 2 ? n + OUTPUT_BATCH : n;
}

/* Where the file's next write lands; -1 for anything but a regular file. */
static int64_t file_offset(FILE *f)
{
	int fd = fileno(f), fl;
	struct stat st;
	off_t pos;

	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || (fl = fcntl(fd, F_GETFL)) < 0)
		return -1;
	/* appended: at the end, whatever the offset says */
	pos = fl & O_APPEND ? st.st_size : lseek(fd, 0, SEEK_CUR);
	return pos < 0 ? -1 : (int64_t)pos;
}

/*
 * Write the first n held bytes, and move the rest down. On failure every
 * held line is dropped, as later ones will be, and counted: a line cut in
 * the middle counts as not written.
 */
static void write_held(struct output *out, size_t n)
{
	char *base = out->storage ? out->storage : out->fallback;
	size_t done = 0;
	int err;

	if (n && !out->failed) {
		int fd = fileno(out->f);

		/* a stream with no descriptor (a memory or cookie stream) has no
		 * write() to block in: stdio writes it */
		if (fd >= 0) {
			done = write_stoppable(fd, base, n, &err);
		} else {
			done = fwrite(base, 1, n, out->f);
			err = ferror(out->f) ? EIO : 0;
		}
		if (done < n) {
			out->failed = true;
			out->err = err;
		}
		if (out->file_pos >= 0)
			out->file_pos += (int64_t)done;
	}
	if (out->failed) {
		out->unwritten += count_lines(base + done, out->held - done);
		out->held = 0;
	} else {
		memmove(base, base + n, out->held - n);
		out->held -= n;
	}
	out->batch = next_batch(out);
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
		out->storage = malloc(OUTPUT_STORAGE);
	out->file_pos = out->per_line ? -1 : file_offset(f);
	/* without memory, every line is written at once, and lines come out
	 * truncated (sbuf stays safe): the views cap what a line can hold, so
	 * this is the only way to get there */
	out->batch = next_batch(out);
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
	if (!out->held)
		out->held_ns = mono_now_ns();
	out->held += out->sb.len;
	out->lines++;
	if (out->held >= out->batch)
		write_held(out, out->batch && out->held > out->batch ? out->batch : out->held);
	start_line(out);
}

void output_flush(struct output *out)
{
	struct sbuf part = out->sb;

	if (!out->held)
		goto flush;
	write_held(out, out->held);
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

void output_flush_due(struct output *out, bool idle, uint64_t now)
{
	if (idle || !out->held || now - out->held_ns >= OUTPUT_HOLD_NS)
		output_flush(out);
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
