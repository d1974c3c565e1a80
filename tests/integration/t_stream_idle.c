// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * An idle watch or life sleeps until its next timed work, and the first
 * record wakes it (user/idle_poll.h): with SOCKTRACE_TEST_IDLE_POLL_MS at a
 * minute, an idle run of TCP only must wake far less often than a poll every
 * 50 ms would (its main thread's voluntary context switches over 3 s), and
 * a connection made after the idle time must still have its lines within
 * seconds, long before the minute's sleep would end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "events.h"
#include "files.h"
#include "netns.h"
#include "tap.h"
#include "workload.h"

#define IDLE_ENV  "SOCKTRACE_TEST_IDLE_POLL_MS"
#define IDLE_SECS 3
/* 50 ms polls would switch 20 times a second */
#define IDLE_SWITCHES_MAX (IDLE_SECS * 20 / 3)
#define LINES_WAIT_MS	  20000

/* The main thread's voluntary context switches: one a sleep in poll. -1 if unread. */
static long long voluntary_switches(pid_t pid)
{
	char path[64], *text, *p;
	long long n = -1;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid, (int)pid);
	text = read_text_file(path, NULL);
	p = text ? strstr(text, "\nvoluntary_ctxt_switches:") : NULL;
	if (p)
		n = strtoll(p + strlen("\nvoluntary_ctxt_switches:"), NULL, 10);
	free(text);
	return n;
}

/* How many lines of kind event name port in t's output so far. */
static size_t lines_at(struct tracer *t, const char *event, long port)
{
	const struct json_obj *ev[32];
	struct json_lines jl = {0};
	struct ev_match m = EV_ANY(event);
	size_t n = 0;

	if (!json_lines_load(t->out_path, &jl)) {
		m.lport = port;
		n = ev_select(&jl, m, ev, 32);
		m.lport = -1;
		m.rport = port;
		n += ev_select(&jl, m, ev, 32);
	}
	json_lines_free(&jl);
	return n;
}

/* One run of cmd (-t): idle, then a connection, whose lines of kind event must come. */
static void idle_run(const char *netns, const char *cmd, const char *event, size_t want)
{
	struct tracer t;
	long long a, b, lost = -1, missed = -1;
	uint16_t port = 0;
	int lfd = -1, i, err;
	size_t n = 0;

	memset(&t, 0, sizeof(t));
	setenv(IDLE_ENV, "60000", 1);
	err = start_tracer(&t, (const char *const[]){cmd, "-t", "--netns", netns, NULL});
	unsetenv(IDLE_ENV);
	if (!ok(err == 0, "%s -t started with a minute's idle sleep", cmd))
		goto out;
	/* past the start-up's own polls and timers */
	usleep(1000000);
	a = voluntary_switches(t.pid);
	usleep(IDLE_SECS * 1000000);
	b = voluntary_switches(t.pid);
	ok(a >= 0 && b >= a && b - a <= IDLE_SWITCHES_MAX,
	   "%s idle for %d s: %lld sleeps (50 ms polls: %d; at most %d)", cmd, IDLE_SECS, b - a,
	   IDLE_SECS * 20, IDLE_SWITCHES_MAX);
	lfd = tcp_listen_on(AF_INET, "127.0.0.1", 0, 4, &port);
	if (!ok(lfd >= 0 && tcp_open_close(port, lfd, 1, 1) == 0,
		"%s: a connection to port %u after the idle time", cmd, port))
		goto out;
	for (i = 0; i < LINES_WAIT_MS / 50 && (n = lines_at(&t, event, port)) < want; i++)
		usleep(50000);
	ok(n >= want, "%s: its %zu %s lines after %d ms, not the minute's sleep", cmd, n, event,
	   i * 50);
	i = tracer_stop(&t, 10000);
	if (!i)
		tracer_last_summary(&t, NULL, &lost, &missed, NULL);
	ok(!i && lost == 0 && missed == 0, "%s: exits 0, nothing lost (%s, lost %lld, missed %lld)",
	   cmd, tracer_status_str(&t), lost, missed);
out:
	if (lfd >= 0)
		close(lfd);
	tracer_cleanup(&t);
}

int main(void)
{
	char netns[32];
	long ns = netns_enter_new();

	if (ns < 0) {
		ok(0, "enter a new network namespace: %s", strerror((int)-ns));
		return tap_done();
	}
	snprintf(netns, sizeof(netns), "%ld", ns);
	/* the client's and the server's: SYN_SENT, ESTABLISHED, FIN_WAIT1, ... */
	idle_run(netns, "watch", "state", 6);
	/* a line for each end */
	idle_run(netns, "life", "close", 2);
	return tap_done();
}
