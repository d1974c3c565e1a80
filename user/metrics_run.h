/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The metrics side of a run (serve, or --metrics beside a view), in the
 * order main needs it: open (web config, bind the port, put the metrics
 * view in front of the view's sink) before any BPF is loaded; start the
 * server once capabilities are dropped; a step per poll; close.
 */
#ifndef SOCKTRACE_METRICS_RUN_H
#define SOCKTRACE_METRICS_RUN_H

#include <stdint.h>

#include "options.h"
#include "table.h"
#include "view_metrics.h"

struct metrics_run;

/* 0, or -1 after one line on stderr. *sink and *sink_ctx become the metrics
 * view's, which passes every transition on to the ones given. */
int metrics_run_open(struct metrics_run **out, const struct options *o, transition_sink *sink,
		     void **sink_ctx, uint64_t now_ns);
/* 0, or -1 after one line on stderr. rings: the ring buffers (their fill), or NULL. */
int metrics_run_start(struct metrics_run *mr, const struct rings *rings, uint64_t ring_size);
void metrics_run_step(struct metrics_run *mr, struct table *tb, const struct metrics_health *h,
		      uint64_t now_ns);
void metrics_run_close(struct metrics_run *mr);

#endif
