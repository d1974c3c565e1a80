// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * UNIX domain sockets in the views. The table section follows netstat -x
 * (columns, flags, states, -l/-a) and adds what netstat cannot say: the peer
 * and its processes. The stream lines name the call, the path, the peer and,
 * for close, how socktrace knows (the hook, or a snapshot that lacked it).
 */
#include "view_unix.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "escape.h"
#include "filter.h"
#include "sock_format.h"

const char *unix_type_name(uint16_t type)
{
	switch (type) {
	case SOCK_STREAM:
		return "stream";
	case SOCK_DGRAM:
		return "dgram";
	default:
		return "seqpacket";
	}
}

/* netstat's State column: the socket's state, LISTENING for a listener */
static const char *state_name(const struct unix_entry *e)
{
	switch (e->state) {
	case ST_SS_UNCONNECTED:
		return e->flags & ST_UNIX_ACC ? "LISTENING" : NULL;
	case ST_SS_CONNECTING:
		return "CONNECTING";
	case ST_SS_CONNECTED:
		return "CONNECTED";
	default:
		return "DISCONNECTING";
	}
}

static const char *source_name(uint8_t src)
{
	static const char *const names[] = {
		[ST_UNIX_SRC_ITER] = "iter",	     [ST_UNIX_SRC_DIAG] = "sock_diag",
		[ST_UNIX_SRC_SYSCALL] = "syscall",   [ST_UNIX_SRC_FENTRY] = "fentry",
		[ST_UNIX_SRC_KPROBE] = "kprobe",     [ST_UNIX_SRC_CLOSE] = "close_syscall",
		[ST_UNIX_SRC_SNAPSHOT] = "snapshot",
	};

	return src < sizeof(names) / sizeof(names[0]) && names[src] ? names[src] : "unknown";
}

/* "family":"unix","proto":"unix","type":..,"path":..,"inode":N,"peer":N|null,"netns":N */
static void put_unix_json(struct sbuf *sb, const struct unix_entry *e, const char *path,
			  size_t path_len)
{
	sb_puts(sb, "\"family\":\"unix\",\"proto\":\"unix\",\"type\":\"");
	sb_puts(sb, unix_type_name(e->type));
	sb_puts(sb, "\",\"path\":");
	sb_put_unix_path_json(sb, path, path_len);
	sb_puts(sb, ",\"inode\":");
	sb_put_u64(sb, e->ino);
	sb_puts(sb, ",\"peer\":");
	if (e->peer_ino)
		sb_put_u64(sb, e->peer_ino);
	else
		sb_puts(sb, "null");
	sb_puts(sb, ",\"netns\":");
	sb_put_u64(sb, e->netns);
}

/* The processes holding inode ino, or the owner that events named. */
static const struct holder *who_holds(struct holders *hs, const struct unix_entry *e, uint64_t ino,
				      size_t *n, size_t *all, struct holder *owner)
{
	const struct holder *h = ino ? holders_find(hs, ino, n) : NULL;

	if (!h)
		*n = 0;
	*all = *n;
	if (*n > HOLDERS_SHOWN)
		*n = HOLDERS_SHOWN;
	if (*n || !e || !e->owner_pid)
		return h;
	owner->ino = ino;
	owner->pid = e->owner_pid;
	memcpy(owner->comm, e->owner_comm, ST_COMM_LEN);
	*n = *all = 1;
	return owner;
}

/* "peer_pids":[{"pid":N,"comm":".."},...] */
static void put_peer_pids_json(struct sbuf *sb, const struct holder *h, size_t n)
{
	size_t i;

	sb_puts(sb, "\"peer_pids\":[");
	for (i = 0; i < n; i++) {
		sb_puts(sb, i ? ",{" : "{");
		put_owner_json(sb, h[i].pid, h[i].comm);
		sb_putc(sb, '}');
	}
	sb_putc(sb, ']');
}

/* ---- table ---- */

struct row_ctx {
	struct table_view *tv;
	const struct unix_table *ut;
};

static bool row_wanted(const void *ctx, const struct unix_entry *e)
{
	const struct row_ctx *rc = ctx;
	const struct options *o = rc->tv->o;
	bool listening = e->flags & ST_UNIX_ACC;
	size_t n = 0, i;
	const struct holder *h;

	/* as netstat: -l listeners only, -a all, neither the rest */
	if (!o->all && o->listening != listening)
		return false;
	if (!filter_unix_path(&o->f, e->path, e->path_len))
		return false;
	if (filter_unix(&o->f, e, e->owner_pid, e->owner_comm))
		return true;
	/* --pid and --comm match any holder, as the row shows them all */
	h = e->ino ? holders_find(rc->tv->holders, e->ino, &n) : NULL;
	for (i = 0; h && i < n; i++)
		if (filter_unix(&o->f, e, h[i].pid, h[i].comm))
			return true;
	return false;
}

