/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * UNIX domain sockets through sock_diag's UNIX_DIAG, for kernels without
 * iter/unix (5.17+). The records are the iterator's (struct st_unix_rec,
 * source ST_UNIX_SRC_DIAG) with sk 0 and no reference count, which netlink
 * does not report.
 */
#ifndef SOCKTRACE_UNIX_DIAG_H
#define SOCKTRACE_UNIX_DIAG_H

#include <stddef.h>

#include "sock_diag.h"

/* One unix_diag_msg and its attributes into a record (for the parser). */
void unix_diag_one(struct diag_dump *d, const void *msg, size_t len);

/* Every UNIX socket of the calling thread's namespace. Records or -errno. */
int unix_diag_read(struct diag_dump *d);

#endif
