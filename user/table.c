// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The live table's public face: making and freeing it, the passing of time,
 * and the walks the views make. Records go in through table_state.c,
 * table_calls.c and table_snapshot.c; table_internal.h maps the rooms.
 */
#include <errno.h>
#include <stddef.h>

#include "table_internal.h"

struct table *table_new(uint32_t max_entries, transition_sink sink, void *sink_ctx)
{
	struct table *tb = calloc(1, sizeof(*tb));
	uint32_t n = 64;

	if (!tb || max_entries == 0)
		goto fail;
	while (n < max_entries * 2u && n < (1u << 31))
		n <<= 1;
	if (n < INDEX_MIN)
		n = INDEX_MIN;
	tb->cap = max_entries;
	tb->ents = calloc(max_entries, sizeof(*tb->ents));
	tb->origins = calloc(max_entries, sizeof(*tb->origins));
	/* the indexes grow with the table: their memory follows the sockets held */
	tb->by_sk = (struct index){.slots = ix_cells_alloc(INDEX_MIN),
				   .mask = INDEX_MIN - 1,
				   .max = n,
				   .keyoff = offsetof(struct sock_entry, sk)};
	tb->by_odd = tb->by_sk;
	tb->by_odd.slots = ix_cells_alloc(INDEX_MIN);
	tb->by_cookie = (struct index){.slots = ix_cells_alloc(INDEX_MIN),
				       .mask = INDEX_MIN - 1,
				       .max = n,
				       .keyoff = offsetof(struct sock_entry, cookie)};
	if (!tb->ents || !tb->origins || !tb->by_sk.slots || !tb->by_odd.slots ||
	    !tb->by_cookie.slots)
		goto fail;
	tb->sink = sink;
	tb->sink_ctx = sink_ctx;
	tb->next_synthetic = 1ull << 62;
	tb->ns_per_jiffy = 1000000000ull / 250;
	return tb;
fail:
	table_free(tb);
	errno = ENOMEM;
	return NULL;
}

void table_free(struct table *tb)
{
	if (!tb)
		return;
	free(tb->ents);
	free(tb->origins);
	ix_cells_free(tb->by_sk.slots, tb->by_sk.mask + 1);
	ix_cells_free(tb->by_odd.slots, tb->by_odd.mask + 1);
	ix_cells_free(tb->by_cookie.slots, tb->by_cookie.mask + 1);
	free(tb->pend);
	free(tb);
}

void table_set_holder_probe(struct table *tb, const struct holder_probe *hp)
{
	tb->probe = *hp;
}

const struct table_stats *table_stats(const struct table *tb)
{
	return &tb->st;
}

/*
 * Time passes: TIME_WAIT entries whose time is up end, held lines older than
 * the grace period go out.
 */
void table_tick(struct table *tb, uint64_t now_ns)
{
	tw_expire(tb, now_ns);
	pending_expire(tb, now_ns);
}

int table_foreach(struct table *tb, int (*fn)(void *ctx, const struct sock_entry *e), void *ctx)
{
	uint32_t i;
	int ret;

	for (i = 0; i < tb->used; i++) {
		const struct sock_entry *e = &tb->ents[i];

		if (!e->sk || (e->flags & ENTRY_GONE))
			continue;
		ret = fn(ctx, e);
		if (ret)
			return ret;
	}
	return 0;
}

int table_collect(struct table *tb, bool (*keep)(const void *ctx, const struct sock_entry *e),
		  const void *ctx, const struct sock_entry ***out, size_t *n)
{
	const struct sock_entry **v = NULL, **nv;
	size_t cap = 0;
	uint32_t i;

	*n = 0;
	for (i = 0; i < tb->used; i++) {
		const struct sock_entry *e = &tb->ents[i];

		if (!e->sk || (e->flags & ENTRY_GONE) || !keep(ctx, e))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				*out = NULL;
				*n = 0;
				return -1;
			}
			v = nv;
		}
		v[(*n)++] = e;
	}
	*out = v;
	return 0;
}
