/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Writing output that a stop request can cut short. A reader that never reads
 * (a FIFO, a stalled pipe) blocks write() for good, and a supervisor's one
 * SIGTERM must still end socktrace. Once a stop is requested the output gets
 * a second to drain; a write still blocked then is given up, and the caller
 * counts what was not written.
 */
#ifndef SOCKTRACE_WRITE_STOP_H
#define SOCKTRACE_WRITE_STOP_H

#include <signal.h>
#include <stddef.h>

/* Watch *stop (set by a signal handler); installs a SIGALRM handler. */
void write_stop_init(const volatile sig_atomic_t *stop);
/* Call from the handler that sets *stop: a write blocked now gets its second. */
void write_stop_poke(void);
/*
 * Write @len bytes of @buf to @fd. Returns the bytes written; fewer than @len
 * with *err set: ECANCELED when a stop cut the write short, else the errno of
 * the failed write().
 */
size_t write_stoppable(int fd, const char *buf, size_t len, int *err);

/*
 * 1 when @fd's reader is gone, found without writing: a pipe without readers
 * (POLLERR) or a socket closed both ways (POLLHUP). A quiet run notices it
 * as `tail -f` does, without waiting for a line to fail.
 */
int write_peer_gone(int fd);

#endif
