/*
 * Snapshots through BPF iterators: the TCP and UDP sockets of every network
 * namespace, and the socket fds of every task. Records are handed to a
 * callback in the same ABI as the ring buffer's.
 */
#ifndef SOCKTRACE_SNAPSHOT_H
#define SOCKTRACE_SNAPSHOT_H

#include <signal.h>

#include "loader.h"

enum snap_what {
	SNAP_TCP = 1 << 0,
	SNAP_UDP = 1 << 1,
	SNAP_FILES = 1 << 2,
};

struct snapshot;

/* Load the iterator programs. 0 or -errno (a reason is printed). */
int snapshot_open(struct snapshot **out);
/*
 * Read what is asked, in every network namespace that a process or
 * /run/netns holds (entering each needs CAP_SYS_ADMIN; without it, only our
 * own). Returns records delivered or -errno.
 */
int snapshot_read(struct snapshot *s, unsigned int what, record_fn fn, void *ctx);
/* Namespaces visited by the last read, and those that could not be entered. */
void snapshot_netns_counts(const struct snapshot *s, unsigned int *visited, unsigned int *failed);
void snapshot_close(struct snapshot *s);
/* A flag that a signal handler sets: a snapshot in progress gives up when it is. */
void snapshot_set_stop_flag(volatile sig_atomic_t *flag);

#endif
