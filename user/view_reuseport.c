// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * socktrace reuseport: how a port's listening sockets share the load. A group
 * is the listeners of one (netns, family, address, port) when there is more
 * than one, or any with SO_REUSEPORT. Per member: its holders, connections
 * accepted from it (accept() names the listener), connections the kernel
 * queued on it (a queue hook, else accepted + queue), its queue and backlog,
 * drops, and its share; per group: imbalance (max/mean, coefficient of
 * variation) and members that accept nothing while connections wait.
 * A listener held or accepted from by several processes is a group of its own
 * (fork() or fd passing share one socket); per listener its acceptors, per
 * group the balance across processes (view_reuseport_procs.c).
 */
#include "view_reuseport.h"

#include <math.h>
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

#define CMDLINE_MAX	CMDLINE_SHOWN
#define BAR_WIDTH	20
#define ACCEPTORS_SHOWN 8 /* acceptor lines under a listener, without -e */

enum { C_SOCK, C_PIDS, C_ACCEPTED, C_QUEUED, C_QUEUE, C_BACKLOG, C_DROPS, C_SHARE, C_N };

/* A member's line under its group's; JSON names the same values */
static const struct column cols[C_N] = {
	[C_SOCK] = {.header = "SOCK", .key = "sock", .width = 20},
	[C_PIDS] = {.header = "PID/PROGRAM", .gap = 1, .width = 24},
	[C_ACCEPTED] =
		{.header = "ACCEPTED", .key = "accepted", .gap = 1, .width = 9, .right = true},
	/* "~" follows when counted without a queue hook */
	[C_QUEUED] =
		{.header = "QUEUED", .key = "queued_total", .gap = 1, .width = 9, .right = true},
	[C_QUEUE] = {.header = "QUEUE", .key = "queue", .gap = 1, .width = 6, .right = true},
	[C_BACKLOG] = {.header = "BACKLOG", .key = "backlog", .gap = 1, .width = 8, .right = true},
	[C_DROPS] = {.header = "DROPS", .key = "drops", .gap = 1, .width = 6, .right = true},
	/* a percentage, "%" included */
	[C_SHARE] = {.header = "SHARE", .key = "share", .gap = 1, .width = 6, .right = true},
};
#define MEMBER_INDENT "  "

/* A member as the last report saw it: to tell who joined and who left. */
struct rp_known {
	uint64_t id;
	struct st_tuple t;
	uint32_t accepted, queued, queue, backlog, drops;
	uint32_t pid;
	char comm[ST_COMM_LEN];
	uint32_t round; /* last round it was present */
	bool seeded;
	bool told_left; /* its leaving was reported (with its group's present members) */
};

struct rp_member {
	const struct sock_entry *e; /* NULL for a member that left */
	struct rp_known *k;	    /* set once the group is complete: known may move */
	size_t ki;		    /* its index in known */
	const char *status;	    /* "active", "joined", "left" */
};

static bool same_group(const struct st_tuple *a, const struct st_tuple *b)
{
	return a->netns == b->netns && a->family == b->family && a->sport == b->sport &&
	       a->protocol == b->protocol && !memcmp(a->saddr, b->saddr, sizeof(a->saddr));
}

static int cmp_group(const struct st_tuple *a, const struct st_tuple *b)
{
	int c;

	if (a->netns != b->netns)
		return a->netns < b->netns ? -1 : 1;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->sport != b->sport)
		return a->sport < b->sport ? -1 : 1;
	c = memcmp(a->saddr, b->saddr, sizeof(a->saddr));
	return c;
}

static bool listener_wanted(const void *ctx, const struct sock_entry *e)
{
	return e->t.protocol == IPPROTO_TCP && filter_entry(ctx, e);
}

/*
 * The filters a report honours: a group is a local port in a namespace, and
 * --port names a listener's own port (it has no remote one).
 */
