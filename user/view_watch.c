// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "view_watch.h"

#include <errno.h>
#include <string.h>

#include "addr.h"
#include "escape.h"
#include "json_memo.h"
#include "filter.h"
#include "states.h"
#include "timefmt.h"

#define W_PID	    STREAM_W_PID
#define W_COMM	    STREAM_W_COMM
#define W_PROTO	    5
#define W_ADDR	    STREAM_W_ADDR
#define W_ADDR_WIDE STREAM_W_ADDR_WIDE
#define W_STATE	    11

void watch_header(struct stream_view *w)
{
	struct sbuf *sb = &w->out->sb;
	size_t addr = w->o->wide ? W_ADDR_WIDE : W_ADDR;

	if (w->o->json || w->o->no_header)
		return;
	if (w->o->wide)
		sb_printf(sb, "%-18s ", "SOCK");
	sb_printf(sb, "%-*s %-*s %-*s %-*s %-*s %-*s %-*s    %-*s %s", w->o->timestamps ? 27 : 8,
		  "TIME", W_PID, "PID", W_COMM, "COMM", W_PROTO, "PROTO", (int)addr, "LOCAL",
		  (int)addr, "REMOTE", W_STATE, "OLD", W_STATE, "NEW", "MS");
	output_line(w->out);
}

static void put_time_text(struct stream_view *w, uint64_t mono_ns)
{
	uint64_t real = output_realtime(w->out, mono_ns);

	if (w->o->timestamps)
		sb_put_rfc3339_us(&w->out->sb, real);
	else
		sb_put_clock_hms(&w->out->sb, real, 0);
}

void stream_put_endpoint(struct stream_view *v, const struct st_tuple *t, bool local)
{
	struct sbuf *sb = &v->out->sb;
	size_t from = sb->len;

	sb_put_endpoint(sb, t->family, local ? t->saddr : t->daddr, local ? t->sport : t->dport, 0);
	sb_pad(sb, from, v->o->wide ? W_ADDR_WIDE : W_ADDR);
	sb_putc(sb, ' ');
}

void stream_put_who(struct stream_view *v, const struct transition *tr)
{
	struct sbuf *sb = &v->out->sb;
	size_t from;

	put_time_text(v, tr->ts_ns);
	sb_putc(sb, ' ');
	from = sb->len;
	sb_put_u64(sb, shown_pid(tr->e, tr->task));
	sb_pad(sb, from, W_PID);
	sb_putc(sb, ' ');
	from = sb->len;
	sb_put_text_escaped(sb, shown_comm(tr->e, tr->task), ST_COMM_LEN);
	sb_pad(sb, from, W_COMM);
	sb_putc(sb, ' ');
}

static void put_err_name(struct sbuf *sb, int err)
{
	const char *name = err > 0 ? strerrorname_np(err) : NULL;

	if (name)
		sb_puts(sb, name);
	else
		sb_put_i64(sb, err);
}

static void text_line(struct stream_view *w, const struct transition *tr)
{
	struct sbuf *sb = &w->out->sb;
	const struct sock_entry *e = tr->e;
	const char *proto = proto_name(e->t.protocol, e->t.family);
	size_t from;

	if (w->o->wide)
		sb_printf(sb, "%-18llx ", (unsigned long long)e->id);
	stream_put_who(w, tr);
	from = sb->len;
	sb_puts(sb, proto ? proto : "?");
	sb_pad(sb, from, W_PROTO);
	sb_putc(sb, ' ');
	stream_put_endpoint(w, &e->t, true);
	stream_put_endpoint(w, &e->t, false);

	switch (tr->kind) {
	case TR_STATE:
		from = sb->len;
		sb_puts(sb, tcp_state_name(tr->old_state));
		sb_pad(sb, from, W_STATE);
		sb_puts(sb, " -> ");
		from = sb->len;
		sb_puts(sb, tcp_state_name(tr->new_state));
		sb_pad(sb, from, W_STATE);
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
	if (w->o->wide && tr->task && tr->task->tgid != shown_pid(e, tr->task)) {
		sb_puts(sb, "  [ran in ");
		sb_put_u64(sb, tr->task->tgid);
		sb_putc(sb, ' ');
		sb_put_text_escaped(sb, tr->task->comm, ST_COMM_LEN);
		sb_putc(sb, ']');
	}
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

static void json_line(struct stream_view *w, const struct transition *tr)
{
	struct sbuf *sb = &w->out->sb;
	const struct sock_entry *e = tr->e;
	uint32_t pid = shown_pid(e, tr->task);

	sb_puts(sb, "{\"event\":\"");
	sb_puts(sb, kind_name(tr->kind));
	sb_puts(sb, "\",");
	put_time_json(sb, w->out, tr->ts_ns);
	sb_putc(sb, ',');
	memo_put_sock_tuple(sb, e->id, &e->t);
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
			sb_printf(sb, ",\"reuseaddr\":%s,\"reuseport\":%s,\"v6only\":%s",
				  e->t.flags & ST_SK_REUSEADDR ? "true" : "false",
				  e->t.flags & ST_SK_REUSEPORT ? "true" : "false",
				  e->t.flags & ST_SK_V6ONLY ? "true" : "false");
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
	struct stream_view *w = ctx;

	/* --count holds per line: one poll can carry many */
	if ((w->o->count && w->shown >= w->o->count) || !filter_transition(&w->o->f, tr))
		return;
	if (w->o->json)
		json_line(w, tr);
	else
		text_line(w, tr);
	output_line(w->out);
	w->shown++;
}

void stream_lost(struct stream_view *w, uint64_t mono_ns, uint64_t count, const char *source)
{
	struct sbuf *sb = &w->out->sb;

	if (w->o->json) {
		sb_puts(sb, "{\"event\":\"lost\",");
		put_time_json(sb, w->out, mono_ns);
		sb_puts(sb, ",\"count\":");
		sb_put_u64(sb, count);
		sb_puts(sb, ",\"source\":\"");
		sb_puts(sb, source);
		sb_puts(sb, "\"}");
	} else {
		put_time_text(w, mono_ns);
		sb_printf(sb, " lost %llu events (%s)", (unsigned long long)count, source);
	}
	output_line(w->out);
}
