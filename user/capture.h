/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * SOCKTRACE_CAPTURE=FILE keeps every ring buffer record as it came, for
 * `make bench-replay` (tools/bench/replay.c): the table and the views run on
 * them again without the kernel, so that userspace's CPU is measured apart
 * from the storm and the machine's noise. A developer's tool, off by default.
 *
 * The file: CAPTURE_MAGIC (8 bytes); the run's CLOCK_MONOTONIC to
 * CLOCK_REALTIME offset in nanoseconds (an __s64 in host order), so that a
 * replay prints the same times; then per record its length as a __u32 in
 * host order, four zero bytes, the record, and zero bytes up to a multiple of
 * 8: every record starts 8-aligned, as in the ring buffer.
 */
#ifndef SOCKTRACE_CAPTURE_H
#define SOCKTRACE_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CAPTURE_MAGIC "STCAPT1\n"
#define CAPTURE_ENV   "SOCKTRACE_CAPTURE"
#define CAPTURE_HEAD  16 /* the magic and the clock offset */

/* *out: NULL when the variable is unset or empty. -1 after a warning. */
int capture_open(FILE **out, int64_t mono_to_real_ns);
void capture_record(FILE *f, const void *data, size_t len);
/* Close; -1 after a warning if anything could not be written. */
int capture_close(FILE *f);

#endif
