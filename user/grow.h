/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Arrays that double when full. */
#ifndef SOCKTRACE_GROW_H
#define SOCKTRACE_GROW_H

#include <stddef.h>
#include <stdlib.h>

/*
 * Room for one more element in *v (n used of *cap, each size bytes), doubling
 * from first. 0, or -1 when out of memory (*v and *cap unchanged).
 */
static inline int grow_for_one(void *v, size_t n, size_t *cap, size_t size, size_t first)
{
	size_t ncap = *cap ? *cap * 2 : first;
	void *nv;

	if (n < *cap)
		return 0;
	nv = realloc(*(void **)v, ncap * size);
	if (!nv)
		return -1;
	*(void **)v = nv;
	*cap = ncap;
	return 0;
}

#endif
