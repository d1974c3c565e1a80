// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * connstorm's UNIX mode, which `make bench` uses for its UNIX storm: every
 * connection completes in both close orders, threaded and forked; the socket
 * lives in a directory of the run's own that is gone afterwards (also when
 * the storm is killed by a signal); abstract names work; options that make no
 * sense for UNIX sockets are refused with one line and exit 2; and a TCP run
 * still says "path": null.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jsonl.h"
#include "netns.h"
#include "tap.h"
#include "tracer.h"
#include "workload.h"

#define CONNS	   300
#define CONNS_STR  "300"
#define RUN_MS	   60000
#define MAX_ARGS   24
#define PREFIX	   "/connstorm."
#define WAIT_STEPS 500 /* x 10 ms */

static char parent[64]; /* the test's own --unix-dir */

/* Entries in parent: connstorm must leave none behind. -1 if unreadable. */
static int entries(void)
{
	DIR *d = opendir(parent);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* Run connstorm with args; its --json line parsed, or NULL. */
static struct json_obj *storm(const char *const args[], int *rc)
{
	const char *argv[MAX_ARGS] = {tool_path("connstorm", "CONNSTORM")};
	struct json_obj *o = NULL;
	char *out = NULL, *line;
	int n = 1;

	while (*args && n < MAX_ARGS - 1)
		argv[n++] = *args++;
	*rc = run_capture(argv, &out, RUN_MS);
	for (line = out; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		size_t len = strcspn(line, "\n");

		if (*line == '{' && !o)
			o = json_parse(line, len);
	}
	if (!o)
		tap_diag("connstorm said: %s", out ? out : "(nothing)");
	free(out);
	return o;
}

/* Every connection completed and accepted, through a socket in parent that is gone now. */
static void check_unix_run(const char *what, const char *const args[])
{
	struct json_obj *o;
	const char *path;
	char dir[256];
	int rc;

	o = storm(args, &rc);
	ok(rc == 0 && o, "%s: exit 0 with a JSON line (%d)", what, rc);
	ok(json_int_is(o, "completed", CONNS) && json_int_is(o, "accepted", CONNS) &&
		   json_int_is(o, "failed", 0),
	   "%s: %d connections completed and accepted, none failed", what, CONNS);
	ok(json_str_is(o, "family", "unix") && json_int_is(o, "port", 0) &&
		   json_bool_is(o, "unique_src", 0),
	   "%s: family unix, port 0, no unique sources", what);
	path = json_str(o, "path");
	ok(path && strncmp(path, parent, strlen(parent)) == 0 &&
		   strncmp(path + strlen(parent), PREFIX, strlen(PREFIX)) == 0,
	   "%s: the socket was in a directory of its own in --unix-dir (%s)", what,
	   path ? path : "no path");
	if (path) {
		snprintf(dir, sizeof(dir), "%s", path);
		if (strrchr(dir, '/'))
			*strrchr(dir, '/') = '\0';
		ok(access(path, F_OK) < 0 && errno == ENOENT && access(dir, F_OK) < 0,
		   "%s: socket and directory removed afterwards", what);
	}
	is_int(entries(), 0, "%s: nothing left in --unix-dir", what);
	json_free(o);
}

static void check_refused(const char *const args[], const char *mention)
{
	const char *argv[MAX_ARGS] = {tool_path("connstorm", "CONNSTORM")};
	char *out = NULL;
	int n = 1, rc;

	while (*args && n < MAX_ARGS - 1)
		argv[n++] = *args++;
	rc = run_capture(argv, &out, RUN_MS);
	ok(rc == 2 && out && strstr(out, mention) && strchr(out, '\n') == out + strlen(out) - 1,
	   "refused with one line naming '%s' and exit 2 (got %d: %.*s)", mention, rc,
	   out ? (int)strcspn(out, "\n") : 0, out ? out : "");
	free(out);
}

static int exec_storm(void *arg)
{
	char *const *argv = arg;

	execv(argv[0], argv);
	return 127;
}

/* Killed mid-run (waiting for a start file that never comes): the directory still goes. */
static void check_signal(void)
{
	char never[128], *argv[] = {(char *)tool_path("connstorm", "CONNSTORM"),
				    "-x",
				    "--fork-server",
				    "--unix-dir",
				    parent,
				    "--start-file",
				    never,
				    "--timeout",
				    "30",
				    NULL};
	pid_t pid;
	int i, st;

	snprintf(never, sizeof(never), "%s.never", parent);
	pid = spawn(exec_storm, argv);
	if (!ok(pid > 0, "start a storm that waits: %s", strerror(pid < 0 ? -pid : 0)))
		return;
	for (i = 0; i < WAIT_STEPS && entries() < 1; i++)
		usleep(10000);
	ok(entries() == 1, "its directory appears while it waits");
	kill(pid, SIGTERM); /* our own child, by pid */
	st = wait_exit(pid, 10000);
	ok(st == -1, "SIGTERM ends it (%d)", st);
	is_int(entries(), 0, "after SIGTERM nothing is left in --unix-dir");
}

/* A TCP storm keeps its JSON, with "path": null. */
static void check_tcp(void)
{
	const char *args[] = {"-n", "50", "--json", NULL};
	struct json_obj *o;
	int rc;

	if (netns_enter_new() < 0) {
		ok(0, "enter a new network namespace: %s", strerror(errno));
		return;
	}
	o = storm(args, &rc);
	ok(rc == 0 && json_int_is(o, "completed", 50) && json_str_is(o, "family", "ipv4") &&
		   json_is_null(o, "path") && json_int_is(o, "rate_limit", 0),
	   "a TCP storm: 50 completed, family ipv4, path null, no rate limit");
	json_free(o);
}

/*
 * --rate: connection i starts i/R s into the storm, and connstorm counts from
 * the storm's start, so 20 connections at 50 a second cannot take less than
 * 0.38 s however fast or slow the machine; ignoring --rate, they would take
 * a few milliseconds, well under that even in an emulated guest. Only the
 * lower bound is checked: a slow machine cannot fail it.
 */
static void check_rate(void)
{
	const char *args[] = {"-n", "20", "--rate", "50", "--json", NULL};
	struct json_obj *o;
	double secs = 0;
	int rc, got;

	o = storm(args, &rc);
	ok(rc == 0 && json_int_is(o, "completed", 20) && json_int_is(o, "rate_limit", 50),
	   "--rate 50: 20 completed, rate_limit 50");
	/* read before ok(): its arguments are evaluated in no set order */
	got = json_num(o, "seconds", &secs);
	ok(got == 0 && secs >= 19 / 50.0, "--rate 50: 20 connections took at least 0.38 s (%.6f)",
	   secs);
	json_free(o);
	check_refused((const char *const[]){"-n", "1000", "--rate", "10", "--timeout", "60", NULL},
		      "--timeout");
	check_refused((const char *const[]){"--rate", "0", NULL}, "--rate");
}

int main(void)
{
	char long_dir[96];

	if (!ok(access(tool_path("connstorm", "CONNSTORM"), X_OK) == 0, "connstorm at %s",
		tool_path("connstorm", "CONNSTORM")))
		return tap_done();
	snprintf(parent, sizeof(parent), "/tmp/t_connstorm.XXXXXX");
	if (!ok(mkdtemp(parent), "a directory for the sockets: %s", strerror(errno)))
		return tap_done();

	check_unix_run(
		"server-first, threaded",
		(const char *const[]){"-x", "--unix-dir", parent, "-n", CONNS_STR, "--json", NULL});
	check_unix_run("client-first, forked server, 2 server threads, payload 1000",
		       (const char *const[]){"--unix-dir", parent, "-n", CONNS_STR, "-m",
					     "client-first", "--fork-server", "--server-threads",
					     "2", "--payload", "1000", "--json", NULL});
	check_unix_run("server-first, forked, payload 70000",
		       (const char *const[]){"-x", "--unix-dir", parent, "-n", CONNS_STR,
					     "--fork-server", "--payload", "70000", "--json",
					     NULL});

	/* Abstract: no directory anywhere, a name with an @ */
	{
		const char *args[] = {"--abstract", "-n", CONNS_STR, "--json", NULL};
		struct json_obj *o;
		int rc;

		o = storm(args, &rc);
		ok(rc == 0 && json_int_is(o, "completed", CONNS) && json_str(o, "path") &&
			   strncmp(json_str(o, "path"), "@connstorm.", 11) == 0,
		   "abstract: %d completed at @connstorm.*", CONNS);
		json_free(o);
	}

	check_refused((const char *const[]){"-x", "-m", "rst", NULL}, "rst");
	check_refused((const char *const[]){"-6", "-x", NULL}, "-6");
	check_refused((const char *const[]){"--unix-dir", parent, "--port", "1", NULL}, "--port");
	check_refused((const char *const[]){"--abstract", "--addr", "127.0.0.2", NULL}, "--addr");
	check_refused((const char *const[]){"-x", "--no-unique-src", NULL}, "--no-unique-src");
	check_refused((const char *const[]){"--abstract", "--unix-dir", parent, NULL},
		      "--abstract");
	snprintf(long_dir, sizeof(long_dir), "/%090d", 0);
	check_refused((const char *const[]){"--unix-dir", long_dir, NULL}, "too long");
	is_int(entries(), 0, "a refused run makes no directory");

	check_signal();
	ok(rmdir(parent) == 0, "the test's directory is empty and goes");
	check_tcp();
	check_rate();
	return tap_done();
}
