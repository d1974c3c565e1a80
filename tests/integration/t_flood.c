// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Floods and exits: a ring buffer far too small for a storm, and a table cap
 * far below it, make losses that must be counted and reported as they happen,
 * never a crash; and whichever way socktrace ends (SIGINT, SIGTERM, a closed
 * stdout, --duration), no BPF program of its own outlives it.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "events.h"
#include "netns.h"
#include "tap.h"

static const char *connstorm_path(void)
{
	return tool_path("connstorm", "CONNSTORM");
}

static int storm(int n)
{
	char num[16];
	const char *argv[] = {connstorm_path(), "-n", num, "-t", "2", NULL};
	char *out = NULL;
	int rc;

	snprintf(num, sizeof(num), "%d", n);
	rc = run_capture(argv, &out, 120000);
	free(out);
	return rc;
}

/* The ids of the BPF programs a process holds, from its fds. */
static size_t prog_ids_of(pid_t pid, unsigned int *ids, size_t max)
{
	char path[64], line[128];
	size_t n = 0;
	int fd;

	for (fd = 0; fd < 1024 && n < max; fd++) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "prog_id: %u", &ids[n]) == 1) {
				n++;
				break;
			}
		if (f)
			fclose(f);
	}
	return n;
}

/* How many of these program ids still exist (the kernel frees them a little
 * after the last reference goes: poll for up to a second). */
static size_t still_loaded(const unsigned int *ids, size_t n)
{
	size_t left = n, i;
	int tries;

	for (tries = 0; tries < 100 && left; tries++) {
		left = 0;
		for (i = 0; i < n; i++) {
			union bpf_attr a;
			int fd;

			memset(&a, 0, sizeof(a));
			a.prog_id = ids[i];
			fd = syscall(SYS_bpf, BPF_PROG_GET_FD_BY_ID, &a, sizeof(a));
			if (fd >= 0) {
				left++;
				close(fd);
			}
		}
		if (left)
			usleep(10000);
	}
	return left;
}

static void flood(const char *netns)
{
	struct tracer t;
	struct json_lines jl;
	long long lost_lines = 0, events, lost = -1, missed, sockets, v;
	int full_seen = 0, rb_seen = 0;
	size_t i;

	if (!ok(start_tracer(&t, (const char *const[]){"watch", "--netns", netns, "--ringbuf-size",
						       "16K", "--max-sockets", "64", NULL}) == 0,
		"tracer with a 16K ring buffer and a 64-socket table started"))
		return;
	ok(storm(10000) == 0, "a 10,000-connection storm ran");
	usleep(300000);
	v = tracer_stop(&t, 15000);
	ok(v == 0, "no crash: exits 0 (%s)", tracer_status_str(&t));
	if (ok(json_lines_load(t.out_path, &jl) == 0 && jl.bad == 0, "valid JSON lines")) {
		for (i = 0; i < jl.n; i++) {
			const char *ev = json_str(jl.objs[i], "event"), *src;

			if (!ev || strcmp(ev, "lost") || json_int(jl.objs[i], "count", &v))
				continue;
			src = json_str(jl.objs[i], "source");
			rb_seen |= src && !strcmp(src, "ringbuf");
			full_seen |= src && !strcmp(src, "table_full");
			if (src && (!strcmp(src, "ringbuf") || !strcmp(src, "table_full") ||
				    !strcmp(src, "map_full")))
				lost_lines += v;
		}
		json_lines_free(&jl);
	}
	ok(rb_seen, "ring buffer losses reported in the stream");
	ok(full_seen, "table-cap refusals reported in the stream");
	ok(tracer_last_summary(&t, &events, &lost, &missed, &sockets) == 0 && lost > 0 &&
		   lost == lost_lines,
	   "the summary's lost is what the stream reported (%lld)", lost_lines);
	tracer_cleanup(&t);
}

