// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Metric names and labels are an interface (docs/metrics.md): snake_case,
 * _total on counters, seconds and bytes. Labels that name ports or processes
 * are capped by --metrics-max-series; the others come from small fixed sets
 * (states, roles, end reasons, errno names, protocols).
 */
#include "view_metrics.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "metrics.h"
#include "metrics_pub.h"
#include "process_stats.h"
#include "states.h"
#include "view_life.h"

#define L(...)                                                                                     \
	{                                                                                          \
		__VA_ARGS__, NULL                                                                  \
	}
#define LISTENER_LABELS "netns", "proto", "laddr", "lport"

static const double duration_buckets[] = {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5,
					  1,	  5,	  10,	 30,	60,   300,  3600};

static const struct metric_desc descs[VM_FAMILIES] = {
	[VM_TRANSITIONS] = {"socktrace_tcp_transitions_total",
			    "TCP state transitions, as watch shows them (derived ones included).",
			    METRIC_COUNTER, L("old_state", "new_state")},
	[VM_CLOSED] = {"socktrace_tcp_connections_closed_total",
		       "TCP connections that ended, by role and end reason (the life view's "
		       "words).",
		       METRIC_COUNTER, L("role", "end")},
	[VM_DURATION] = {"socktrace_tcp_connection_duration_seconds",
			 "Lifetime of TCP connections that ended, from their first transition "
			 "(or from when socktrace first saw them).",
			 METRIC_HISTOGRAM, L("role"), false, duration_buckets,
			 sizeof(duration_buckets) / sizeof(duration_buckets[0])},
	[VM_CONNECT_FAIL] = {"socktrace_connect_failures_total",
			     "connect() calls that failed, by the errno name.", METRIC_COUNTER,
			     L("proto", "errno")},
	[VM_ACCEPTED] = {"socktrace_listener_accepted_total",
			 "Connections accept() took from the listeners of an address.",
			 METRIC_COUNTER, L(LISTENER_LABELS), true},
	[VM_ACCEPTOR] = {"socktrace_acceptor_accepted_total",
			 "Connections accepted, per listening socket (sock: its id) and per "
			 "accepting process: the spread of a reuseport group or a shared "
			 "listener.",
			 METRIC_COUNTER, L(LISTENER_LABELS, "sock", "pid", "comm"), true},
	[VM_SOCKETS] = {"socktrace_sockets",
			"Sockets in the live table, by protocol and state (UDP: ESTABLISHED "
			"when connected, else UNCONN).",
			METRIC_GAUGE, L("proto", "state")},
	[VM_LQUEUE] = {"socktrace_listener_queue",
		       "Connections waiting in the accept queues of the listeners of an address, "
		       "as of the last snapshot.",
		       METRIC_GAUGE, L(LISTENER_LABELS), true},
	[VM_LBACKLOG] = {"socktrace_listener_backlog",
			 "Accept backlog limit summed over the listeners of an address.",
			 METRIC_GAUGE, L(LISTENER_LABELS), true},
	[VM_LDROPS] = {"socktrace_listener_drops_total",
		       "Packets the listeners of an address dropped (the kernel's sk_drops, as of "
		       "the last snapshot; falls when a listener closes).",
		       METRIC_COUNTER, L(LISTENER_LABELS), true},
	[VM_LISTENERS] = {"socktrace_listener_sockets",
			  "Listening sockets of an address (more than one: a reuseport group).",
			  METRIC_GAUGE, L(LISTENER_LABELS), true},
	[VM_EVENTS] = {"socktrace_events_total", "Records taken from the ring buffer.",
		       METRIC_COUNTER, L(NULL)},
	[VM_LOST] = {"socktrace_lost_events_total",
		     "Events that did not reach the table, by source: ringbuf (ring buffer "
		     "full), map_full, table_full (--max-sockets), bad_record.",
		     METRIC_COUNTER, L("source")},
	[VM_KMISSED] = {"socktrace_kernel_missed_total",
			"Program runs the kernel skipped (recursion) that the rescue twin did "
			"not catch.",
			METRIC_COUNTER, L(NULL)},
	[VM_RING_FILL] = {"socktrace_ringbuf_max_fill_ratio",
			  "Highest fill of the ring buffer (0-1) seen between two publications.",
			  METRIC_GAUGE, L(NULL)},
	[VM_RING_SIZE] = {"socktrace_ringbuf_size_bytes", "Size of the ring buffer.", METRIC_GAUGE,
			  L(NULL)},
	[VM_SPILLED] = {"socktrace_ringbuf_spilled_total",
			"Records moved out of the ring buffer into socktrace's memory while the "
			"tracer was behind.",
			METRIC_COUNTER, L(NULL)},
	[VM_SPILL_MAX] = {"socktrace_ringbuf_spill_max_bytes",
			  "Most bytes of records held in socktrace's memory, moved out of the ring "
			  "buffer, between two publications.",
			  METRIC_GAUGE, L(NULL)},
	[VM_TABLE] = {"socktrace_table_entries",
		      "Entries in the live socket table (TIME_WAIT included).", METRIC_GAUGE,
		      L(NULL)},
	[VM_TABLE_CAP] = {"socktrace_table_capacity", "The table's cap (--max-sockets).",
			  METRIC_GAUGE, L(NULL)},
	[VM_UPTIME] = {"socktrace_uptime_seconds", "Seconds since socktrace started tracing.",
		       METRIC_GAUGE, L(NULL)},
	[VM_PUBLISH] = {"socktrace_metrics_publish_seconds",
			"Tracer time spent making the previous exposition.", METRIC_GAUGE, L(NULL)},
	[VM_P_CPU] = {"process_cpu_seconds_total", "User and system CPU time spent.",
		      METRIC_COUNTER, L(NULL)},
	[VM_P_RSS] = {"process_resident_memory_bytes", "Resident memory size.", METRIC_GAUGE,
		      L(NULL)},
	[VM_P_VSIZE] = {"process_virtual_memory_bytes", "Virtual memory size.", METRIC_GAUGE,
			L(NULL)},
	[VM_P_FDS] = {"process_open_fds", "Open file descriptors.", METRIC_GAUGE, L(NULL)},
	[VM_P_MAXFDS] = {"process_max_fds", "Limit of open file descriptors.", METRIC_GAUGE,
			 L(NULL)},
	[VM_P_START] = {"process_start_time_seconds",
			"Start time of the process since the epoch, in seconds.", METRIC_GAUGE,
			L(NULL)},
};

