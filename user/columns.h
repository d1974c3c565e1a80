/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A view's columns in one table (the idea of iproute2 ss's columns[]): for
 * each, the header, the spaces before it, its alignment, its width narrow and
 * with -w, when it is shown, and the JSON key of the value it holds. The
 * header line, the rows' padding, -w and the JSON names all read it, so a
 * width or a name is written once.
 */
#ifndef SOCKTRACE_COLUMNS_H
#define SOCKTRACE_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

/* An endpoint column with -w: the longest IPv6 address and a port fit. */
#define COL_W_ADDR_WIDE 47

/* When a column is shown: a set of COL_IF_* the line's options must hold. */
enum {
	COL_IF_WIDE = 1u << 0,	/* -w */
	COL_IF_T = 1u << 1,	/* -T (full timestamps) */
	COL_IF_NOT_T = 1u << 2, /* no -T */
	COL_IF_EXT = 1u << 3,	/* -e */
	COL_IF_PIDS = 1u << 4,	/* -p */
};

struct column {
	const char *header;
	const char *key; /* JSON key of its value; NULL: text only */
	uint8_t gap;	 /* spaces before it, unless it starts the line */
	uint8_t width;	 /* 0: not padded (a last column) */
	uint8_t wide;	 /* width with -w; 0: as narrow */
	bool right;	 /* right-aligned */
	uint8_t when;	 /* COL_IF_*: all must hold; 0: always */
};

static inline size_t col_width(const struct column *c, bool wide)
{
	return wide && c->wide ? c->wide : c->width;
}

/*
 * The header line of @n columns into @sb, each padded to its width, those
 * whose `when` is not within @have left out.
 */
void col_header(struct sbuf *sb, const struct column *cols, size_t n, unsigned int have, bool wide);

/* Pad what was written since @from to the column's width, on its side. */
void col_pad(struct sbuf *sb, size_t from, const struct column *c, bool wide);

/* ,"key": then the value: one call per JSON field of the cold views. A string
 * is put as it is (names from a fixed set); NULL puts null. */
void col_json_u64(struct sbuf *sb, const struct column *c, uint64_t v);
void col_json_str(struct sbuf *sb, const struct column *c, const char *s);
void col_json_bool(struct sbuf *sb, const struct column *c, bool v);
/* @v with @prec decimals */
void col_json_double(struct sbuf *sb, const struct column *c, double v, int prec);

#endif
