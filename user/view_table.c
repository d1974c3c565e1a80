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
#include "escape.h"
#include "filter.h"
#include "proc.h"
#include "states.h"
#include "timefmt.h"

#define W_ADDR	    23
#define W_ADDR_WIDE 47
#define CMDLINE_MAX CMDLINE_SHOWN

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
	const struct options *o = ctx;
	bool tcp = o->tcp || !o->udp, udp = o->udp || !o->tcp;

	if (is_udp(e) ? !udp : (!tcp || e->t.protocol != IPPROTO_TCP))
		return false;
	if (!o->all && o->listening != is_listening(e))
		return false;
	return filter_entry(&o->f, e);
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
					size_t *n, struct holder *owner)
{
	const struct holder *h = NULL;

	*n = 0;
	if (!(e->flags & ENTRY_TIMEWAIT))
		h = holders_find(tv->holders, e->ino, n);
	if (*n > HOLDERS_SHOWN)
		*n = HOLDERS_SHOWN; /* what one line holds; the first by pid */
	if (*n)
		return h;
	if (e->owner_src == OWNER_NONE || (e->flags & ENTRY_TIMEWAIT))
		return NULL;
	owner->ino = e->ino;
	owner->pid = e->owner_pid;
	memcpy(owner->comm, e->owner_comm, ST_COMM_LEN);
	*n = 1;
	return owner;
}

static void text_header(struct table_view *tv)
{
	const struct options *o = tv->o;
	struct sbuf *sb = &tv->out->sb;
	int w = o->wide ? W_ADDR_WIDE : W_ADDR;

	sb_printf(sb, "Proto Recv-Q Send-Q %-*s %-*s %-11s", w, "Local Address", w,
		  "Foreign Address", "State");
	if (o->extended)
		sb_printf(sb, " %-10s %-10s %-10s", "User", "Inode", "Netns");
	if (o->show_pids)
		sb_puts(sb, " PID/Program name");
	if (o->extended && o->show_pids)
		sb_puts(sb, "  Command line");
	output_line(tv->out);
}

static void text_row(struct table_view *tv, const struct sock_entry *e)
{
	const struct options *o = tv->o;
	struct sbuf *sb = &tv->out->sb;
	size_t from, n, i, w = o->wide ? W_ADDR_WIDE : W_ADDR;
	const char *state = row_state(e), *proto = proto_name(e->t.protocol, e->t.family);
	struct holder owner;
	const struct holder *h = row_holders(tv, e, &n, &owner);

	from = sb->len;
	sb_puts(sb, proto ? proto : "?");
	sb_pad(sb, from, 5);
	sb_printf(sb, " %6u %6u ", e->rx_queue, e->tx_queue);
	from = sb->len;
	put_endpoint_text(sb, &e->t, true);
	sb_pad(sb, from, w);
	sb_putc(sb, ' ');
	from = sb->len;
	put_endpoint_text(sb, &e->t, false);
	sb_pad(sb, from, w);
	sb_putc(sb, ' ');
	from = sb->len;
	sb_puts(sb, state ? state : "");
	sb_pad(sb, from, 11);
	if (o->extended)
		sb_printf(sb, " %-10u %-10llu %-10u", e->uid, (unsigned long long)e->ino,
			  e->t.netns);
	if (o->show_pids) {
		sb_putc(sb, ' ');
		from = sb->len;
		if (!n)
			sb_putc(sb, '-');
		put_holders_text(sb, h, n);
		if (o->extended) {
			sb_pad(sb, from, 16);
			for (i = 0; i < n; i++) {
				size_t len = proc_cmdline(h[i].pid, tv->cmdline, CMDLINE_MAX);

				sb_puts(sb, i ? " | " : "  ");
				sb_put_cmdline_text(sb, tv->cmdline, len);
			}
		}
	}
	output_line(tv->out);
}

static void put_bool(struct sbuf *sb, const char *key, bool v)
{
	sb_puts(sb, key);
	sb_puts(sb, v ? "true" : "false");
}

static void json_row(struct table_view *tv, const struct sock_entry *e, uint64_t now)
{
	struct sbuf *sb = &tv->out->sb;
	const char *state = row_state(e);
	struct holder owner;
	size_t n;
	const struct holder *h = row_holders(tv, e, &n, &owner);

	sb_puts(sb, "{\"event\":\"socket\",");
	put_time_json(sb, tv->out, now);
	sb_putc(sb, ',');
	put_sock_tuple_json(sb, e->id, &e->t);
	sb_puts(sb, ",\"state\":");
	if (state) {
		sb_putc(sb, '"');
		sb_puts(sb, state);
		sb_putc(sb, '"');
	} else {
		sb_puts(sb, "null");
	}
	sb_printf(sb, ",\"recv_q\":%u,\"send_q\":%u,\"uid\":%u,\"inode\":%llu", e->rx_queue,
		  e->tx_queue, e->uid, (unsigned long long)e->ino);
	put_bool(sb, ",\"v6only\":", e->t.flags & ST_SK_V6ONLY);
	put_bool(sb, ",\"reuseaddr\":", e->t.flags & ST_SK_REUSEADDR);
	put_bool(sb, ",\"reuseport\":", e->t.flags & ST_SK_REUSEPORT);
	sb_puts(sb, ",\"owner\":\"");
	sb_puts(sb, owner_src_name(e->owner_src));
	sb_puts(sb, "\",");
	put_holders_json(sb, h, n, tv->cmdline);
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
	if (table_collect(tb, row_wanted, tv->o, &rows, &n))
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