int metrics_view_init(struct metrics_view *v, uint32_t max_series, transition_sink next,
		      void *next_ctx, uint64_t now_ns)
{
	int i;

	memset(v, 0, sizeof(*v));
	v->next = next;
	v->next_ctx = next_ctx;
	v->start_ns = now_ns;
	v->m = metrics_new(max_series);
	v->pub = metrics_pub_new();
	v->cache = calloc(1, sizeof(*v->cache));
	if (!v->m || !v->pub || !v->cache)
		return -1;
	for (i = 0; i < VM_STATES * VM_STATES; i++)
		v->cache->trans[i / VM_STATES][i % VM_STATES] = -2;
	for (i = 0; i < VM_FAMILIES; i++)
		if ((v->fam[i] = metrics_register(v->m, &descs[i])) < 0)
			return -1;
	return 0;
}

void metrics_view_set_ring(struct metrics_view *v, const struct rings *rings, uint64_t size)
{
	v->rings = rings;
	v->ring_size = rings ? size : 0;
}

static void tuple_labels(const struct st_tuple *t, char netns[16], char laddr[64], char lport[8],
			 const char **proto)
{
	struct sbuf sb;

	snprintf(netns, 16, "%u", t->netns);
	sb_init(&sb, laddr, 64);
	sb_put_addr(&sb, t->family, t->saddr);
	sb_str(&sb);
	snprintf(lport, 8, "%u", t->sport);
	*proto = proto_name(t->protocol, t->family);
	if (!*proto)
		*proto = "?";
}

