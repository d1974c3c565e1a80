// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The UNIX socket table: an open-addressing index (linear probing,
 * backward-shift deletion) of entries allocated one by one. UNIX sockets
 * change by system calls, not by packets: far fewer updates than TCP's state
 * changes, so the plain layout is enough.
 */
#include "unix_table.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "grow.h"
#include "table.h"

struct unix_table {
	struct unix_entry **slot;
	size_t cap, n; /* cap: a power of two, or 0 */
	uint32_t gen;
	/* the listening entries, for a connect's server: few, so a list */
	struct unix_entry **listeners;
	size_t nlisteners, lcap;
	unix_sink sink;
	void *sink_ctx;
	uint32_t self_tgid; /* socktrace's own process: see unix_table_apply() */
	/* accept lines waiting for their peer's connect, oldest first */
	struct held_line *held;
	size_t nheld, held_cap;
};

/*
 * An accept's line, held until the table knows who is at the other end. The
 * accept can return before the connect() that queued the connection does:
 * the two run on different CPUs, and the connector's record comes later.
 * The accepted socket's close waits behind it, out of the index: life makes
 * the connection's line from it, with the connector.
 */
struct held_line {
	struct unix_event ev;
	struct st_task task;
	bool has_task;
	bool closes; /* ev is e's close: e is freed once it goes out */
};

/* A record names its socket by inode; an embryo without one by its address. */
static uint64_t rec_key(uint64_t ino, uint64_t sk)
{
	return ino ? ino : sk;
}

static size_t hash(uint64_t key, size_t cap)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

static size_t find_slot(const struct unix_table *ut, uint64_t key)
{
	size_t i = hash(key, ut->cap);

	while (ut->slot[i] && ut->slot[i]->key != key)
		i = (i + 1) & (ut->cap - 1);
	return i;
}

static struct unix_entry *lookup(const struct unix_table *ut, uint64_t key)
{
	return key && ut->cap ? ut->slot[find_slot(ut, key)] : NULL;
}

static int grow(struct unix_table *ut)
{
	size_t ncap = ut->cap ? ut->cap * 2 : 256, i, old = ut->cap;
	struct unix_entry **os = ut->slot;

	ut->slot = calloc(ncap, sizeof(*ut->slot));
	if (!ut->slot) {
		ut->slot = os;
		return -1;
	}
	ut->cap = ncap;
	for (i = 0; i < old; i++)
		if (os[i])
			ut->slot[find_slot(ut, os[i]->key)] = os[i];
	free(os);
	return 0;
}

static struct unix_entry *insert(struct unix_table *ut, uint64_t key, uint64_t now)
{
	struct unix_entry *e;

	if (!key || ((ut->n + 1) * 2 > ut->cap && grow(ut)))
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->key = key;
	e->first_ns = now;
	e->seen_gen = ut->gen;
	ut->slot[find_slot(ut, key)] = e;
	ut->n++;
	return e;
}

/* Keep the listener list in step with e's ACC flag. */
static void set_flags(struct unix_table *ut, struct unix_entry *e, uint8_t flags)
{
	size_t i;

	if ((flags & ST_UNIX_ACC) && !(e->flags & ST_UNIX_ACC)) {
		if (grow_for_one(&ut->listeners, ut->nlisteners, &ut->lcap, sizeof(*ut->listeners),
				 16))
			flags &= ~ST_UNIX_ACC; /* unlisted: a connect names no server */
		else
			ut->listeners[ut->nlisteners++] = e;
	} else if (!(flags & ST_UNIX_ACC) && (e->flags & ST_UNIX_ACC)) {
		for (i = 0; i < ut->nlisteners; i++)
			if (ut->listeners[i] == e) {
				ut->listeners[i] = ut->listeners[--ut->nlisteners];
				break;
			}
	}
	e->flags = flags;
}

