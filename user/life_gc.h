/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * life's hash keeps a connection's entry past its end, for the next socket at
 * its address (state.bpf.h's keeping programs). The entries of addresses no
 * socket takes again are collected by an iterator program (life.bpf.h,
 * life_gc), which userspace runs now and then.
 */
#ifndef SOCKTRACE_LIFE_GC_H
#define SOCKTRACE_LIFE_GC_H

#include <stdint.h>

struct bpf_program;
struct bpf_link;

/* SOCKTRACE_LIFE_GC_MS: both times below, for tests that cannot wait */
#define LIFE_GC_ENV "SOCKTRACE_LIFE_GC_MS"

/*
 * How long a dead entry waits for its address, and how often the collector
 * runs: LIFE_GC_ENV's milliseconds, or 10 s and 5 s. -1 (after a one-line
 * warning) if LIFE_GC_ENV is not a number of milliseconds.
 */
int life_gc_times(uint64_t *age_ns, uint64_t *every_ns);
/*
 * SOCKTRACE_TEST_LOSE_END_PORT: for tests, the kernel's life path ignores the
 * -> CLOSE of a TCP connection with this port at either end, as the kernel
 * itself sometimes leaves one unreported, so that the collector's telling of
 * it can be tested (bpf/life.bpf.h). 0 if unset; -1 (after a one-line
 * warning) if not a port.
 */
#define LOSE_END_ENV "SOCKTRACE_TEST_LOSE_END_PORT"
int life_gc_test_port(uint16_t *port);
/* The collector @prog, ready to run; NULL with errno set. */
struct bpf_link *life_gc_attach(struct bpf_program *prog);
/* One pass of the collector. 0, or a negative errno. */
int life_gc_run(struct bpf_link *link);

#endif
