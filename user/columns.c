// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "columns.h"

void col_header(struct sbuf *sb, const struct column *cols, size_t n, unsigned int have, bool wide)
{
	size_t i, from = sb->len, start;
	unsigned int g;

	for (i = 0; i < n; i++) {
		const struct column *c = &cols[i];

		if ((c->when & have) != c->when)
			continue;
		for (g = 0; sb->len != from && g < c->gap; g++)
			sb_putc(sb, ' ');
		start = sb->len;
		sb_puts(sb, c->header);
		col_pad(sb, start, c, wide);
	}
}

void col_pad(struct sbuf *sb, size_t from, const struct column *c, bool wide)
{
	size_t w = col_width(c, wide), len = sb->len - from;

	if (!c->right || len >= w) {
		sb_pad(sb, from, w);
		return;
	}
	/* right: the text moves over, spaces come first */
	sb_pad(sb, from, w);
	if (sb->len - from == w) {
		memmove(sb->buf + from + (w - len), sb->buf + from, len);
		memset(sb->buf + from, ' ', w - len);
	}
}

static void put_key(struct sbuf *sb, const struct column *c)
{
	sb_puts(sb, ",\"");
	sb_puts(sb, c->key);
	sb_puts(sb, "\":");
}

void col_json_u64(struct sbuf *sb, const struct column *c, uint64_t v)
{
	put_key(sb, c);
	sb_put_u64(sb, v);
}

void col_json_str(struct sbuf *sb, const struct column *c, const char *s)
{
	put_key(sb, c);
	if (!s) {
		sb_puts(sb, "null");
		return;
	}
	sb_putc(sb, '"');
	sb_puts(sb, s);
	sb_putc(sb, '"');
}

void col_json_bool(struct sbuf *sb, const struct column *c, bool v)
{
	put_key(sb, c);
	sb_puts(sb, v ? "true" : "false");
}

void col_json_double(struct sbuf *sb, const struct column *c, double v, int prec)
{
	put_key(sb, c);
	sb_printf(sb, "%.*f", prec, v);
}