/* Take e out of the index (backward-shift deletion); the caller frees it. */
static void unlink_entry(struct unix_table *ut, struct unix_entry *e)
{
	size_t i = find_slot(ut, e->key), j = i, k;

	if (ut->slot[i] != e)
		return;
	ut->slot[i] = NULL;
	for (;;) {
		j = (j + 1) & (ut->cap - 1);
		if (!ut->slot[j])
			break;
		k = hash(ut->slot[j]->key, ut->cap);
		/* move j back to i unless its home lies cyclically in (i, j] */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		ut->slot[i] = ut->slot[j];
		ut->slot[j] = NULL;
		i = j;
	}
	ut->n--;
}

static void release_held_of(struct unix_table *ut, const struct unix_entry *e);

/* Out of the index and the listener list. */
static void unlink_for_good(struct unix_table *ut, struct unix_entry *e)
{
	set_flags(ut, e, 0);
	unlink_entry(ut, e);
}

/* Out of the table for good (the caller frees it), after a line still held
 * for it goes out. */
static void drop(struct unix_table *ut, struct unix_entry *e)
{
	if (e->held)
		release_held_of(ut, e);
	unlink_for_good(ut, e);
}

static void rekey(struct unix_table *ut, struct unix_entry *e, uint64_t key)
{
	unlink_entry(ut, e);
	e->key = key;
	ut->slot[find_slot(ut, key)] = e;
	ut->n++;
}

struct unix_table *unix_table_new(unix_sink sink, void *sink_ctx)
{
	struct unix_table *ut = calloc(1, sizeof(*ut));

	if (!ut)
		return NULL;
	ut->sink = sink;
	ut->sink_ctx = sink_ctx;
	ut->gen = 1;
	ut->self_tgid = (uint32_t)getpid();
	return ut;
}

void unix_table_free(struct unix_table *ut)
{
	size_t i;

	if (!ut)
		return;
	for (i = 0; i < ut->cap; i++)
		free(ut->slot[i]);
	/* closed sockets whose close was still held are in no slot */
	for (i = 0; i < ut->nheld; i++)
		if (ut->held[i].closes)
			free((struct unix_entry *)ut->held[i].ev.e);
	free(ut->slot);
	free(ut->listeners);
	free(ut->held);
	free(ut);
}

/*
 * The entry a record is about: by inode, else by sock address (an embryo
 * that accept() has since given an inode is found by its address and takes
 * the inode as its key).
 */
static struct unix_entry *entry_for(struct unix_table *ut, uint64_t ino, uint64_t sk, bool create,
				    uint64_t now)
{
	struct unix_entry *e = lookup(ut, rec_key(ino, sk));

	if (!e && ino && sk && (e = lookup(ut, sk)))
		rekey(ut, e, ino);
	if (!e && create)
		e = insert(ut, rec_key(ino, sk), now);
	return e;
}

/*
 * The bytes of a path that name it: the kernel counts a filesystem path's
 * terminating NUL (and a caller's sockaddr may carry more); an abstract name
 * is all its bytes, NULs included.
 */
static uint16_t path_bytes(const char *path, uint16_t len)
{
	return len && path[0] ? (uint16_t)strnlen(path, len) : len;
}

/* What the kernel says the socket is now. The path a call asked for stays out. */
static void take_sock(struct unix_table *ut, struct unix_entry *e, const struct st_unix_rec *r,
		      bool path)
{
	e->ino = r->ino;
	if (r->sk)
		e->sk = r->sk;
	e->peer_ino = r->peer_ino;
	e->peer_sk = r->peer_sk;
	e->netns = r->netns;
	if (r->source == ST_UNIX_SRC_ITER || r->source == ST_UNIX_SRC_DIAG) {
		e->uid = r->uid;
		e->refcnt = r->refcnt;
		e->rx_queue = r->rx_queue;
		e->tx_queue = r->tx_queue;
	}
	e->type = r->type;
	e->state = r->state;
	if (ut)
		set_flags(ut, e, r->flags);
	else
		e->flags = r->flags;
	e->source = r->source;
	if (path) {
		e->path_len = path_bytes(r->path, r->path_len);
		memcpy(e->path, r->path, e->path_len);
	}
}

