// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The live table's public face: making and freeing it, the passing of time,
 * and the walks the views make. Records go in through table_state.c,
 * table_calls.c and table_snapshot.c; table_internal.h maps the rooms.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

#include "grow.h"
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
	tb->self_tgid = (uint32_t)getpid();
	tb->ents = calloc(max_entries, sizeof(*tb->ents));
	tb->origins = calloc(max_entries, sizeof(*tb->origins));
	/* page-aligned, so that each entry is two whole cache lines; untouched
	 * pages cost nothing */
	tb->tws = mmap(NULL, (size_t)max_entries * sizeof(*tb->tws), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (tb->tws == MAP_FAILED) {
		tb->tws = NULL;
		goto fail;
	}
	tb->tw_extra = calloc(max_entries, sizeof(*tb->tw_extra));
	/* the indexes grow with the table: their memory follows the sockets held */
	if (!tb->ents || !tb->origins || !tb->tw_extra ||
	    !ix_init(&tb->by_sk, tb->ents, sizeof(*tb->ents), offsetof(struct sock_entry, sk), n) ||
	    !ix_init(&tb->by_odd, tb->ents, sizeof(*tb->ents), offsetof(struct sock_entry, sk),
		     n) ||
	    !ix_init(&tb->by_cookie, tb->ents, sizeof(*tb->ents),
		     offsetof(struct sock_entry, cookie), n) ||
	    !ix_init(&tb->by_tw, tb->tws, sizeof(*tb->tws), offsetof(struct tw_entry, key), n) ||
	    !ix_init(&tb->tw_by_cookie, tb->tws, sizeof(*tb->tws),
		     offsetof(struct tw_entry, cookie), n))
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
	if (tb->tws)
		munmap(tb->tws, (size_t)tb->cap * sizeof(*tb->tws));
	free(tb->tw_extra);
	ix_cells_free(tb->by_sk.slots, tb->by_sk.mask + 1);
	ix_cells_free(tb->by_odd.slots, tb->by_odd.mask + 1);
	ix_cells_free(tb->by_cookie.slots, tb->by_cookie.mask + 1);
	ix_cells_free(tb->by_tw.slots, tb->by_tw.mask + 1);
	ix_cells_free(tb->tw_by_cookie.slots, tb->tw_by_cookie.mask + 1);
	free(tb->pend);
	free(tb->mptcp_ended);
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

uint64_t table_next_due(const struct table *tb)
{
	/* a held line's grace period ends at some poll: polls go on as ever */
	return tb->pend_len ? 0 : tw_next_due(tb);
}

/* A TIME_WAIT entry the walks show: in use, and still the kernel's. */
static bool tw_shown(const struct tw_entry *tw)
{
	return tw->key && !(tw->flags & ENTRY_GONE);
}

int table_foreach(struct table *tb, int (*fn)(void *ctx, const struct sock_entry *e), void *ctx)
{
	struct sock_entry tmp;
	uint32_t i;
	int ret;

	for (i = 0; i < tb->used; i++) {
		const struct sock_entry *e = &tb->ents[i];

		if (!e->sk)
			continue;
		ret = fn(ctx, e);
		if (ret)
			return ret;
	}
	for (i = 0; i < tb->tw_used; i++) {
		if (!tw_shown(&tb->tws[i]))
			continue;
		tw_as_entry(tb, &tb->tws[i], &tmp);
		ret = fn(ctx, &tmp);
		if (ret)
			return ret;
	}
	return 0;
}

int table_collect(struct table *tb, bool (*keep)(const void *ctx, const struct sock_entry *e),
		  const void *ctx, const struct sock_entry ***out, size_t *n)
{
	const struct sock_entry **v = NULL, **all;
	struct sock_entry *tws = NULL, *copies, tmp;
	size_t cap = 0, twcap = 0, ntw = 0, j;
	uint32_t i;

	*n = 0;
	*out = NULL;
	for (i = 0; i < tb->used; i++) {
		const struct sock_entry *e = &tb->ents[i];

		if (!e->sk || !keep(ctx, e))
			continue;
		if (grow_for_one(&v, *n, &cap, sizeof(*v), 256))
			goto fail;
		v[(*n)++] = e;
	}
	for (i = 0; i < tb->tw_used; i++) {
		if (!tw_shown(&tb->tws[i]))
			continue;
		tw_as_entry(tb, &tb->tws[i], &tmp);
		if (!keep(ctx, &tmp))
			continue;
		if (grow_for_one(&tws, ntw, &twcap, sizeof(*tws), 256))
			goto fail;
		tws[ntw++] = tmp;
	}
	if (!ntw) {
		*out = v;
		return 0;
	}
	/* TIME_WAIT entries are made for the caller: in the same block as the
	 * pointers, so that its free() frees them */
	all = malloc((*n + ntw) * sizeof(*all) + ntw * sizeof(*tws));
	if (!all)
		goto fail;
	if (*n)
		memcpy(all, v, *n * sizeof(*v));
	copies = (struct sock_entry *)(void *)(all + *n + ntw);
	memcpy(copies, tws, ntw * sizeof(*tws));
	for (j = 0; j < ntw; j++)
		all[*n + j] = &copies[j];
	*n += ntw;
	free(v);
	free(tws);
	*out = all;
	return 0;
fail:
	free(v);
	free(tws);
	*n = 0;
	return -1;
}
