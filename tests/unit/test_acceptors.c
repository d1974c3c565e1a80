// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for who-accepts bookkeeping (acceptors.c) and the pieces of the
 * reuseport view built on it (view_reuseport_procs.c): counts per listener and
 * process, order, the cap, forgetting, compact holders, process balance.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "acceptors.h"
#include "view_reuseport_procs.h"

static char storage[4096];
static struct sbuf sb;

static void note(struct acceptors *a, uint64_t id, uint32_t pid, const char *comm, uint64_t ts)
{
	char c[ST_COMM_LEN] = {0};

	strncpy(c, comm, sizeof(c) - 1);
	acceptors_note(a, id, pid, c, ts);
}

static void counts(void)
{
	struct acceptors *a = acceptors_new();
	const struct acceptor *v;
	size_t n;
	int i;

	if (!ok(a != NULL, "acceptors_new"))
		return;
	for (i = 0; i < 3; i++)
		note(a, 100, 10, "one", 1000 + i);
	for (i = 0; i < 5; i++)
		note(a, 100, 11, "two", 2000 + i);
	note(a, 200, 10, "one", 3000);
	v = acceptors_of(a, 100, &n);
	is_int(n, 2, "listener 100 has two acceptors");
	ok(n == 2 && v[0].pid == 11 && v[0].accepted == 5 && v[1].pid == 10 && v[1].accepted == 3,
	   "busiest first, with exact counts");
	ok(n == 2 && v[0].last_ns == 2004 && v[1].last_ns == 1002, "the time of each last accept");
	ok(n == 2 && !strcmp(v[0].comm, "two"), "the acceptor's name");
	v = acceptors_of(a, 200, &n);
	ok(n == 1 && v[0].pid == 10 && v[0].accepted == 1, "listeners are counted apart");
	ok(acceptors_of(a, 300, &n) == NULL && n == 0, "an unknown listener has none");

	/* a report that saw only listener 200 forgets 100 */
	acceptors_mark(a, 200);
	acceptors_sweep(a);
	acceptors_of(a, 100, &n);
	is_int(n, 0, "an unmarked listener is forgotten");
	acceptors_of(a, 200, &n);
	is_int(n, 1, "a marked one is kept");
	acceptors_sweep(a);
	acceptors_of(a, 200, &n);
	is_int(n, 0, "marks last one sweep");
	is_int(acceptors_listeners(a), 0, "nothing left");
	acceptors_free(a);
}

static void bounded(void)
{
	struct acceptors *a = acceptors_new();
	size_t n, i;
	uint32_t p;

	if (!a)
		return;
	for (p = 1; p <= ACCEPTORS_PER_LISTENER + 10; p++)
		note(a, 7, p, "w", p);
	acceptors_of(a, 7, &n);
	is_int(n, ACCEPTORS_PER_LISTENER, "at most %d processes per listener",
	       ACCEPTORS_PER_LISTENER);
	/* many listeners: the index grows and every one is found again */
	for (i = 0; i < 5000; i++)
		note(a, 1000 + i * 7919, 1, "w", 1);
	for (i = 0, p = 0; i < 5000; i++) {
		acceptors_of(a, 1000 + i * 7919, &n);
		p += n == 1;
	}
	is_int(p, 5000, "5000 listeners, each found");
	for (i = 0; i < 5000; i += 2)
		acceptors_mark(a, 1000 + i * 7919);
	acceptors_sweep(a);
	is_int(acceptors_listeners(a), 2500, "a sweep keeps the marked half");
	for (i = 0, p = 0; i < 5000; i++) {
		acceptors_of(a, 1000 + i * 7919, &n);
		p += n == (i % 2 == 0);
	}
	is_int(p, 5000, "after the sweep the index finds exactly the kept ones");
	acceptors_free(a);
}

static struct holder H(uint32_t pid, const char *comm) {
	struct holder h = {.ino = 1, .pid = pid};

	strncpy(h.comm, comm, sizeof(h.comm) - 1);
	return h;
}

static const char *
compact(const struct holder *h, size_t n, size_t total)
{
	sb_init(&sb, storage, sizeof(storage));
	put_holders_compact(&sb, h, n, total);
	return sb_str(&sb);
}

static void holders_text(void)
{
	struct holder nginx[] = {H(10160, "nginx"), H(10161, "nginx"), H(10162, "nginx"),
				 H(10163, "nginx"), H(10164, "nginx")};
	struct holder mixed[] = {H(99, "srv"), H(100, "worker"), H(101, "worker"), H(103, "worker"),
				 H(104, "srv")};
	struct holder odd[] = {H(5, "a\x1b[2J")};

	is_str(compact(nginx, 5, 5), "5 holders: nginx 10160-10164", "one name, one range");
	is_str(compact(mixed, 5, 5), "5 holders: srv 99,104, worker 100-101,103",
	       "names in order of their first pid, runs of consecutive pids");
	is_str(compact(nginx, 2, 7), "7 holders: nginx 10160-10161, ...",
	       "more holders than shown: the total, and a mark");
	ok(!strchr(compact(odd, 1, 2), '\x1b'), "a name is escaped");
}

static void procs(void)
{
	struct group_procs g = {0};
	struct holder h[] = {H(1, "master"), H(2, "w"), H(3, "w")};
	struct acceptor a[] = {{.accepted = 30, .pid = 2}, {.accepted = 10, .pid = 3}};

	group_procs_reset(&g);
	ok(group_procs_add(&g, (struct holder[]){H(0, "")}, 1, NULL, 0, false) == 0 && g.n == 0,
	   "a holder without a process is skipped");
	ok(group_procs_add(&g, h, 3, a, 2, true) == 0, "a group's holders and acceptors");
	group_procs_finish(&g);
	/* pid 1 is not our parent's child: it is counted as an idle holder */
	is_int(g.counted, 3, "an idle holder counts in the balance");
	ok(g.max_mean > 2.24 && g.max_mean < 2.26, "max/mean 30 / (40/3)");
	ok(g.n == 3 && group_proc_stalled(&g.v[0]) && !group_proc_stalled(&g.v[1]),
	   "the idle holder is stalled while connections wait");

	/* the real parent of an acceptor is a supervisor */
	{
		struct holder hp[] = {H((uint32_t)getppid(), "parent")};
		struct acceptor me[] = {{.accepted = 4, .pid = (uint32_t)getpid()}};

		group_procs_reset(&g);
		group_procs_add(&g, hp, 1, me, 1, true);
		group_procs_finish(&g);
		is_int(g.counted, 1, "the parent of an acceptor is left out of the balance");
		ok(g.n == 2 && !group_proc_stalled(&g.v[0]) && g.v[0].supervisor,
		   "and is never stalled");
		ok(g.max_mean == 1.0 && g.cv == 0.0, "one acceptor: balanced");
	}
	group_procs_free(&g);
}

int main(void)
{
	counts();
	bounded();
	holders_text();
	procs();
	return tap_done();
}
