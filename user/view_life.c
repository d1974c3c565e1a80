// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * socktrace life: one line per TCP connection when it ends (both ends of a
 * loopback connection are two lines), with its owner, role, how it ended,
 * lifetime, bytes and the states it went through. A connection ends when its
 * full socket closes: at -> TIME_WAIT for the active closer.
 */
#include "view_life.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include "filter.h"
#include "json_memo.h"
#include "owner.h"
#include "sock_format.h"
#include "states.h"
#include "timefmt.h"

enum {
	C_TIME,
	C_TIME_T,
	C_PID,
	C_COMM,
	C_LOCAL,
	C_REMOTE,
	C_ROLE,
	C_END,
	C_MS,
	C_TX,
	C_RX,
	C_PATH,
	C_N
};

/* The text line; JSON is written by hand below, as watch's. */
static const struct column cols[C_N] = {
	[C_TIME] = STREAM_COL_TIME,
	[C_TIME_T] = STREAM_COL_TIME_T,
	[C_PID] = STREAM_COL_PID,
	[C_COMM] = STREAM_COL_COMM,
	[C_LOCAL] = STREAM_COL_LOCAL,
	[C_REMOTE] = STREAM_COL_REMOTE,
	[C_ROLE] = {.header = "ROLE", .gap = 1, .width = 7},
	[C_END] = {.header = "END", .gap = 1, .width = 12},
	/* a "+" follows when the start predates socktrace */
	[C_MS] = {.header = "MS", .gap = 1, .width = 10, .right = true},
	[C_TX] = {.header = "TX", .gap = 1, .width = 10, .right = true},
	[C_RX] = {.header = "RX", .gap = 1, .width = 10, .right = true},
	[C_PATH] = {.header = "PATH", .gap = 1},
};

static bool path_has(const struct sock_entry *e, uint8_t state)
{
	unsigned int i;

	for (i = 0; i < e->path_len; i++)
		if (entry_path_state(e, i) == state)
			return true;
	return false;
}

/* The line a transition makes, if it ends a connection. */
static bool ends_connection(const struct transition *tr)
{
	if (tr->kind != TR_STATE || tr->e->t.protocol != IPPROTO_TCP)
		return false;
	if (tr->end_unseen)
		return tr->old_state != ST_TCP_LISTEN;
	/* a listener closing, or a timewait socket's time running out (a line the
	 * table derives, without a task), ends no connection */
	if (tr->old_state == ST_TCP_LISTEN || tr->old_state == ST_TCP_TIME_WAIT || !tr->task)
		return false;
	return tr->new_state == ST_TCP_TIME_WAIT || tr->new_state == ST_TCP_CLOSE;
}

/*
 * How it ended: an orderly close tells who sent the first FIN; otherwise the
 * socket's error at the last transition tells (a reset that arrived, a refused
 * or timed-out connect), and a close with no error and no FIN is our reset.
 */
static const char *end_reason(const struct transition *tr)
{
	const struct sock_entry *e = tr->e;

	if (tr->end_unseen)
		return "unseen";
	if (tr->new_state == ST_TCP_TIME_WAIT)
		return "fin_local";
	switch (tr->sk_err) {
	case 0:
		break;
	case ECONNREFUSED:
		return "refused";
	case ETIMEDOUT:
		return "timeout";
	case ECONNRESET:
	case EPIPE:
		return "rst_received";
	default:
		return "error";
	}
	if (tr->old_state == ST_TCP_LAST_ACK && path_has(e, ST_TCP_CLOSE_WAIT))
		return "fin_remote";
	/* closed before the handshake completed: a connect given up, or a child
	 * the kernel closed in SYN_RECV (under load the 6.1 kernel sometimes makes
	 * a second child for one connection and closes it at once) */
	if (tr->old_state == ST_TCP_SYN_SENT || tr->old_state == ST_TCP_SYN_RECV)
		return "aborted";
	return "rst_sent";
}

static const char *role(const struct sock_entry *e)
{
	if (e->flags & ENTRY_PASSIVE)
		return "passive";
	if (e->path_len && entry_path_state(e, 0) == ST_TCP_SYN_SENT)
		return "active";
	return "unknown"; /* it predates socktrace */
}

bool life_end(const struct transition *tr, const char **role_name, const char **end_name)
{
	if (!ends_connection(tr))
		return false;
	*role_name = role(tr->e);
	*end_name = end_reason(tr);
	return true;
}

