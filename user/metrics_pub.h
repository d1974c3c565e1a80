/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The hand-off between the tracer's thread and the HTTP server's. A scrape
 * never touches the tracer's data: it asks for a fresh exposition and waits
 * (bounded) for the tracer to render one between two polls of the ring
 * buffer, then copies it. The tracer checks an atomic flag per poll, so no
 * request ever makes the tracer wait for a lock held by the server.
 */
#ifndef SOCKTRACE_METRICS_PUB_H
#define SOCKTRACE_METRICS_PUB_H

#include <stddef.h>
#include <stdint.h>

enum metrics_fmt {
	METRICS_FMT_TEXT = 0,
	METRICS_FMT_OPENMETRICS = 1,
};

/* A publication younger than this answers a scrape at once (and bounds how
 * often scrapes make the tracer render). */
#define METRICS_FRESH_NS (100ull * 1000000ull)

struct metrics_pub;

struct metrics_pub *metrics_pub_new(void);
void metrics_pub_free(struct metrics_pub *p);

/* Tracer: the formats asked for since the last publication, a bit per
 * enum metrics_fmt; 0 when nobody waits. One atomic load. */
unsigned int metrics_pub_wanted(struct metrics_pub *p);
/* Tracer: publish text (malloc'd; ownership passes) in fmt. */
void metrics_pub_put(struct metrics_pub *p, enum metrics_fmt fmt, char *text, size_t len);

/*
 * Server: a malloc'd copy of a publication in fmt made at most
 * METRICS_FRESH_NS ago, waiting up to timeout_ms for the tracer to make one;
 * past that the latest there is (a tracer busy with a long snapshot). 0, or
 * -EAGAIN when there has never been one, -ENOMEM.
 */
int metrics_pub_get(struct metrics_pub *p, enum metrics_fmt fmt, int timeout_ms, char **text,
		    size_t *len);

#endif
