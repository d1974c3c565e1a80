/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * life's hash keeps a connection's entry past its end, for the next socket at
 * its address (state.bpf.h's keeping programs). The entries of addresses no
 * socket takes again are collected by an iterator program (life.bpf.h,
 * life_gc), which userspace runs now and then.
 */
#ifndef SOCKTRACE_LIFE_GC_H
#define SOCKTRACE_LIFE_GC_H

#include <stdbool.h>
#include <stdint.h>

struct bpf_program;
struct bpf_link;

/*
 * SOCKTRACE_LIFE_GC_MS, for tests that cannot wait: "MS" sets a dead
 * entry's wait and the collector's ticks to MS milliseconds (and its longest
 * wait between passes to LIFE_GC_IDLE times that), "MS,IDLE_MS" the longest
 * wait too.
 */
#define LIFE_GC_ENV "SOCKTRACE_LIFE_GC_MS"
/* SOCKTRACE_TEST_LIFE_GC_BATCH: the dead entries that make a pass due at a tick */
#define LIFE_GC_BATCH_ENV "SOCKTRACE_TEST_LIFE_GC_BATCH"

/* How much longer the longest wait between passes is than a tick. */
#define LIFE_GC_IDLE 6
/*
 * A pass walks all 262,144 buckets (5 ms here) whatever it finds, so at a
 * tick it runs only with this many dead entries to collect (1.5 MB, a 32nd of
 * the hash), and otherwise once a longest wait: then for the few dead ones,
 * and for live entries whose end no hook saw.
 */
#define LIFE_GC_BATCH 8192

struct life_gc_clock {
	uint64_t age_ns;   /* how long a dead entry waits for its address */
	uint64_t every_ns; /* between ticks */
	uint64_t idle_ns;  /* the longest wait between passes */
	uint64_t batch;	   /* dead entries that make a pass due at a tick */
	uint64_t next_tick;
	uint64_t last_pass;
};

/*
 * The clock's times, from the environment or 10 s, 5 s, 30 s and
 * LIFE_GC_BATCH, its first tick a tick after now. -1 (after a one-line
 * warning) if the environment has a bad value.
 */
int life_gc_clock_init(struct life_gc_clock *c, uint64_t now);
/*
 * At a tick (now at or past next_tick): the next tick, and whether a pass
 * is due with @dead entries dead in the hash. A due pass counts as run.
 */
bool life_gc_due(struct life_gc_clock *c, uint64_t now, uint64_t dead);
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
