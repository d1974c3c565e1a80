// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Processes of a reuseport group. A process that holds a listener and never
 * accepts is usually one of two things: a worker that is stuck or starved
 * (what the report must show), or a master that opened the listeners and
 * forked the workers (nginx, apache, gunicorn), which never accepts by design.
 * The second is told apart by being the parent of a process that accepted;
 * it is left out of the imbalance and never flagged.
 */
#include "view_reuseport_procs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "grow.h"
#include "proc.h"
#include "sock_format.h"
#include "timefmt.h"

bool listener_shared(struct holders *h, struct acceptors *a, uint64_t id, uint64_t ino)
{
	size_t nh = 0, na = 0;
	const struct acceptor *v = a ? acceptors_of(a, id, &na) : NULL;

	if (ino)
		holders_find(h, ino, &nh);
	if (nh > 1 || na > 1)
		return true;
	/* one holder, and someone else accepted (the fd was passed and closed) */
	return nh == 1 && na == 1 && holders_find(h, ino, &nh)->pid != v->pid;
}

void group_procs_reset(struct group_procs *g)
{
	g->n = 0;
	g->counted = 0;
	g->max_mean = g->cv = 0;
}

static struct group_proc *proc_get(struct group_procs *g, uint32_t pid, const char *comm)
{
	struct group_proc *p;
	size_t i;

	for (i = 0; i < g->n; i++)
		if (g->v[i].pid == pid)
			return &g->v[i];
	if (grow_for_one(&g->v, g->n, &g->cap, sizeof(*g->v), 16))
		return NULL;
	p = &g->v[g->n++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	memcpy(p->comm, comm, ST_COMM_LEN);
	return p;
}

int group_procs_add(struct group_procs *g, const struct holder *h, size_t nh,
		    const struct acceptor *a, size_t na, bool waiting)
{
	struct group_proc *p;
	size_t i;

	for (i = 0; i < nh; i++) {
		if (!h[i].pid) /* no process known */
			continue;
		if (!(p = proc_get(g, h[i].pid, h[i].comm)))
			return -1;
		p->waiting |= waiting;
	}
	for (i = 0; i < na; i++) {
		if (!(p = proc_get(g, a[i].pid, a[i].comm)))
			return -1;
		p->accepted += a[i].accepted;
	}
	return 0;
}

void group_procs_finish(struct group_procs *g)
{
	uint64_t total = 0, max = 0;
	double mean, var = 0;
	size_t i, j;

	for (i = 0; i < g->n; i++) {
		uint32_t ppid;

		if (!g->v[i].accepted)
			continue;
		ppid = proc_ppid(g->v[i].pid);
		for (j = 0; ppid && j < g->n; j++)
			if (g->v[j].pid == ppid && !g->v[j].accepted)
				g->v[j].supervisor = true;
	}
	for (i = 0; i < g->n; i++) {
		if (g->v[i].supervisor)
			continue;
		g->counted++;
		total += g->v[i].accepted;
		if (g->v[i].accepted > max)
			max = g->v[i].accepted;
	}
	if (!total)
		return;
	mean = (double)total / g->counted;
	for (i = 0; i < g->n; i++)
		if (!g->v[i].supervisor)
			var += (g->v[i].accepted - mean) * (g->v[i].accepted - mean);
	g->max_mean = max / mean;
	g->cv = sqrt(var / g->counted) / mean;
}

void group_procs_free(struct group_procs *g)
{
	free(g->v);
	memset(g, 0, sizeof(*g));
}

bool group_proc_stalled(const struct group_proc *p)
{
	return !p->supervisor && !p->accepted && p->waiting;
}

static bool same_comm(const struct holder *a, const struct holder *b)
{
	return !strncmp(a->comm, b->comm, ST_COMM_LEN);
}

static void put_run(struct sbuf *sb, uint32_t from, uint32_t to, bool *sep)
{
	if (*sep)
		sb_putc(sb, ',');
	*sep = true;
	sb_put_u64(sb, from);
	if (to != from) {
		sb_putc(sb, '-');
		sb_put_u64(sb, to);
	}
}

/* The pids of the holders named like h[first], consecutive ones as a range. */
static void put_pid_runs(struct sbuf *sb, const struct holder *h, size_t nh, size_t first)
{
	uint32_t from = 0, to = 0;
	bool open = false, sep = false;
	size_t i;

	for (i = first; i < nh; i++) {
		if (!same_comm(&h[i], &h[first]))
			continue;
		if (open && h[i].pid == to + 1) {
			to = h[i].pid;
			continue;
		}
		if (open)
			put_run(sb, from, to, &sep);
		from = to = h[i].pid;
		open = true;
	}
	if (open)
		put_run(sb, from, to, &sep);
}

void put_holders_compact(struct sbuf *sb, const struct holder *h, size_t nh, size_t total)
{
	size_t i, j;

	sb_put_u64(sb, total);
	sb_puts(sb, " holders: ");
	/* holders come sorted by pid: each name once, where it first appears */
	for (i = 0; i < nh; i++) {
		for (j = 0; j < i && !same_comm(&h[j], &h[i]); j++)
			;
		if (j < i)
			continue;
		if (i)
			sb_puts(sb, ", ");
		sb_put_text_escaped(sb, h[i].comm, ST_COMM_LEN);
		sb_putc(sb, ' ');
		put_pid_runs(sb, h, nh, i);
	}
	if (total > nh)
		sb_puts(sb, ", ...");
}

static double share_of(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * part / whole : 0;
}

void put_acceptors_json(struct sbuf *sb, const struct output *out, const struct acceptor *a,
			size_t n, uint64_t accepted)
{
	size_t i;

	sb_puts(sb, "\"acceptors\":[");
	for (i = 0; i < n; i++) {
		sb_puts(sb, i ? ",{" : "{");
		put_owner_json(sb, a[i].pid, a[i].comm);
		sb_printf(sb, ",\"accepted\":%llu,\"share\":%.1f,\"last_accept\":\"",
			  (unsigned long long)a[i].accepted, share_of(a[i].accepted, accepted));
		sb_put_rfc3339_us(sb, output_realtime(out, a[i].last_ns));
		sb_puts(sb, "\"}");
	}
	sb_putc(sb, ']');
}

/* "33.3%", and "100%" rather than "100.0%" */
static void put_percent(struct sbuf *sb, double pct)
{
	size_t from = sb->len;

	sb_printf(sb, "%.1f", pct);
	if (sb->len >= from + 2 && !memcmp(sb->buf + sb->len - 2, ".0", 2))
		sb->len -= 2;
	sb_putc(sb, '%');
}

void put_acceptors_text(struct output *out, const struct acceptor *a, size_t n, uint64_t accepted,
			size_t shown, bool with_last)
{
	struct sbuf *sb = &out->sb;
	uint64_t named = 0, rest = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		named += a[i].accepted;
		if (i >= shown) {
			rest += a[i].accepted;
			continue;
		}
		sb_puts(sb, "    accepted by ");
		sb_put_u64(sb, a[i].pid);
		sb_putc(sb, '/');
		sb_put_text_escaped(sb, a[i].comm, ST_COMM_LEN);
		sb_printf(sb, " %llu (", (unsigned long long)a[i].accepted);
		put_percent(sb, share_of(a[i].accepted, accepted));
		sb_putc(sb, ')');
		if (with_last) {
			sb_puts(sb, " last ");
			sb_put_clock_hms(sb, output_realtime(out, a[i].last_ns), 1);
		}
		output_line(out);
	}
	if (n > shown) {
		sb_printf(sb, "    accepted by %zu more processes %llu (", n - shown,
			  (unsigned long long)rest);
		put_percent(sb, share_of(rest, accepted));
		sb_puts(sb, ")  (-e lists them)");
		output_line(out);
	}
	if (accepted > named) {
		sb_printf(sb, "    accepted by processes not named %llu (",
			  (unsigned long long)(accepted - named));
		put_percent(sb, share_of(accepted - named, accepted));
		sb_puts(sb, ")  (more than ");
		sb_put_u64(sb, ACCEPTORS_PER_LISTENER);
		sb_puts(sb, " processes, or no memory)");
		output_line(out);
	}
}