static struct filter listener_filter(const struct filter *f)
{
	return (struct filter){.family = f->family,
			       .netns = f->netns,
			       .lport = f->lport,
			       .port = f->port,
			       .states = 1u << ST_TCP_LISTEN};
}

static int cmp_listener(const void *a, const void *b)
{
	const struct sock_entry *x = *(const struct sock_entry *const *)a;
	const struct sock_entry *y = *(const struct sock_entry *const *)b;
	int c = cmp_group(&x->t, &y->t);

	return c ? c : (x->id > y->id) - (x->id < y->id);
}

static struct rp_known *known_find(struct reuseport_view *v, uint64_t id)
{
	size_t i;

	for (i = 0; i < v->nknown; i++)
		if (v->known[i].id == id)
			return &v->known[i];
	return NULL;
}

static struct rp_known *known_add(struct reuseport_view *v, const struct sock_entry *e)
{
	struct rp_known *k;

	if (v->nknown == v->capknown) {
		size_t ncap = v->capknown ? v->capknown * 2 : 64;
		struct rp_known *nk = realloc(v->known, ncap * sizeof(*nk));

		if (!nk)
			return NULL;
		v->known = nk;
		v->capknown = ncap;
	}
	k = &v->known[v->nknown++];
	memset(k, 0, sizeof(*k));
	k->id = e->id;
	k->seeded = e->flags & ENTRY_SEEDED;
	return k;
}

static void known_update(struct rp_known *k, const struct sock_entry *e, uint32_t round)
{
	k->t = e->t;
	k->accepted = e->accepted;
	k->queued = e->queued;
	k->queue = e->rx_queue;
	k->backlog = e->tx_queue;
	k->drops = e->drops;
	k->pid = e->owner_pid;
	memcpy(k->comm, e->owner_comm, ST_COMM_LEN);
	k->round = round;
}

static uint32_t queued_total(const struct reuseport_view *v, const struct rp_known *k)
{
	/* without a queue hook: what was accepted plus what still waits */
	return v->queue_exact ? k->queued : k->accepted + k->queue;
}

/* Its holders now, else the owner events named (none for a member that left). */
static const struct holder *member_holders(struct reuseport_view *v, const struct rp_member *m,
					   struct holder *owner, size_t *n, size_t *all)
{
	const struct holder *h = m->e ? holders_find(v->holders, m->e->ino, n) : NULL;

	if (!m->e)
		*n = 0;
	*all = *n;
	if (*n > HOLDERS_SHOWN)
		*n = HOLDERS_SHOWN; /* what one line holds; the first by pid */
	if (*n)
		return h;
	owner->pid = m->k->pid;
	memcpy(owner->comm, m->k->comm, ST_COMM_LEN);
	*n = *all = m->k->pid ? 1 : 0;
	return owner;
}

struct group_stats {
	uint64_t total;	 /* accepted by the members counted */
	double max_mean; /* 0 when nothing was accepted */
	double cv;
	size_t present;
	size_t counted; /* the present members; every member of a group gone */
	bool gone;	/* no member is present: the counts are the last ones */
};

/* Whether a member's counts are the group's: the present ones', or the last
 * ones of a group that is gone. */
static bool counted(const struct rp_member *m, const struct group_stats *g)
{
	return m->e || g->gone;
}

static void group_stats(const struct rp_member *m, size_t n, struct group_stats *g)
{
	double mean, var = 0;
	uint32_t max = 0;
	size_t i;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < n; i++)
		g->present += m[i].e != NULL;
	g->gone = !g->present;
	for (i = 0; i < n; i++) {
		if (!counted(&m[i], g))
			continue;
		g->counted++;
		g->total += m[i].k->accepted;
		if (m[i].k->accepted > max)
			max = m[i].k->accepted;
	}
	if (!g->counted || !g->total)
		return;
	mean = (double)g->total / g->counted;
	for (i = 0; i < n; i++)
		if (counted(&m[i], g))
			var += (m[i].k->accepted - mean) * (m[i].k->accepted - mean);
	g->max_mean = max / mean;
	g->cv = sqrt(var / g->counted) / mean;
}

