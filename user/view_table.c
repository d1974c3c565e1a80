// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * socktrace table: netstat's table, drawn from the live table. Rows, columns
 * and flags follow netstat -tulpanec; holders come from the last task_file
 * snapshot, falling back to the owner that events named.
 */
#include "view_table.h"

#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "addr.h"
#include "columns.h"
#include "escape.h"
#include "filter.h"
#include "proc.h"
#include "sock_format.h"
#include "states.h"
#include "zone.h"

#define CMDLINE_MAX CMDLINE_SHOWN

enum {
	C_PROTO,
	C_RECVQ,
	C_SENDQ,
	C_LOCAL,
	C_REMOTE,
	C_STATE,
	C_USER,
	C_INODE,
	C_NETNS,
	C_PIDS,
	C_CMDLINE,
	C_N
};

/* netstat -tulpanewW's columns; JSON names the values, with the tuple's own keys */
static const struct column cols[C_N] = {
	[C_PROTO] = {.header = "Proto", .width = 5},
	[C_RECVQ] = {.header = "Recv-Q", .key = "recv_q", .gap = 1, .width = 6, .right = true},
	[C_SENDQ] = {.header = "Send-Q", .key = "send_q", .gap = 1, .width = 6, .right = true},
	[C_LOCAL] = {.header = "Local Address", .gap = 1, .width = 23, .wide = COL_W_ADDR_WIDE},
	[C_REMOTE] = {.header = "Foreign Address", .gap = 1, .width = 23, .wide = COL_W_ADDR_WIDE},
	[C_STATE] = {.header = "State", .key = "state", .gap = 1, .width = 11},
	[C_USER] = {.header = "User", .key = "uid", .gap = 1, .width = 10, .when = COL_IF_EXT},
	[C_INODE] = {.header = "Inode", .key = "inode", .gap = 1, .width = 10, .when = COL_IF_EXT},
	[C_NETNS] = {.header = "Netns", .gap = 1, .width = 10, .when = COL_IF_EXT},
	[C_PIDS] = {.header = "PID/Program name", .gap = 1, .width = 16, .when = COL_IF_PIDS},
	[C_CMDLINE] = {.header = "Command line", .gap = 2, .when = COL_IF_EXT | COL_IF_PIDS},
};

static bool is_udp(const struct sock_entry *e)
{
	return e->t.protocol == IPPROTO_UDP;
}

/* netstat -l: TCP listeners and unconnected UDP sockets */
static bool is_listening(const struct sock_entry *e)
{
	return is_udp(e) ? e->state == ST_TCP_CLOSE : e->state == ST_TCP_LISTEN;
}

static bool row_wanted(const void *ctx, const struct sock_entry *e)
{
	const struct table_view *tv = ctx;
	const struct options *o = tv->o;
	bool tcp = o->tcp || !o->udp, udp = o->udp || !o->tcp;
	const struct holder *h;
	size_t n = 0, i;

	/* -t: MPTCP too, a stream protocol netstat does not know (ss -M) */
	if (is_udp(e) ? !udp
		      : (!tcp || (e->t.protocol != IPPROTO_TCP && e->t.protocol != IPPROTO_MPTCP)))
		return false;
	if (!o->all && o->listening != is_listening(e))
		return false;
	if (filter_entry(&o->f, e))
		return true;
	/* --pid and --comm match any holder, as the row shows them all */
	if ((!o->f.pid && !o->f.has_comm) || (e->flags & ENTRY_TIMEWAIT) || !tv->holders)
		return false;
	h = holders_find(tv->holders, e->ino, &n);
	for (i = 0; h && i < n; i++)
		if (filter_entry_held(&o->f, e, h[i].pid, h[i].comm))
			return true;
	return false;
}