static void set_owner(struct unix_entry *e, const struct st_task *t, uint8_t src)
{
	e->owner_pid = t->tgid;
	memcpy(e->owner_comm, t->comm, ST_COMM_LEN);
	e->owner_src = src;
}

static void emit(struct unix_table *ut, struct unix_event *ev)
{
	if (!ev->path) {
		ev->path = ev->e->path;
		ev->path_len = ev->e->path_len;
	}
	if (ut->sink)
		ut->sink(ut->sink_ctx, ev);
}

/* The other end of a connection, with its link back to e made (an accept
 * names the connecting socket, whose own record knew only the embryo). */
static struct unix_entry *peer_of(struct unix_table *ut, struct unix_entry *e)
{
	struct unix_entry *p =
		e->peer_ino || e->peer_sk ? entry_for(ut, e->peer_ino, e->peer_sk, false, 0) : NULL;

	if (p && e->ino && (p->peer_sk == e->sk || !p->peer_ino))
		p->peer_ino = e->ino;
	return p;
}

/* Whether a held accept can go out: its peer has an owner the line can name. */
static bool peer_known(struct unix_table *ut, struct unix_entry *e)
{
	const struct unix_entry *p = peer_of(ut, e);

	return p && p->owner_src != OWNER_NONE;
}

/* e's close goes out, e out of the index already; then e is freed. */
static void end_entry(struct unix_table *ut, struct unix_entry *e, struct unix_event *ev)
{
	struct unix_entry *p = peer_of(ut, e);

	ev->e = e;
	ev->peer = p;
	emit(ut, ev);
	/* a connection ends with its first end: the other's close is no second end */
	if (p)
		p->role = UNIX_ROLE_NONE;
	free(e);
}

static void release_held(struct unix_table *ut, size_t i)
{
	struct held_line h = ut->held[i];
	struct unix_entry *e = (struct unix_entry *)h.ev.e;

	memmove(&ut->held[i], &ut->held[i + 1], (ut->nheld - i - 1) * sizeof(*ut->held));
	ut->nheld--;
	h.ev.task = h.has_task ? &h.task : NULL;
	if (h.closes) {
		end_entry(ut, e, &h.ev);
		return;
	}
	e->held = false;
	h.ev.peer = peer_of(ut, e);
	emit(ut, &h.ev);
}

static bool push_held(struct unix_table *ut, struct unix_entry *e, const struct unix_event *ev,
		      bool closes)
{
	struct held_line *h;

	if (grow_for_one(&ut->held, ut->nheld, &ut->held_cap, sizeof(*ut->held), 16))
		return false;
	h = &ut->held[ut->nheld++];
	h->ev = *ev;
	h->ev.e = e;
	h->has_task = ev->task != NULL;
	if (ev->task)
		h->task = *ev->task;
	h->closes = closes;
	return true;
}

/* Hold an accept's line (false: it goes out now). */
static bool hold_accept(struct unix_table *ut, struct unix_entry *e, const struct unix_event *ev)
{
	/* a socket accepted twice (its inode reused): one line held each */
	if (e->held)
		release_held_of(ut, e);
	if (!ut->sink || (!e->peer_ino && !e->peer_sk) || peer_known(ut, e))
		return false;
	/* many at once: the connectors are not coming (not traced, or gone) */
	if (ut->nheld == UNIX_HELD_MAX)
		release_held(ut, 0);
	if (!push_held(ut, e, ev, false))
		return false;
	e->held = true;
	return true;
}

/* Hold the close of e, whose accept's line still waits (false: it goes out now). */
static bool hold_close(struct unix_table *ut, struct unix_entry *e, const struct unix_event *ev)
{
	if (ut->nheld == UNIX_HELD_MAX || !push_held(ut, e, ev, true))
		return false;
	unlink_for_good(ut, e);
	return true;
}

/* The held lines whose peers the table now knows, before the line that taught it. */
static void release_known(struct unix_table *ut)
{
	size_t i = 0;

	while (i < ut->nheld) {
		if (peer_known(ut, (struct unix_entry *)ut->held[i].ev.e))
			release_held(ut, i);
		else
			i++;
	}
}

