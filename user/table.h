/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The live socket table: every socket socktrace knows, keyed by the kernel's
 * struct sock address with an explicit lifecycle (the address is reused by
 * the very next connection). Records go in (table_apply_*), derived
 * transitions with the full tuple and the owner come out through a sink.
 */
#ifndef SOCKTRACE_TABLE_H
#define SOCKTRACE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "socktrace_abi.h"

/* How the owner of a socket was learnt; shown in JSON as "owner". */
enum owner_src {
	OWNER_NONE = 0, /* unknown: the line shows the task that ran the transition */
	OWNER_CONNECT,	/* the process that called connect() */
	OWNER_LISTEN,	/* the process that called listen() */
	OWNER_ACCEPT,	/* the process that accepted it */
	OWNER_LISTENER, /* a passive child not yet accepted: its listener's owner */
	OWNER_SEED,	/* a process holding it when socktrace started */
	OWNER_TASK,	/* adopted from a transition only a process can make */
	OWNER_BIND,	/* the process that bound it (UDP) */
	OWNER_MPTCP,	/* a subflow: the owner of its MPTCP connection */
	OWNER_HOLDER,	/* it changed hands (fd passing, fork): a process holding it now */
};

/*
 * The owner a socket had before it changed hands (the connector, acceptor,
 * ...): kept beside the table, for the entries whose owner_src is
 * OWNER_HOLDER.
 */
struct sock_origin {
	uint32_t pid;
	uint8_t src; /* enum owner_src */
	char comm[ST_COMM_LEN];
};

enum entry_flags {
	ENTRY_PENDING = 1 << 0,	   /* a first line held back until its tuple is known */
	ENTRY_SEEN_START = 1 << 1, /* socktrace saw the socket's first transition */
	ENTRY_TIMEWAIT = 1 << 2,   /* made of a TIME_WAIT entry (table_internal.h's tw_entry) */
	ENTRY_PASSIVE = 1 << 3,	   /* created by a listener (LISTEN->SYN_RECV) */
	ENTRY_SEEDED = 1 << 4,	   /* found by a snapshot before any event */
	ENTRY_GONE = 1 << 5,	   /* TIME_WAIT gone early: waits in the wheel to be freed */
	ENTRY_BY_COOKIE = 1 << 6,  /* in the cookie index */
	ENTRY_LISTED = 1 << 7,	   /* in a listener bucket (lbucket) */
};

/*
 * One socket. The fields come in two parts:
 *
 * - What every socket has, whatever its family: the identity the indexes
 *   and the views use (sk key, id, cookie, inode), the lifecycle (times,
 *   state, flags, the held line, the wheel/free-list link, the snapshot
 *   generation), the owner, the queues, and the listener's links and counts.
 *   The indexes, the entry lifecycle, the holders (by inode), the owner and
 *   the snapshot sweep work on these; where a room needs the address, it
 *   asks one helper (listen_bucket(), tw_key(), the sweep's TCP grace).
 * - What the family adds: for AF_INET/AF_INET6 the tuple `t`, in a union,
 *   and after it, for TCP, the state path (sk_err and the path's length sit
 *   with the state bytes, in what was padding). The byte counters of a
 *   connection's end go with its transition (struct transition), not here.
 *
 * AF_UNIX sockets (a path, a peer and an inode key, none of the indexes,
 * wheel and listener buckets here) went to a table of their own
 * (unix_table.h) rather than a variant of the union. Memory per socket is a
 * target: the size is asserted below (192 bytes: three cache lines). A TIME_WAIT socket
 * has a compact entry of its own there (128 bytes); the walks (table_foreach(),
 * table_collect()) show it as one of these, with ENTRY_TIMEWAIT.
 */
