// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The benchmark's floor tracer (tools/bench/floor.c), so that `make bench`
 * compares socktrace with a floor that really counts: every state change of
 * a few loopback connections arrives, the output is one line of the asked
 * size per record, nothing is lost, and bad options are refused; with a
 * ring for each CPU (the default) and with one for all (--one-ring).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns.h"
#include "tap.h"
#include "tracer.h"
#include "workload.h"

#define CONNS	   20
#define LINE_BYTES 100
/* client CLOSE>SYN_SENT>ESTABLISHED>FIN_WAIT1>FIN_WAIT2>TIME_WAIT, server
 * LISTEN>SYN_RECV>ESTABLISHED>CLOSE_WAIT>LAST_ACK>CLOSE: at least ten */
#define STATES_PER_CONN 10

/* bench-floor sits beside connstorm: $SOCKTRACE's directory/tools/. */
static int floor_path(char *out, size_t len)
{
	if (!strchr(socktrace_path(), '/'))
		return -1;
	snprintf(out, len, "%s", tool_path("bench-floor", NULL));
	return access(out, X_OK);
}

static void floor_run(const char *rings)
{
	struct tracer t;
	struct stat st;
	long long events = -1, lost = -1, missed = -1;
	uint16_t port;
	int lfd, rc;

	if (!ok(tracer_start(&t, (const char *const[]){"--line-bytes", "100", rings, NULL},
			     30000) == 0,
		"%s: bench-floor started", rings ? rings : "a ring a CPU")) {
		tap_diag("%s", tracer_stderr(&t));
		tracer_cleanup(&t);
		return;
	}
	lfd = tcp_listen_on(AF_INET, "127.0.0.1", 0, 64, &port);
	ok(lfd >= 0 && tcp_open_close(port, lfd, CONNS, 1) == 0, "%d loopback connections", CONNS);
	close(lfd);
	usleep(200 * 1000); /* the TIME_WAIT changes come from softirq right after */
	rc = tracer_stop(&t, 10000);
	ok(rc == 0, "stops on SIGINT with status 0 (%s)", tracer_status_str(&t));
	ok(tracer_last_summary(&t, &events, &lost, &missed, NULL) == 0, "prints a summary");
	/* the floor sees every namespace: other sockets of the machine add to it */
	ok(events >= CONNS * STATES_PER_CONN, "at least %d records (%lld)", CONNS * STATES_PER_CONN,
	   events);
	ok(lost == 0, "nothing lost to a full ring (%lld)", lost);
	if (stat(t.out_path, &st))
		st.st_size = -1;
	ok(st.st_size == events * LINE_BYTES,
	   "one %d-byte line per record: %lld bytes for %lld records", LINE_BYTES,
	   (long long)st.st_size, events);
	tracer_cleanup(&t);
}

int main(void)
{
	char path[PATH_MAX], *out = NULL;
	int rc;

	if (floor_path(path, sizeof(path))) {
		ok(0, "bench-floor next to %s: make build/tools/bench-floor", socktrace_path());
		return tap_done();
	}
	rc = run_capture((const char *const[]){path, "--line-bytes", "9999", NULL}, &out, 10000);
	ok(rc == 2 && strstr(out, "--line-bytes") && strchr(out, '\n') == out + strlen(out) - 1,
	   "a bad --line-bytes is one error line and exit 2 (got %d: %s)", rc, out);
	free(out);

	if (netns_enter_new() < 0) {
		ok(0, "enter a new network namespace: %s", strerror(errno));
		return tap_done();
	}
	/* tracer_start runs $SOCKTRACE: point it at the floor for this run */
	setenv("SOCKTRACE", path, 1);
	floor_run(NULL);
	floor_run("--one-ring");
	return tap_done();
}