static void release_held_of(struct unix_table *ut, const struct unix_entry *e)
{
	size_t i;

	for (i = 0; i < ut->nheld; i++)
		if (ut->held[i].ev.e == e) {
			release_held(ut, i);
			return;
		}
}

void unix_table_tick(struct unix_table *ut, uint64_t now_ns)
{
	while (ut->nheld && ut->held[0].ev.ts_ns + UNIX_ACCEPT_WAIT_NS <= now_ns)
		release_held(ut, 0);
}

uint64_t unix_table_next_due(const struct unix_table *ut)
{
	return ut->nheld ? ut->held[0].ev.ts_ns + UNIX_ACCEPT_WAIT_NS : UINT64_MAX;
}

void unix_table_flush(struct unix_table *ut)
{
	while (ut->nheld)
		release_held(ut, 0);
}

static void apply_close(struct unix_table *ut, const struct st_unix_rec *r,
			const struct unix_event *base)
{
	struct unix_entry *e = entry_for(ut, r->ino, r->sk, false, 0), tmp;
	struct unix_event ev = *base;

	if (!e) {
		/* one that socktrace never met: the record is all there is */
		memset(&tmp, 0, sizeof(tmp));
		take_sock(NULL, &tmp, r, true);
		tmp.first_ns = r->hdr.ts_ns;
		if (ev.task)
			set_owner(&tmp, ev.task, OWNER_TASK);
		ev.e = &tmp;
		ev.peer = entry_for(ut, r->peer_ino, r->peer_sk, false, 0);
		emit(ut, &ev);
		return;
	}
	if (e->held && hold_close(ut, e, &ev))
		return;
	drop(ut, e);
	end_entry(ut, e, &ev);
}

void unix_table_apply(struct unix_table *ut, const struct st_unix_rec *r)
{
	uint64_t now = r->hdr.ts_ns;
	struct unix_event ev = {.event = r->event,
				.source = r->source,
				.ts_ns = now,
				.task = &r->task,
				/* a kernel error is -4095..-1: anything below is no errno */
				.err = r->ret < 0 && r->ret >= -4095 ? -r->ret : 0,
				.arg = r->arg,
				.fd = r->fd};
	struct unix_entry *e, *p;

	if (r->event == ST_UNIX_SOCK) {
		e = entry_for(ut, r->ino, r->sk, true, now);
		if (!e)
			return;
		take_sock(ut, e, r, true);
		e->seen_gen = ut->gen;
		return;
	}
	if (r->event == ST_UNIX_CLOSE) {
		/* a release in socktrace itself: its iterator over a process's
		 * files (a snapshot, a holder scan) had the last reference for a
		 * moment, after the owner's close(). The closer is not known;
		 * socktrace it is not. */
		ev.task = r->task.tgid && r->task.tgid != ut->self_tgid ? &r->task : NULL;
		apply_close(ut, r, &ev);
		return;
	}
	/* a call that failed before the socket existed (or on a bad fd) */
	if (!r->ino && !r->sk)
		return;
	e = entry_for(ut, r->ino, r->sk, true, now);
	if (!e)
		return;
	take_sock(ut, e, r, r->event != ST_UNIX_BIND && r->event != ST_UNIX_CONNECT);
	switch (r->event) {
	case ST_UNIX_BIND:
		ev.path = r->path;
		ev.path_len = path_bytes(r->path, r->path_len);
		if (!ev.err) {
			e->path_len = ev.path_len;
			memcpy(e->path, r->path, e->path_len);
			set_owner(e, &r->task, OWNER_BIND);
		}
		break;
	case ST_UNIX_LISTEN:
		if (!ev.err)
			set_owner(e, &r->task, OWNER_LISTEN);
		break;
	case ST_UNIX_CONNECT:
		ev.path = r->path;
		ev.path_len = path_bytes(r->path, r->path_len);
		ev.server = unix_table_listener(ut, r->netns, ev.path, ev.path_len);
		if (e->owner_src == OWNER_NONE || !ev.err)
			set_owner(e, &r->task, OWNER_CONNECT);
		if (!ev.err && e->type != SOCK_DGRAM) {
			e->role = UNIX_ROLE_CONNECT;
			e->connected_ns = now;
		}
		break;
	case ST_UNIX_ACCEPT:
		set_owner(e, &r->task, OWNER_ACCEPT);
		e->role = UNIX_ROLE_ACCEPT;
		e->connected_ns = now;
		if (hold_accept(ut, e, &ev))
			return;
		break;
	case ST_UNIX_SOCKETPAIR:
		set_owner(e, &r->task, OWNER_CONNECT);
		e->role = UNIX_ROLE_PAIR;
		e->connected_ns = now;
		/* the record is the first end's: the second is its mirror */
		p = entry_for(ut, r->peer_ino, r->peer_sk, true, now);
		if (p) {
			p->ino = r->peer_ino;
			p->sk = r->peer_sk;
			p->peer_ino = r->ino;
			p->peer_sk = r->sk;
			p->netns = r->netns;
			p->type = r->type;
			p->state = r->state;
			p->source = r->source;
			p->role = UNIX_ROLE_PAIR;
			p->connected_ns = now;
			set_owner(p, &r->task, OWNER_CONNECT);
		}
		break;
	}
	if (ut->nheld)
		release_known(ut);
	ev.e = e;
	ev.peer = peer_of(ut, e);
	emit(ut, &ev);
}

