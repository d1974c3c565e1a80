/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The JSON pieces a stream line repeats for its socket: the id and tuple,
 * the owner, and the task that ran a transition for it (a storm's softirq
 * work runs in a handful of tasks). A connection makes a dozen lines within
 * milliseconds, all with the same pieces, so they are formatted once and
 * copied after that.
 *
 * A piece is found by everything it is made of (the id and the whole tuple;
 * the pid, the comm and the owner source), so a socket whose tuple, owner or
 * comm changed is formatted afresh: no stale piece can be served, and what is
 * kept is the escaped text. Not thread-safe: one stream per process.
 */
#ifndef SOCKTRACE_JSON_MEMO_H
#define SOCKTRACE_JSON_MEMO_H

#include <stdint.h>

#include "sbuf.h"
#include "sock_format.h"
#include "table.h"

/* "sock":ID,"netns":N,...,"rport":N (put_sock_tuple_json), CUR_SOCK_TUPLE_JSON_MAX bytes */
void memo_put_sock_tuple(struct sbuf *sb, uint64_t id, const struct st_tuple *t);
char *memo_cur_sock_tuple(char *p, uint64_t id, const struct st_tuple *t);
/* "pid":N,"comm":"..","owner":"SRC" (put_owner_src_json) */
#define MEMO_OWNER_MAX                                                                             \
	(sizeof("\"pid\":,\"comm\":,\"owner\":\"listener\"") + CUR_U64_MAX + CUR_COMM_JSON_MAX)
void memo_put_owner(struct sbuf *sb, uint32_t pid, const char *comm, uint8_t owner_src);
char *memo_cur_owner(char *p, uint32_t pid, const char *comm, uint8_t owner_src);
/* ,"task_pid":N,"task_comm":".." (put_task_json) */
#define MEMO_TASK_MAX (sizeof(",\"task_pid\":,\"task_comm\":") + CUR_U64_MAX + CUR_COMM_JSON_MAX)
char *memo_cur_task(char *p, uint32_t pid, const char *comm);

#endif
