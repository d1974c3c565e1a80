// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "escape.h"

#include <stdint.h>

static const char hexdig[] = "0123456789abcdef";

/*
 * Length of the well-formed UTF-8 sequence at @s (at most @n bytes), storing
 * its code point in @cp; 0 when the lead byte does not start one. Follows the
 * Unicode well-formed byte table, so overlong forms, surrogates and values
 * past U+10FFFF are all rejected.
 */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
	size_t len, i;
	uint32_t v;

	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	*cp = v;
	return len;
}

/* Code points that reorder, hide or break lines of displayed text. */
static int cp_is_unsafe(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static void put_hex_byte(struct sbuf *sb, unsigned char c)
{
	char esc[4] = {'\\', 'x', hexdig[c >> 4], hexdig[c & 15]};

	sb_putn(sb, esc, sizeof(esc));
}

static int ascii_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '\\';
}

/* The text escaping of exactly @n bytes at @s, stopping early at a NUL. */
static void text_run(struct sbuf *sb, const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i]) {
		size_t start = i, len;
		uint32_t cp;

		/* Plain runs are the common case: copy them in one go. */
		while (i < n && ascii_plain(s[i]))
			i++;
		if (i > start)
			sb_putn(sb, (const char *)s + start, i - start);
		if (i >= n || !s[i])
			break;
		if (s[i] == '\\') {
			sb_putn(sb, "\\\\", 2);
			i++;
		} else if (s[i] < 0x80) {
			put_hex_byte(sb, s[i]);
			i++;
		} else if ((len = utf8_seq(s + i, n - i, &cp)) == 0) {
			/* Escape the lead alone; what follows resyncs by itself. */
			put_hex_byte(sb, s[i]);
			i++;
		} else if (cp_is_unsafe(cp)) {
			for (; len; len--, i++)
				put_hex_byte(sb, s[i]);
		} else {
			sb_putn(sb, (const char *)s + i, len);
			i += len;
		}
	}
}

static void put_json_u(struct sbuf *sb, uint32_t cp)
{
	char esc[6] = {'\\',
		       'u',
		       hexdig[(cp >> 12) & 15],
		       hexdig[(cp >> 8) & 15],
		       hexdig[(cp >> 4) & 15],
		       hexdig[cp & 15]};

	sb_putn(sb, esc, sizeof(esc));
}

static int json_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '\\' && c != '"';
}

/* The body of a JSON string for exactly @n bytes at @s, stopping at a NUL. */
static void json_run(struct sbuf *sb, const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i]) {
		size_t start = i, len;
		uint32_t cp;
		unsigned char c;

		while (i < n && json_plain(s[i]))
			i++;
		if (i > start)
			sb_putn(sb, (const char *)s + start, i - start);
		if (i >= n || !s[i])
			break;
		c = s[i];
		if (c < 0x80) {
			i++;
			switch (c) {
			case '"':
				sb_putn(sb, "\\\"", 2);
				break;
			case '\\':
				sb_putn(sb, "\\\\", 2);
				break;
			case '\n':
				sb_putn(sb, "\\n", 2);
				break;
			case '\t':
				sb_putn(sb, "\\t", 2);
				break;
			case '\r':
				sb_putn(sb, "\\r", 2);
				break;
			case '\b':
				sb_putn(sb, "\\b", 2);
				break;
			case '\f':
				sb_putn(sb, "\\f", 2);
				break;
			default:
				put_json_u(sb, c);
			}
		} else if ((len = utf8_seq(s + i, n - i, &cp)) == 0) {
			put_json_u(sb, c);
			i++;
		} else if (cp_is_unsafe(cp)) {
			/*
			 * Same string once decoded, but `cat` of the output can no
			 * longer reorder a terminal line or emit an 8-bit CSI.
			 */
			put_json_u(sb, cp);
			i += len;
		} else {
			sb_putn(sb, (const char *)s + i, len);
			i += len;
		}
	}
}

void sb_put_text_escaped(struct sbuf *sb, const char *s, size_t maxlen)
{
	text_run(sb, (const unsigned char *)s, maxlen);
}

void sb_put_json_string(struct sbuf *sb, const char *s, size_t maxlen)
{
	sb_putc(sb, '"');
	json_run(sb, (const unsigned char *)s, maxlen);
	sb_putc(sb, '"');
}

/* Calls @fn on each NUL-separated argument, with a space between them. */
static void cmdline_each(struct sbuf *sb, const char *buf, size_t len,
			 void (*fn)(struct sbuf *, const unsigned char *, size_t))
{
	size_t i = 0;

	if (len && buf[len - 1] == '\0')
		len--;
	for (;;) {
		size_t start = i;

		while (i < len && buf[i])
			i++;
		fn(sb, (const unsigned char *)buf + start, i - start);
		if (i >= len)
			break;
		sb_putc(sb, ' ');
		i++; /* the NUL */
	}
}

void sb_put_cmdline_text(struct sbuf *sb, const char *buf, size_t len)
{
	cmdline_each(sb, buf, len, text_run);
}

void sb_put_cmdline_json(struct sbuf *sb, const char *buf, size_t len)
{
	sb_putc(sb, '"');
	cmdline_each(sb, buf, len, json_run);
	sb_putc(sb, '"');
}

/*
 * A UNIX socket path of @len bytes: "@" for an abstract name's leading NUL,
 * then the bytes with every other NUL escaped like any control byte (an
 * abstract name may hold them anywhere).
 */
static void unix_path_each(struct sbuf *sb, const char *path, size_t len,
			   void (*fn)(struct sbuf *, const unsigned char *, size_t),
			   const char *nul)
{
	size_t i = 0;

	if (len && path[0] == '\0') {
		sb_putc(sb, '@');
		i = 1;
	}
	while (i < len) {
		size_t start = i;

		while (i < len && path[i])
			i++;
		fn(sb, (const unsigned char *)path + start, i - start);
		if (i < len) {
			sb_puts(sb, nul);
			i++;
		}
	}
}

void sb_put_unix_path_text(struct sbuf *sb, const char *path, size_t len)
{
	unix_path_each(sb, path, len, text_run, "\\x00");
}

void sb_put_unix_path_json(struct sbuf *sb, const char *path, size_t len)
{
	sb_putc(sb, '"');
	unix_path_each(sb, path, len, json_run, "\\u0000");
	sb_putc(sb, '"');
}
