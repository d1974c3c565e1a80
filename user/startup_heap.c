// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "startup_heap.h"

#include <malloc.h>

/* glibc's largest mmap threshold on 64-bit: a BTF blob is well below it */
#define START_MMAP_THRESHOLD (32 << 20)
/* never trim while starting: the next parse reuses the pages */
#define START_TRIM_THRESHOLD (1 << 30)
/* glibc's initial values (mallopt(3)); setting them keeps them fixed, so a
 * large table array keeps its own mapping and grows by mremap() */
#define RUN_MMAP_THRESHOLD (128 << 10)
#define RUN_TRIM_THRESHOLD (128 << 10)

void startup_heap_begin(void)
{
	/* one arena for every thread: the threads that load the iterators and
	 * read snapshots (snapshot.h) free into the heap the next parse reuses,
	 * and that malloc_trim() trims (it leaves a thread arena's top alone:
	 * 10 MB kept for good) */
	mallopt(M_ARENA_MAX, 1);
	mallopt(M_MMAP_THRESHOLD, START_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, START_TRIM_THRESHOLD);
}

void startup_heap_end(void)
{
	mallopt(M_MMAP_THRESHOLD, RUN_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, RUN_TRIM_THRESHOLD);
	malloc_trim(0);
}
