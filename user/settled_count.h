/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A count made of counters that cannot be read at one instant. The state
 * hook's lost runs are the kernel's count of its skipped runs (one
 * bpf_obj_get_info_by_fd() per program) less our count of those its twin
 * caught: a skip whose twin runs while the programs' counts are being read
 * looks lost to that one reading, and a false loss starts a healing
 * snapshot in the middle of a storm (docs/kernel-matrix.md, t_watch_burst).
 * The settled count is what two readings in a row agree on, and it never
 * goes back: a real loss shows one reading late.
 */
#ifndef SOCKTRACE_SETTLED_COUNT_H
#define SOCKTRACE_SETTLED_COUNT_H

#include <stdint.h>

struct settled_count {
	uint64_t last_raw; /* the previous reading */
	uint64_t value;	   /* the settled count */
};

/* Take a reading; returns the settled count. */
uint64_t settled_count_update(struct settled_count *c, uint64_t raw);

#endif