static int cmp_u(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

/* listeners first, then by path, then by inode: a stable order to read */
static int cmp_row(const void *a, const void *b)
{
	const struct unix_entry *x = *(const struct unix_entry *const *)a;
	const struct unix_entry *y = *(const struct unix_entry *const *)b;
	size_t l = x->path_len < y->path_len ? x->path_len : y->path_len;
	int c;

	if ((c = cmp_u(!(x->flags & ST_UNIX_ACC), !(y->flags & ST_UNIX_ACC))) ||
	    (c = memcmp(x->path, y->path, l)) || (c = cmp_u(x->path_len, y->path_len)))
		return c;
	return cmp_u(x->key, y->key);
}

static void put_type_text(struct sbuf *sb, uint16_t type)
{
	sb_puts(sb, type == SOCK_STREAM ? "STREAM" : type == SOCK_DGRAM ? "DGRAM" : "SEQPACKET");
}

static void text_header(struct table_view *tv)
{
	const struct options *o = tv->o;
	struct sbuf *sb = &tv->out->sb;

	/* netstat's title, which its users' scripts skip with the header */
	sb_puts(sb, o->all	   ? "Active UNIX domain sockets (servers and established)"
		    : o->listening ? "Active UNIX domain sockets (only servers)"
				   : "Active UNIX domain sockets (w/o servers)");
	output_line(tv->out);
	sb_puts(sb, "Proto RefCnt Flags       Type       State         I-Node   ");
	if (o->extended)
		sb_puts(sb, "User       Netns      ");
	if (o->show_pids)
		sb_puts(sb, "PID/Program name     ");
	sb_puts(sb, "Path");
	if (o->show_pids)
		sb_puts(sb, "  Peer");
	if (o->show_pids && o->extended)
		sb_puts(sb, "  Command line");
	output_line(tv->out);
}

static void text_row(struct table_view *tv, const struct unix_table *ut, const struct unix_entry *e)
{
	const struct options *o = tv->o;
	struct sbuf *sb = &tv->out->sb;
	const char *state = state_name(e);
	struct holder owner, powner;
	size_t n, all, pn, pall, from, i;
	const struct holder *h = who_holds(tv->holders, e, e->ino, &n, &all, &owner), *ph;
	const struct unix_entry *peer = e->peer_ino ? unix_table_find(ut, e->peer_ino) : NULL;

	sb_puts(sb, "unix  ");
	from = sb->len;
	/* sock_diag does not report the count */
	if (e->refcnt)
		sb_put_u64(sb, e->refcnt);
	else
		sb_putc(sb, '-');
	sb_pad(sb, from, 6);
	sb_puts(sb, e->flags & ST_UNIX_ACC ? " [ ACC ]     " : " [ ]         ");
	from = sb->len;
	put_type_text(sb, e->type);
	sb_pad(sb, from, 10);
	sb_putc(sb, ' ');
	from = sb->len;
	sb_puts(sb, state ? state : "");
	sb_pad(sb, from, 13);
	sb_putc(sb, ' ');
	from = sb->len;
	sb_put_u64(sb, e->ino);
	sb_pad(sb, from, 8);
	sb_putc(sb, ' ');
	if (o->extended)
		sb_printf(sb, "%-10u %-10u ", e->uid, e->netns);
	if (o->show_pids) {
		from = sb->len;
		if (!n)
			sb_putc(sb, '-');
		put_holders_text(sb, h, n, all);
		sb_pad(sb, from, 20);
		sb_putc(sb, ' ');
	}
	sb_put_unix_path_text(sb, e->path, e->path_len);
	if (o->show_pids && e->peer_ino) {
		/* beyond netstat: the other end, and who holds it */
		ph = who_holds(tv->holders, peer, e->peer_ino, &pn, &pall, &powner);
		sb_puts(sb, "  <-> ");
		sb_put_u64(sb, e->peer_ino);
		sb_putc(sb, ' ');
		if (!pn)
			sb_putc(sb, '-');
		put_holders_text(sb, ph, pn, pall);
	}
	if (o->show_pids && o->extended)
		for (i = 0; i < n; i++) {
			sb_puts(sb, i ? " | " : "  ");
			put_cmdline_text(sb, h[i].pid, tv->cmdline);
		}
	output_line(tv->out);
}

static void json_row(struct table_view *tv, const struct unix_table *ut, const struct unix_entry *e,
		     uint64_t now)
{
	struct sbuf *sb = &tv->out->sb;
	const char *state = state_name(e);
	struct holder owner, powner;
	size_t n, all, pn = 0, pall;
	const struct holder *h = who_holds(tv->holders, e, e->ino, &n, &all, &owner), *ph = NULL;
	const struct unix_entry *peer = e->peer_ino ? unix_table_find(ut, e->peer_ino) : NULL;

	if (e->peer_ino)
		ph = who_holds(tv->holders, peer, e->peer_ino, &pn, &pall, &powner);
	sb_puts(sb, "{\"event\":\"socket\",");
	put_time_json(sb, tv->out, now);
	sb_putc(sb, ',');
	put_unix_json(sb, e, e->path, e->path_len);
	sb_puts(sb, ",\"state\":");
	if (state)
		sb_printf(sb, "\"%s\"", state);
	else
		sb_puts(sb, "null");
	sb_puts(sb, ",\"refcnt\":");
	if (e->refcnt)
		sb_put_u64(sb, e->refcnt);
	else
		sb_puts(sb, "null");
	sb_puts(sb, e->flags & ST_UNIX_ACC ? ",\"flags\":[\"ACC\"]" : ",\"flags\":[]");
	sb_printf(sb, ",\"recv_q\":%u,\"send_q\":%u,\"uid\":%u,\"owner\":\"%s\",", e->rx_queue,
		  e->tx_queue, e->uid, owner_src_name(e->owner_src));
	put_holders_json(sb, h, n, all, tv->cmdline);
	sb_putc(sb, ',');
	put_peer_pids_json(sb, ph, pn);
	sb_putc(sb, '}');
	output_line(tv->out);
}

int unix_view_print(struct table_view *tv, const struct unix_table *ut, uint64_t now)
{
	const struct unix_entry **rows;
	struct row_ctx rc = {tv, ut};
	size_t n, i;

	if (!tv->cmdline) {
		tv->cmdline = malloc(CMDLINE_SHOWN);
		if (!tv->cmdline)
			return -1;
	}
	if (unix_table_collect(ut, row_wanted, &rc, &rows, &n))
		return -1;
	if (n)
		qsort(rows, n, sizeof(*rows), cmp_row);
	if (!tv->o->json && !tv->o->no_header)
		text_header(tv);
	for (i = 0; i < n; i++) {
		if (tv->o->json)
			json_row(tv, ut, rows[i], now);
		else
			text_row(tv, ut, rows[i]);
	}
	if (tv->o->json) {
		sb_puts(&tv->out->sb, "{\"event\":\"table\",\"family\":\"unix\",");
		put_time_json(&tv->out->sb, tv->out, now);
		sb_printf(&tv->out->sb, ",\"rows\":%zu}", n);
		output_line(tv->out);
	}
	free(rows);
	return 0;
}

/* ---- watch and life ---- */

static const char *event_name(uint8_t ev)
{
	static const char *const names[] = {
		[ST_UNIX_SOCK] = "socket",   [ST_UNIX_BIND] = "bind",
		[ST_UNIX_LISTEN] = "listen", [ST_UNIX_CONNECT] = "connect",
		[ST_UNIX_ACCEPT] = "accept", [ST_UNIX_SOCKETPAIR] = "socketpair",
		[ST_UNIX_CLOSE] = "close",
	};

	return ev < sizeof(names) / sizeof(names[0]) && names[ev] ? names[ev] : "?";
}

/* Whom a line is about: the owner the table knows, else the task. */
static void line_who(const struct unix_event *ev, uint32_t *pid, const char **comm)
{
	const struct unix_entry *e = ev->e;

	if (ev->task && ev->event != ST_UNIX_CLOSE) {
		*pid = ev->task->tgid;
		*comm = ev->task->comm;
	} else if (e->owner_pid) {
		*pid = e->owner_pid;
		*comm = e->owner_comm;
	} else {
		*pid = ev->task ? ev->task->tgid : 0;
		*comm = ev->task ? ev->task->comm : "";
	}
}

/* The other end's process: the listener's for a connect, else the peer's. */
static const struct holder *other_end(struct unix_stream *us, const struct unix_event *ev,
				      struct holder *owner, size_t *n)
{
	const struct unix_entry *o =
		ev->event == ST_UNIX_CONNECT && ev->server ? ev->server : ev->peer;
	size_t all;

	*n = 0;
	if (!o)
		return NULL;
	return who_holds(us->holders, o, o->ino, n, &all, owner);
}

static void put_peer_text(struct sbuf *sb, const struct unix_entry *peer, const struct holder *h,
			  size_t n)
{
	if (!peer && !n)
		return;
	sb_puts(sb, " <->");
	if (peer && peer->ino) {
		sb_putc(sb, ' ');
		sb_put_u64(sb, peer->ino);
	}
	if (n) {
		sb_putc(sb, ' ');
		put_holders_text(sb, h, n, n);
	}
}

static void watch_text(struct unix_stream *us, const struct unix_event *ev, uint32_t pid,
		       const char *comm, const struct holder *ph, size_t pn)
{
	struct sbuf *sb = &us->line.out->sb;
	size_t from;

	stream_put_time(&us->line, ev->ts_ns);
	sb_putc(sb, ' ');
	from = sb->len;
	sb_put_u64(sb, pid);
	sb_pad(sb, from, 7);
	sb_putc(sb, ' ');
	from = sb->len;
	sb_put_text_escaped(sb, comm, ST_COMM_LEN);
	sb_pad(sb, from, 15);
	sb_puts(sb, " unix  ");
	sb_puts(sb, event_name(ev->event));
	sb_putc(sb, ' ');
	sb_puts(sb, unix_type_name(ev->e->type));
	sb_putc(sb, ' ');
	if (ev->path_len)
		sb_put_unix_path_text(sb, ev->path, ev->path_len);
	else
		sb_puts(sb, "(unnamed)");
	sb_puts(sb, " ino ");
	sb_put_u64(sb, ev->e->ino);
	if (ev->event == ST_UNIX_LISTEN)
		sb_printf(sb, " backlog %u", ev->arg);
	if (ev->err) {
		sb_putc(sb, ' ');
		put_err_name(sb, ev->err);
	} else {
		put_peer_text(sb,
			      ev->event == ST_UNIX_CONNECT && ev->server ? ev->server : ev->peer,
			      ph, pn);
	}
	if (ev->event == ST_UNIX_CLOSE) {
		sb_puts(sb, " (");
		sb_puts(sb, source_name(ev->source));
		sb_putc(sb, ')');
	}
}

static void watch_json(struct unix_stream *us, const struct unix_event *ev, uint32_t pid,
		       const char *comm, const struct holder *ph, size_t pn)
{
	struct sbuf *sb = &us->line.out->sb;

	sb_puts(sb, "{\"event\":\"");
	sb_puts(sb, event_name(ev->event));
	sb_puts(sb, "\",");
	put_time_json(sb, us->line.out, ev->ts_ns);
	sb_putc(sb, ',');
	put_unix_json(sb, ev->e, ev->path, ev->path_len);
	if (ev->event == ST_UNIX_BIND || ev->event == ST_UNIX_CONNECT ||
	    ev->event == ST_UNIX_LISTEN) {
		sb_puts(sb, ",\"errno\":");
		sb_put_i64(sb, ev->err);
		if (ev->err) {
			sb_puts(sb, ",\"error\":\"");
			put_err_name(sb, ev->err);
			sb_putc(sb, '"');
		}
	}
	if (ev->event == ST_UNIX_LISTEN)
		sb_printf(sb, ",\"backlog\":%u", ev->arg);
	if (ev->event == ST_UNIX_SOCKETPAIR)
		sb_printf(sb, ",\"fds\":[%d,%u]", ev->fd, ev->arg);
	sb_puts(sb, ",\"source\":\"");
	sb_puts(sb, source_name(ev->source));
	sb_puts(sb, ev->source == ST_UNIX_SRC_SNAPSHOT ? "\",\"derived\":true," : "\",");
	put_owner_src_json(sb, pid, comm, ev->e->owner_src);
	if (ev->task && ev->task->tgid != pid) {
		sb_puts(sb, ",\"task_pid\":");
		sb_put_u64(sb, ev->task->tgid);
	}
	sb_putc(sb, ',');
	put_peer_pids_json(sb, ph, pn);
	sb_putc(sb, '}');
}

/*
 * life: one line per stream or seqpacket connection when an end closes that
 * socktrace saw connect, accept or socketpair. The connector is the side
 * connect() made; the acceptor the side accept() returned.
 */
static void life_line(struct unix_stream *us, const struct unix_event *ev)
{
	const struct unix_entry *e = ev->e, *p = ev->peer;
	const struct unix_entry *conn = e->role == UNIX_ROLE_ACCEPT ? p : e;
	/* a connector's own address is mostly unnamed: the connection's path is
	 * the accepted end's, which it took from its listener */
	const struct unix_entry *named = !e->path_len && p ? p : e;
	const struct unix_entry *acc = e->role == UNIX_ROLE_ACCEPT ? e : p;
	struct sbuf *sb = &us->line.out->sb;
	uint64_t dur = ev->ts_ns > e->connected_ns ? ev->ts_ns - e->connected_ns : 0;

	if (us->line.o->json) {
		sb_puts(sb, "{\"event\":\"close\",");
		put_time_json(sb, us->line.out, ev->ts_ns);
		sb_putc(sb, ',');
		put_unix_json(sb, e, named->path, named->path_len);
		sb_printf(sb, ",\"role\":\"%s\",\"duration_ms\":",
			  e->role == UNIX_ROLE_ACCEPT	 ? "acceptor"
			  : e->role == UNIX_ROLE_CONNECT ? "connector"
							 : "pair");
		sb_put_ms3(sb, dur);
		sb_puts(sb, ",\"connector\":");
		if (conn && conn->owner_pid) {
			sb_putc(sb, '{');
			put_owner_json(sb, conn->owner_pid, conn->owner_comm);
			sb_putc(sb, '}');
		} else {
			sb_puts(sb, "null");
		}
		sb_puts(sb, ",\"acceptor\":");
		if (acc && acc->owner_pid) {
			sb_putc(sb, '{');
			put_owner_json(sb, acc->owner_pid, acc->owner_comm);
			sb_putc(sb, '}');
		} else {
			sb_puts(sb, "null");
		}
		sb_puts(sb, ",\"close_source\":\"");
		sb_puts(sb, source_name(ev->source));
		sb_puts(sb, "\"}");
	} else {
		stream_put_time(&us->line, ev->ts_ns);
		sb_puts(sb, " unix  ");
		sb_puts(sb, unix_type_name(e->type));
		sb_putc(sb, ' ');
		if (named->path_len)
			sb_put_unix_path_text(sb, named->path, named->path_len);
		else
			sb_puts(sb, "(unnamed)");
		sb_puts(sb, " connector ");
		if (conn && conn->owner_pid)
			sb_printf(sb, "%u/", conn->owner_pid);
		sb_put_text_escaped(sb, conn ? conn->owner_comm : "-", ST_COMM_LEN);
		sb_puts(sb, " acceptor ");
		if (acc && acc->owner_pid)
			sb_printf(sb, "%u/", acc->owner_pid);
		sb_put_text_escaped(sb, acc ? acc->owner_comm : "-", ST_COMM_LEN);
		sb_puts(sb, " ms ");
		sb_put_ms3(sb, dur);
	}
}

void unix_stream_event(void *ctx, const struct unix_event *ev)
{
	struct unix_stream *us = ctx;
	const struct options *o = us->line.o;
	struct holder owner;
	const struct holder *ph;
	const char *comm;
	uint32_t pid;
	size_t pn;

	if (o->count && us->shown >= o->count)
		return;
	line_who(ev, &pid, &comm);
	if (!filter_unix(&o->f, ev->e, pid, comm) ||
	    !filter_unix_path(&o->f, ev->path, ev->path_len))
		return;
	if (us->life) {
		/* a connection ends once: at whichever end closes first */
		if (ev->event != ST_UNIX_CLOSE || !ev->e->role || ev->e->type == SOCK_DGRAM)
			return;
		life_line(us, ev);
	} else {
		ph = other_end(us, ev, &owner, &pn);
		if (o->json)
			watch_json(us, ev, pid, comm, ph, pn);
		else
			watch_text(us, ev, pid, comm, ph, pn);
	}
	output_line(us->line.out);
	us->shown++;
}

void unix_stream_header(struct unix_stream *us)
{
	const struct options *o = us->line.o;

	if (o->json || o->no_header)
		return;
	sb_puts(&us->line.out->sb, us->life ? "TIME     PROTO TYPE PATH ROLES MS"
					    : "TIME     PID     COMM            PROTO EVENT");
	output_line(us->line.out);
}
