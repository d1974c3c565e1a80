// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sb_init(struct sbuf *sb, char *storage, size_t cap)
{
	sb->buf = storage;
	sb->cap = cap;
	sb_reset(sb);
}

void sb_reset(struct sbuf *sb)
{
	sb->len = 0;
	sb->truncated = 0;
	if (sb->cap)
		sb->buf[0] = '\0';
}

/* Bytes that can still be appended while keeping one for the NUL. */
static size_t sb_room(const struct sbuf *sb)
{
	return sb->cap ? sb->cap - 1 - sb->len : 0;
}

void sb_putn_slow(struct sbuf *sb, const char *s, size_t n)
{
	size_t room = sb_room(sb);

	if (n > room) {
		n = room;
		sb->truncated = 1;
	}
	/* memcpy() must not see the NULL of a zero-capacity buffer. */
	if (!n)
		return;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
}

void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	size_t avail = sb->cap - sb->len;
	va_list ap;
	int n;

	if (!sb->cap) {
		sb->truncated = 1;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, avail, fmt, ap);
	va_end(ap);
	if (n < 0) {
		/* Encoding error: drop the piece but keep what was there. */
		sb->buf[sb->len] = '\0';
		sb->truncated = 1;
		return;
	}
	if ((size_t)n >= avail) {
		sb->len = sb->cap - 1;
		sb->truncated = 1;
		return;
	}
	sb->len += n;
}

/* Two digits at a time: halves the divisions, which dominate on this path. */
static const char digits2[] = "00010203040506070809"
			      "10111213141516171819"
			      "20212223242526272829"
			      "30313233343536373839"
			      "40414243444546474849"
			      "50515253545556575859"
			      "60616263646566676869"
			      "70717273747576777879"
			      "80818283848586878889"
			      "90919293949596979899";

void sb_put_u64(struct sbuf *sb, uint64_t v)
{
	char tmp[20]; /* UINT64_MAX has 20 digits */
	char *p = tmp + sizeof(tmp);

	/* the common case: small numbers, room in the buffer, no copy */
	if (v < 10000 && sb->len + 5 < sb->cap) {
		char *o = sb->buf + sb->len;
		unsigned int u = (unsigned int)v;

		if (u < 10) {
			o[0] = (char)('0' + u);
			sb->len += 1;
		} else if (u < 100) {
			memcpy(o, digits2 + u * 2, 2);
			sb->len += 2;
		} else if (u < 1000) {
			o[0] = (char)('0' + u / 100);
			memcpy(o + 1, digits2 + u % 100 * 2, 2);
			sb->len += 3;
		} else {
			memcpy(o, digits2 + u / 100 * 2, 2);
			memcpy(o + 2, digits2 + u % 100 * 2, 2);
			sb->len += 4;
		}
		return;
	}
	while (v >= 100) {
		unsigned int d = (unsigned int)(v % 100) * 2;

		v /= 100;
		*--p = digits2[d + 1];
		*--p = digits2[d];
	}
	if (v >= 10) {
		*--p = digits2[v * 2 + 1];
		*--p = digits2[v * 2];
	} else {
		*--p = (char)('0' + v);
	}
	sb_putn(sb, p, (size_t)(tmp + sizeof(tmp) - p));
}

void sb_put_i64(struct sbuf *sb, int64_t v)
{
	if (v < 0) {
		sb_putc(sb, '-');
		/* Negate in unsigned arithmetic so INT64_MIN does not overflow. */
		sb_put_u64(sb, 0 - (uint64_t)v);
		return;
	}
	sb_put_u64(sb, (uint64_t)v);
}

void sb_pad(struct sbuf *sb, size_t from, size_t width)
{
	static const char spaces[] = "                                ";
	size_t have, need;

	if (from > sb->len)
		return;
	have = sb->len - from;
	if (have >= width)
		return;
	need = width - have;
	while (need) {
		size_t n = need < sizeof(spaces) - 1 ? need : sizeof(spaces) - 1;

		sb_putn(sb, spaces, n);
		need -= n;
		/* A full buffer would otherwise spin here forever. */
		if (sb->truncated && !sb_room(sb))
			return;
	}
}

void sb_pad_left(struct sbuf *sb, size_t from, size_t width)
{
	size_t have, need, avail, keep;

	if (from > sb->len || !sb->cap)
		return;
	have = sb->len - from;
	if (have >= width)
		return;
	need = width - have;
	/* as snprintf() would cut the padded piece: spaces first */
	avail = sb->cap - 1 - from;
	if (need > avail)
		need = avail;
	keep = have < avail - need ? have : avail - need;
	memmove(sb->buf + from + need, sb->buf + from, keep);
	memset(sb->buf + from, ' ', need);
	sb->len = from + need + keep;
	if (need + keep < width)
		sb->truncated = 1;
}

const char *sb_str(struct sbuf *sb)
{
	if (!sb->cap)
		return "";
	sb->buf[sb->len] = '\0';
	return sb->buf;
}

void sb_put_ms3(struct sbuf *sb, uint64_t ns)
{
	uint64_t us = (ns + 500) / 1000; /* rounded, as %.3f would */

	sb_put_u64(sb, us / 1000);
	sb_putc(sb, '.');
	sb_putc(sb, (char)('0' + us / 100 % 10));
	sb_putc(sb, (char)('0' + us / 10 % 10));
	sb_putc(sb, (char)('0' + us % 10));
}
