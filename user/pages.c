// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "pages.h"

#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif
/* a quarter megabyte: the slack a storm leaves mapped is 1 to 5 bytes a socket */
#define MAP_AHEAD (256u << 10)

bool map_now(void *p, size_t bytes)
{
	return madvise(p, bytes, MADV_POPULATE_WRITE) == 0;
}

/* A start-up snapshot of 100,000 sockets fills 5,500 pages. */
void map_ahead(void *base, size_t elem, uint32_t cap, uint32_t *mapped, uint32_t slot)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), lo, hi;
	uint32_t n = (uint32_t)(MAP_AHEAD / elem);

	if (*mapped == UINT32_MAX || slot <= *mapped)
		return;
	/* as many as are in use, up to MAP_AHEAD: a small table stays small */
	if (n > *mapped)
		n = *mapped > 64 ? *mapped : 64;
	if (n > cap - *mapped)
		n = cap - *mapped;
	lo = ((uintptr_t)base + (uintptr_t)*mapped * elem) & ~(page - 1);
	hi = ((uintptr_t)base + (uintptr_t)(*mapped + n) * elem) & ~(page - 1);
	if (hi > lo && !map_now((void *)lo, hi - lo)) {
		*mapped = UINT32_MAX;
		return;
	}
	*mapped += n;
}
