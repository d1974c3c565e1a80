// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for pages.c: pages mapped ahead of use, huge pages past a small start. */
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

/* The first word of /sys/kernel/mm/transparent_hugepage/enabled in brackets. */
static const char *thp_mode(char *buf, size_t len)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	char *a, *b;

	if (!f)
		return NULL;
	a = fgets(buf, (int)len, f);
	fclose(f);
	if (!a || !(a = strchr(buf, '[')) || !(b = strchr(a, ']')))
		return NULL;
	*b = '\0';
	return a + 1;
}

/* THPeligible of the mapping holding addr (/proc/self/smaps); -1 if not found. */
static int thp_eligible(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool inside = false;
	int eligible = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' '))
			inside = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
		else if (inside && sscanf(line, "THPeligible: %d", &eligible) == 1)
			break;
	}
	fclose(f);
	return eligible;
}

static void test_advise_huge(void)
{
	char buf[128];
	const char *mode = thp_mode(buf, sizeof(buf));
	char *map, *a;

	if (!mode || !strcmp(mode, "never")) {
		tap_skip("no transparent huge pages here", "advise_huge");
		return;
	}
	/* 8 MB from a 2 MB boundary, with room on either side */
	map = mmap(NULL, 12 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!ok(map != MAP_FAILED, "12 MB mapped"))
		return;
	a = (char *)(((uintptr_t)map + 2 * MB - 1) & ~(uintptr_t)(2 * MB - 1));
	/* an array starting past the boundary: its first 2 MB stay small, the
	 * rest up to its last whole huge page is advised */
	advise_huge(a + page_size, 8 * MB - page_size, 2 * MB);
	is_int(thp_eligible(a + 4 * MB), 1, "past the first 2 MB, rounded up: huge");
	is_int(thp_eligible(a + 8 * MB - 1), 1, "to the last whole 2 MB page: huge");
	if (!strcmp(mode, "madvise")) {
		is_int(thp_eligible(a + 2 * MB), 0, "the first 2 MB and the rounding: small");
		is_int(thp_eligible(a + 8 * MB), 0, "past the array: untouched");
		/* 3 MB holds no whole 2 MB page past its first 2 MB */
		advise_huge(a + 8 * MB, 3 * MB, 2 * MB);
		is_int(thp_eligible(a + 10 * MB), 0, "an array too small for a huge page: none");
	} else {
		tap_skip("THP is always on here", "the pages left small stay small");
	}
	if (map_now(a + 4 * MB, 2 * MB))
		is_int(resident(a + 4 * MB, 2 * MB / page_size), 2 * MB / page_size,
		       "map_now() maps every page of a range");
	else
		tap_skip("no MADV_POPULATE_WRITE before Linux 5.14", "map_now");
	munmap(map, 12 * MB);
}

int main(void)
{
	page_size = (size_t)sysconf(_SC_PAGESIZE);
	test_map_ahead();
	test_advise_huge();
	return tap_done();
}
