// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for output.c's batches: into a regular file each write ends at
 * an offset that is a multiple of OUTPUT_BATCH (the file's start, an
 * appended file's end and a flush leave it elsewhere: the next batch
 * realigns), every byte arrives in order, and a pipe keeps whole batches.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "output.h"

/* Line i: its number, padded to a length that varies, so cuts fall anywhere. */
static size_t make_line(char *buf, unsigned int i)
{
	int n = snprintf(buf, 64, "line %u ", i);

	memset(buf + n, 'a' + (char)(i % 26), 40 + i % 57);
	return (size_t)n + 40 + i % 57;
}

static void put_line(struct output *out, unsigned int i)
{
	char buf[160];
	size_t n = make_line(buf, i);

	sb_putn(&out->sb, buf, n);
	output_line(out);
}

/* Whether f holds, from offset from, lines first..last-1 and nothing else. */
static bool holds_lines(FILE *f, long from, unsigned int first, unsigned int last)
{
	char want[160], got[160];
	unsigned int i;

	if (fseek(f, from, SEEK_SET))
		return false;
	for (i = first; i < last; i++) {
		size_t n = make_line(want, i);

		want[n++] = '\n';
		if (fread(got, 1, n, f) != n || memcmp(got, want, n))
			return false;
	}
	return fgetc(f) == EOF;
}

static off_t size_of(FILE *f)
{
	struct stat st;

	return fstat(fileno(f), &st) ? -1 : st.st_size;
}

/*
 * Lines first..last-1 into out; true if the file's size, whenever it
 * changed, ended at a multiple of OUTPUT_BATCH; *writes: how many times.
 */
static bool writes_aligned(struct output *out, FILE *f, unsigned int first, unsigned int last,
			   unsigned int *writes)
{
	off_t seen = size_of(f);
	unsigned int i;
	bool aligned = true;

	*writes = 0;
	for (i = first; i < last; i++) {
		off_t now;

		put_line(out, i);
		now = size_of(f);
		if (now != seen) {
			aligned &= now % OUTPUT_BATCH == 0;
			(*writes)++;
			seen = now;
		}
	}
	return aligned;
}

static void regular_file(void)
{
	struct output out = {0};
	FILE *f = tmpfile();
	unsigned int writes = 0;
	bool aligned;

	if (!f) {
		ok(0, "tmpfile");
		return;
	}
	output_init(&out, f);
	ok(out.file_pos == 0, "a new file: batches start at offset 0");
	aligned = writes_aligned(&out, f, 0, 30000, &writes);
	ok(aligned && writes >= 8, "every write ends at a multiple of the batch (%u writes)",
	   writes);
	output_flush(&out);
	ok(size_of(f) % OUTPUT_BATCH != 0, "a flush writes the rest, wherever it ends");
	aligned = writes_aligned(&out, f, 30000, 40000, &writes);
	ok(aligned && writes >= 1, "the batch after a flush realigns");
	output_flush(&out);
	ok(holds_lines(f, 0, 0, 40000), "every line arrived, in order, whole");
	ok(!out.failed && out.unwritten == 0 && out.lines == 40000, "no failure, 40000 lines");
	output_free(&out);
	fclose(f);
}

static void unaligned_start(bool append)
{
	struct output out = {0};
	char pre[1000];
	FILE *f = tmpfile();
	unsigned int writes = 0;
	bool aligned;
	int fd;

	if (!f) {
		ok(0, "tmpfile");
		return;
	}
	memset(pre, '#', sizeof(pre));
	fd = fileno(f);
	if (write(fd, pre, sizeof(pre)) != (ssize_t)sizeof(pre)) {
		ok(0, "write");
		fclose(f);
		return;
	}
	if (append) {
		/* appended: the offset says 0, the end is where lines land */
		lseek(fd, 0, SEEK_SET);
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_APPEND);
	}
	output_init(&out, f);
	ok(out.file_pos == (int64_t)sizeof(pre), "%s: lines start after what the file had",
	   append ? "appended" : "at an offset");
	aligned = writes_aligned(&out, f, 0, 12000, &writes);
	ok(aligned && writes >= 3, "%s: the first write ends aligned, and so do the rest",
	   append ? "appended" : "offset");
	output_flush(&out);
	ok(holds_lines(f, sizeof(pre), 0, 12000), "%s: every line after the file's own bytes",
	   append ? "appended" : "offset");
	output_free(&out);
	fclose(f);
}

/* A pipe's reader: true if it read lines 0..n-1 and nothing else. */
static bool pipe_holds(int fd, unsigned int n)
{
	FILE *f = fdopen(fd, "r");
	char want[160], got[160];
	bool same = f != NULL;
	unsigned int i;

	for (i = 0; i < n && same; i++) {
		size_t len = make_line(want, i);

		want[len++] = '\n';
		same = fread(got, 1, len, f) == len && !memcmp(got, want, len);
	}
	same = same && fgetc(f) == EOF;
	if (f)
		fclose(f);
	return same;
}

/* Not a regular file: whole batches, as ever. */
static void pipe_stream(void)
{
	struct output out = {0};
	int fds[2], status = -1;
	unsigned int i;
	pid_t pid;
	FILE *f;

	if (pipe(fds)) {
		ok(0, "pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(fds[1]);
		_exit(pipe_holds(fds[0], 5000) ? 0 : 1);
	}
	close(fds[0]);
	f = fdopen(fds[1], "w");
	if (pid < 0 || !f) {
		ok(0, "fork, fdopen");
		return;
	}
	output_init(&out, f);
	ok(out.file_pos == -1 && out.batch == OUTPUT_BATCH, "a pipe: plain batches");
	for (i = 0; i < 5000; i++)
		put_line(&out, i);
	output_flush(&out);
	fclose(f);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a pipe: every line, in order");
	output_free(&out);
}

int main(void)
{
	regular_file();
	unaligned_start(false);
	unaligned_start(true);
	pipe_stream();
	return tap_done();
}
