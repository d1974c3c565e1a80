// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The table's indexes: by sk key (the struct sock address; apart from it the
 * seed keys of sockets only sock_diag has named), by cookie, and the TIME_WAIT
 * entries' by tuple hash. Probing is inline in table_internal.h; insertion,
 * deletion and growth are here.
 */
#include <sys/mman.h>

#include "table_internal.h"

void ix_del(struct index *ix, uint64_t key)
{
	uint32_t i, j, k, pos;

	if (!ix_find(ix, key, &pos))
		return;
	ix->n--;
	/* backward-shift deletion keeps probe chains intact without tombstones */
	i = pos;
	ix->slots[i] = 0;
	for (j = (i + 1) & ix->mask; ix->slots[j]; j = (j + 1) & ix->mask) {
		k = cell_hash(ix->slots[j]) & ix->mask;
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			ix->slots[i] = ix->slots[j];
			ix->slots[j] = 0;
			i = j;
		}
	}
}

/*
 * A large array of cells gets pages of its own, and gives them back when the
 * index outgrows it: from the heap, the arrays it grew through would stay
 * resident after free() (as much again as the last one), and one would be
 * carved from pages start-up freed. Its keys are spread over all of it, so
 * every page is mapped at once (pages.h).
 * NULL without memory.
 */
uint64_t *ix_cells_alloc(uint32_t n)
{
	size_t bytes = (size_t)n * sizeof(uint64_t);
	void *p;

	if (bytes < IX_MAP_BYTES)
		return calloc(n, sizeof(uint64_t));
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	map_now(p, bytes); /* or, before 5.14, a fault at a time */
	return p;
}

bool ix_init(struct index *ix, const void *base, size_t stride, size_t keyoff, uint32_t max)
{
	*ix = (struct index){.slots = ix_cells_alloc(INDEX_MIN),
			     .mask = INDEX_MIN - 1,
			     .max = max,
			     .base = base,
			     .stride = stride,
			     .keyoff = keyoff};
	return ix->slots != NULL;
}

void ix_cells_free(uint64_t *cells, uint32_t n)
{
	size_t bytes = (size_t)n * sizeof(uint64_t);

	if (bytes < IX_MAP_BYTES)
		free(cells);
	else if (cells)
		munmap(cells, bytes);
}

/*
 * Make room for one more key: past half full, double and re-insert. The
 * probe chains stay short, and the memory is what the sockets need.
 */
static void ix_reserve(struct index *ix)
{
	uint32_t size = ix->mask + 1, nsize = size * 2, i, j;
	uint64_t *old = ix->slots;

	if ((ix->n + 1) * 2 <= size || nsize > ix->max)
		return;
	ix->slots = ix_cells_alloc(nsize);
	if (!ix->slots) {
		ix->slots = old; /* stay as we are: fuller, slower, still right */
		return;
	}
	ix->mask = nsize - 1;
	for (j = 0; j < size; j++) {
		if (!old[j])
			continue;
		i = cell_hash(old[j]) & ix->mask;
		while (ix->slots[i])
			i = (i + 1) & ix->mask;
		ix->slots[i] = old[j];
	}
	ix_cells_free(old, size);
}

/* Insert the slot's key: false, and nothing done, if another slot holds it. */
bool ix_put(struct index *ix, uint32_t slot)
{
	uint64_t key = ix_key(ix, slot);
	uint32_t h = hash_sk(key), pos, found;

	ix_reserve(ix);
	found = ix_probe(ix, key, h, &pos);
	if (found)
		return found == slot;
	ix->slots[pos] = ix_cell(h, slot);
	ix->n++;
	return true;
}

/* An entry known by a seed key learns its sock address. */
void give_address(struct table *tb, struct sock_entry *e, uint64_t sk)
{
	ix_del(sk_index(tb, e->sk), e->sk);
	e->sk = sk;
	ix_put(sk_index(tb, sk), entry_slot(tb, e));
}

/* lookup_event()'s second try: the cookie of an entry only sock_diag has met. */
struct sock_entry *lookup_seeded(struct table *tb, uint64_t sk, uint64_t cookie)
{
	struct sock_entry *e = lookup_cookie(tb, cookie);

	if (!e || !unaddressed(e))
		return NULL;
	give_address(tb, e, sk);
	return e;
}
