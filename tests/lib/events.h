/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Queries over a tracer's JSON-lines output, for integration tests. */
#ifndef SOCKTRACE_TEST_EVENTS_H
#define SOCKTRACE_TEST_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include "jsonl.h"
#include "tracer.h"

/* Match on event kind and tuple; NULL / -1 fields match anything. */
struct ev_match {
	const char *event; /* "state", "accept", ... */
	const char *laddr;
	long lport;
	const char *raddr;
	long rport;
};

#define EV_ANY(ev) ((struct ev_match){.event = (ev), .lport = -1, .rport = -1})

/* CLOCK_MONOTONIC now, in ns: a bound of an ev_match window. */
long long ev_now_ns(void);

/* Up to max matching objects, in output order; returns how many matched. */
size_t ev_select(const struct json_lines *jl, struct ev_match m, const struct json_obj **out,
		 size_t max);
/* The same, of the lines with ts_ns from from_ns to to_ns (CLOCK_MONOTONIC, as
 * the lines have it): a test's own window keeps out an earlier socket that had
 * its port. */
size_t ev_select_during(const struct json_lines *jl, struct ev_match m, long long from_ns,
			long long to_ns, const struct json_obj **out, size_t max);
/*
 * The lines of one socket: the first line that matches m from from_ns to
 * to_ns names it (its "sock"), and every line that matches m with that sock
 * follows, whenever it came (a retransmitted FIN ends a socket 200 ms late).
 */
size_t ev_select_sock(const struct json_lines *jl, struct ev_match m, long long from_ns,
		      long long to_ns, const struct json_obj **out, size_t max);

/*
 * Whether the state events ev[0..n) walk exactly the path given as
 * "CLOSE>SYN_SENT>ESTABLISHED>..." (old state of the first, then each new
 * state). On mismatch, describes the path seen in why.
 */
int ev_path_is(const struct json_obj *const *ev, size_t n, const char *path, char *why, size_t len);

/* Every event has this pid (and no port is 0); on mismatch, why says which. */
int ev_all_pid(const struct json_obj *const *ev, size_t n, long long pid, char *why, size_t len);
int ev_no_zero_port(const struct json_obj *const *ev, size_t n, char *why, size_t len);

/* Start $SOCKTRACE with args plus --json (and --hooks $SOCKTRACE_HOOKS if set). */
int start_tracer(struct tracer *t, const char *const args[]);

/* A watch --json and a text watch of one network namespace, run together. */
struct watch_pair {
	struct tracer json, text;
	int json_ok, text_ok; /* started */
};

/* Start both (the text one with text_arg too, if not NULL); one test point. 1 if both run. */
int watch_pair_start(struct watch_pair *w, const char *netns, const char *text_arg);
/*
 * Stop both (a test point each), load the JSON into jl (a test point: read,
 * every line valid) and the text into *text (malloc'd; NULL if none).
 */
void watch_pair_stop(struct watch_pair *w, struct json_lines *jl, char **text);
void watch_pair_cleanup(struct watch_pair *w);

/*
 * connstorm, to its end: conns connections from 2 client threads to a forked
 * server, in mode (NULL: its default) with payload bytes each way (0: none).
 * Whether all of them completed; if not, its output goes to a diagnostic.
 */
bool storm_completes(int conns, const char *mode, int payload);

#endif