/* Its share of what the group's counted members accepted, in percent. */
static double share(const struct rp_member *m, const struct group_stats *g)
{
	return counted(m, g) && g->total ? 100.0 * m->k->accepted / g->total : 0.0;
}

static bool stalled(const struct rp_member *m)
{
	/* connections wait and this member takes none */
	return m->e && m->k->accepted == 0 && m->k->queue > 0;
}

/* JSON-only values of a member */
static const struct column j_stalled = {.key = "stalled"}, j_reuseport = {.key = "reuseport"},
			   j_counts_since = {.key = "counts_since"};

static void print_json(struct reuseport_view *v, const struct rp_member *m, size_t n, uint64_t now,
		       bool final)
{
	struct sbuf *sb = &v->out->sb;
	const struct holder *h;
	const struct acceptor *a;
	struct holder owner;
	struct group_stats g;
	size_t i, nh, na, all;

	group_stats(m, n, &g);
	sb_puts(sb, "{\"event\":\"reuseport\",");
	put_time_json(sb, v->out, now);
	sb_putc(sb, ',');
	put_tuple_json(sb, &m[0].k->t);
	sb_printf(sb,
		  ",\"final\":%s,\"gone\":%s,\"queued_exact\":%s,\"accepted_total\":%llu,"
		  "\"listeners\":[",
		  final ? "true" : "false", g.gone ? "true" : "false",
		  v->queue_exact ? "true" : "false", (unsigned long long)g.total);
	for (i = 0; i < n; i++) {
		const struct rp_known *k = m[i].k;

		sb_printf(sb, "%s{\"%s\":%llu,\"status\":\"%s\"", i ? "," : "", cols[C_SOCK].key,
			  (unsigned long long)k->id, m[i].status);
		sb_putc(sb, ',');
		put_owner_json(sb, k->pid, k->comm);
		sb_putc(sb, ',');
		/* a member that left: its pids may be someone else's by now */
		put_cmdline_json(sb, k->pid, m[i].e ? v->cmdline : NULL);
		h = member_holders(v, &m[i], &owner, &nh, &all);
		sb_putc(sb, ',');
		put_holders_json(sb, h, nh, all, m[i].e ? v->cmdline : NULL);
		a = v->acc ? acceptors_of(v->acc, k->id, &na) : (na = 0, NULL);
		sb_putc(sb, ',');
		put_acceptors_json(sb, v->out, a, na, k->accepted);
		col_json_u64(sb, &cols[C_ACCEPTED], k->accepted);
		col_json_u64(sb, &cols[C_QUEUED], queued_total(v, k));
		col_json_u64(sb, &cols[C_QUEUE], k->queue);
		col_json_u64(sb, &cols[C_BACKLOG], k->backlog);
		col_json_u64(sb, &cols[C_DROPS], k->drops);
		col_json_double(sb, &cols[C_SHARE], share(&m[i], &g), 1);
		col_json_bool(sb, &j_stalled, stalled(&m[i]));
		col_json_bool(sb, &j_reuseport, k->t.flags & ST_SK_REUSEPORT);
		col_json_str(sb, &j_counts_since, k->seeded ? "socktrace_start" : "listen");
		sb_putc(sb, '}');
	}
	sb_printf(sb, "],\"imbalance\":{\"max_mean\":%.3f,\"cv\":%.3f},", g.max_mean, g.cv);
	put_group_procs_json(sb, &v->procs);
	sb_putc(sb, '}');
	output_line(v->out);
}

