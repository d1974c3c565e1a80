// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Mounts socktrace makes for itself (tracefs, the cgroup v2 root) are undone
 * when it exits, unless something else uses them. The test runs in a mount
 * namespace of its own where neither is mounted, so that socktrace has to
 * mount them (and a network namespace of its own, to stay quiet).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "netns.h"
#include "tap.h"
#include "tracer.h"

#define TRACEFS "/sys/kernel/tracing"

static int is_watched_type(const char *type)
{
	return !strcmp(type, "tracefs") || !strcmp(type, "cgroup2") || !strcmp(type, "debugfs");
}

/*
 * The mount points of this namespace whose type is tracefs, cgroup2 or
 * debugfs (debugfs: its tracing directory mounts tracefs by itself), joined
 * by spaces into buf; how many. With detach set, each is unmounted too.
 */
static int watched_mounts(char *buf, size_t len, int detach)
{
	char line[1024], mnt[512], type[64];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	size_t used = 0;
	int n = 0;

	buf[0] = '\0';
	while (f && fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");

		/* id parent maj:min root mountpoint ... - fstype ... */
		if (!dash || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s", type) != 1 || !is_watched_type(type))
			continue;
		n++;
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s(%s)",
						 used ? " " : "", mnt, type);
		if (detach)
			umount2(mnt, MNT_DETACH);
	}
	if (f)
		fclose(f);
	return n;
}

/* Unmount every watched mount of this namespace: 0 when none is left. */
static int clear_mounts(void)
{
	char buf[1024];
	int i;

	for (i = 0; i < 8; i++)
		if (!watched_mounts(buf, sizeof(buf), 1))
			return 0;
	return -1;
}

/* Run socktrace to completion with args; its exit status, or -1. */
static int run(const char *const *args)
{
	const char *av[16];
	char *out = NULL;
	int i, rc;

	av[0] = socktrace_path();
	for (i = 0; args[i] && i < 14; i++)
		av[i + 1] = args[i];
	av[i + 1] = NULL;
	rc = run_capture(av, &out, 60000);
	if (rc != 0)
		tap_diag("output: %s", out ? out : "");
	free(out);
	return rc;
}

static void check_left(const char *what)
{
	char buf[1024];

	if (!ok(watched_mounts(buf, sizeof(buf), 0) == 0, "%s: nothing of its own left mounted",
		what))
		tap_diag("still mounted: %s", buf);
	ok(access("/run/socktrace/cgroup2", F_OK) != 0,
	   "%s: the directory made for cgroup2 is gone too", what);
}

int main(void)
{
	char netns[32], buf[1024];
	struct tracer t;
	int fd;
	long ns;

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		ok(0, "a mount namespace of our own: %s", strerror(errno));
		return tap_done();
	}
	ns = netns_enter_new();
	if (ns < 0) {
		ok(0, "enter a new network namespace: %s", strerror((int)-ns));
		return tap_done();
	}
	snprintf(netns, sizeof(netns), "%ld", ns);
	if (!ok(clear_mounts() == 0, "no tracefs, cgroup2 or debugfs mounted here")) {
		watched_mounts(buf, sizeof(buf), 0);
		tap_diag("still mounted: %s", buf);
		return tap_done();
	}

	/* A socktrace killed with SIGKILL cannot remove the directory it made;
	 * one left from such a run is not this run's to judge. */
	if (rmdir("/run/socktrace/cgroup2") == 0)
		tap_diag("removed an empty /run/socktrace/cgroup2 left by an earlier run");

	/* features tries a tracepoint and a cgroup program: it mounts both */
	is_int(run((const char *const[]){"features", NULL}), 0, "features: exit status 0");
	check_left("features");

	is_int(run((const char *const[]){"watch", "--netns", netns, "--hooks", "tracepoint",
					 "--duration", "0.5", NULL}),
	       0, "watch --hooks tracepoint: exit status 0");
	check_left("watch --hooks tracepoint");

	/* a mount that something else uses when socktrace ends stays */
	if (!ok(tracer_start(&t,
			     (const char *const[]){"watch", "--netns", netns, "--hooks",
						   "tracepoint", NULL},
			     30000) == 0,
		"watch: started")) {
		tap_diag("%s", tracer_stderr(&t));
		tracer_cleanup(&t);
		return tap_done();
	}
	fd = open(TRACEFS "/events", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ok(fd >= 0, "watch mounted tracefs; the test opens a directory in it");
	ok(tracer_stop(&t, 10000) == 0, "watch: exits 0 (%s)", tracer_status_str(&t));
	tracer_cleanup(&t);
	ok(fd >= 0 && access(TRACEFS "/events", F_OK) == 0,
	   "tracefs in use by another process stays mounted");
	if (fd >= 0)
		close(fd);
	clear_mounts();
	return tap_done();
}
