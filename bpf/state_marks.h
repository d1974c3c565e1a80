/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The marks by which state_btf tells its rescue twin which calls it handled
 * (state.bpf.h explains the twin). Plain C with no helpers, so that the unit
 * tests can run the interleavings that the kernel makes rarely.
 *
 * Calls nest: an interrupt between state_btf and the twin of one call runs
 * whole calls, each pushing and taking its own mark above. A call whose twin
 * the kernel skips (an interrupt inside the twin of an outer call) leaves its
 * mark behind; the outer twin drops every mark above its own. A softirq that
 * drains a loopback backlog runs hundreds of calls: all of them may land in
 * the few instructions between the kernel entering a twin and the twin
 * raising twin_running, so the stack must hold them without losing the outer
 * mark beneath, and the twin must search that deep.
 *
 * Marks left where no outer twin drops them (an interrupt after the twin
 * lowered twin_running, before the kernel lets it run again) stay below
 * later ones until the ring wraps over them: a storm of 200,000 connections
 * left 40 to 60 on each CPU, all of FIN_WAIT1 -> FIN_WAIT2. The slab gives
 * a freed socket's address to the next socket, which makes the same
 * transitions: a call the kernel skipped for state_btf in the instructions
 * around its running flag found such a mark and went untold (kernel_missed).
 * So a mark also names the socket's cookie, as state_btf leaves it (it makes
 * one where the socket has none) and the twin reads it: one socket does not
 * make one transition twice but through a new connect().
 */
#ifndef SOCKTRACE_STATE_MARKS_H
#define SOCKTRACE_STATE_MARKS_H

#ifdef __bpf__
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#else
#include <linux/types.h>
#include <stdbool.h>
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#endif

/* beyond the calls one softirq run can make (netdev_budget 300, restarts) */
#define STATE_MARKS 1024

struct state_mark {
	__u64 sk;
	__u64 cookie; /* sk's cookie, 0 if it has none */
	__u32 states; /* oldstate << 8 | newstate */
	__u32 pad;
};

struct state_guard {
	__u32 running;	    /* state_btf is between its first and last instruction */
	__u32 twin_running; /* the twin is, so the kernel skips it for any call now */
	__u32 depth;	    /* marks pushed and not taken, wrapping over the ring */
	__u32 pad;
	struct state_mark marks[STATE_MARKS];
};

/* a call's states, as a mark holds them */
static __always_inline __u32 mark_states(int oldstate, int newstate)
{
	return (__u32)oldstate << 8 | (__u8)newstate;
}

/* state_btf: name the call it handles, unless the twin will be skipped */
static __always_inline void marks_push(struct state_guard *g, __u64 sk, __u64 cookie, __u32 states)
{
	__u32 d;
	struct state_mark *m;

	if (g->twin_running)
		return;
	/* claim the slot before filling it: an interrupt in between pushes above it */
	d = g->depth++;
	m = &g->marks[d % STATE_MARKS];
	m->sk = sk;
	m->cookie = cookie;
	m->states = states;
}

/*
 * The twin: true when state_btf handled this call. Its mark is the top one,
 * or below marks that interrupts left; those go with it.
 */
static __always_inline bool marks_take(struct state_guard *g, __u64 sk, __u64 cookie, __u32 states)
{
	__u32 d = g->depth, i;

	for (i = 0; i < STATE_MARKS && i < d; i++) {
		__u32 k = d - 1 - i;
		struct state_mark *m = &g->marks[k % STATE_MARKS];

		if (m->sk == sk && m->cookie == cookie && m->states == states) {
			m->sk = 0;
			g->depth = k;
			return true;
		}
	}
	return false;
}

#endif /* SOCKTRACE_STATE_MARKS_H */