/* A member's PID/PROGRAM cell: its holders, compacted unless -e. */
static void put_member_pids(struct sbuf *sb, struct reuseport_view *v, const struct rp_member *m)
{
	struct holder owner;
	size_t nh, all;
	const struct holder *h = member_holders(v, m, &owner, &nh, &all);

	if (!nh)
		sb_putc(sb, '-');
	/* one column: the full list with -e (and in JSON) */
	if (nh > 1 && !v->o->extended)
		put_holders_compact(sb, h, nh, all);
	else
		put_holders_text(sb, h, nh, all);
}

/*
 * The group's PID/PROGRAM column: as wide as its widest cell (a forked
 * server's "4 holders: nginx 2101-2104" is wider than the header's column),
 * so that the numbers after it stay in line; up to the widest a column can be.
 */
#define PIDS_WIDTH_MAX UINT8_MAX

static struct column pids_column(struct reuseport_view *v, const struct rp_member *m, size_t n)
{
	struct column c = cols[C_PIDS];
	char cell[PIDS_WIDTH_MAX + 1];
	struct sbuf sb;
	size_t i;

	for (i = 0; i < n; i++) {
		sb_init(&sb, cell, sizeof(cell));
		put_member_pids(&sb, v, &m[i]);
		if (sb.len > c.width)
			c.width = (uint8_t)sb.len;
	}
	return c;
}

static void print_text(struct reuseport_view *v, const struct rp_member *m, size_t n)
{
	struct sbuf *sb = &v->out->sb;
	struct group_stats g;
	const char *proto = proto_name(m[0].k->t.protocol, m[0].k->t.family);
	const struct acceptor *a;
	struct column row[C_N];
	size_t i, from, na;

	group_stats(m, n, &g);
	sb_printf(sb, "%s ", proto ? proto : "?");
	sb_put_endpoint_zoned(sb, &m[0].k->t, true);
	if (g.gone)
		sb_printf(sb, "  netns %u  gone: %zu listener%s left  %llu accepted",
			  m[0].k->t.netns, n, n == 1 ? "" : "s", (unsigned long long)g.total);
	else
		sb_printf(sb, "  netns %u  %zu listener%s  %llu accepted", m[0].k->t.netns,
			  g.present, g.present == 1 ? "" : "s", (unsigned long long)g.total);
	if (g.total)
		sb_printf(sb, "  imbalance max/mean %.2f cv %.2f", g.max_mean, g.cv);
	put_group_procs_text(sb, &v->procs);
	output_line(v->out);
	put_stalled_procs_text(v->out, &v->procs);
	memcpy(row, cols, sizeof(row));
	row[C_PIDS] = pids_column(v, m, n);
	if (!v->o->no_header) {
		sb_puts(sb, MEMBER_INDENT);
		col_header(sb, row, C_N, 0, false);
		output_line(v->out);
	}
	for (i = 0; i < n; i++) {
		const struct rp_known *k = m[i].k;
		double pct = share(&m[i], &g);
		int bar = (int)(pct * BAR_WIDTH / 100 + 0.5);

		sb_printf(sb, MEMBER_INDENT "%-*llu ", cols[C_SOCK].width,
			  (unsigned long long)k->id);
		from = sb->len;
		put_member_pids(sb, v, &m[i]);
		col_pad(sb, from, &row[C_PIDS], false);
		sb_printf(sb, " %*u %*u%s %*u %*u %*u %*.1f%% ", cols[C_ACCEPTED].width,
			  k->accepted, cols[C_QUEUED].width, queued_total(v, k),
			  v->queue_exact ? "" : "~", cols[C_QUEUE].width, k->queue,
			  cols[C_BACKLOG].width, k->backlog, cols[C_DROPS].width, k->drops,
			  cols[C_SHARE].width - 1, pct);
		while (bar-- > 0)
			sb_putc(sb, '#');
		if (strcmp(m[i].status, "active"))
			sb_printf(sb, " (%s)", m[i].status);
		if (stalled(&m[i]))
			sb_puts(sb, " STALLED: nothing accepted, connections waiting");
		if (k->seeded)
			sb_puts(sb, " (counts since socktrace started)");
		output_line(v->out);
		a = v->acc ? acceptors_of(v->acc, k->id, &na) : (na = 0, NULL);
		put_acceptors_text(v->out, a, na, k->accepted,
				   v->o->extended ? ACCEPTORS_PER_LISTENER : ACCEPTORS_SHOWN,
				   v->o->extended);
	}
}

