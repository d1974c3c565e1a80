/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Pages for large arrays that are used from their first slot on: mapped ahead
 * of use, and huge past a small start. On our virtual machines a page costs
 * 10.7 us at its first touch, 0.44 us mapped ahead, and 0.17 us (a 4 KB
 * share) in a 2 MB page mapped ahead (docs/performance.md).
 */
#ifndef SOCKTRACE_PAGES_H
#define SOCKTRACE_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* a transparent huge page: 2 MB on x86-64, and on arm64 with 4 KB pages */
#define PAGES_HUGE (2u << 20)

/*
 * The pages of an array's slots (cap of them, elem bytes each) up to slot,
 * mapped before they are used, in steps that grow with the slots in use up
 * to a quarter megabyte. *mapped counts the slots mapped; UINT32_MAX once
 * the kernel said it cannot (before 5.14), and then pages come a fault each.
 */
void map_ahead(void *base, size_t elem, uint32_t cap, uint32_t *mapped, uint32_t slot);

/* Every page of [p, p + bytes) mapped now; false where the kernel cannot. */
bool map_now(void *p, size_t bytes);

/*
 * Transparent huge pages for [base, base + bytes) past its first small
 * bytes, in whole 2 MB pages. Where the kernel has no THP, or it is off,
 * the pages stay 4 KB.
 */
void advise_huge(void *base, size_t bytes, size_t small);

#endif
