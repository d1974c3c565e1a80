// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for startup_heap: big blocks from the heap while starting, and back after. */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tap.h"
#include "startup_heap.h"

#define BIG (6u << 20) /* as a kernel BTF blob */

/* the whole pages of [p, p + len) that are mapped */
static size_t resident_pages(uintptr_t p, size_t len)
{
	static unsigned char v[(BIG >> 12) + 2];
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n, i, r = 0;
	uintptr_t a = (p + page - 1) & ~(page - 1);

	n = (p + len - a) / page;
	if (n > sizeof(v) || mincore((void *)a, n * page, v))
		return (size_t)-1;
	for (i = 0; i < n; i++)
		r += v[i] & 1;
	return r;
}

int main(void)
{
	struct mallinfo2 mi;
	char *p, *q;
	uintptr_t at; /* the freed block's address, to ask the kernel about */

	startup_heap_begin();
	p = malloc(BIG);
	if (!ok(p != NULL, "a 6 MiB block"))
		return tap_done();
	memset(p, 1, BIG);
	at = (uintptr_t)p;
	mi = mallinfo2();
	is_int(mi.hblkhd, 0, "starting: it comes from the heap, not its own mmap()");
	free(p);
	mi = mallinfo2();
	ok(mi.arena >= BIG, "starting: freed, it stays in the heap (%zu bytes)", mi.arena);
	q = malloc(BIG);
	ok(q == p, "starting: the next block of that size reuses it");
	free(q);

	ok(resident_pages(at, BIG) > (BIG >> 12) / 2, "starting: its pages stay mapped");

	startup_heap_end();
	ok(resident_pages(at, BIG) < 16, "ready: the heap gave its free pages back (%zu left)",
	   resident_pages(at, BIG));
	q = malloc(4 * BIG);
	mi = mallinfo2();
	ok(q && mi.hblkhd >= 4 * BIG, "ready: a bigger block gets its own mapping again");
	free(q);
	return tap_done();
}
