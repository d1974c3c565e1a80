/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A registry of metric families and their series, and its exposition in the
 * Prometheus text format (0.0.4) or OpenMetrics 1.0. The tracer's thread owns
 * it: nothing here locks. Families whose labels name ports or processes are
 * capped at max_series series; what does not fit is added to one overflow
 * series (every label "~other") and counted as folded.
 */
#ifndef SOCKTRACE_METRICS_H
#define SOCKTRACE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define METRIC_LABELS_MAX	   8
#define METRIC_BUCKETS_MAX	   16
#define METRIC_OVERFLOW		   "~other"
#define METRICS_DEFAULT_MAX_SERIES 1000

enum metric_type {
	METRIC_COUNTER,
	METRIC_GAUGE,
	METRIC_HISTOGRAM,
};

struct metric_desc {
	const char *name; /* counters end in _total */
	const char *help;
	enum metric_type type;
	const char *labels[METRIC_LABELS_MAX + 1]; /* NULL-terminated */
	bool capped;				   /* labels name ports or processes */
	const double *buckets;			   /* histograms: upper bounds, ascending */
	unsigned int nbuckets;
};

struct metrics;

/* max_series caps each capped family. NULL when out of memory. */
struct metrics *metrics_new(uint32_t max_series);
void metrics_free(struct metrics *m);
/* The family's id (>= 0), or -1 when out of memory. d must outlive m. */
int metrics_register(struct metrics *m, const struct metric_desc *d);

/*
 * Updates; values[] has one string per label of the family (none: NULL).
 * A series is made on first use. An update that cannot get a series (out of
 * memory) is counted and shown as socktrace_metrics_dropped_updates_total.
 */
void metrics_add(struct metrics *m, int fam, const char *const *values, double v);
void metrics_set(struct metrics *m, int fam, const char *const *values, double v);
void metrics_observe(struct metrics *m, int fam, const char *const *values, double v);
/*
 * The hot path: a handle for a family's series (made if new, or the overflow
 * series), valid until metrics_clear() of that family; -1 when out of
 * memory. Updating through it skips rendering and hashing the labels.
 */
long metrics_series(struct metrics *m, int fam, const char *const *values);
void metrics_add_at(struct metrics *m, int fam, long series, double v);
void metrics_observe_at(struct metrics *m, int fam, long series, double v);
/* Drop every series of a family: gauges rebuilt at each publication. */
void metrics_clear(struct metrics *m, int fam);

/*
 * The whole registry as text, in a malloc'd buffer the caller frees
 * (NUL-terminated). OpenMetrics ends with "# EOF". 0 or -ENOMEM.
 */
int metrics_render(struct metrics *m, bool openmetrics, char **out, size_t *len);

#define METRICS_CT_TEXT	       "text/plain; version=0.0.4; charset=utf-8"
#define METRICS_CT_OPENMETRICS "application/openmetrics-text; version=1.0.0; charset=utf-8"

/* Whether an HTTP Accept header asks for OpenMetrics (and does not refuse it). */
bool metrics_wants_openmetrics(const char *accept);

#endif
