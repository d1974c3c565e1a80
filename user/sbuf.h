/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A line buffer over caller-owned storage. The output paths format hundreds
 * of thousands of lines a second, so nothing here allocates: a line that does
 * not fit is cut short and flagged rather than grown.
 */
#ifndef SOCKTRACE_SBUF_H
#define SOCKTRACE_SBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct sbuf {
	char *buf;
	size_t len;    /* bytes used, never more than cap - 1 (room for the NUL) */
	size_t cap;    /* size of buf */
	int truncated; /* set once anything was dropped; cleared by sb_reset() */
};

/* Use @storage (@cap bytes) as the buffer; it is never reallocated. */
void sb_init(struct sbuf *sb, char *storage, size_t cap);
/* Empty the buffer and clear the truncated flag. */
void sb_reset(struct sbuf *sb);
/* sb_putn() when @n bytes may not fit: appends what does and flags the rest. */
void sb_putn_slow(struct sbuf *sb, const char *s, size_t n);

/*
 * The appenders are inline: a JSON line is some forty small pieces, and a
 * call per piece (plus strlen() of literals the compiler could count) was a
 * quarter of watch's time.
 */

/* Append one byte. */
static inline void sb_putc(struct sbuf *sb, char c)
{
	if (sb->len + 1 < sb->cap)
		sb->buf[sb->len++] = c;
	else
		sb->truncated = 1;
}

/* Append @n bytes of @s (which may contain NULs). */
static inline void sb_putn(struct sbuf *sb, const char *s, size_t n)
{
	/* also false for a zero-capacity buffer (its buf may be NULL) */
	if (n < sb->cap - sb->len) {
		memcpy(sb->buf + sb->len, s, n);
		sb->len += n;
		return;
	}
	sb_putn_slow(sb, s, n);
}

/* Append the C string @s. */
static inline void sb_puts(struct sbuf *sb, const char *s)
{
	sb_putn(sb, s, strlen(s));
}
/*
 * Cursors: a hot line written through a char * that stays in a register.
 * Through the sb_put*() appenders, each piece reads back the length that the
 * piece before it has just stored, and a JSON line of forty pieces is one
 * chain of store-to-load forwards (most of a line's time, perf annotate).
 * A cursor writer makes sure of room first: sb_cur_or() gives the buffer's
 * end when it has room for @max bytes, else @scratch (@max bytes), and
 * sb_cur_done() takes what was written up to @end, copying from the scratch
 * (cut and flagged as any append) if it was used. The cur_*() writers check
 * nothing; each one's header says the most it writes.
 */
static inline char *sb_cur_or(struct sbuf *sb, char *scratch, size_t max)
{
	/* false for a zero-capacity buffer too: its buf may be NULL */
	return max < sb->cap - sb->len ? sb->buf + sb->len : scratch;
}

static inline void sb_cur_done(struct sbuf *sb, const char *scratch, const char *start,
			       const char *end)
{
	if (start != scratch)
		sb->len += (size_t)(end - start);
	else
		sb_putn(sb, start, (size_t)(end - start));
}

static inline char *cur_putn(char *p, const void *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

/* A literal's length is counted by the compiler. */
static inline char *cur_puts(char *p, const char *s)
{
	return cur_putn(p, s, strlen(s));
}

static inline char *cur_putc(char *p, char c)
{
	*p = c;
	return p + 1;
}

/*
 * An sbuf appender made of a cursor writer: @write, an expression of the
 * cursor p, writes at most @max bytes (on the stack when @sb has less room).
 */
#define SB_VIA_CUR(sb, max, write)                                                                 \
	do {                                                                                       \
		char tmp_[max];                                                                    \
		char *p = sb_cur_or(sb, tmp_, sizeof(tmp_));                                       \
                                                                                                   \
		sb_cur_done(sb, tmp_, p, write);                                                   \
	} while (0)

#define CUR_U64_MAX 20 /* UINT64_MAX's digits */
#define CUR_I64_MAX 20 /* INT64_MIN's, with its '-' */
#define CUR_MS3_MAX 20 /* at most 14 digits, a point and three */
char *cur_u64(char *p, uint64_t v);
char *cur_i64(char *p, int64_t v);
#define CUR_HEX64_MAX 16
/* @v in lower-case hex, as "%llx" */
char *cur_hex64(char *p, uint64_t v);
/* @v in exactly @width digits, zero-padded (v < 10^width). */
char *cur_zpad(char *p, uint32_t v, unsigned int width);
/* As sb_put_ms3(). */
char *cur_ms3(char *p, uint64_t ns);

/* What was written from @from to @p, padded with spaces to @width (sb_pad()). */
static inline char *cur_pad(char *from, char *p, size_t width)
{
	size_t have = (size_t)(p - from);

	if (have >= width)
		return p;
	memset(p, ' ', width - have);
	return from + width;
}

/* The same right-aligned in @width, as "%*s" does (sb_pad_left()). */
char *cur_pad_left(char *from, char *p, size_t width);

/* Append printf-formatted text; for cold paths, the sb_put_* helpers are faster. */
void sb_printf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append @v in decimal without going through printf. */
void sb_put_u64(struct sbuf *sb, uint64_t v);
/* Append @v in decimal, with a leading '-' when negative. */
void sb_put_i64(struct sbuf *sb, int64_t v);
/* Nanoseconds as milliseconds with three decimals ("12.345"), without printf. */
void sb_put_ms3(struct sbuf *sb, uint64_t ns);
/* Append spaces until the text since offset @from is at least @width bytes. */
void sb_pad(struct sbuf *sb, size_t from, size_t width);
/* Right-align what was appended since @from in @width columns, as "%*s" does. */
void sb_pad_left(struct sbuf *sb, size_t from, size_t width);
/* The contents as a NUL-terminated string, valid until the next append. */
const char *sb_str(struct sbuf *sb);

#endif
