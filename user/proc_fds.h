/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Who holds which socket, from /proc/PID/fd: the fallback where the task_file
 * iterator is missing. Records are the iterator's (struct st_file_rec).
 */
#ifndef SOCKTRACE_PROC_FDS_H
#define SOCKTRACE_PROC_FDS_H

#include <stdbool.h>
#include <stdint.h>

#include "record_sink.h"

/* What the socket pass knew of a socket the scan met. */
struct proc_fds_sock {
	uint64_t sk; /* 0 where sock_diag found it */
	uint64_t cookie;
	bool ask_flags; /* read SO_REUSEADDR/SO_REUSEPORT through a duplicate of the fd */
};

/* Whether socket inode ino is one to report, and what its record carries. */
typedef bool (*proc_fds_want_fn)(void *ctx, uint64_t ino, struct proc_fds_sock *out);

/* Walk every process's fds. Returns records delivered, or -errno if /proc cannot be read. */
int proc_fds_read(proc_fds_want_fn want, void *want_ctx, record_fn fn, void *ctx);

/* The inode in a link text "socket:[12345]", or 0 if it is not one. */
uint64_t proc_fds_socket_ino(const char *link, size_t len);

#endif
