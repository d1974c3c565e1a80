/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The usual process_* metrics of an exporter, from /proc/self. */
#ifndef SOCKTRACE_PROCESS_STATS_H
#define SOCKTRACE_PROCESS_STATS_H

#include <stdint.h>

struct process_stats {
	double cpu_seconds; /* user + system */
	double start_time;  /* seconds since the epoch */
	uint64_t rss_bytes, vsize_bytes;
	uint64_t open_fds, max_fds;
};

/* 0, or -errno when /proc/self/stat cannot be read (other fields still set). */
int process_stats_read(struct process_stats *ps);

#endif