static void count_accept(struct metrics_view *v, const struct transition *tr)
{
	/* the listener names the address; without it, the connection's own end */
	const struct sock_entry *l = tr->peer ? tr->peer : tr->e;
	char netns[16], laddr[64], lport[8], sock[24], pid[16];
	const char *proto, *vals[7];
	char comm[ST_COMM_LEN + 1];
	typeof(v->cache->accept[0]) *c = NULL;

	if (tr->peer && tr->peer->id) {
		c = &v->cache->accept[(tr->peer->id ^ tr->e->owner_pid * 0x9e3779b1u) %
				      VM_ACCEPT_CACHE];
		if (c->listener == tr->peer->id && c->pid == tr->e->owner_pid &&
		    !memcmp(c->comm, tr->e->owner_comm, ST_COMM_LEN)) {
			metrics_add_at(v->m, v->fam[VM_ACCEPTED], c->accepted, 1);
			metrics_add_at(v->m, v->fam[VM_ACCEPTOR], c->acceptor, 1);
			return;
		}
	}

	tuple_labels(&l->t, netns, laddr, lport, &proto);
	vals[0] = netns;
	vals[1] = proto;
	vals[2] = laddr;
	vals[3] = lport;
	if (c) {
		c->listener = 0; /* invalid until both handles are in */
		c->accepted = metrics_series(v->m, v->fam[VM_ACCEPTED], vals);
		metrics_add_at(v->m, v->fam[VM_ACCEPTED], c->accepted, 1);
	} else {
		metrics_add(v->m, v->fam[VM_ACCEPTED], vals, 1);
	}
	snprintf(sock, sizeof(sock), "%llu", tr->peer ? (unsigned long long)tr->peer->id : 0ull);
	snprintf(pid, sizeof(pid), "%u", tr->e->owner_pid);
	memcpy(comm, tr->e->owner_comm, ST_COMM_LEN);
	comm[ST_COMM_LEN] = 0;
	vals[4] = sock;
	vals[5] = pid;
	vals[6] = comm;
	if (!c) {
		metrics_add(v->m, v->fam[VM_ACCEPTOR], vals, 1);
		return;
	}
	c->acceptor = metrics_series(v->m, v->fam[VM_ACCEPTOR], vals);
	metrics_add_at(v->m, v->fam[VM_ACCEPTOR], c->acceptor, 1);
	c->pid = tr->e->owner_pid;
	memcpy(c->comm, tr->e->owner_comm, ST_COMM_LEN);
	c->listener = tr->peer->id;
}

static void count_close(struct metrics_view *v, const struct transition *tr, const char *role,
			const char *end)
{
	struct vm_cache *c = v->cache;
	uint64_t dur = tr->ts_ns > tr->e->first_ns ? tr->ts_ns - tr->e->first_ns : 0;
	const char *vals[2] = {role, end};
	unsigned int i;

	for (i = 0; i < c->nclose; i++)
		if (c->close[i].role == role && c->close[i].end == end)
			break;
	if (i == c->nclose) {
		if (i == VM_CLOSE_CACHE) { /* not expected: life has 3 x 8 words */
			metrics_add(v->m, v->fam[VM_CLOSED], vals, 1);
			metrics_observe(v->m, v->fam[VM_DURATION], vals, dur / 1e9);
			return;
		}
		c->close[i].role = role;
		c->close[i].end = end;
		c->close[i].closed = metrics_series(v->m, v->fam[VM_CLOSED], vals);
		c->close[i].duration = metrics_series(v->m, v->fam[VM_DURATION], vals);
		c->nclose++;
	}
	metrics_add_at(v->m, v->fam[VM_CLOSED], c->close[i].closed, 1);
	metrics_observe_at(v->m, v->fam[VM_DURATION], c->close[i].duration, dur / 1e9);
}

static void count_state(struct metrics_view *v, const struct transition *tr)
{
	const char *role, *end;

	if (tr->e->t.protocol != IPPROTO_TCP)
		return;
	if (tr->old_state < VM_STATES && tr->new_state < VM_STATES) {
		long *h = &v->cache->trans[tr->old_state][tr->new_state];
		const char *vals[2] = {tcp_state_name(tr->old_state),
				       tcp_state_name(tr->new_state)};

		if (*h == -2)
			*h = vals[0] && vals[1] ? metrics_series(v->m, v->fam[VM_TRANSITIONS], vals)
						: -1;
		metrics_add_at(v->m, v->fam[VM_TRANSITIONS], *h, 1);
	}
	if (life_end(tr, &role, &end))
		count_close(v, tr, role, end);
}

