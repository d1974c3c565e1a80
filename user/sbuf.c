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

/* The number of decimal digits of v > 0: from its bit length, then one compare. */
static unsigned int dec_digits(uint64_t v)
{
	static const uint64_t pow10[20] = {
		1ull,
		10ull,
		100ull,
		1000ull,
		10000ull,
		100000ull,
		1000000ull,
		10000000ull,
		100000000ull,
		1000000000ull,
		10000000000ull,
		100000000000ull,
		1000000000000ull,
		10000000000000ull,
		100000000000000ull,
		1000000000000000ull,
		10000000000000000ull,
		100000000000000000ull,
		1000000000000000000ull,
		10000000000000000000ull,
	};
	/* 1233 / 4096 is log10(2) from below: n is the count or one less */
	unsigned int n = (unsigned int)(64 - __builtin_clzll(v)) * 1233 >> 12;

	return n + (v >= pow10[n]);
}

char *cur_u64(char *p, uint64_t v)
{
	char *end;
	uint32_t u;

	if (v < 100) {
		if (v < 10) {
			*p = (char)('0' + v);
			return p + 1;
		}
		memcpy(p, digits2 + v * 2, 2);
		return p + 2;
	}
	end = p + dec_digits(v);
	p = end;
	/* eight digits at a time in 32-bit arithmetic: the divisions are a
	 * dependent chain, and a 64-bit one costs more */
	while (v >= 100000000) {
		uint32_t lo = (uint32_t)(v % 100000000);
		int i;

		v /= 100000000;
		for (i = 0; i < 4; i++) {
			p -= 2;
			memcpy(p, digits2 + lo % 100 * 2, 2);
			lo /= 100;
		}
	}
	u = (uint32_t)v;
	while (u >= 100) {
		p -= 2;
		memcpy(p, digits2 + u % 100 * 2, 2);
		u /= 100;
	}
	if (u >= 10)
		memcpy(p - 2, digits2 + u * 2, 2);
	else
		p[-1] = (char)('0' + u);
	return end;
}

char *cur_i64(char *p, int64_t v)
{
	if (v >= 0)
		return cur_u64(p, (uint64_t)v);
	*p = '-';
	/* negated in unsigned arithmetic so INT64_MIN does not overflow */
	return cur_u64(p + 1, 0 - (uint64_t)v);
}

char *cur_hex64(char *p, uint64_t v)
{
	static const char hexdig[] = "0123456789abcdef";
	/* the digits: a quarter of the bit length, rounded up; one for 0 */
	unsigned int n = v ? (unsigned int)(67 - __builtin_clzll(v)) / 4 : 1, i;

	for (i = n; i; i--, v >>= 4)
		p[i - 1] = hexdig[v & 15];
	return p + n;
}

char *cur_zpad(char *p, uint32_t v, unsigned int width)
{
	char *end = p + width;

	/* the widths of every line's times (microseconds, milliseconds) in
	 * straight code: the loop over a width was 7% of life's line */
	if (width == 6) {
		memcpy(p, digits2 + v / 10000 * 2, 2);
		memcpy(p + 2, digits2 + v / 100 % 100 * 2, 2);
		memcpy(p + 4, digits2 + v % 100 * 2, 2);
		return end;
	}
	if (width == 3) {
		p[0] = (char)('0' + v / 100);
		memcpy(p + 1, digits2 + v % 100 * 2, 2);
		return end;
	}

	p = end;
	while (width >= 2) {
		p -= 2;
		memcpy(p, digits2 + v % 100 * 2, 2);
		v /= 100;
		width -= 2;
	}
	if (width)
		p[-1] = (char)('0' + v % 10);
	return end;
}

char *cur_ms3(char *p, uint64_t ns)
{
	uint64_t us = (ns + 500) / 1000; /* rounded, as %.3f would */

	p = cur_u64(p, us / 1000);
	*p++ = '.';
	return cur_zpad(p, (uint32_t)(us % 1000), 3);
}

char *cur_pad_left(char *from, char *p, size_t width)
{
	size_t have = (size_t)(p - from);

	if (have >= width)
		return p;
	memmove(from + width - have, from, have);
	memset(from, ' ', width - have);
	return from + width;
}

void sb_put_u64(struct sbuf *sb, uint64_t v)
{
	SB_VIA_CUR(sb, CUR_U64_MAX, cur_u64(p, v));
}

void sb_put_i64(struct sbuf *sb, int64_t v)
{
	SB_VIA_CUR(sb, CUR_I64_MAX, cur_i64(p, v));
}

void sb_put_ms3(struct sbuf *sb, uint64_t ns)
{
	SB_VIA_CUR(sb, CUR_MS3_MAX, cur_ms3(p, ns));
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