/* The processes of the group's present members, for its balance. */
static int group_procs_of(struct reuseport_view *v, const struct rp_member *m, size_t n)
{
	const struct holder *h;
	const struct acceptor *a;
	size_t i, nh, na;

	group_procs_reset(&v->procs);
	for (i = 0; i < n; i++) {
		if (!m[i].e)
			continue;
		h = holders_find(v->holders, m[i].e->ino, &nh);
		a = v->acc ? acceptors_of(v->acc, m[i].e->id, &na) : (na = 0, NULL);
		if (group_procs_add(&v->procs, h, nh, a, na, m[i].k->queue > 0))
			return -1;
	}
	group_procs_finish(&v->procs);
	return 0;
}

void reuseport_view_transition(void *ctx, const struct transition *tr)
{
	struct reuseport_view *v = ctx;
	struct filter f;
	struct rp_known *k;

	/* a member closes: what it took since the last report counts in its last */
	if (tr->kind == TR_STATE && tr->old_state == ST_TCP_LISTEN &&
	    tr->new_state == ST_TCP_CLOSE) {
		if ((k = known_find(v, tr->e->id)))
			known_update(k, tr->e, k->round);
		return;
	}
	if (tr->kind != TR_ACCEPT || !tr->peer || !tr->task || !tr->task->tgid)
		return;
	f = listener_filter(&v->o->f);
	if (!listener_wanted(&f, tr->peer))
		return;
	/* no memory: the listener's count minus its acceptors' shows it */
	if (!v->acc && !(v->acc = acceptors_new()))
		return;
	acceptors_note(v->acc, tr->peer->id, tr->task->tgid, tr->task->comm, tr->ts_ns);
}

/* Room for n members in *m. 0, or -1 when out of memory. */
static int members_room(struct rp_member **m, size_t *cap, size_t n)
{
	struct rp_member *nm;

	if (n <= *cap)
		return 0;
	nm = realloc(*m, n * sizeof(**m));
	if (!nm)
		return -1;
	*m = nm;
	*cap = n;
	return 0;
}

/* One group's lines: its members' counts, its processes. 0 or -1. */
static int report_group(struct reuseport_view *v, struct rp_member *m, size_t nm, uint64_t now,
			bool final)
{
	size_t x;

	for (x = 0; x < nm; x++)
		m[x].k = &v->known[m[x].ki];
	if (group_procs_of(v, m, nm))
		return -1;
	if (v->o->json)
		print_json(v, m, nm, now, final);
	else
		print_text(v, m, nm);
	return 0;
}

/*
 * The members that left since the last report and whose group has no
 * member left to report them with: the group is gone, reported once with
 * its last counts. Returns the groups reported, or -1.
 */
static int report_gone_groups(struct reuseport_view *v, struct rp_member **m, size_t *cap,
			      uint64_t now, bool final)
{
	size_t i, x, nm;
	int groups = 0;

	if (members_room(m, cap, v->nknown))
		return -1;
	for (i = 0; i < v->nknown; i++) {
		struct rp_known *first = &v->known[i];

		if (first->round != v->round - 1 || first->told_left)
			continue;
		nm = 0;
		for (x = i; x < v->nknown; x++) {
			struct rp_known *k = &v->known[x];

			if (k->round == v->round - 1 && !k->told_left &&
			    same_group(&k->t, &first->t)) {
				k->told_left = true;
				(*m)[nm++] = (struct rp_member){.ki = x, .status = "left"};
			}
		}
		if (report_group(v, *m, nm, now, final))
			return -1;
		groups++;
	}
	return groups;
}

