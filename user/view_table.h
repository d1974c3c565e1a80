/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* socktrace table: the netstat-style view of the live table. */
#ifndef SOCKTRACE_VIEW_TABLE_H
#define SOCKTRACE_VIEW_TABLE_H

#include "holders.h"
#include "options.h"
#include "output.h"
#include "table.h"

struct table_view {
	const struct options *o;
	struct output *out;
	struct holders *holders; /* from the last snapshot */
	char *cmdline;		 /* scratch for /proc reads */
};

/* One table, as of now (CLOCK_MONOTONIC). 0, or -1 when out of memory. */
int table_view_print(struct table_view *tv, struct table *tb, uint64_t now);
void table_view_free(struct table_view *tv);

#endif
