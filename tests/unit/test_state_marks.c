// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for the marks by which state_btf tells its rescue twin which
 * calls it handled (bpf/state_marks.h): the interleavings of interrupts with
 * the two programs that the kernel makes too rarely for a storm to show each
 * time. A twin that misses its mark writes the event a second time.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "state_marks.h"

#define LISTEN	 10
#define SYN_RECV 3
/* what one softirq run can do: netdev_budget (300) for each of three restarts */
#define SOFTIRQ_CALLS 900

/* one connection's cookie: a socket at an address has one of its own */
#define COOKIE(sk) ((__u64)(sk)*3 + 1)

static struct state_guard *guard_new(void)
{
	return calloc(1, sizeof(struct state_guard));
}

/* a whole call: state_btf, then its twin; true when the twin stays silent */
static bool whole_call(struct state_guard *g, __u64 sk, __u32 states)
{
	marks_push(g, sk, COOKIE(sk), states);
	return marks_take(g, sk, COOKIE(sk), states);
}

static void plain(void)
{
	struct state_guard *g = guard_new();
	__u32 st = mark_states(LISTEN, SYN_RECV);

	ok(whole_call(g, 0x1000, st), "a call's twin takes its mark");
	is_int(g->depth, 0, "and the stack is empty again");
	ok(!marks_take(g, 0x1000, COOKIE(0x1000), st),
	   "a call state_btf did not handle finds no mark");
	ok(!marks_take(g, 0x2000, COOKIE(0x2000), st) && g->depth == 0,
	   "another socket's twin finds none either");
	free(g);
}

/* an interrupt between state_btf and the twin of one call runs whole calls */
static void softirq_between(void)
{
	struct state_guard *g = guard_new();
	__u32 st = mark_states(1, 4), i, silent = 0;

	marks_push(g, 0xA000, COOKIE(0xA000), st);
	for (i = 0; i < 3 * STATE_MARKS; i++)
		silent += whole_call(g, 0x10000 + 64 * i, mark_states(1, 4));
	is_int(silent, 3 * STATE_MARKS, "each nested call's twin takes its own mark");
	ok(marks_take(g, 0xA000, COOKIE(0xA000), st), "the outer twin still finds its mark");
	is_int(g->depth, 0, "nothing left behind");
	free(g);
}

/*
 * An interrupt just after the kernel entered the outer twin, before it
 * raised twin_running: the kernel skips every nested twin, so each nested
 * call leaves its mark. A loopback softirq made 256 such calls in CI and the
 * outer twin, searching 64 marks, wrote its event twice.
 */
static void softirq_in_twin_entry(void)
{
	struct state_guard *g = guard_new();
	__u32 st = mark_states(8, 9), i, n = SOFTIRQ_CALLS;

	marks_push(g, 0xB000, COOKIE(0xB000), st);
	for (i = 0; i < n; i++)
		marks_push(g, 0x20000 + 64 * i, COOKIE(0x20000 + 64 * i),
			   mark_states(1, 4)); /* twins skipped */
	is_int(g->depth, n + 1, "every nested call left its mark");
	ok(marks_take(g, 0xB000, COOKIE(0xB000), st),
	   "the outer twin finds its mark under %u others", n);
	is_int(g->depth, 0, "and drops them");
	free(g);
}

/* a nested call inside the twin after it said so: the twin will be skipped */
static void inside_twin(void)
{
	struct state_guard *g = guard_new();

	g->twin_running = 1;
	marks_push(g, 0xC000, COOKIE(0xC000), mark_states(1, 2));
	is_int(g->depth, 0, "state_btf pushes nothing while the twin runs");
	free(g);
}

/*
 * Marks left after a twin lowered twin_running have no outer twin to drop
 * them. They must never stop later calls from finding their own marks.
 */
static void leftovers_accumulate(void)
{
	struct state_guard *g = guard_new();
	__u32 i, silent = 0, n = 20 * STATE_MARKS;

	for (i = 0; i < n; i++) {
		silent += whole_call(g, 0x30000 + 64 * (i % 500), mark_states(1, 2));
		marks_push(g, 0x90000 + 64 * i, COOKIE(0x90000 + 64 * i),
			   mark_states(2, 7)); /* left behind */
	}
	is_int(silent, n, "calls among %u left marks stay silent in their twins", n);
	marks_push(g, 0xD000, COOKIE(0xD000), mark_states(8, 9));
	for (i = 0; i < SOFTIRQ_CALLS; i++)
		marks_push(g, 0x40000 + 64 * i, COOKIE(0x40000 + 64 * i), mark_states(1, 4));
	ok(marks_take(g, 0xD000, COOKIE(0xD000), mark_states(8, 9)),
	   "a twin entered by an interrupt still finds its mark over old leftovers");
	free(g);
}

/*
 * A mark left behind, then a new socket at the same address making the same
 * transition in a call the kernel skipped for state_btf: its twin must tell
 * it, not take the old socket's mark for its own.
 */
static void leftover_of_an_earlier_socket(void)
{
	struct state_guard *g = guard_new();
	__u32 st = mark_states(4, 5); /* FIN_WAIT1 -> FIN_WAIT2, as in the storms */

	marks_push(g, 0xE000, 1001, st); /* its twin skipped: left behind */
	ok(whole_call(g, 0x50000, mark_states(1, 2)), "a later whole call stays silent");
	ok(!marks_take(g, 0xE000, 2002, st),
	   "a skipped call of the next socket at the address finds no mark: its twin tells it");
	ok(marks_take(g, 0xE000, 1001, st), "the left mark is still the earlier socket's");
	free(g);
}

int main(void)
{
	plain();
	softirq_between();
	softirq_in_twin_entry();
	inside_twin();
	leftovers_accumulate();
	leftover_of_an_earlier_socket();
	return tap_done();
}