/* After each report: how many groups it had; the last one says "final". */
static void print_report_end(struct reuseport_view *v, uint64_t now, bool final, int groups)
{
	struct sbuf *sb = &v->out->sb;

	if (!v->o->json) {
		if (!groups) {
			sb_puts(sb, "no reuseport groups");
			output_line(v->out);
		}
		return;
	}
	sb_puts(sb, "{\"event\":\"reuseport_end\",");
	put_time_json(sb, v->out, now);
	sb_printf(sb, ",\"final\":%s,\"groups\":%d}", final ? "true" : "false", groups);
	output_line(v->out);
}

int reuseport_view_print(struct reuseport_view *v, struct table *tb, uint64_t now, bool final)
{
	const struct sock_entry **ls;
	struct filter f = listener_filter(&v->o->f);
	struct rp_member *m = NULL;
	size_t n, i, j, nm, cap = 0;
	int err = 0, groups = 0, gone;

	if (!v->cmdline && !(v->cmdline = malloc(CMDLINE_MAX)))
		return -1;
	if (table_collect(tb, listener_wanted, &f, &ls, &n))
		return -1;
	if (n) /* qsort() wants a non-NULL array, even for no elements */
		qsort(ls, n, sizeof(*ls), cmp_listener);
	v->round++;
	if (!v->o->json) {
		sb_puts(&v->out->sb, final ? "--- final" : "---");
		output_line(v->out);
	}
	for (i = 0; i < n; i = j) {
		bool any_reuseport = false;

		for (j = i; j < n && same_group(&ls[i]->t, &ls[j]->t); j++)
			any_reuseport |= ls[j]->t.flags & ST_SK_REUSEPORT;
		if (j - i < 2 && !any_reuseport &&
		    !listener_shared(v->holders, v->acc, ls[i]->id, ls[i]->ino))
			continue;
		/* present members, then the ones that left since the last report */
		nm = 0;
		if (members_room(&m, &cap, j - i + v->nknown)) {
			err = -1;
			break;
		}
		for (size_t x = i; x < j; x++) {
			struct rp_known *k = known_find(v, ls[x]->id);
			const char *status = k || v->round == 1 ? "active" : "joined";

			if (!k && !(k = known_add(v, ls[x]))) {
				err = -1;
				break;
			}
			known_update(k, ls[x], v->round);
			/* known_add() may move the array: keep the index */
			m[nm++] = (struct rp_member){
				.e = ls[x], .ki = (size_t)(k - v->known), .status = status};
		}
		for (size_t x = 0; x < v->nknown && !err; x++) {
			struct rp_known *k = &v->known[x];

			if (k->round == v->round - 1 && same_group(&k->t, &ls[i]->t)) {
				k->told_left = true;
				m[nm++] = (struct rp_member){.ki = x, .status = "left"};
			}
		}
		if (err || (err = report_group(v, m, nm, now, final)))
			break;
		groups++;
	}
	if (!err && (gone = report_gone_groups(v, &m, &cap, now, final)) < 0)
		err = -1;
	else if (!err)
		groups += gone;
	if (!err)
		print_report_end(v, now, final, groups);
	/* members that left were reported once: forget them */
	for (i = 0, j = 0; i < v->nknown; i++)
		if (v->known[i].round == v->round)
			v->known[j++] = v->known[i];
	v->nknown = j;
	/* and their acceptors, with those of listeners that are gone */
	if (v->acc) {
		for (i = 0; i < n; i++)
			acceptors_mark(v->acc, ls[i]->id);
		acceptors_sweep(v->acc);
	}
	free(m);
	free(ls);
	return err;
}

void reuseport_view_free(struct reuseport_view *v)
{
	free(v->known);
	free(v->cmdline);
	acceptors_free(v->acc);
	group_procs_free(&v->procs);
	v->acc = NULL;
	v->known = NULL;
	v->cmdline = NULL;
}
