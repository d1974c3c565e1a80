/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which processes hold which sockets right now, from the task_file iterator
 * or a /proc fd scan: after fork() one socket has several holders, and
 * netstat's PID/Program name column shows only one of them. Sockets are
 * named by inode, which both sources know.
 */
#ifndef SOCKTRACE_HOLDERS_H
#define SOCKTRACE_HOLDERS_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "socktrace_abi.h"

struct holder {
	uint64_t ino;
	uint32_t pid;
	char comm[ST_COMM_LEN];
};

struct holders {
	struct holder *v;
	size_t n, cap;
	int sorted;
};

void holders_reset(struct holders *h);
void holders_add(struct holders *h, const struct st_file_rec *r);
/* The holders of socket inode ino (each pid once), sorted by pid; *n = 0 if none. */
const struct holder *holders_find(struct holders *h, uint64_t ino, size_t *n);
void holders_free(struct holders *h);

#endif
