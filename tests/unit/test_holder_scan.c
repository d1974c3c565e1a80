// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for holder_scan.c's "has the owner exited?": kill(pid, 0),
 * whose "still there" is kept for 50 ms of record time, for many processes
 * at once and for records that come slightly out of order.
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "holder_scan.h"
#include "tap.h"

#define MS 1000000ull

/* A child that waits to be killed; 0 if fork failed. */
static pid_t sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid > 0 ? pid : 0;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

#define CHILDREN 16

int main(void)
{
	struct holder_scan *hs = holder_scan_new(NULL);
	struct holder_probe p;
	pid_t kids[CHILDREN], dead;
	const uint64_t t0 = 1000 * MS;
	int i, bad;

	if (!ok(hs != NULL, "a holder scan"))
		return tap_done();
	p = holder_scan_probe(hs);
	ok(!p.gone(p.ctx, (uint32_t)getpid(), t0), "a live process is not gone");
	ok(!p.gone(p.ctx, 0, t0), "pid 0 (no owner) is never gone");

	dead = sleeper();
	if (!ok(dead > 0, "fork"))
		return tap_done();
	reap(dead);
	ok(p.gone(p.ctx, (uint32_t)dead, t0), "a reaped process is gone");

	/* many live processes asked about, then all of them exit */
	for (i = 0; i < CHILDREN; i++)
		kids[i] = sleeper();
	for (i = 0, bad = 0; i < CHILDREN; i++)
		bad += !kids[i] || p.gone(p.ctx, (uint32_t)kids[i], t0);
	is_int(bad, 0, "%d live children are not gone", CHILDREN);
	for (i = 0; i < CHILDREN; i++)
		if (kids[i])
			reap(kids[i]);
	for (i = 0, bad = 0; i < CHILDREN; i++)
		bad += p.gone(p.ctx, (uint32_t)kids[i], t0 + 10 * MS);
	is_int(bad, 0, "within 50 ms of their answers, all %d are still taken as alive", CHILDREN);
	for (i = 0, bad = 0; i < CHILDREN; i++)
		bad += p.gone(p.ctx, (uint32_t)kids[i], t0 - 2 * MS);
	is_int(bad, 0, "a record older than the answer takes it too (two CPUs' order)");
	for (i = 0, bad = 0; i < CHILDREN; i++)
		bad += !p.gone(p.ctx, (uint32_t)kids[i], t0 + 60 * MS);
	is_int(bad, 0, "50 ms later the answer is asked again: all %d gone", CHILDREN);
	holder_scan_free(hs);
	return tap_done();
}