/* The path: at most PATH_MAX_STATES names of 11 bytes ("ESTABLISHED") and a '>' each. */
#define PATH_TEXT_MAX (PATH_MAX_STATES * 12)

static char *cur_path_names(char *p, const struct sock_entry *e)
{
	unsigned int i;

	for (i = 0; i < e->path_len; i++) {
		const char *name = tcp_state_name(entry_path_state(e, i));

		if (i)
			*p++ = '>';
		p = cur_puts(p, name ? name : "?");
	}
	return p;
}

/*
 * A storm's connections go a handful of ways, and naming each state anew
 * (a strlen and a short copy each) was 5 % of life's CPU: the last paths
 * seen keep their text. Keyed by the whole path word and its length; the
 * empty slot's key (0, 0) is the empty path, whose text is empty.
 */
#define PATH_MEMO_SLOTS 16

_Static_assert(PATH_TEXT_MAX <= UINT8_MAX, "a path's text length fits its byte");

static struct path_piece {
	uint64_t path;
	uint8_t path_len;
	uint8_t len;
	char text[PATH_TEXT_MAX];
} path_memo[PATH_MEMO_SLOTS];

static char *cur_path(char *p, const struct sock_entry *e)
{
	uint64_t h = (e->path ^ e->path_len) * 0x9e3779b97f4a7c15ull;
	struct path_piece *m = &path_memo[h >> 60];

	if (m->path != e->path || m->path_len != e->path_len) {
		m->path = e->path;
		m->path_len = e->path_len;
		m->len = (uint8_t)(cur_path_names(m->text, e) - m->text);
	}
	return cur_putn(p, m->text, m->len);
}

void life_header(struct life_view *v)
{
	const struct options *o = v->line.o;

	if (o->json || o->no_header)
		return;
	col_header(&v->line.out->sb, cols, C_N, stream_col_have(o), o->wide);
	output_line(v->line.out);
}

/*
 * dur_ns / 1e6 as "%.3f" prints it, in integers: below 2^52 ns the double is
 * within half a nanosecond of the true value, so only an exact half
 * microsecond (where the double's own rounding decides) needs printf.
 */
#define MS_TEXT_MAX 32 /* UINT64_MAX ns is 18446744073709.552 ms */
static char *cur_ms_text(char *p, uint64_t ns)
{
	if (ns % 1000 == 500 || ns >= (1ull << 52)) {
		int n = snprintf(p, MS_TEXT_MAX, "%.3f", ns / 1e6);

		return n > 0 && n < MS_TEXT_MAX ? p + n : p;
	}
	return cur_ms3(p, ns);
}

/* What was written since @from, aligned in its column. */
static char *cur_cell(char *from, char *p, const struct column *c)
{
	return c->right ? cur_pad_left(from, p, c->width) : cur_pad(from, p, c->width);
}

/* The longest text line: its pieces at their longest, and 256 bytes for the rest. */
#define TEXT_LINE_MAX                                                                              \
	(STREAM_WHO_MAX + 2 * STREAM_ENDPOINT_MAX + MS_TEXT_MAX + 2 * CUR_U64_MAX +                \
	 PATH_TEXT_MAX + STREAM_ORIGIN_MAX + 256)

/* Without printf: vsnprintf() cost as much as the rest of the line. */
static char *text_line(char *p, struct life_view *v, const struct transition *tr, uint64_t dur_ns)
{
	const struct stream_line *s = &v->line;
	const struct sock_entry *e = tr->e;
	char *from;

	p = stream_cur_who(s, p, tr);
	p = stream_cur_endpoint(s, p, &e->t, true);
	p = stream_cur_endpoint(s, p, &e->t, false);
	from = p;
	p = cur_cell(from, cur_puts(p, role(e)), &cols[C_ROLE]);
	*p++ = ' ';
	from = p;
	p = cur_cell(from, cur_puts(p, end_reason(tr)), &cols[C_END]);
	*p++ = ' ';
	from = p;
	p = cur_cell(from, cur_ms_text(p, dur_ns), &cols[C_MS]);
	if (!(e->flags & ENTRY_SEEN_START))
		*p++ = '+';
	*p++ = ' ';
	from = p;
	p = cur_cell(from, cur_u64(p, tr->tx_bytes), &cols[C_TX]);
	*p++ = ' ';
	from = p;
	p = cur_cell(from, cur_u64(p, tr->rx_bytes), &cols[C_RX]);
	*p++ = ' ';
	p = cur_path(p, e);
	return stream_cur_origin(s, p, tr);
}

