/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The metrics view: table transitions and the tracer's own counts become
 * metric updates. It sits in front of another view's sink (watch, life, or
 * nothing for serve) and passes every transition on. Counters are kept as
 * transitions come; gauges (sockets by state, listener queues) are made from
 * the table on the tracer's thread when a scrape asks, at most every
 * METRICS_FRESH_NS.
 */
#ifndef SOCKTRACE_VIEW_METRICS_H
#define SOCKTRACE_VIEW_METRICS_H

#include <stdint.h>

#include "rings.h"
#include "table.h"

struct metrics;
struct metrics_pub;

/* What main knows of the tracer's health at a publication. */
struct metrics_health {
	uint64_t events;      /* records taken from the ring buffer */
	uint64_t bad_records; /* records that failed validation */
	uint64_t rb_full, map_full, table_full, kernel_missed;
	uint64_t table_capacity; /* --max-sockets */
	/* the ring's spill (user/ring_spill.h): records ever moved out, and
	 * the most bytes held since the last reading */
	uint64_t spilled, spill_recent;
};

enum {
	VM_TRANSITIONS,
	VM_CLOSED,
	VM_DURATION,
	VM_CONNECT_FAIL,
	VM_ACCEPTED,
	VM_ACCEPTOR,
	VM_SOCKETS,
	VM_LQUEUE,
	VM_LBACKLOG,
	VM_LDROPS,
	VM_LISTENERS,
	VM_EVENTS,
	VM_LOST,
	VM_KMISSED,
	VM_RING_FILL,
	VM_RING_SIZE,
	VM_SPILLED,
	VM_SPILL_MAX,
	VM_TABLE,
	VM_TABLE_CAP,
	VM_UPTIME,
	VM_PUBLISH,
	VM_P_CPU,
	VM_P_RSS,
	VM_P_VSIZE,
	VM_P_FDS,
	VM_P_MAXFDS,
	VM_P_START,
	VM_FAMILIES,
};

#define VM_STATES	16
#define VM_CLOSE_CACHE	32
#define VM_FAIL_CACHE	32
#define VM_ACCEPT_CACHE 256

/* Series handles for the counters every event updates: label text is made
 * and hashed once per label set, not once per event. */
struct vm_cache {
	long trans[VM_STATES][VM_STATES]; /* -2: not looked up yet */
	struct {
		const char *role, *end; /* life_end()'s constant strings */
		long closed, duration;
	} close[VM_CLOSE_CACHE];
	unsigned int nclose;
	struct {
		const char *proto;
		int err;
		long h;
	} fail[VM_FAIL_CACHE];
	unsigned int nfail;
	struct {
		uint64_t listener; /* its id; 0: slot empty */
		uint32_t pid;
		char comm[ST_COMM_LEN];
		long accepted, acceptor;
	} accept[VM_ACCEPT_CACHE];
};

struct metrics_view {
	struct metrics *m;
	struct metrics_pub *pub; /* shared with the HTTP server */
	transition_sink next;
	void *next_ctx;
	/* -4/-6 and --netns: the kernel filters events, but snapshots seed the
	 * table with every namespace's sockets */
	uint16_t family;
	uint32_t netns;
	int fam[VM_FAMILIES];
	uint64_t start_ns;
	const struct rings *rings; /* the ring buffers: their fill */
	uint64_t ring_size;
	double ring_max_fill; /* since the last publication */
	uint64_t spill_max;   /* the spill's most bytes, since the last publication */
	double publish_s;     /* what the last publication cost the tracer */
	struct vm_cache *cache;
};

/* 0, or -1 (out of memory). next may be NULL. */
int metrics_view_init(struct metrics_view *v, uint32_t max_series, transition_sink next,
		      void *next_ctx, uint64_t now_ns);
/* Watch the ring buffers' fill (size: all of them together); NULL: none. */
void metrics_view_set_ring(struct metrics_view *v, const struct rings *rings, uint64_t size);
/* A transition_sink: counts, then passes tr on to next. */
void metrics_view_transition(void *ctx, const struct transition *tr);
/* Once per poll: sample the ring; publish when a scrape waits. */
void metrics_view_step(struct metrics_view *v, struct table *tb, const struct metrics_health *h,
		       uint64_t now_ns);
/* Publish now, whatever was asked (tests). 0 or -ENOMEM. */
int metrics_view_publish(struct metrics_view *v, struct table *tb, const struct metrics_health *h,
			 uint64_t now_ns, unsigned int formats);
void metrics_view_free(struct metrics_view *v);

#endif