struct sock_entry {
	/* identity */
	uint64_t sk; /* the key: kernel address; a seed key or, for TIME_WAIT, a tuple hash (odd) */
	uint64_t id; /* "sock" in JSON: the cookie, or a synthetic id */
	uint64_t cookie;
	uint64_t ino;
	/* lifecycle */
	uint64_t first_ns; /* first seen (CLOCK_MONOTONIC) */
	uint64_t state_ns; /* entered the current state; 0: a snapshot met it there */
	/* an entry enters TIME_WAIT with its held line released (entry_to_timewait) */
	union {
		uint64_t expire_ns; /* TIME_WAIT entries: when they end */
		uint64_t pend_ns;   /* ENTRY_PENDING: the held line's time */
	};
	uint32_t next;	   /* free list / TIME_WAIT wheel link (slot index + 1; 0 = none) */
	uint32_t seen_gen; /* last snapshot that had it */
	uint8_t state;
	uint8_t flags;		    /* enum entry_flags */
	uint8_t missed;		    /* snapshots in a row that did not */
	uint8_t pend_old, pend_new; /* ENTRY_PENDING: the held line's states */
	uint8_t owner_src;	    /* enum owner_src */
	uint8_t sk_err;		    /* TCP */
	uint8_t path_len;	    /* TCP: states in path */
	/* owner, queues */
	char owner_comm[ST_COMM_LEN];
	uint32_t owner_pid;
	uint32_t rx_queue, tx_queue, uid;
	/* listeners, and the connections they make */
	uint16_t lbucket;  /* ENTRY_LISTED: the bucket it is linked in */
	uint32_t lnext;	   /* listeners of one port bucket (slot index + 1; 0 = none) */
	uint32_t accepted; /* connections accept() took from it */
	uint32_t queued;   /* connections the kernel queued on it (a queue hook saw) */
	uint32_t drops;	   /* what it dropped (sk_drops, from snapshots) */
	/* what the family adds (see above) */
	union {
		struct st_tuple t; /* AF_INET, AF_INET6 */
	};
	/* TCP */
	uint64_t path;	       /* the states it went through, 4 bits each, oldest lowest */
	uint64_t mptcp_parent; /* a subflow of an MPTCP connection: that socket's id; else 0 */
};
/* A socket the table holds costs this and 16-32 bytes of an index, within the
 * target of 256 bytes a socket (docs/performance.md); a TIME_WAIT one, most
 * of them after a storm, 128 and as much index. */
_Static_assert(sizeof(struct sock_entry) <= 192, "a table entry grew past its budget");

#define PATH_MAX_STATES 16
/* The i-th state of e's path. */
static inline uint8_t entry_path_state(const struct sock_entry *e, unsigned int i)
{
	return (e->path >> (4 * i)) & 0xf;
}

enum tr_kind {
	TR_STATE = 1, /* a state transition (possibly derived, e.g. -> TIME_WAIT) */
	TR_ACCEPT,    /* accept() returned e; peer is the listener (may be NULL) */
	TR_CONNECT,   /* a connect failed (err), or a UDP connect returned */
	TR_BIND,      /* bind() returned (err 0 or the errno) */
	TR_LISTEN,    /* listen() returned; arg is the backlog in effect */
	TR_CLOSE,     /* a UDP socket was released */
};

/* One line of the stream, with everything a view needs. */
struct transition {
	uint8_t kind; /* enum tr_kind */
	uint64_t ts_ns;
	const struct sock_entry *e;    /* tuple, owner, id: valid during the sink call */
	const struct sock_entry *peer; /* TR_ACCEPT: the listener */
	int err;		       /* TR_CONNECT, TR_BIND, TR_LISTEN: errno, 0 = success */
	uint32_t arg;		       /* TR_LISTEN: backlog; TR_BIND: bound ifindex */
	uint8_t call_flags;	       /* enum st_call_flags */
	uint8_t old_state, new_state;
	bool prev_known;	    /* prev_ns is meaningful */
	uint64_t prev_ns;	    /* time spent in old_state */
	const struct st_task *task; /* the task the kernel ran it in; NULL if synthesized */
	uint8_t sk_err;
	const struct sock_origin *origin; /* the owner before it changed hands, else NULL */
	/* TR_STATE to CLOSE that no hook reported, learnt when a new socket
	 * took the address or snapshots no longer found it (task NULL, ts_ns
	 * that moment) */
	bool end_unseen;
	/* TR_STATE to CLOSE (TIME_WAIT) of TCP: the payload bytes sent and
	 * acknowledged, and received (0 where the end was not seen) */
	uint64_t tx_bytes, rx_bytes;
};

typedef void (*transition_sink)(void *ctx, const struct transition *tr);

struct table_stats {
	uint64_t entries; /* live entries now (TIME_WAIT included) */
	uint64_t peak_entries;
	uint64_t sockets_seen; /* entries ever created */
	uint64_t out_of_order; /* a transition whose old state the table did not expect */
	uint64_t reused;       /* an address reused before its CLOSE was seen */
	uint64_t full;	       /* records refused because the table hit its cap */
	uint64_t evicted;      /* TIME_WAIT entries dropped early to make room */
	uint64_t corrected;    /* states a snapshot found different from the table's */
	uint64_t swept;	       /* entries the kernel no longer had (their end was lost) */
	uint64_t ends_unseen;  /* connections ended unseen, told as such (end_unseen) */
};