void put_group_procs_json(struct sbuf *sb, const struct group_procs *g)
{
	size_t i, k = 0;

	sb_printf(sb,
		  "\"process_imbalance\":{\"processes\":%zu,\"max_mean\":%.3f,\"cv\":%.3f},"
		  "\"stalled_processes\":[",
		  g->counted, g->max_mean, g->cv);
	for (i = 0; i < g->n; i++) {
		if (!group_proc_stalled(&g->v[i]))
			continue;
		sb_puts(sb, k++ ? ",{" : "{");
		put_owner_json(sb, g->v[i].pid, g->v[i].comm);
		sb_putc(sb, '}');
	}
	sb_putc(sb, ']');
}

void put_group_procs_text(struct sbuf *sb, const struct group_procs *g)
{
	sb_printf(sb, "  %zu process%s", g->counted, g->counted == 1 ? "" : "es");
	if (g->max_mean > 0)
		sb_printf(sb, " max/mean %.2f cv %.2f", g->max_mean, g->cv);
}

void put_stalled_procs_text(struct output *out, const struct group_procs *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		if (!group_proc_stalled(&g->v[i]))
			continue;
		sb_puts(&out->sb, "  STALLED process ");
		sb_put_u64(&out->sb, g->v[i].pid);
		sb_putc(&out->sb, '/');
		sb_put_text_escaped(&out->sb, g->v[i].comm, ST_COMM_LEN);
		sb_puts(&out->sb, ": holds a listener, accepted nothing, connections waiting");
		output_line(out);
	}
}
