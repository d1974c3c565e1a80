// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "ring_spill.h"

#include <string.h>
#include <sys/mman.h>

/*
 * A storm's spill grows by tens of MB a second: a chunk's pages are all
 * mapped when it is made, 0.5 ms for 2 MB here, where a fault at each first
 * touch costs 11 us a page. 4 KB pages, not a huge one: on these VMs a 2 MB
 * page comes back from the host at its first use after a few idle seconds
 * (free page reporting), 5 ms a chunk, when the consumer is behind already.
 */
#define CHUNK_MAP   (2u << 20)
#define CHUNK_BYTES (CHUNK_MAP - sizeof(struct spill_chunk))
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif
/* reading the producer's position costs a cache miss: not at every record */
#define LOOK_EVERY 64

struct spill_chunk {
	struct spill_chunk *next;
	size_t rd, wr; /* offsets in data: the oldest record, the end */
	char data[];
};

struct spilled {
	uint32_t len;
	uint32_t pad;
	char data[];
};

static size_t spilled_size(size_t len)
{
	return (sizeof(struct spilled) + len + 7) & ~(size_t)7;
}

void ring_spill_init(struct ring_spill *s, const struct rings *rings, uint64_t behind, size_t cap)
{
	memset(s, 0, sizeof(*s));
	s->rings = rings;
	s->behind = behind;
	s->cap = cap;
	s->until_look = LOOK_EVERY;
}

static struct spill_chunk *chunk_map(void)
{
	void *p = mmap(NULL, CHUNK_MAP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* best effort: before 5.14 the pages come a fault at a time */
	madvise(p, CHUNK_MAP, MADV_POPULATE_WRITE);
	return p;
}

static void chunks_free(struct spill_chunk *c)
{
	while (c) {
		struct spill_chunk *next = c->next;

		munmap(c, CHUNK_MAP);
		c = next;
	}
}

void ring_spill_trim(struct ring_spill *s)
{
	chunks_free(s->spare);
	s->spare = NULL;
}

void ring_spill_free(struct ring_spill *s)
{
	chunks_free(s->head);
	chunks_free(s->spare);
	memset(s, 0, sizeof(*s));
}

/* Whether the consumer is far enough behind to spill. */
static bool behind(struct ring_spill *s)
{
	if (!s->rings || --s->until_look)
		return false;
	s->until_look = LOOK_EVERY;
	return rings_pending(s->rings) > s->behind;
}

static struct spill_chunk *chunk_new(struct ring_spill *s)
{
	struct spill_chunk *c = s->spare;

	if (c)
		s->spare = c->next;
	else if (!(c = chunk_map()))
		return NULL;
	c->next = NULL;
	c->rd = 0;
	c->wr = 0;
	return c;
}

/* A copy of the record at the tail; false without memory. */
static bool push(struct ring_spill *s, const void *data, size_t len)
{
	size_t need = spilled_size(len);
	struct spill_chunk *c = s->tail;
	struct spilled *r;

	if (need > CHUNK_BYTES)
		return false;
	if (!c || CHUNK_BYTES - c->wr < need) {
		c = chunk_new(s);
		if (!c)
			return false;
		if (s->tail)
			s->tail->next = c;
		else
			s->head = c;
		s->tail = c;
	}
	r = (struct spilled *)(c->data + c->wr);
	r->len = (uint32_t)len;
	memcpy(r->data, data, len);
	c->wr += need;
	s->bytes += need;
	if (s->bytes > s->recent) {
		s->recent = s->bytes;
		if (s->bytes > s->peak)
			s->peak = s->bytes;
	}
	s->records++;
	return true;
}

size_t ring_spill_recent(struct ring_spill *s)
{
	size_t most = s->recent;

	s->recent = s->bytes;
	return most;
}

unsigned int ring_spill_run(struct ring_spill *s, unsigned int max, record_fn fn, void *ctx)
{
	unsigned int n = 0;

	while (n < max && s->head) {
		struct spill_chunk *c = s->head;
		struct spilled *r = (struct spilled *)(c->data + c->rd);
		size_t size = spilled_size(r->len);

		fn(ctx, r->data, r->len);
		n++;
		c->rd += size;
		s->bytes -= size;
		if (c->rd < c->wr)
			continue;
		/* drained: kept for the storm's next records (a new page costs a
		 * fault, several microseconds here) until ring_spill_trim() */
		s->head = c->next;
		if (!s->head)
			s->tail = NULL;
		c->next = s->spare;
		s->spare = c;
	}
	return n;
}

bool ring_spill_take(struct ring_spill *s, const void *data, size_t len, record_fn fn, void *ctx)
{
	if (ring_spill_empty(s) && !behind(s))
		return false;
	/* full: the oldest are handled first, as they would have been */
	while (s->head && s->bytes + spilled_size(len) > s->cap)
		ring_spill_run(s, 1, fn, ctx);
	if (push(s, data, len))
		return true;
	/* no memory: everything older goes first, then this one */
	while (s->head)
		ring_spill_run(s, UINT32_MAX, fn, ctx);
	return false;
}
