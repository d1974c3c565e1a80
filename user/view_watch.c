// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "view_watch.h"

#include <errno.h>
#include <string.h>

#include "escape.h"
#include "json_memo.h"
#include "filter.h"
#include "owner.h"
#include "sock_format.h"
#include "states.h"

enum {
	C_SOCK,
	C_TIME,
	C_TIME_T,
	C_PID,
	C_COMM,
	C_PROTO,
	C_LOCAL,
	C_REMOTE,
	C_OLD,
	C_ARROW,
	C_NEW,
	C_MS,
	C_N
};

/* The text line; JSON is written by hand below (json_memo): it is the hot path. */
static const struct column cols[C_N] = {
	[C_SOCK] = {.header = "SOCK", .gap = 1, .width = 18, .when = COL_IF_WIDE},
	[C_TIME] = STREAM_COL_TIME,
	[C_TIME_T] = STREAM_COL_TIME_T,
	[C_PID] = STREAM_COL_PID,
	[C_COMM] = STREAM_COL_COMM,
	[C_PROTO] = {.header = "PROTO", .gap = 1, .width = 6}, /* "mptcp6" */
	[C_LOCAL] = STREAM_COL_LOCAL,
	[C_REMOTE] = STREAM_COL_REMOTE,
	[C_OLD] = {.header = "OLD", .gap = 1, .width = 11},
	[C_ARROW] = {.header = "", .gap = 1, .width = 2}, /* "->" */
	[C_NEW] = {.header = "NEW", .gap = 1, .width = 11},
	[C_MS] = {.header = "MS", .gap = 1},
};

void watch_header(struct watch_view *w)
{
	const struct options *o = w->line.o;

	if (o->json || o->no_header)
		return;
	col_header(&w->line.out->sb, cols, C_N, stream_col_have(o), o->wide);
	output_line(w->line.out);
}

static void text_line(struct watch_view *w, const struct transition *tr)
{
	const struct stream_line *s = &w->line;
	struct sbuf *sb = &s->out->sb;
	const struct sock_entry *e = tr->e;
	size_t from;

	if (s->o->wide)
		sb_printf(sb, "%-*llx ", cols[C_SOCK].width, (unsigned long long)e->id);
	stream_put_who(s, tr);
	from = sb->len;
	put_proto_text(sb, e);
	sb_pad(sb, from, cols[C_PROTO].width);
	sb_putc(sb, ' ');
	stream_put_endpoint(s, &e->t, true);
	stream_put_endpoint(s, &e->t, false);

	switch (tr->kind) {
	case TR_STATE:
		from = sb->len;
		sb_puts(sb, tcp_state_name(tr->old_state));
		sb_pad(sb, from, cols[C_OLD].width);
		sb_puts(sb, " -> ");
		from = sb->len;
		sb_puts(sb, tcp_state_name(tr->new_state));
		sb_pad(sb, from, cols[C_NEW].width);
		sb_putc(sb, ' ');
		if (tr->prev_known)
			sb_put_ms3(sb, tr->prev_ns);
		else
			sb_putc(sb, '-');
		break;
	case TR_ACCEPT:
		sb_puts(sb, "accept()");
		break;
	case TR_CONNECT:
		sb_puts(sb, tr->err ? "connect() failed: " : "connect()");
		if (tr->err)
			put_err_name(sb, tr->err);
		break;
	case TR_BIND:
		sb_puts(sb, tr->err ? "bind() failed: " : "bind()");
		if (tr->err)
			put_err_name(sb, tr->err);
		break;
	case TR_LISTEN:
		if (tr->err) {
			sb_puts(sb, "listen() failed: ");
			put_err_name(sb, tr->err);
		} else {
			sb_printf(sb, "listen() backlog %u", tr->arg);
		}
		break;
	case TR_CLOSE:
		sb_puts(sb, "close");
		break;
	}
	if (s->o->wide && tr->task && tr->task->tgid != shown_pid(e, tr->task)) {
		sb_puts(sb, "  [ran in ");
		sb_put_u64(sb, tr->task->tgid);
		sb_putc(sb, ' ');
		sb_put_text_escaped(sb, tr->task->comm, ST_COMM_LEN);
		sb_putc(sb, ']');
	}
	stream_put_origin(s, tr);
}