struct table;

/*
 * Who holds a socket now, asked when a transition that no process makes in a
 * call (a FIN or a reset arriving) finds the socket's owner is some other
 * task: if the owner has exited, the socket changed hands (fd passing, or
 * fork() and the parent left), and the line names a process that holds it.
 * A transition a process makes in a call (close(), shutdown()) names that
 * process without asking.
 */
struct holder_probe {
	/* process pid has exited; now_ns: the record's time (CLOCK_MONOTONIC),
	 * so that a recent answer can be reused without reading the clock */
	bool (*gone)(void *ctx, uint32_t pid, uint64_t now_ns);
	/* a process other than e's owner that holds e now, into *task */
	bool (*find)(void *ctx, const struct sock_entry *e, struct st_task *task);
	void *ctx;
};

/* max_entries caps memory: beyond it new sockets are counted in stats.full. */
struct table *table_new(uint32_t max_entries, transition_sink sink, void *sink_ctx);
void table_free(struct table *tb);
/* Without a probe (the default) only the task that acts names a new holder. */
void table_set_holder_probe(struct table *tb, const struct holder_probe *hp);

void table_apply_state(struct table *tb, const struct st_state_rec *r);
/* A record that will come to table_apply_state() or table_apply_call() soon:
 * its memory is fetched meanwhile (table_ahead.c). Changes nothing. */
void table_ahead_state(const struct table *tb, const struct st_state_rec *r);
void table_ahead_call(const struct table *tb, const struct st_call_rec *r);
/*
 * A connection's end as the kernel built it (life): the line its last
 * transition would have made, without an entry.
 */
void table_apply_life(struct table *tb, const struct st_life_rec *r);
void table_apply_call(struct table *tb, const struct st_call_rec *r);
/*
 * Snapshots (start-up seeding and later refreshes) come between begin and
 * end. A socket the table lacks is added; one it has gets the kernel's state
 * and queues. At the end, entries missing from the kernel are swept: UDP ones
 * at once, TCP ones after two snapshots in a row (their CLOSE may still be in
 * the ring buffer the first time).
 */
void table_snapshot_begin(struct table *tb, uint64_t now_ns);
/* The kernel's HZ, for timewait timers read by snapshots (default 250). */
void table_set_hz(struct table *tb, unsigned int hz);
/*
 * Only listeners' records and snapshots come (reuseport): an accept() names
 * a connection the table keeps no entry for, and its line is made without.
 */
void table_set_listeners_only(struct table *tb);
void table_apply_sock(struct table *tb, const struct st_sock_rec *r);
void table_apply_file(struct table *tb, const struct st_file_rec *r);
void table_snapshot_end(struct table *tb);

/*
 * Time passes: end TIME_WAIT entries whose time is up, release CLOSE->SYN_SENT
 * lines held for longer than the grace period. now_ns is CLOCK_MONOTONIC.
 */
void table_tick(struct table *tb, uint64_t now_ns);
/* When table_tick() next has work to do (CLOCK_MONOTONIC ns): 0, soon;
 * UINT64_MAX, not before something else happens. */
uint64_t table_next_due(const struct table *tb);
/* At exit: release every held line. */
void table_flush(struct table *tb);

/* Visit every entry (order unspecified). Stop early if fn returns non-zero. */
int table_foreach(struct table *tb, int (*fn)(void *ctx, const struct sock_entry *e), void *ctx);
/*
 * The entries keep() wants, in an array the caller frees (NULL when none).
 * 0, or -1 when out of memory.
 */
int table_collect(struct table *tb, bool (*keep)(const void *ctx, const struct sock_entry *e),
		  const void *ctx, const struct sock_entry ***out, size_t *n);
const struct table_stats *table_stats(const struct table *tb);

#define TIMEWAIT_NS (60ull * 1000000000ull) /* TCP_TIMEWAIT_LEN */
/* past a SYN's first retransmission, a second after it (TCP_TIMEOUT_INIT),
 * which names a blocking connect()'s source port (syn_port.bpf.h), with the
 * timer's slack */
#define PENDING_GRACE_NS (2000ull * 1000000ull)

#endif