static int cmp_u(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

static int cmp_row(const void *a, const void *b)
{
	const struct sock_entry *x = *(const struct sock_entry *const *)a;
	const struct sock_entry *y = *(const struct sock_entry *const *)b;
	int c;

	if ((c = cmp_u(is_udp(x), is_udp(y))) || (c = cmp_u(x->t.family, y->t.family)) ||
	    (c = cmp_u(is_listening(y), is_listening(x))) || (c = cmp_u(x->t.sport, y->t.sport)) ||
	    (c = memcmp(x->t.saddr, y->t.saddr, sizeof(x->t.saddr))) ||
	    (c = memcmp(x->t.daddr, y->t.daddr, sizeof(x->t.daddr))) ||
	    (c = cmp_u(x->t.dport, y->t.dport)))
		return c;
	return cmp_u(x->id, y->id);
}

/* netstat's address column: 0.0.0.0:22, 0.0.0.0:* ; IPv6 in brackets */
static void put_endpoint_text(struct sbuf *sb, const struct st_tuple *t, bool local)
{
	uint16_t port = local ? t->sport : t->dport;

	if (t->family == AF_INET6)
		sb_putc(sb, '[');
	sb_put_addr(sb, t->family, local ? t->saddr : t->daddr);
	sb_put_zone(sb, t, local);
	if (t->family == AF_INET6)
		sb_putc(sb, ']');
	sb_putc(sb, ':');
	if (port)
		sb_put_u64(sb, port);
	else
		sb_putc(sb, '*');
}

static const char *row_state(const struct sock_entry *e)
{
	if (is_udp(e))
		return e->state == ST_TCP_ESTABLISHED ? "ESTABLISHED" : NULL;
	/* a request socket is what netstat calls SYN_RECV */
	return tcp_state_name(e->state == ST_TCP_NEW_SYN_RECV ? ST_TCP_SYN_RECV : e->state);
}

/* The processes to show: every holder, or the owner events named. */
static const struct holder *row_holders(struct table_view *tv, const struct sock_entry *e,
					size_t *n, size_t *all, struct holder *owner)
{
	const struct holder *h = NULL;

	*n = 0;
	if (!(e->flags & ENTRY_TIMEWAIT))
		h = holders_find(tv->holders, e->ino, n);
	*all = *n;
	if (*n > HOLDERS_SHOWN)
		*n = HOLDERS_SHOWN; /* what one line holds; the first by pid */
	if (*n)
		return h;
	if (e->owner_src == OWNER_NONE || (e->flags & ENTRY_TIMEWAIT))
		return NULL;
	owner->ino = e->ino;
	owner->pid = e->owner_pid;
	memcpy(owner->comm, e->owner_comm, ST_COMM_LEN);
	*n = *all = 1;
	return owner;
}

static void text_header(struct table_view *tv)
{
	const struct options *o = tv->o;
	unsigned int have = (o->extended ? COL_IF_EXT : 0) | (o->show_pids ? COL_IF_PIDS : 0);

	/* netstat's title, which its users' scripts skip with the header */
	sb_puts(&tv->out->sb, o->all ? "Active Internet connections (servers and established)"
			      : o->listening ? "Active Internet connections (only servers)"
					     : "Active Internet connections (w/o servers)");
	output_line(tv->out);
	col_header(&tv->out->sb, cols, C_N, have, o->wide);
	output_line(tv->out);
}

static void text_row(struct table_view *tv, const struct sock_entry *e)
{
	const struct options *o = tv->o;
	struct sbuf *sb = &tv->out->sb;
	size_t from, n, all, i, over;
	const char *state = row_state(e);
	struct holder owner;
	const struct holder *h = row_holders(tv, e, &n, &all, &owner);

	from = sb->len;
	put_proto_text(sb, e);
	col_pad(sb, from, &cols[C_PROTO], o->wide);
	/* "mptcp6" is wider than netstat's Proto: the right-aligned Recv-Q
	 * gives the character back, so the columns after it stay in place */
	over = sb->len - from - col_width(&cols[C_PROTO], o->wide);
	if (over >= cols[C_RECVQ].width)
		over = cols[C_RECVQ].width - 1;
	sb_printf(sb, " %*u %*u ", (int)(cols[C_RECVQ].width - over), e->rx_queue,
		  cols[C_SENDQ].width, e->tx_queue);
	from = sb->len;
	put_endpoint_text(sb, &e->t, true);
	col_pad(sb, from, &cols[C_LOCAL], o->wide);
	sb_putc(sb, ' ');
	from = sb->len;
	put_endpoint_text(sb, &e->t, false);
	col_pad(sb, from, &cols[C_REMOTE], o->wide);
	sb_putc(sb, ' ');
	from = sb->len;
	sb_puts(sb, state ? state : "");
	col_pad(sb, from, &cols[C_STATE], o->wide);
	if (o->extended)
		sb_printf(sb, " %-*u %-*llu %-*u", cols[C_USER].width, e->uid, cols[C_INODE].width,
			  (unsigned long long)e->ino, cols[C_NETNS].width, e->t.netns);
	if (o->show_pids) {
		sb_putc(sb, ' ');
		from = sb->len;
		if (!n)
			sb_putc(sb, '-');
		put_holders_text(sb, h, n, all);
		if (o->extended) {
			col_pad(sb, from, &cols[C_PIDS], o->wide);
			for (i = 0; i < n; i++) {
				sb_puts(sb, i ? " | " : "  ");
				put_cmdline_text(sb, h[i].pid, tv->cmdline);
			}
		}
	}
	output_line(tv->out);
}

/* JSON-only values */
static const struct column j_v6only = {.key = "v6only"}, j_reuseaddr = {.key = "reuseaddr"},
			   j_reuseport = {.key = "reuseport"}, j_owner = {.key = "owner"};

static void json_row(struct table_view *tv, const struct sock_entry *e, uint64_t now)
{
	struct sbuf *sb = &tv->out->sb;
	const char *state = row_state(e);
	struct holder owner;
	size_t n, all;
	const struct holder *h = row_holders(tv, e, &n, &all, &owner);

	sb_puts(sb, "{\"event\":\"socket\",");
	put_time_json(sb, tv->out, now);
	sb_putc(sb, ',');
	put_sock_tuple_json(sb, e->id, &e->t);
	put_mptcp_parent_json(sb, e);
	col_json_str(sb, &cols[C_STATE], state);
	col_json_u64(sb, &cols[C_RECVQ], e->rx_queue);
	col_json_u64(sb, &cols[C_SENDQ], e->tx_queue);
	col_json_u64(sb, &cols[C_USER], e->uid);
	col_json_u64(sb, &cols[C_INODE], e->ino);
	col_json_bool(sb, &j_v6only, e->t.flags & ST_SK_V6ONLY);
	col_json_bool(sb, &j_reuseaddr, e->t.flags & ST_SK_REUSEADDR);
	col_json_bool(sb, &j_reuseport, e->t.flags & ST_SK_REUSEPORT);
	col_json_str(sb, &j_owner, owner_src_name(e->owner_src));
	sb_putc(sb, ',');
	put_holders_json(sb, h, n, all, tv->cmdline);
	sb_putc(sb, '}');
	output_line(tv->out);
}

int table_view_print(struct table_view *tv, struct table *tb, uint64_t now)
{
	const struct sock_entry **rows;
	size_t n, i;

	if (!tv->cmdline) {
		tv->cmdline = malloc(CMDLINE_MAX);
		if (!tv->cmdline)
			return -1;
	}
	if (table_collect(tb, row_wanted, tv, &rows, &n))
		return -1;
	if (n) /* qsort() wants a non-NULL array, even for no elements */
		qsort(rows, n, sizeof(*rows), cmp_row);
	if (!tv->o->json && !tv->o->no_header)
		text_header(tv);
	for (i = 0; i < n; i++) {
		if (tv->o->json)
			json_row(tv, rows[i], now);
		else
			text_row(tv, rows[i]);
	}
	if (tv->o->json) {
		sb_puts(&tv->out->sb, "{\"event\":\"table\",");
		put_time_json(&tv->out->sb, tv->out, now);
		sb_printf(&tv->out->sb, ",\"rows\":%zu}", n);
		output_line(tv->out);
	}
	free(rows);
	return 0;
}

void table_view_free(struct table_view *tv)
{
	free(tv->cmdline);
	tv->cmdline = NULL;
}