/* End socktrace one way, then check no program of its own is left. */
static void exits(const char *netns)
{
	static const struct {
		const char *how;
		int sig;
	} ways[] = {{"SIGINT", SIGINT}, {"SIGTERM", SIGTERM}, {"--duration", 0}};
	size_t i;

	for (i = 0; i < sizeof(ways) / sizeof(ways[0]); i++) {
		unsigned int ids[64];
		size_t n;
		struct tracer t;
		const char *const dur[] = {"watch", "--netns", netns, "--duration", "1", NULL};
		const char *const plain[] = {"watch", "--netns", netns, NULL};
		int rc;

		rc = start_tracer(&t, ways[i].sig ? plain : dur);
		if (rc != 0) {
			ok(0, "%s: started", ways[i].how);
			tap_diag("start: %s (%s) %s", strerror(-rc), tracer_status_str(&t),
				 tracer_stderr(&t));
			tracer_cleanup(&t);
			continue;
		}
		n = prog_ids_of(t.pid, ids, 64);
		ok(n > 0, "%s: it holds %zu programs while it runs", ways[i].how, n);
		if (ways[i].sig) {
			kill(t.pid, ways[i].sig);
			rc = tracer_wait(&t, 10000);
		} else {
			rc = tracer_wait(&t, 10000);
		}
		ok(rc == 0, "%s: exits 0 (%s)", ways[i].how, tracer_status_str(&t));
		ok(still_loaded(ids, n) == 0, "%s: none of its programs is left behind",
		   ways[i].how);
		tracer_cleanup(&t);
	}
}

/*
 * Healing: with a ring buffer far too small, a storm's events are lost; the
 * table must not keep what it missed. Once the storm is over every
 * connection is closed or in TIME_WAIT, and the last table must say so.
 */
static void heals(const char *netns)
{
	struct tracer t;
	struct json_lines jl;
	long long rows = -1, stale = 0, events, lost = -1, missed, sockets;
	size_t i, last_table = 0;

	if (!ok(start_tracer(&t, (const char *const[]){"table", "-tan", "-c", "0.5", "--netns",
						       netns, "--ringbuf-size", "16K", NULL}) == 0,
		"table -c with a 16K ring buffer started")) {
		tap_diag("%s", tracer_stderr(&t));
		tracer_cleanup(&t);
		return;
	}
	ok(storm(5000) == 0, "a 5,000-connection storm ran");
	sleep(3); /* a few refreshes after the storm */
	i = tracer_stop(&t, 15000);
	ok(i == 0, "table exits 0 (%s)", tracer_status_str(&t));
	ok(tracer_last_summary(&t, &events, &lost, &missed, &sockets) == 0 && lost > 0,
	   "events were lost during the storm");
	if (json_lines_load(t.out_path, &jl) == 0) {
		/* the rows of the last complete table: after the one before it */
		for (i = 0; i < jl.n; i++) {
			const char *ev = json_str(jl.objs[i], "event");

			if (ev && !strcmp(ev, "table") && i + 1 < jl.n)
				last_table = i + 1;
		}
		for (i = last_table; i < jl.n; i++) {
			const char *ev = json_str(jl.objs[i], "event"), *st;

			if (ev && !strcmp(ev, "table")) {
				json_int(jl.objs[i], "rows", &rows);
				break;
			}
			st = json_str(jl.objs[i], "state");
			stale += !st || (strcmp(st, "TIME_WAIT") && strcmp(st, "FIN_WAIT2"));
		}
		json_lines_free(&jl);
	}
	ok(rows >= 0, "a last table was printed (%lld rows)", rows);
	is_int(stale, 0, "after the losses, no row but TIME_WAIT: the table healed");
	tracer_cleanup(&t);
}

int main(void)
{
	char netns[32];
	long ns = netns_enter_new();

	if (ns < 0 || access(connstorm_path(), X_OK)) {
		ok(0, "a network namespace and connstorm at %s", connstorm_path());
		return tap_done();
	}
	snprintf(netns, sizeof(netns), "%ld", ns);
	flood(netns);
	heals(netns);
	exits(netns);
	return tap_done();
}
