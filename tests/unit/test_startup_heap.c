// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for startup_heap: big blocks from the heap while starting, and back after. */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tap.h"
#include "startup_heap.h"

#define BIG (6u << 20) /* as a kernel BTF blob */

/* the whole pages of [p, p + len) that are resident (one no longer mapped is not) */
static size_t resident_pages(uintptr_t p, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), r = 0;
	uintptr_t a = (p + page - 1) & ~(page - 1);
	unsigned char v;

	for (; a + page <= p + len; a += page)
		r += !mincore((void *)a, page, &v) && (v & 1);
	return r;
}

/* A thread's big block, used and freed: where it was, and its pages after end. */
struct thread_block {
	uintptr_t at;
};

static void *thread_alloc(void *arg)
{
	struct thread_block *b = arg;
	char *p = malloc(BIG);

	if (p) {
		memset(p, 1, BIG);
		b->at = (uintptr_t)p;
		free(p);
	}
	return NULL;
}

/* glibc's heap is what is tested; a sanitized build has another */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

int main(void)
{
	struct mallinfo2 mi;
	char *p, *q;
	uintptr_t at; /* the freed block's address, to ask the kernel about */

	if (UNDER_ASAN) {
		tap_skip("AddressSanitizer brings its own malloc", "the startup heap");
		return tap_done();
	}
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

	/* a thread's block comes from the same heap (a thread arena's top
	 * would never be trimmed): the main heap lies below the break */
	{
		struct thread_block tb = {0};
		pthread_t t;

		if (ok(pthread_create(&t, NULL, thread_alloc, &tb) == 0, "a thread")) {
			pthread_join(t, NULL);
			ok(tb.at && tb.at < (uintptr_t)sbrk(0),
			   "starting: a thread's big block comes from the one heap");
		}
		startup_heap_end();
		ok(tb.at && resident_pages(tb.at, BIG) < 16,
		   "ready: the thread's freed pages went back too (%zu left)",
		   resident_pages(tb.at, BIG));
	}
	ok(resident_pages(at, BIG) < 16, "ready: the heap gave its free pages back (%zu left)",
	   resident_pages(at, BIG));
	q = malloc(4 * BIG);
	mi = mallinfo2();
	ok(q && mi.hblkhd >= 4 * BIG, "ready: a bigger block gets its own mapping again");
	free(q);
	return tap_done();
}