bool unix_table_apply_file(struct unix_table *ut, const struct st_file_rec *r)
{
	struct unix_entry *e = r->ino ? lookup(ut, r->ino) : NULL;

	if (e && e->owner_src == OWNER_NONE) {
		set_owner(e, &r->task, OWNER_SEED);
		if (ut->nheld)
			release_known(ut);
	}
	return e != NULL;
}

void unix_table_snapshot_begin(struct unix_table *ut)
{
	/* entries made from here on were seen by this snapshot's time */
	ut->gen++;
}

void unix_table_snapshot_end(struct unix_table *ut, uint64_t now_ns, bool at_once)
{
	size_t i = 0;

	while (i < ut->cap) {
		struct unix_entry *e = ut->slot[i];
		struct unix_event ev = {
			.event = ST_UNIX_CLOSE, .source = ST_UNIX_SRC_SNAPSHOT, .ts_ns = now_ns};

		/* missing twice: its close was not in the ring buffer either */
		if (!e || e->seen_gen == ut->gen || (!at_once && e->seen_gen + 1 == ut->gen)) {
			i++;
			continue;
		}
		drop(ut, e);
		end_entry(ut, e, &ev);
		/* slot i now holds what was shifted back into it: look again */
	}
}

const struct unix_entry *unix_table_find(const struct unix_table *ut, uint64_t ino)
{
	return lookup(ut, ino);
}

const struct unix_entry *unix_table_listener(const struct unix_table *ut, uint32_t netns,
					     const char *path, size_t len)
{
	size_t i;

	if (!len)
		return NULL;
	for (i = 0; i < ut->nlisteners; i++) {
		const struct unix_entry *e = ut->listeners[i];

		if (e->netns == netns && e->path_len == len && !memcmp(e->path, path, len))
			return e;
	}
	return NULL;
}

int unix_table_collect(const struct unix_table *ut,
		       bool (*keep)(const void *ctx, const struct unix_entry *e), const void *ctx,
		       const struct unix_entry ***out, size_t *n)
{
	const struct unix_entry **v = ut->n ? malloc(ut->n * sizeof(*v)) : NULL;
	size_t i;

	*n = 0;
	*out = v;
	if (ut->n && !v)
		return -1;
	for (i = 0; i < ut->cap; i++)
		if (ut->slot[i] && keep(ctx, ut->slot[i]))
			v[(*n)++] = ut->slot[i];
	return 0;
}

size_t unix_table_count(const struct unix_table *ut)
{
	return ut->n;
}
