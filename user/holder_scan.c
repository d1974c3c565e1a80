// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "holder_scan.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "decode.h"

#define ANSWER_NS   1000000000ull /* how long a scan's answer is trusted */
#define MIN_GAP_NS  100000000ull  /* the least time between two scans */
#define COST_FACTOR 10		  /* a scan may take at most a tenth of the time */
/* kill(pid, 0) costs about 1.3 us in a VM, and a storm asks about its server
 * once per connection: a "still there" is trusted this long */
#define ALIVE_NS    50000000ull
#define ALIVE_SLOTS 256
/* the slots a pid may take: two busy pids that hashed to one slot took
 * turns in it, and each turn cost a kill() */
#define ALIVE_WAYS 4

/* A socket fd: which socket (its address, or its cookie for a /proc scan) and who. */
struct held {
	uint64_t key;
	uint64_t cookie;
	struct st_task task;
};

struct holder_scan {
	struct snapshot *snap;
	struct held *v; /* sorted by key */
	size_t n, cap;
	bool by_cookie;
	uint64_t scanned_ns; /* 0: never */
	uint64_t next_ns;    /* no scan before this */
	struct {
		uint32_t pid;
		uint64_t ns; /* when it answered kill() */
	} alive[ALIVE_SLOTS];
};

struct holder_scan *holder_scan_new(struct snapshot *snap)
{
	struct holder_scan *hs = calloc(1, sizeof(*hs));

	if (hs)
		hs->snap = snap;
	return hs;
}

void holder_scan_free(struct holder_scan *hs)
{
	if (!hs)
		return;
	free(hs->v);
	free(hs);
}

/*
 * now is the record's time, not the clock's: reading the clock here was 6 %
 * of life's CPU in a storm (every connection's end asks). Records from two
 * CPUs come slightly out of order: an answer newer than the record is as
 * good as one just before it.
 */
static bool pid_gone(void *ctx, uint32_t pid, uint64_t now)
{
	struct holder_scan *hs = ctx;
	unsigned int set = (pid * 2654435761u) % ALIVE_SLOTS / ALIVE_WAYS * ALIVE_WAYS, i,
		     old = set;

	if (!pid)
		return false;
	for (i = set; i < set + ALIVE_WAYS; i++) {
		if (hs->alive[i].pid == pid) {
			if (now < hs->alive[i].ns || now - hs->alive[i].ns < ALIVE_NS)
				return false;
			old = i;
			break;
		}
		if (hs->alive[i].ns < hs->alive[old].ns)
			old = i;
	}
	/* a zombie has closed its files but still answers: it counts as alive */
	if (kill((pid_t)pid, 0) && errno == ESRCH)
		return true;
	hs->alive[old].pid = pid;
	hs->alive[old].ns = now;
	return false;
}

static int on_file(void *ctx, void *data, size_t len)
{
	struct holder_scan *hs = ctx;
	const struct st_file_rec *r = data;
	__u32 type;

	if (decode_record(data, len, &type) != DECODE_OK || type != ST_REC_FILE)
		return 0; /* the socket pass of a /proc scan: only its cookies matter */
	if (hs->n == hs->cap) {
		size_t ncap = hs->cap ? hs->cap * 2 : 256;
		struct held *nv = realloc(hs->v, ncap * sizeof(*nv));

		if (!nv)
			return 0; /* a holder missed: the line keeps the owner it has */
		hs->v = nv;
		hs->cap = ncap;
	}
	/* iterators name the socket by address, a /proc scan by cookie */
	hs->v[hs->n++] = (struct held){
		.key = hs->by_cookie ? r->cookie : r->sk, .cookie = r->cookie, .task = r->task};
	return 0;
}

static int cmp_held(const void *a, const void *b)
{
	const struct held *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

static void rescan(struct holder_scan *hs, uint64_t now)
{
	unsigned int what = SNAP_FILES;
	uint64_t took;

	/* a /proc scan names sockets by the cookies of a socket pass */
	hs->by_cookie = !strcmp(snapshot_holder_source(hs->snap), "procfs");
	if (hs->by_cookie)
		what |= SNAP_TCP;
	hs->n = 0;
	if (snapshot_read(hs->snap, what, on_file, hs) < 0)
		hs->n = 0;
	if (hs->n) /* qsort() wants a non-NULL array */
		qsort(hs->v, hs->n, sizeof(*hs->v), cmp_held);
	hs->scanned_ns = mono_now_ns();
	took = hs->scanned_ns - now;
	hs->next_ns = hs->scanned_ns +
		      (took * COST_FACTOR > MIN_GAP_NS ? took * COST_FACTOR : MIN_GAP_NS);
}

/* A holder of e other than its owner, from the last scan. */
static bool lookup(const struct holder_scan *hs, const struct sock_entry *e, struct st_task *task)
{
	struct held want = {.key = hs->by_cookie ? e->cookie : e->sk};
	const struct held *h;
	size_t lo = 0, hi = hs->n;

	if (!want.key)
		return false;
	while (lo < hi) { /* the first with the key */
		size_t mid = lo + (hi - lo) / 2;

		if (hs->v[mid].key < want.key)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* a line is made after its event: the address may be another socket's by now */
	for (h = hs->v + lo; h < hs->v + hs->n && h->key == want.key; h++)
		if (h->task.tgid != e->owner_pid && (!e->cookie || h->cookie == e->cookie)) {
			*task = h->task;
			return true;
		}
	return false;
}

static bool find_holder(void *ctx, const struct sock_entry *e, struct st_task *task)
{
	struct holder_scan *hs = ctx;
	uint64_t now = mono_now_ns();

	if (hs->scanned_ns && now - hs->scanned_ns < ANSWER_NS && lookup(hs, e, task))
		return true;
	if (now < hs->next_ns)
		return false;
	rescan(hs, now);
	return lookup(hs, e, task);
}

struct holder_probe holder_scan_probe(struct holder_scan *hs)
{
	return (struct holder_probe){.gone = pid_gone, .find = find_holder, .ctx = hs};
}
