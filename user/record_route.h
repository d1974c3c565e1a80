/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Where a record from the ring buffer goes: the socket table or the UNIX one. */
#ifndef SOCKTRACE_RECORD_ROUTE_H
#define SOCKTRACE_RECORD_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct table;
struct unix_table;

/*
 * Apply one decoded record of @type (decode_record() said DECODE_OK). @ut may
 * be NULL: UNIX records are then dropped. False for a type that never comes
 * through the ring buffer (a snapshot's).
 */
bool record_route(struct table *tb, struct unix_table *ut, const void *data, __u32 type);
/* A ring record, not decoded yet, that record_route() will have soon: the
 * table fetches what it will read (a record_ahead_fn's job). */
void record_ahead(const struct table *tb, const void *data, size_t len);

#endif
