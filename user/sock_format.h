/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The pieces of a socket every view prints the same way: its tuple, its owner
 * and holders, and the time of the line, in JSON (and holders in text).
 */
#ifndef SOCKTRACE_SOCK_FORMAT_H
#define SOCKTRACE_SOCK_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "output.h"
#include "sbuf.h"
#include "table.h"
#include "timefmt.h"
#include "zone.h"

struct holder;

/*
 * The pieces of a stream line, each at a cursor (sbuf.h) and appended to
 * an sbuf. The most each writes: text of known length, and its numbers, names
 * and addresses at their longest (tests/unit/test_util.c writes those).
 */
#define CUR_TUPLE_JSON_MAX                                                                         \
	(sizeof("\"netns\":,\"proto\":,\"family\":\"ipv4\",\"laddr\":\"\",\"lport\":,\"raddr\":"   \
		"\"\",\"rport\":") +                                                               \
	 CUR_U64_MAX + 20 + 2 * (CUR_ADDR_MAX + CUR_ZONE_MAX + 5))
#define CUR_TIME_JSON_MAX	  (sizeof("\"time\":\"\",\"ts_ns\":") + CUR_RFC3339_MAX + CUR_U64_MAX)
#define CUR_SOCK_TUPLE_JSON_MAX	  (sizeof("\"sock\":,") + CUR_U64_MAX + CUR_TUPLE_JSON_MAX)
#define CUR_MPTCP_PARENT_JSON_MAX (sizeof(",\"mptcp_parent\":") + CUR_U64_MAX)
#define CUR_ERR_NAME_MAX	  24
/* a comm as a JSON string: quotes, and 16 bytes escaped at six bytes each (\u00XX) */
#define CUR_COMM_JSON_MAX (2 + ST_COMM_LEN * 6)
#define CUR_ORIGIN_JSON_MAX                                                                        \
	(sizeof(",\"origin_pid\":,\"origin_comm\":") + CUR_U64_MAX + CUR_COMM_JSON_MAX)

/* "netns":N,"proto":"tcp","family":"ipv4","laddr":..,"lport":..,"raddr":..,"rport":.. */
void put_tuple_json(struct sbuf *sb, const struct st_tuple *t);
char *cur_tuple_json(char *p, const struct st_tuple *t);
/* "time":"2026-...Z","ts_ns":N */
void put_time_json(struct sbuf *sb, const struct output *out, uint64_t mono_ns);
char *cur_time_json(char *p, const struct output *out, uint64_t mono_ns);
/* "sock":ID, then put_tuple_json() */
void put_sock_tuple_json(struct sbuf *sb, uint64_t id, const struct st_tuple *t);
char *cur_sock_tuple_json(char *p, uint64_t id, const struct st_tuple *t);
/* ,"mptcp_parent":ID for a subflow of an MPTCP connection; nothing for others */
void put_mptcp_parent_json(struct sbuf *sb, const struct sock_entry *e);
char *cur_mptcp_parent_json(char *p, const struct sock_entry *e);
/* The Proto column: "tcp", "mptcp6", ...; a subflow of an MPTCP connection is "tcp*" */
void put_proto_text(struct sbuf *sb, const struct sock_entry *e);
#define CUR_PROTO_TEXT_MAX 8 /* "mptcp6*" */
char *cur_proto_text(char *p, const struct sock_entry *e);
/* "pid":N,"comm":".." */
void put_owner_json(struct sbuf *sb, uint32_t pid, const char *comm);
/* put_owner_json(), then "owner":"SRC" (owner_src_name) */
void put_owner_src_json(struct sbuf *sb, uint32_t pid, const char *comm, uint8_t owner_src);
/* ,"task_pid":N,"task_comm":".." */
void put_task_json(struct sbuf *sb, uint32_t pid, const char *comm);
/* How the owner became known: "connect", "accept", "seed", ...; "unknown". */
const char *owner_src_name(uint8_t src);
/* ,"origin_pid":N,"origin_comm":"..." for a socket that changed hands; nothing for NULL */
void put_origin_json(struct sbuf *sb, const struct sock_origin *o);
char *cur_origin_json(char *p, const struct sock_origin *o);
/* A comm as text, escaped (\xXX at worst), at a cursor */
#define CUR_COMM_TEXT_MAX (ST_COMM_LEN * 4)
char *cur_text_comm(char *p, const char *comm);

/*
 * netstat's PID/Program name for the first n of all holders:
 * "pid/comm,pid/comm", and ",(+K more)" when n < all.
 */
void put_holders_text(struct sbuf *sb, const struct holder *h, size_t n, size_t all);
/*
 * "pids":[{"pid":N,"comm":"..","cmdline":"..","cmdline_truncated":B},...],
 * "holders_truncated":B (n < all). Each command line is read from /proc into
 * cmdline (CMDLINE_SHOWN bytes); NULL where the processes are known to be
 * gone (their pids may be someone else's now): "cmdline":"".
 */
void put_holders_json(struct sbuf *sb, const struct holder *h, size_t n, size_t all, char *cmdline);
/* An errno by its name ("ECONNREFUSED"), or its number where it has none. */
void put_err_name(struct sbuf *sb, int err);
char *cur_err_name(char *p, int err);
/* "cmdline":"..","cmdline_truncated":B for pid, read into cmdline (NULL: gone, "") */
void put_cmdline_json(struct sbuf *sb, uint32_t pid, char *cmdline);
/* pid's command line for text, read into cmdline, with a marker if it was cut */
void put_cmdline_text(struct sbuf *sb, uint32_t pid, char *cmdline);

#endif
