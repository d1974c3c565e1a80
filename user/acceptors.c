// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per listener an array of acceptors, found through an open-addressing index
 * by listener id. A listener's accepts come from few processes, usually one
 * at a time (a worker drains its queue), so the array is searched from the
 * last hit; the index is rebuilt when it grows and at each sweep (its size
 * stays at the peak: a few bytes per listener).
 */
#include "acceptors.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

struct acc_listener {
	uint64_t id;
	struct acceptor *v;
	size_t n, cap;
	size_t last; /* index of the last hit */
	bool marked;
};

struct acceptors {
	struct acc_listener *ls;
	size_t n, cap;
	uint32_t *idx; /* slot: listener index + 1, 0 = empty */
	size_t nidx;   /* a power of two, at least twice n */
};

static size_t slot_of(uint64_t id, size_t nidx)
{
	/* ids are cookies (sequential) or synthetic: mix them */
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdull;
	id ^= id >> 33;
	return (size_t)id & (nidx - 1);
}

static void fill_index(struct acceptors *a)
{
	size_t i, s;

	memset(a->idx, 0, a->nidx * sizeof(*a->idx));
	for (i = 0; i < a->n; i++) {
		for (s = slot_of(a->ls[i].id, a->nidx); a->idx[s]; s = (s + 1) & (a->nidx - 1))
			;
		a->idx[s] = (uint32_t)i + 1;
	}
}

static int grow_index(struct acceptors *a, size_t nidx)
{
	uint32_t *idx = calloc(nidx, sizeof(*idx));

	if (!idx)
		return -1;
	free(a->idx);
	a->idx = idx;
	a->nidx = nidx;
	fill_index(a);
	return 0;
}

struct acceptors *acceptors_new(void)
{
	struct acceptors *a = calloc(1, sizeof(*a));

	if (a && grow_index(a, 16)) {
		free(a);
		return NULL;
	}
	return a;
}

void acceptors_free(struct acceptors *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->n; i++)
		free(a->ls[i].v);
	free(a->ls);
	free(a->idx);
	free(a);
}

static struct acc_listener *find(const struct acceptors *a, uint64_t id)
{
	size_t s;

	for (s = slot_of(id, a->nidx); a->idx[s]; s = (s + 1) & (a->nidx - 1))
		if (a->ls[a->idx[s] - 1].id == id)
			return &a->ls[a->idx[s] - 1];
	return NULL;
}

static struct acc_listener *add_listener(struct acceptors *a, uint64_t id)
{
	struct acc_listener *l;
	size_t s;

	if (grow_for_one(&a->ls, a->n, &a->cap, sizeof(*a->ls), 16))
		return NULL;
	if (2 * (a->n + 1) > a->nidx && grow_index(a, a->nidx * 2))
		return NULL;
	l = &a->ls[a->n];
	memset(l, 0, sizeof(*l));
	l->id = id;
	for (s = slot_of(id, a->nidx); a->idx[s]; s = (s + 1) & (a->nidx - 1))
		;
	a->idx[s] = (uint32_t)++a->n;
	return l;
}

static struct acceptor *find_acceptor(struct acc_listener *l, uint32_t pid)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		size_t k = (l->last + i) % l->n;

		if (l->v[k].pid == pid) {
			l->last = k;
			return &l->v[k];
		}
	}
	return NULL;
}

static struct acceptor *add_acceptor(struct acc_listener *l, uint32_t pid)
{
	struct acceptor *p;

	if (l->n == ACCEPTORS_PER_LISTENER || grow_for_one(&l->v, l->n, &l->cap, sizeof(*l->v), 4))
		return NULL;
	p = &l->v[l->n];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	l->last = l->n++;
	return p;
}

void acceptors_note(struct acceptors *a, uint64_t id, uint32_t pid, const char *comm,
		    uint64_t ts_ns)
{
	struct acc_listener *l = find(a, id);
	struct acceptor *p;

	if (!l && !(l = add_listener(a, id)))
		return;
	p = find_acceptor(l, pid);
	if (!p && !(p = add_acceptor(l, pid)))
		return;
	p->accepted++;
	if (ts_ns > p->last_ns)
		p->last_ns = ts_ns;
	/* the latest name: a process may exec */
	memcpy(p->comm, comm, ST_COMM_LEN);
}

static int cmp_busiest(const void *x, const void *y)
{
	const struct acceptor *a = x, *b = y;

	if (a->accepted != b->accepted)
		return a->accepted > b->accepted ? -1 : 1;
	return (a->pid > b->pid) - (a->pid < b->pid);
}

const struct acceptor *acceptors_of(struct acceptors *a, uint64_t id, size_t *n)
{
	struct acc_listener *l = find(a, id);

	*n = l ? l->n : 0;
	if (!*n)
		return NULL;
	qsort(l->v, l->n, sizeof(*l->v), cmp_busiest);
	l->last = 0;
	return l->v;
}

void acceptors_mark(struct acceptors *a, uint64_t id)
{
	struct acc_listener *l = find(a, id);

	if (l)
		l->marked = true;
}

void acceptors_sweep(struct acceptors *a)
{
	size_t i, j;

	for (i = 0, j = 0; i < a->n; i++) {
		if (!a->ls[i].marked) {
			free(a->ls[i].v);
			continue;
		}
		a->ls[i].marked = false;
		a->ls[j++] = a->ls[i];
	}
	a->n = j;
	fill_index(a);
}

size_t acceptors_listeners(const struct acceptors *a)
{
	return a->n;
}
