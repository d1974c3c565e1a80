// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * life's hash by sock address, where the kernel allocates its entries: a
 * connection's entry outlives its end, for the next socket at its address,
 * and a collector deletes those whose address nobody took again
 * (SOCKTRACE_LIFE_GC_MS shortens its wait for the test). Two life runs watch
 * the same storms: one that collects after an hour, whose map must still
 * hold entries once every connection has ended, and one that collects after
 * 200 ms, whose map must empty. Both must print every connection's two ends,
 * before and after a collection. The maps are read from outside, through
 * the tracers' descriptors, with bpf(2).
 */
#include <dirent.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "events.h"
#include "files.h"
#include "netns.h"
#include "tap.h"

#define CONNS  300
#define GC_ENV "SOCKTRACE_LIFE_GC_MS"

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* The map life_hash that process pid holds, if it allocates its entries: an fd, or -1. */
static int life_hash_of(pid_t pid)
{
	char dir[64], path[320];
	struct dirent *d;
	DIR *fds;
	int found = -1;

	snprintf(dir, sizeof(dir), "/proc/%d/fdinfo", (int)pid);
	fds = opendir(dir);
	if (!fds)
		return -1;
	while (found < 0 && (d = readdir(fds))) {
		char *text, *id;
		union bpf_attr attr;
		struct bpf_map_info info;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		text = read_text_file(path, NULL);
		id = text ? strstr(text, "map_id:") : NULL;
		memset(&attr, 0, sizeof(attr));
		attr.map_id = id ? (uint32_t)strtoul(id + 7, NULL, 10) : 0;
		free(text);
		if (!attr.map_id || (fd = sys_bpf(BPF_MAP_GET_FD_BY_ID, &attr)) < 0)
			continue;
		memset(&info, 0, sizeof(info));
		memset(&attr, 0, sizeof(attr));
		attr.info.bpf_fd = (uint32_t)fd;
		attr.info.info_len = sizeof(info);
		attr.info.info = (uint64_t)(uintptr_t)&info;
		if (!sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) && !strcmp(info.name, "life_hash") &&
		    info.max_entries > 1 && (info.map_flags & BPF_F_NO_PREALLOC))
			found = fd;
		else
			close(fd);
	}
	closedir(fds);
	return found;
}

/* How many entries the hash holds. */
static long entries(int fd)
{
	uint64_t key = 0, next;
	union bpf_attr attr;
	long n = 0;
	bool first = true;

	for (;;) {
		memset(&attr, 0, sizeof(attr));
		attr.map_fd = (uint32_t)fd;
		attr.key = first ? 0 : (uint64_t)(uintptr_t)&key;
		attr.next_key = (uint64_t)(uintptr_t)&next;
		if (sys_bpf(BPF_MAP_GET_NEXT_KEY, &attr))
			return errno == ENOENT ? n : -1;
		key = next;
		first = false;
		n++;
	}
}

/* A life run with the collector's wait at ms. */
static int start_life(struct tracer *t, const char *netns, const char *ms)
{
	int err;

	setenv(GC_ENV, ms, 1);
	err = start_tracer(t, (const char *const[]){"life", "--netns", netns, NULL});
	unsetenv(GC_ENV);
	return err;
}

/* Its close lines, once stopped; -1 if it did not exit 0 with nothing lost. */
static long stop_life(struct tracer *t, const char *name)
{
	long long lost = -1, missed = -1;
	char *text;
	const char *p;
	long n = 0;
	int stopped = tracer_stop(t, 10000);

	if (!stopped)
		tracer_last_summary(t, NULL, &lost, &missed, NULL);
	if (!ok(!stopped && lost == 0 && missed == 0,
		"%s: exits 0, nothing lost (%s, lost %lld, missed %lld)", name,
		tracer_status_str(t), lost, missed))
		return -1;
	text = read_text_file(t->out_path, NULL);
	for (p = text; p && (p = strstr(p, "\"event\":\"close\"")); p++)
		n++;
	free(text);
	return n;
}

/* A bad SOCKTRACE_LIFE_GC_MS is one line and a failed start. */
static void bad_value(void)
{
	const char *argv[] = {socktrace_path(), "life", "--duration", "1", NULL};
	char *out = NULL;
	int status;

	setenv(GC_ENV, "soon", 1);
	status = run_capture(argv, &out, 30000);
	unsetenv(GC_ENV);
	ok(status > 0 && out && strstr(out, GC_ENV "=soon") &&
		   strchr(out, '\n') == strrchr(out, '\n'),
	   "%s=soon: exit status %d, one line naming it", GC_ENV, status);
	if (out)
		tap_diag("%s", out);
	free(out);
}

int main(void)
{
	struct tracer keep, collect;
	char netns[32];
	long ns = netns_enter_new(), n, kept, left = -1;
	int keep_fd = -1, collect_fd = -1, i;

	memset(&keep, 0, sizeof(keep));
	memset(&collect, 0, sizeof(collect));
	bad_value();
	if (ns < 0) {
		ok(0, "enter a new network namespace: %s", strerror((int)-ns));
		return tap_done();
	}
	snprintf(netns, sizeof(netns), "%ld", ns);
	if (!ok(start_life(&keep, netns, "3600000") == 0 && start_life(&collect, netns, "200") == 0,
		"two life runs started: collecting after an hour and after 200 ms"))
		goto out;
	keep_fd = life_hash_of(keep.pid);
	collect_fd = life_hash_of(collect.pid);
	if (keep_fd < 0 || collect_fd < 0) {
		tap_diag("no life_hash allocated at run time in the tracers (%d, %d)", keep_fd,
			 collect_fd);
		tap_skip("life keeps no ended connections on this kernel",
			 "entries outlive their connections, and are collected");
		goto out;
	}
	ok(storm_completes(CONNS, NULL, 0), "%d connections made", CONNS);
	usleep(100000);
	kept = entries(keep_fd);
	ok(kept > 0, "after every connection ended, the hash still holds %ld entries", kept);
	/* the collector runs every 200 ms and takes what ended 200 ms before */
	for (i = 0; i < 50 && (left = entries(collect_fd)) != 0; i++)
		usleep(100000);
	ok(left == 0, "200 ms collector: %ld entries left after %d ms", left, i * 100);
	ok(entries(keep_fd) >= kept, "the hour's collector took none: %ld entries",
	   entries(keep_fd));
	ok(storm_completes(CONNS, NULL, 0), "%d more connections made after the collection", CONNS);
	usleep(300000);
	n = stop_life(&keep, "keeping run");
	is_int(n, 4 * CONNS, "keeping run: every connection's two ends, in both storms");
	n = stop_life(&collect, "collecting run");
	is_int(n, 4 * CONNS, "collecting run: every connection's two ends, in both storms");
out:
	if (keep_fd >= 0)
		close(keep_fd);
	if (collect_fd >= 0)
		close(collect_fd);
	tracer_cleanup(&keep);
	tracer_cleanup(&collect);
	return tap_done();
}
