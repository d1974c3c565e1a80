// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * SOCKTRACE_CAPTURE and bench-replay (`make bench-replay`): the records a
 * traced run captured, replayed through the table and the view, make the
 * very lines that run printed about the test's connections, so that the
 * benchmark measures the work socktrace really does. For watch and life; and
 * a capture that cannot be written is one error line and exit 1.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns.h"
#include "tap.h"
#include "tracer.h"
#include "workload.h"

#define CONNS 20

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The lines of @path about @port, sorted: the replay may release a held line
 * at another moment than the traced run did. Returns the count (at most
 * @max), -1 if the file cannot be read.
 */
static int port_lines(const char *path, uint16_t port, char **v, int max)
{
	char lp[32], rp[32], *line = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "re");
	int n = 0;

	if (!f)
		return -1;
	snprintf(lp, sizeof(lp), "\"lport\":%u,", port);
	snprintf(rp, sizeof(rp), "\"rport\":%u,", port);
	while (getline(&line, &cap, f) > 0 && n < max) {
		if (strstr(line, lp) || strstr(line, rp))
			v[n++] = strdup(line);
	}
	free(line);
	fclose(f);
	qsort(v, (size_t)n, sizeof(*v), cmp_str);
	return n;
}

static void free_lines(char **v, int n)
{
	while (n > 0)
		free(v[--n]);
}

static void check(const char *cmd, int min_lines)
{
	static char *live[4096], *again[4096];
	char cap[PATH_MAX], lines[PATH_MAX], want[64], *out = NULL;
	const char *replay = tool_path("bench-replay", NULL);
	long long events = -1, lost = -1;
	struct tracer t;
	uint16_t port;
	int lfd, rc, nl, na, i, same;

	if (!ok(tracer_start(&t, (const char *const[]){cmd, "--json", NULL}, 30000) == 0,
		"%s: started with SOCKTRACE_CAPTURE", cmd)) {
		tap_diag("%s", tracer_stderr(&t));
		tracer_cleanup(&t);
		return;
	}
	lfd = tcp_listen_on(AF_INET, "127.0.0.1", 0, 64, &port);
	/* half closed by the client first (TIME_WAIT on its end), half by the server */
	ok(lfd >= 0 && tcp_open_close(port, lfd, CONNS, 1) == 0 &&
		   tcp_open_close(port, lfd, CONNS, 0) == 0,
	   "%s: %d loopback connections", cmd, 2 * CONNS);
	close(lfd);
	usleep(300 * 1000); /* the last changes come from softirq right after */
	rc = tracer_stop(&t, 10000);
	if (!rc)
		rc = tracer_last_summary(&t, &events, &lost, NULL, NULL);
	ok(rc == 0 && lost == 0, "%s: exits 0 with nothing lost (%s, events %lld, lost %lld)", cmd,
	   tracer_status_str(&t), events, lost);

	snprintf(cap, sizeof(cap), "%s", getenv("SOCKTRACE_CAPTURE"));
	snprintf(lines, sizeof(lines), "%s/replayed", t.dir);
	rc = run_capture(
		(const char *const[]){replay, "--lines", lines, cap, "1", cmd, "--json", NULL},
		&out, 60000);
	snprintf(want, sizeof(want), "rep 1: %lld records, 0 refused", events);
	ok(rc == 0 && strstr(out, want), "%s: every captured record replayed (want \"%s\": %s)",
	   cmd, want, out);
	free(out);

	nl = port_lines(t.out_path, port, live, 4096);
	na = port_lines(lines, port, again, 4096);
	same = nl == na;
	for (i = 0; same && i < nl; i++)
		if (strcmp(live[i], again[i])) {
			tap_diag("traced:   %s", live[i]);
			tap_diag("replayed: %s", again[i]);
			same = 0;
		}
	ok(nl >= min_lines && same, "%s: the replay made the traced run's %d lines (replay: %d)",
	   cmd, nl, na);
	free_lines(live, nl < 0 ? 0 : nl);
	free_lines(again, na < 0 ? 0 : na);
	tracer_cleanup(&t);
}

int main(void)
{
	char dir[] = "/tmp/t_replay.XXXXXX", path[PATH_MAX], *out = NULL;
	int rc;

	if (!mkdtemp(dir)) {
		ok(0, "a temporary directory: %s", strerror(errno));
		return tap_done();
	}
	setenv("SOCKTRACE_CAPTURE", "/nonexistent/socktrace.cap", 1);
	rc = run_capture((const char *const[]){socktrace_path(), "watch", "--duration", "1", NULL},
			 &out, 30000);
	ok(rc == 1 && strstr(out, "SOCKTRACE_CAPTURE") &&
		   strchr(out, '\n') == out + strlen(out) - 1,
	   "a capture that cannot be written: one line, exit 1 (got %d: %s)", rc, out);
	free(out);

	if (netns_enter_new() < 0) {
		ok(0, "enter a new network namespace: %s", strerror(errno));
		return tap_done();
	}
	snprintf(path, sizeof(path), "%s/watch.cap", dir);
	setenv("SOCKTRACE_CAPTURE", path, 1);
	/* each connection: 5 state lines an end (TIME_WAIT's end comes after
	 * the run), and an accept */
	check("watch", 2 * CONNS * 11);
	snprintf(path, sizeof(path), "%s/life.cap", dir);
	setenv("SOCKTRACE_CAPTURE", path, 1);
	/* each connection: a line for each end */
	check("life", 2 * CONNS * 2);
	unlink(path);
	snprintf(path, sizeof(path), "%s/watch.cap", dir);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
