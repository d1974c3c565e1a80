/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Whom a line is attributed to: the socket's owner when the table knows it
 * (connect, listen, accept, the listener, a seed), else the task the kernel
 * ran the transition in. Inline: every stream line and filter asks, twice.
 */
#ifndef SOCKTRACE_OWNER_H
#define SOCKTRACE_OWNER_H

#include <stdint.h>

#include "table.h"

static inline uint32_t shown_pid(const struct sock_entry *e, const struct st_task *task)
{
	if (e->owner_src != OWNER_NONE || !task)
		return e->owner_pid;
	return task->tgid;
}

static inline const char *shown_comm(const struct sock_entry *e, const struct st_task *task)
{
	if (e->owner_src != OWNER_NONE || !task)
		return e->owner_comm;
	return task->comm;
}

#endif
