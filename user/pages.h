/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Pages for large arrays that are used from their first slot on, mapped ahead
 * of use: on our virtual machines a page costs 10.7 us at its first touch and
 * 0.44 us mapped ahead. No huge pages: a 2 MB page taken after a few idle
 * seconds comes back from the host (free page reporting) in 5 ms, and a
 * storm's TIME_WAIT entries took several (docs/performance.md).
 */
#ifndef SOCKTRACE_PAGES_H
#define SOCKTRACE_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The pages of an array's slots (cap of them, elem bytes each) up to slot,
 * mapped before they are used, in steps that grow with the slots in use up
 * to a quarter megabyte. *mapped counts the slots mapped; UINT32_MAX once
 * the kernel said it cannot (before 5.14), and then pages come a fault each.
 */
void map_ahead(void *base, size_t elem, uint32_t cap, uint32_t *mapped, uint32_t slot);

/* Every page of [p, p + bytes) mapped now; false where the kernel cannot. */
bool map_now(void *p, size_t bytes);

#endif