static void count_failure(struct metrics_view *v, const struct transition *tr)
{
	struct vm_cache *c = v->cache;
	const char *proto = proto_name(tr->e->t.protocol, tr->e->t.family);
	const char *name = strerrorname_np(tr->err);
	const char *vals[2] = {proto ? proto : "?", name};
	char num[16];
	unsigned int i;

	for (i = 0; i < c->nfail; i++)
		if (c->fail[i].proto == proto && c->fail[i].err == tr->err)
			break;
	if (i < c->nfail) {
		metrics_add_at(v->m, v->fam[VM_CONNECT_FAIL], c->fail[i].h, 1);
		return;
	}
	if (!name) {
		snprintf(num, sizeof(num), "%d", tr->err);
		vals[1] = num;
	}
	if (i == VM_FAIL_CACHE) {
		metrics_add(v->m, v->fam[VM_CONNECT_FAIL], vals, 1);
		return;
	}
	c->fail[i].proto = proto;
	c->fail[i].err = tr->err;
	c->fail[i].h = metrics_series(v->m, v->fam[VM_CONNECT_FAIL], vals);
	c->nfail++;
	metrics_add_at(v->m, v->fam[VM_CONNECT_FAIL], c->fail[i].h, 1);
}

static bool wanted(const struct metrics_view *v, const struct st_tuple *t)
{
	return (!v->family || t->family == v->family) && (!v->netns || t->netns == v->netns);
}

void metrics_view_transition(void *ctx, const struct transition *tr)
{
	struct metrics_view *v = ctx;

	switch (wanted(v, &tr->e->t) ? tr->kind : 0) {
	case TR_STATE:
		count_state(v, tr);
		break;
	case TR_ACCEPT:
		count_accept(v, tr);
		break;
	case TR_CONNECT:
		if (tr->err)
			count_failure(v, tr);
		break;
	}
	if (v->next)
		v->next(v->next_ctx, tr);
}

enum { P_TCP, P_TCP6, P_UDP, P_UDP6, P_OTHER, P_COUNT };
#define STATES (ST_TCP_MAX_STATE + 1)

struct walk {
	struct metrics_view *v;
	uint64_t count[P_COUNT][STATES + 1]; /* [STATES]: UDP unconnected */
	uint64_t entries;
};

static int walk_entry(void *ctx, const struct sock_entry *e)
{
	struct walk *w = ctx;
	bool v6 = e->t.family == AF_INET6;
	int p = e->t.protocol == IPPROTO_TCP   ? (v6 ? P_TCP6 : P_TCP)
		: e->t.protocol == IPPROTO_UDP ? (v6 ? P_UDP6 : P_UDP)
					       : P_OTHER;
	unsigned int s = e->state <= ST_TCP_MAX_STATE ? e->state : 0;

	if ((e->flags & ENTRY_GONE) || !wanted(w->v, &e->t))
		return 0;
	w->entries++;
	if ((p == P_UDP || p == P_UDP6) && s != ST_TCP_ESTABLISHED)
		s = STATES;
	w->count[p][s]++;
	if (s == ST_TCP_LISTEN && (p == P_TCP || p == P_TCP6)) {
		char netns[16], laddr[64], lport[8];
		const char *vals[4];

		tuple_labels(&e->t, netns, laddr, lport, &vals[1]);
		vals[0] = netns;
		vals[2] = laddr;
		vals[3] = lport;
		metrics_add(w->v->m, w->v->fam[VM_LQUEUE], vals, e->rx_queue);
		metrics_add(w->v->m, w->v->fam[VM_LBACKLOG], vals, e->tx_queue);
		metrics_add(w->v->m, w->v->fam[VM_LDROPS], vals, e->drops);
		metrics_add(w->v->m, w->v->fam[VM_LISTENERS], vals, 1);
	}
	return 0;
}

static void publish_table(struct metrics_view *v, struct table *tb)
{
	static const char *const pnames[P_COUNT] = {"tcp", "tcp6", "udp", "udp6", "other"};
	struct walk w = {.v = v};
	int p;
	unsigned int s;

	metrics_clear(v->m, v->fam[VM_SOCKETS]);
	metrics_clear(v->m, v->fam[VM_LQUEUE]);
	metrics_clear(v->m, v->fam[VM_LBACKLOG]);
	metrics_clear(v->m, v->fam[VM_LDROPS]);
	metrics_clear(v->m, v->fam[VM_LISTENERS]);
	table_foreach(tb, walk_entry, &w);
	for (p = 0; p < P_COUNT; p++) {
		for (s = 0; s <= STATES; s++) {
			const char *vals[2] = {pnames[p],
					       s == STATES ? "UNCONN" : tcp_state_name(s)};

			if (w.count[p][s] && vals[1])
				metrics_set(v->m, v->fam[VM_SOCKETS], vals, (double)w.count[p][s]);
		}
	}
	metrics_set(v->m, v->fam[VM_TABLE], NULL, (double)w.entries);
}

