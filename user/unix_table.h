/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The live table of UNIX domain sockets, beside the TCP/UDP one: no tuple
 * and no state machine, but a path, a peer and a lifecycle (bind, listen,
 * connect, accept, socketpair, close). Keyed by inode, which every source
 * knows (an embryo not yet accepted has none: it is keyed by its sock
 * address, which only the iterator and the hooks know). Records in, events
 * with the socket, its peer and the owners out through a sink.
 */
#ifndef SOCKTRACE_UNIX_TABLE_H
#define SOCKTRACE_UNIX_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "socktrace_abi.h"

/* How a UNIX connection began, for life. */
enum unix_role {
	UNIX_ROLE_NONE = 0,
	UNIX_ROLE_CONNECT, /* connect() made it */
	UNIX_ROLE_ACCEPT,  /* accept() returned it */
	UNIX_ROLE_PAIR,	   /* socketpair() made it */
};

struct unix_entry {
	uint64_t key; /* the inode, or the sock address of one without an inode */
	uint64_t ino, sk, peer_ino, peer_sk;
	uint64_t first_ns;     /* first seen (CLOCK_MONOTONIC) */
	uint64_t connected_ns; /* when a connect/accept/socketpair that we saw made it */
	uint32_t netns, uid, refcnt, rx_queue, tx_queue;
	uint32_t owner_pid;
	char owner_comm[ST_COMM_LEN];
	uint32_t seen_gen;
	uint16_t type, path_len;
	uint8_t state, flags; /* enum st_unix_state, enum st_unix_flags */
	uint8_t role;	      /* enum unix_role */
	uint8_t owner_src;    /* enum owner_src (table.h) */
	uint8_t source;	      /* what told us last: enum st_unix_source */
	bool held;	      /* its accept's line waits for the peer (unix_table.c) */
	char path[ST_UNIX_PATH_LEN];
};

/* One line of the UNIX stream. */
struct unix_event {
	uint8_t event;	/* enum st_unix_event */
	uint8_t source; /* enum st_unix_source */
	uint64_t ts_ns;
	const struct unix_entry *e;	 /* the socket (on close: as it was); never NULL */
	const struct unix_entry *peer;	 /* the other end, where the table has it */
	const struct unix_entry *server; /* connect: the listener at the path */
	const struct st_task *task;	 /* the task that made the call; NULL if derived */
	const char *path;		 /* bind, connect: the path asked for; else e's */
	uint16_t path_len;
	int err;      /* bind, connect, listen: errno, 0 = success */
	uint32_t arg; /* listen: backlog; socketpair: the second fd */
	int32_t fd;
};

typedef void (*unix_sink)(void *ctx, const struct unix_event *ev);

struct unix_table;

struct unix_table *unix_table_new(unix_sink sink, void *sink_ctx);
void unix_table_free(struct unix_table *ut);

/* A record of type ST_REC_UNIX, checked by decode_record(). */
void unix_table_apply(struct unix_table *ut, const struct st_unix_rec *r);
/*
 * Snapshots: between begin and end, records of event ST_UNIX_SOCK add or
 * refresh entries; at the end, entries the kernel no longer has end with a
 * close derived from the snapshot (source ST_UNIX_SRC_SNAPSHOT), if they were
 * missing from two snapshots in a row (the first time, their close may still
 * be in the ring buffer), or at once (at_once: no hook feeds the table, as
 * for socktrace table).
 */
void unix_table_snapshot_begin(struct unix_table *ut);
/* A holder from the snapshot: the owner of a socket that events never named.
 * false: the file is no UNIX socket the table has. */
bool unix_table_apply_file(struct unix_table *ut, const struct st_file_rec *r);
void unix_table_snapshot_end(struct unix_table *ut, uint64_t now_ns, bool at_once);

/*
 * An accept's line waits until the table knows the connecting end's owner
 * (its connect() record can come after the accept's), at most this long;
 * fewer than this many wait at once.
 */
#define UNIX_ACCEPT_WAIT_NS (500ull * 1000000ull)
#define UNIX_HELD_MAX	    1024
/* Time passes (CLOCK_MONOTONIC): accept lines held past the wait go out. */
void unix_table_tick(struct unix_table *ut, uint64_t now_ns);
/* When unix_table_tick() next has work to do; UINT64_MAX: nothing waits. */
uint64_t unix_table_next_due(const struct unix_table *ut);
/* At exit: every held line goes out. */
void unix_table_flush(struct unix_table *ut);

const struct unix_entry *unix_table_find(const struct unix_table *ut, uint64_t ino);
/* The listener bound to path (len bytes) in netns, or NULL. */
const struct unix_entry *unix_table_listener(const struct unix_table *ut, uint32_t netns,
					     const char *path, size_t len);
/* The entries keep() wants, in an array the caller frees. 0, or -1 when out of memory. */
int unix_table_collect(const struct unix_table *ut,
		       bool (*keep)(const void *ctx, const struct unix_entry *e), const void *ctx,
		       const struct unix_entry ***out, size_t *n);
size_t unix_table_count(const struct unix_table *ut);

#endif