static const char *kind_name(uint8_t kind)
{
	switch (kind) {
	case TR_STATE:
		return "state";
	case TR_ACCEPT:
		return "accept";
	case TR_CONNECT:
		return "connect";
	case TR_BIND:
		return "bind";
	case TR_LISTEN:
		return "listen";
	default:
		return "close";
	}
}

static void json_line(struct watch_view *w, const struct transition *tr)
{
	struct sbuf *sb = &w->line.out->sb;
	const struct sock_entry *e = tr->e;
	uint32_t pid = shown_pid(e, tr->task);

	sb_puts(sb, "{\"event\":\"");
	sb_puts(sb, kind_name(tr->kind));
	sb_puts(sb, "\",");
	put_time_json(sb, w->line.out, tr->ts_ns);
	sb_putc(sb, ',');
	memo_put_sock_tuple(sb, e->id, &e->t);
	put_mptcp_parent_json(sb, e);
	if (tr->kind == TR_STATE) {
		sb_puts(sb, ",\"old_state\":\"");
		sb_puts(sb, tcp_state_name(tr->old_state));
		sb_puts(sb, "\",\"new_state\":\"");
		sb_puts(sb, tcp_state_name(tr->new_state));
		sb_puts(sb, "\",\"prev_state_ms\":");
		if (tr->prev_known)
			sb_put_ms3(sb, tr->prev_ns);
		else
			sb_puts(sb, "null");
		/* -> TIME_WAIT and its expiry are derived: no tracepoint reports them */
		if (!tr->task || (tr->new_state == ST_TCP_TIME_WAIT))
			sb_puts(sb, ",\"derived\":true");
		if (tr->end_unseen)
			sb_puts(sb, ",\"end_unseen\":true");
		if (tr->sk_err) {
			sb_puts(sb, ",\"error\":\"");
			put_err_name(sb, tr->sk_err);
			sb_putc(sb, '"');
		}
	} else if (tr->kind == TR_ACCEPT) {
		sb_puts(sb, ",\"listener\":");
		if (tr->peer)
			sb_put_u64(sb, tr->peer->id);
		else
			sb_puts(sb, "null");
	} else if (tr->kind != TR_CLOSE) {
		sb_puts(sb, ",\"errno\":");
		sb_put_i64(sb, tr->err);
		if (tr->err) {
			sb_puts(sb, ",\"error\":\"");
			put_err_name(sb, tr->err);
			sb_putc(sb, '"');
		}
		if (tr->kind == TR_LISTEN) {
			sb_puts(sb, ",\"backlog\":");
			sb_put_u64(sb, tr->arg);
		} else if (tr->kind == TR_BIND) {
			/* not sb_printf(): a storm binds each client, and vsnprintf()
			 * cost a connection as much as a line */
			sb_puts(sb, e->t.flags & ST_SK_REUSEADDR ? ",\"reuseaddr\":true"
								 : ",\"reuseaddr\":false");
			sb_puts(sb, e->t.flags & ST_SK_REUSEPORT ? ",\"reuseport\":true"
								 : ",\"reuseport\":false");
			sb_puts(sb, e->t.flags & ST_SK_V6ONLY ? ",\"v6only\":true"
							      : ",\"v6only\":false");
			sb_puts(sb, ",\"bound_dev_if\":");
			sb_put_u64(sb, tr->arg);
			sb_puts(sb, ",\"addr_source\":\"");
			sb_puts(sb, tr->call_flags & ST_CALL_ADDR_USER ? "user"
				    : tr->err			       ? "call"
								       : "socket");
			sb_putc(sb, '"');
		}
	}
	sb_putc(sb, ',');
	memo_put_owner(sb, pid, shown_comm(e, tr->task), e->owner_src);
	put_origin_json(sb, tr->origin);
	if (tr->task && tr->task->tgid != pid) {
		sb_puts(sb, ",\"task_pid\":");
		sb_put_u64(sb, tr->task->tgid);
		sb_puts(sb, ",\"task_comm\":");
		sb_put_json_string(sb, tr->task->comm, ST_COMM_LEN);
	}
	sb_putc(sb, '}');
}

void watch_transition(void *ctx, const struct transition *tr)
{
	struct watch_view *w = ctx;
	const struct options *o = w->line.o;

	/* --count holds per line: one poll can carry many */
	if ((o->count && w->shown >= o->count) || !filter_transition(&o->f, tr))
		return;
	if (o->json)
		json_line(w, tr);
	else
		text_line(w, tr);
	output_line(w->line.out);
	w->shown++;
}
