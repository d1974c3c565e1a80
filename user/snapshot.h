/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Snapshots: the TCP, UDP and UNIX sockets of every network namespace, and the
 * socket fds of every task. BPF iterators where the kernel has them, else
 * sock_diag netlink for the sockets and a /proc fd scan for the holders.
 * Records are handed to a callback in the same ABI as the ring buffer's.
 */
#ifndef SOCKTRACE_SNAPSHOT_H
#define SOCKTRACE_SNAPSHOT_H

#include <signal.h>

#include "options.h"
#include "record_sink.h"

enum snap_what {
	SNAP_TCP = 1 << 0,
	SNAP_UDP = 1 << 1,
	SNAP_FILES = 1 << 2,
	SNAP_UNIX = 1 << 3,
};

struct snapshot;

struct snapshot_cfg {
	enum seed_choice seed; /* --seed */
	unsigned int hz;       /* the kernel's HZ, for sock_diag's timewait timers */
	bool listeners_only;   /* TCP listeners and their holders only (reuseport) */
};

/*
 * Choose the sources (loading the iterators where they are used). 0, or
 * -errno with a reason printed (a forced source that the kernel lacks).
 */
int snapshot_open(struct snapshot **out, const struct snapshot_cfg *cfg);
/*
 * snapshot_open() in a thread of its own, begun before the caller loads its
 * hooks: loading the iterators takes a CPU for tens of milliseconds, and the
 * other CPU is loading the hooks meanwhile. begin returns NULL where no
 * thread could start (the caller then opens it itself); end waits for the
 * thread and returns what snapshot_open() did.
 */
struct snapshot_opener;
struct snapshot_opener *snapshot_open_begin(const struct snapshot_cfg *cfg);
int snapshot_open_end(struct snapshot_opener *op, struct snapshot **out);
/* What the sockets and their holders come from: "iter", "sock_diag"; "iter", "procfs". */
const char *snapshot_socket_source(const struct snapshot *s);
const char *snapshot_holder_source(const struct snapshot *s);
/* Why --seed auto reads sockets through sock_diag and holders through /proc
 * where the kernel may have iterators (they would not load), or NULL. */
const char *snapshot_fallback(const struct snapshot *s);
/* What the UNIX sockets come from: "iter" (iter/unix), "sock_diag". */
const char *snapshot_unix_source(const struct snapshot *s);
/*
 * Read what is asked, in every network namespace that a process or
 * /run/netns holds (entering each needs CAP_SYS_ADMIN; without it, only our
 * own). Returns records delivered or -errno.
 */
int snapshot_read(struct snapshot *s, unsigned int what, record_fn fn, void *ctx);
void snapshot_close(struct snapshot *s);
/* A flag that a signal handler sets: a snapshot in progress gives up when it is. */
void snapshot_set_stop_flag(volatile sig_atomic_t *flag);

#endif