/* The longest line: its pieces at their longest, and 256 bytes for the names and the rest. */
#define JSON_LINE_MAX                                                                              \
	(CUR_TIME_JSON_MAX + CUR_SOCK_TUPLE_JSON_MAX + CUR_MPTCP_PARENT_JSON_MAX +                 \
	 MEMO_OWNER_MAX + CUR_ORIGIN_JSON_MAX + CUR_ERR_NAME_MAX + CUR_MS3_MAX + CUR_RFC3339_MAX + \
	 2 * CUR_U64_MAX + PATH_TEXT_MAX + 256)

static char *json_line(char *p, struct life_view *v, const struct transition *tr, uint64_t dur_ns)
{
	struct output *out = v->line.out;
	const struct sock_entry *e = tr->e;

	p = cur_puts(p, "{\"event\":\"close\",");
	p = cur_time_json(p, out, tr->ts_ns);
	*p++ = ',';
	/* one close line per socket: its tuple never repeats, so no memo */
	p = cur_sock_tuple_json(p, e->id, &e->t);
	p = cur_mptcp_parent_json(p, e);
	*p++ = ',';
	p = memo_cur_owner(p, shown_pid(e, tr->task), shown_comm(e, tr->task), e->owner_src);
	p = cur_origin_json(p, tr->origin);
	p = cur_puts(p, ",\"role\":\"");
	p = cur_puts(p, role(e));
	p = cur_puts(p, "\",\"end\":\"");
	p = cur_puts(p, end_reason(tr));
	*p++ = '"';
	if (tr->sk_err) {
		p = cur_puts(p, ",\"error\":\"");
		p = cur_err_name(p, tr->sk_err);
		*p++ = '"';
	}
	p = cur_puts(p, ",\"duration_ms\":");
	p = cur_ms3(p, dur_ns);
	/* two literals, not one chosen: a length the compiler knows is a few
	 * moves, where a chosen one was a string copy of its own */
	if (e->flags & ENTRY_SEEN_START)
		p = cur_puts(p, ",\"start_seen\":true,\"start_time\":\"");
	else
		p = cur_puts(p, ",\"start_seen\":false,\"start_time\":\"");
	p = cur_rfc3339_us(p, output_realtime(out, e->first_ns));
	p = cur_puts(p, "\",\"tx_bytes\":");
	p = cur_u64(p, tr->tx_bytes);
	p = cur_puts(p, ",\"rx_bytes\":");
	p = cur_u64(p, tr->rx_bytes);
	p = cur_puts(p, ",\"path\":\"");
	p = cur_path(p, e);
	return cur_putn(p, "\"}", 2);
}

/* The longer of the two */
#define VIEW_LINE_MAX (JSON_LINE_MAX > TEXT_LINE_MAX ? JSON_LINE_MAX : TEXT_LINE_MAX)

static bool state_filter_ok(const struct filter *f, const struct sock_entry *e)
{
	unsigned int i;

	if (!f->states)
		return true;
	for (i = 0; i < e->path_len; i++)
		if (f->states & (1u << entry_path_state(e, i)))
			return true;
	return false;
}

void life_transition(void *ctx, const struct transition *tr)
{
	struct life_view *v = ctx;
	const struct options *o = v->line.o;
	struct sbuf *sb = &v->line.out->sb;
	char scratch[VIEW_LINE_MAX], *p;
	uint64_t dur_ns;

	if ((o->count && v->shown >= o->count) || !ends_connection(tr))
		return;
	dur_ns = tr->ts_ns > tr->e->first_ns ? tr->ts_ns - tr->e->first_ns : 0;
	if (dur_ns < o->min_ns || (o->max_ns && dur_ns > o->max_ns))
		return;
	/* --state: a state anywhere on the connection's path */
	if (!state_filter_ok(&o->f, tr->e) || !filter_transition_any_state(&o->f, tr))
		return;
	/* made in place: sb_cur_or()'s scratch is for an output without room */
	p = sb_cur_or(sb, scratch, sizeof(scratch));
	sb_cur_done(sb, scratch, p,
		    o->json ? json_line(p, v, tr, dur_ns) : text_line(p, v, tr, dur_ns));
	output_line(v->line.out);
	v->shown++;
}
