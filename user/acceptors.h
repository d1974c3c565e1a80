/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Who accepts from which listener. Processes share a listening socket after
 * fork() or fd passing, and SO_REUSEPORT servers often give every worker every
 * listener: the holders of a listener do not say who takes its connections.
 * accept() does (it names the listener and runs in the acceptor), so each
 * accept is counted here per listener id and per process, with the time of
 * the process's last accept. Memory is bounded: at most ACCEPTORS_PER_LISTENER
 * processes per listener (later ones are counted, not named), and listeners
 * are forgotten when acceptors_sweep() finds them unmarked.
 */
#ifndef SOCKTRACE_ACCEPTORS_H
#define SOCKTRACE_ACCEPTORS_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "socktrace_abi.h"

#define ACCEPTORS_PER_LISTENER 1024

struct acceptor {
	uint64_t accepted;
	uint64_t last_ns; /* CLOCK_MONOTONIC of its last accept */
	uint32_t pid;	  /* the process (thread group) */
	char comm[ST_COMM_LEN];
};

struct acceptors;

struct acceptors *acceptors_new(void);
void acceptors_free(struct acceptors *a);

/*
 * One connection accept()ed from listener id by process pid. comm may lack a
 * NUL (it comes from the kernel). An accept that cannot be named (no memory,
 * or the listener's cap is reached) is not stored: the listener's own count
 * minus its acceptors' is what went unnamed.
 */
void acceptors_note(struct acceptors *a, uint64_t id, uint32_t pid, const char *comm,
		    uint64_t ts_ns);

/*
 * The processes that accepted from listener id, busiest first (then by pid);
 * *n = 0 when none. Valid until the next call on a.
 */
const struct acceptor *acceptors_of(struct acceptors *a, uint64_t id, size_t *n);

/* Keep only the listeners marked since the last sweep (those still known). */
void acceptors_mark(struct acceptors *a, uint64_t id);
void acceptors_sweep(struct acceptors *a);

/* Listeners held now (for tests and memory checks). */
size_t acceptors_listeners(const struct acceptors *a);

#endif
