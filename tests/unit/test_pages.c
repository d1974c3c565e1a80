// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for pages.c: pages mapped ahead of use. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tap.h"
#include "pages.h"

#define MB (1ul << 20)

static size_t page_size;

/* How many of the n pages from p are resident; -1 if mincore() failed. */
static long resident(const char *p, size_t n)
{
	unsigned char *vec = calloc(n, 1);
	long count = 0;
	size_t i;

	if (!vec || mincore((void *)p, n * page_size, vec)) {
		free(vec);
		return -1;
	}
	for (i = 0; i < n; i++)
		count += vec[i] & 1;
	free(vec);
	return count;
}

static void test_map_ahead(void)
{
	const size_t elem = 128;
	const uint32_t cap = 50000;
	char *base =
		mmap(NULL, cap * elem, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint32_t mapped = 0, step, largest = 0;
	int steps = 0;

	if (!ok(base != MAP_FAILED, "an array of %u slots", cap))
		return;
	/* the pages counted are 4 KB ones, whatever the THP mode */
	madvise(base, cap * elem, MADV_NOHUGEPAGE);
	map_ahead(base, elem, cap, &mapped, 1);
	if (mapped == UINT32_MAX) {
		tap_skip("no MADV_POPULATE_WRITE before Linux 5.14", "map_ahead");
		munmap(base, cap * elem);
		return;
	}
	is_int(mapped, 64, "the first slot maps 64");
	is_int(resident(base, 4), 8192 / page_size, "their pages, and no more, are resident");
	map_ahead(base, elem, cap, &mapped, 64);
	is_int(mapped, 64, "a slot already mapped maps nothing");
	map_ahead(base, elem, cap, &mapped, 65);
	is_int(mapped, 128, "the next step is as many as are in use");
	while (mapped < cap && steps < 1000) {
		uint32_t before = mapped;

		map_ahead(base, elem, cap, &mapped, mapped + 1);
		step = mapped - before;
		if (step > largest)
			largest = step;
		steps++;
	}
	is_int(mapped, cap, "slot by slot, every slot is mapped in the end");
	is_int(largest, (256u << 10) / elem, "a step maps at most a quarter megabyte");
	is_int(resident(base, cap * elem / page_size), cap * elem / page_size,
	       "every page of the array is resident");
	munmap(base, cap * elem);
}

static void test_map_now(void)
{
	char *map = mmap(NULL, 4 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (!ok(map != MAP_FAILED, "4 MB mapped"))
		return;
	/* where THP is always on, a huge page would take its neighbours along */
	madvise(map, 4 * MB, MADV_NOHUGEPAGE);
	is_int(resident(map, 4 * MB / page_size), 0, "untouched: nothing resident");
	if (map_now(map + MB, 2 * MB)) {
		is_int(resident(map + MB, 2 * MB / page_size), 2 * MB / page_size,
		       "map_now() maps every page of a range");
		is_int(resident(map, MB / page_size) + resident(map + 3 * MB, MB / page_size), 0,
		       "... and none around it");
	} else {
		tap_skip("no MADV_POPULATE_WRITE before Linux 5.14", "map_now");
	}
	munmap(map, 4 * MB);
}

int main(void)
{
	page_size = (size_t)sysconf(_SC_PAGESIZE);
	test_map_ahead();
	test_map_now();
	return tap_done();
}
