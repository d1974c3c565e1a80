// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "holders.h"

#include <stdlib.h>
#include <string.h>

void holders_reset(struct holders *h)
{
	h->n = 0;
	h->sorted = 0;
}

void holders_add(struct holders *h, const struct st_file_rec *r)
{
	struct holder *nv;

	if (h->n == h->cap) {
		size_t ncap = h->cap ? h->cap * 2 : 1024;

		nv = realloc(h->v, ncap * sizeof(*nv));
		if (!nv)
			return; /* the row falls back to the socket's owner */
		h->v = nv;
		h->cap = ncap;
	}
	h->v[h->n].ino = r->ino;
	h->v[h->n].pid = r->task.tgid;
	memcpy(h->v[h->n].comm, r->task.comm, ST_COMM_LEN);
	h->n++;
	h->sorted = 0;
}

static int cmp_holder(const void *a, const void *b)
{
	const struct holder *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static void sort_unique(struct holders *h)
{
	size_t i, out = 0;

	if (h->n) /* qsort() wants a non-NULL array, even for no elements */
		qsort(h->v, h->n, sizeof(*h->v), cmp_holder);
	/* a process with the socket in several fds (dup, inherited) counts once */
	for (i = 0; i < h->n; i++)
		if (!out || cmp_holder(&h->v[out - 1], &h->v[i]))
			h->v[out++] = h->v[i];
	h->n = out;
	h->sorted = 1;
}

const struct holder *holders_find(struct holders *h, uint64_t ino, size_t *n)
{
	size_t lo = 0, hi, first;

	if (!h->sorted)
		sort_unique(h);
	hi = h->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (h->v[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	while (ino && lo < h->n && h->v[lo].ino == ino)
		lo++;
	*n = lo - first;
	return *n ? &h->v[first] : NULL;
}

void holders_free(struct holders *h)
{
	free(h->v);
	memset(h, 0, sizeof(*h));
}
