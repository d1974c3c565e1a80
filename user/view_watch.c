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

/* The longest text line: its pieces at their longest, and 256 bytes for the rest. */
#define TEXT_LINE_MAX                                                                              \
	(STREAM_WHO_MAX + 2 * STREAM_ENDPOINT_MAX + STREAM_ORIGIN_MAX + CUR_ERR_NAME_MAX +         \
	 CUR_MS3_MAX + 2 * CUR_U64_MAX + CUR_COMM_TEXT_MAX + 256)

static char *text_line(char *p, struct watch_view *w, const struct transition *tr)
{
	const struct stream_line *s = &w->line;
	const struct sock_entry *e = tr->e;
	char *from;

	if (s->o->wide) {
		/* "%-18llx ": the id in hex, padded */
		from = p;
		p = cur_hex64(p, e->id);
		p = cur_pad(from, p, cols[C_SOCK].width);
		*p++ = ' ';
	}
	p = stream_cur_who(s, p, tr);
	from = p;
	p = cur_proto_text(p, e);
	p = cur_pad(from, p, cols[C_PROTO].width);
	*p++ = ' ';
	p = stream_cur_endpoint(s, p, &e->t, true);
	p = stream_cur_endpoint(s, p, &e->t, false);

	switch (tr->kind) {
	case TR_STATE:
		from = p;
		p = cur_puts(p, tcp_state_name(tr->old_state));
		p = cur_pad(from, p, cols[C_OLD].width);
		p = cur_puts(p, " -> ");
		from = p;
		p = cur_puts(p, tcp_state_name(tr->new_state));
		p = cur_pad(from, p, cols[C_NEW].width);
		*p++ = ' ';
		if (tr->prev_known)
			p = cur_ms3(p, tr->prev_ns);
		else
			*p++ = '-';
		break;
	case TR_ACCEPT:
		p = cur_puts(p, "accept()");
		break;
	case TR_CONNECT:
		p = cur_puts(p, tr->err ? "connect() failed: " : "connect()");
		if (tr->err)
			p = cur_err_name(p, tr->err);
		break;
	case TR_BIND:
		p = cur_puts(p, tr->err ? "bind() failed: " : "bind()");
		if (tr->err)
			p = cur_err_name(p, tr->err);
		break;
	case TR_LISTEN:
		if (tr->err) {
			p = cur_puts(p, "listen() failed: ");
			p = cur_err_name(p, tr->err);
		} else {
			p = cur_puts(p, "listen() backlog ");
			p = cur_u64(p, tr->arg);
		}
		break;
	case TR_CLOSE:
		p = cur_puts(p, "close");
		break;
	}
	if (s->o->wide && tr->task && tr->task->tgid != shown_pid(e, tr->task)) {
		p = cur_puts(p, "  [ran in ");
		p = cur_u64(p, tr->task->tgid);
		*p++ = ' ';
		p = cur_text_comm(p, tr->task->comm);
		*p++ = ']';
	}
	return stream_cur_origin(s, p, tr);
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

/* The longest line: its pieces at their longest, and 512 bytes for the names and the rest. */
#define JSON_LINE_MAX                                                                              \
	(CUR_TIME_JSON_MAX + CUR_SOCK_TUPLE_JSON_MAX + CUR_MPTCP_PARENT_JSON_MAX +                 \
	 MEMO_OWNER_MAX + CUR_ORIGIN_JSON_MAX + CUR_COMM_JSON_MAX + CUR_ERR_NAME_MAX +             \
	 CUR_MS3_MAX + 4 * CUR_U64_MAX + 512)

static char *json_line(char *p, struct watch_view *w, const struct transition *tr)
{
	const struct sock_entry *e = tr->e;
	uint32_t pid = shown_pid(e, tr->task);

	p = cur_puts(p, "{\"event\":\"");
	p = cur_puts(p, kind_name(tr->kind));
	p = cur_putn(p, "\",", 2);
	p = cur_time_json(p, w->line.out, tr->ts_ns);
	*p++ = ',';
	p = memo_cur_sock_tuple(p, e->id, &e->t);
	p = cur_mptcp_parent_json(p, e);
	if (tr->kind == TR_STATE) {
		p = cur_puts(p, ",\"old_state\":\"");
		p = cur_puts(p, tcp_state_name(tr->old_state));
		p = cur_puts(p, "\",\"new_state\":\"");
		p = cur_puts(p, tcp_state_name(tr->new_state));
		p = cur_puts(p, "\",\"prev_state_ms\":");
		if (tr->prev_known)
			p = cur_ms3(p, tr->prev_ns);
		else
			p = cur_puts(p, "null");
		/* -> TIME_WAIT and its expiry are derived: no tracepoint reports them */
		if (!tr->task || (tr->new_state == ST_TCP_TIME_WAIT))
			p = cur_puts(p, ",\"derived\":true");
		if (tr->end_unseen)
			p = cur_puts(p, ",\"end_unseen\":true");
		if (tr->sk_err) {
			p = cur_puts(p, ",\"error\":\"");
			p = cur_err_name(p, tr->sk_err);
			*p++ = '"';
		}
	} else if (tr->kind == TR_ACCEPT) {
		p = cur_puts(p, ",\"listener\":");
		if (tr->peer)
			p = cur_u64(p, tr->peer->id);
		else
			p = cur_puts(p, "null");
	} else if (tr->kind != TR_CLOSE) {
		p = cur_puts(p, ",\"errno\":");
		p = cur_i64(p, tr->err);
		if (tr->err) {
			p = cur_puts(p, ",\"error\":\"");
			p = cur_err_name(p, tr->err);
			*p++ = '"';
		}
		if (tr->kind == TR_LISTEN) {
			p = cur_puts(p, ",\"backlog\":");
			p = cur_u64(p, tr->arg);
		} else if (tr->kind == TR_BIND) {
			p = cur_puts(p, e->t.flags & ST_SK_REUSEADDR ? ",\"reuseaddr\":true"
								     : ",\"reuseaddr\":false");
			p = cur_puts(p, e->t.flags & ST_SK_REUSEPORT ? ",\"reuseport\":true"
								     : ",\"reuseport\":false");
			p = cur_puts(p, e->t.flags & ST_SK_V6ONLY ? ",\"v6only\":true"
								  : ",\"v6only\":false");
			p = cur_puts(p, ",\"bound_dev_if\":");
			p = cur_u64(p, tr->arg);
			p = cur_puts(p, ",\"addr_source\":\"");
			p = cur_puts(p, tr->call_flags & ST_CALL_ADDR_USER ? "user"
					: tr->err			   ? "call"
									   : "socket");
			*p++ = '"';
		}
	}
	*p++ = ',';
	p = memo_cur_owner(p, pid, shown_comm(e, tr->task), e->owner_src);
	p = cur_origin_json(p, tr->origin);
	if (tr->task && tr->task->tgid != pid)
		p = memo_cur_task(p, tr->task->tgid, tr->task->comm);
	return cur_putc(p, '}');
}

/* The longer of the two */
#define VIEW_LINE_MAX (JSON_LINE_MAX > TEXT_LINE_MAX ? JSON_LINE_MAX : TEXT_LINE_MAX)

void watch_transition(void *ctx, const struct transition *tr)
{
	struct watch_view *w = ctx;
	const struct options *o = w->line.o;
	struct sbuf *sb = &w->line.out->sb;
	char scratch[VIEW_LINE_MAX], *p;

	/* --count holds per line: one poll can carry many */
	if ((o->count && w->shown >= o->count) || !filter_transition(&o->f, tr))
		return;
	/* made in place: sb_cur_or()'s scratch is for an output without room */
	p = sb_cur_or(sb, scratch, sizeof(scratch));
	sb_cur_done(sb, scratch, p, o->json ? json_line(p, w, tr) : text_line(p, w, tr));
	output_line(w->line.out);
	w->shown++;
}