static void publish_health(struct metrics_view *v, const struct metrics_health *h, uint64_t now)
{
	static const char *const src[] = {"ringbuf", "map_full", "table_full", "bad_record"};
	const uint64_t lost[] = {h->rb_full, h->map_full, h->table_full, h->bad_records};
	struct process_stats ps;
	size_t i;

	metrics_set(v->m, v->fam[VM_EVENTS], NULL, (double)h->events);
	for (i = 0; i < sizeof(src) / sizeof(src[0]); i++)
		metrics_set(v->m, v->fam[VM_LOST], (const char *const[]){src[i]}, (double)lost[i]);
	metrics_set(v->m, v->fam[VM_KMISSED], NULL, (double)h->kernel_missed);
	metrics_set(v->m, v->fam[VM_RING_FILL], NULL, v->ring_max_fill);
	metrics_set(v->m, v->fam[VM_RING_SIZE], NULL, (double)v->ring_size);
	metrics_set(v->m, v->fam[VM_SPILLED], NULL, (double)h->spilled);
	metrics_set(v->m, v->fam[VM_SPILL_MAX], NULL, (double)v->spill_max);
	metrics_set(v->m, v->fam[VM_TABLE_CAP], NULL, (double)h->table_capacity);
	metrics_set(v->m, v->fam[VM_UPTIME], NULL, (now - v->start_ns) / 1e9);
	metrics_set(v->m, v->fam[VM_PUBLISH], NULL, v->publish_s);
	process_stats_read(&ps);
	metrics_set(v->m, v->fam[VM_P_CPU], NULL, ps.cpu_seconds);
	metrics_set(v->m, v->fam[VM_P_RSS], NULL, (double)ps.rss_bytes);
	metrics_set(v->m, v->fam[VM_P_VSIZE], NULL, (double)ps.vsize_bytes);
	metrics_set(v->m, v->fam[VM_P_FDS], NULL, (double)ps.open_fds);
	metrics_set(v->m, v->fam[VM_P_MAXFDS], NULL, (double)ps.max_fds);
	metrics_set(v->m, v->fam[VM_P_START], NULL, ps.start_time);
}

static double sample_ring(const struct metrics_view *v)
{
	if (!v->ring_size)
		return 0;
	return (double)rings_pending(v->rings) / (double)v->ring_size;
}

static uint64_t cpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int metrics_view_publish(struct metrics_view *v, struct table *tb, const struct metrics_health *h,
			 uint64_t now_ns, unsigned int formats)
{
	uint64_t t0 = cpu_now_ns();
	int fmt, err = 0;

	publish_table(v, tb);
	publish_health(v, h, now_ns);
	v->ring_max_fill = sample_ring(v);
	v->spill_max = h->spill_recent;
	for (fmt = METRICS_FMT_TEXT; fmt <= METRICS_FMT_OPENMETRICS; fmt++) {
		char *text;
		size_t len;

		if (!(formats & (1u << fmt)))
			continue;
		if (metrics_render(v->m, fmt == METRICS_FMT_OPENMETRICS, &text, &len)) {
			err = -1;
			continue;
		}
		metrics_pub_put(v->pub, (enum metrics_fmt)fmt, text, len);
	}
	v->publish_s = (cpu_now_ns() - t0) / 1e9;
	return err;
}

void metrics_view_step(struct metrics_view *v, struct table *tb, const struct metrics_health *h,
		       uint64_t now_ns)
{
	unsigned int want = metrics_pub_wanted(v->pub);
	double fill = sample_ring(v);

	if (fill > v->ring_max_fill)
		v->ring_max_fill = fill;
	if (h->spill_recent > v->spill_max)
		v->spill_max = h->spill_recent;
	if (want)
		metrics_view_publish(v, tb, h, now_ns, want);
}

void metrics_view_free(struct metrics_view *v)
{
	metrics_free(v->m);
	metrics_pub_free(v->pub);
	free(v->cache);
	memset(v, 0, sizeof(*v));
}
