/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The clocks: the kernel's monotonic one (bpf_ktime_get_ns) and wall time. */
#ifndef SOCKTRACE_CLOCK_H
#define SOCKTRACE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Clock @id (CLOCK_MONOTONIC, CLOCK_REALTIME) now, in nanoseconds. */
uint64_t clock_ns(clockid_t id);
/* Monotonic now, in the kernel's clock (bpf_ktime_get_ns). */
uint64_t mono_now_ns(void);

#endif
