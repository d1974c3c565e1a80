/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Queries over `socktrace reuseport --json` reports, for integration tests. */
#ifndef SOCKTRACE_TEST_GROUPS_H
#define SOCKTRACE_TEST_GROUPS_H

#include <stddef.h>
#include "jsonl.h"

/* The last report ("final": true when final) of the group on lport; NULL if none. */
const struct json_obj *group_report(const struct json_lines *jl, long long lport, int final);
/* The element of array key of o whose "pid" is pid; NULL if none. */
const struct json_obj *elem_with_pid(const struct json_obj *o, const char *key, long long pid);
/* Sum of "accepted" over the "acceptors" of every listener of group g. */
long long group_acceptor_total(const struct json_obj *g);
#endif
