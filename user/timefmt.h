/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Timestamps for the output lines. Each call site sees many events per
 * second, so the calendar part is formatted once a second and reused.
 */
#ifndef SOCKTRACE_TIMEFMT_H
#define SOCKTRACE_TIMEFMT_H

#include <stdint.h>

#include "sbuf.h"

/* Append @realtime_ns (CLOCK_REALTIME) as UTC RFC 3339: "2026-11-21T19:41:32.123456Z". */
void sb_put_rfc3339_us(struct sbuf *sb, uint64_t realtime_ns);
/* The same at a cursor (sbuf.h); nothing where the time has no calendar date. */
#define CUR_RFC3339_MAX 40 /* a prefix of 31 bytes at most, 6 digits and 'Z' */
char *cur_rfc3339_us(char *p, uint64_t realtime_ns);

/* Append the local time of day, "19:41:32", or "19:41:32.123456" with @with_us. */
void sb_put_clock_hms(struct sbuf *sb, uint64_t realtime_ns, int with_us);
/* The same at a cursor; nothing where the time has no calendar date. */
#define CUR_CLOCK_HMS_MAX 40 /* 31 bytes at most, a point and six digits */
char *cur_clock_hms(char *p, uint64_t realtime_ns, int with_us);

#endif
