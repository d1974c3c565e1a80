// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "bpf_maps.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "files.h"

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* A map's info by fd; 0 or -1. */
static int map_info(int fd, struct bpf_map_info *info)
{
	union bpf_attr attr;

	memset(info, 0, sizeof(*info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = sizeof(*info);
	attr.info.info = (uint64_t)(uintptr_t)info;
	return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr);
}

/*
 * Each object that pid's descriptors name by key ("map_id:", "prog_id:") and
 * get (BPF_MAP_GET_FD_BY_ID, ...) opens, as an fd to each(): it keeps the fd
 * and returns true to stop, or returns false and the fd is closed.
 */
static void each_object(pid_t pid, const char *key, int get, bool (*each)(int fd, void *ctx),
			void *ctx)
{
	char dir[64], path[320];
	struct dirent *d;
	DIR *fds;

	snprintf(dir, sizeof(dir), "/proc/%d/fdinfo", (int)pid);
	fds = opendir(dir);
	if (!fds)
		return;
	while ((d = readdir(fds))) {
		char *text, *id;
		union bpf_attr attr;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		text = read_text_file(path, NULL);
		id = text ? strstr(text, key) : NULL;
		memset(&attr, 0, sizeof(attr));
		/* map_id and prog_id share the attribute's first word */
		attr.map_id = id ? (uint32_t)strtoul(id + strlen(key), NULL, 10) : 0;
		free(text);
		if (!attr.map_id || (fd = sys_bpf(get, &attr)) < 0)
			continue;
		if (each(fd, ctx))
			break;
		close(fd);
	}
	closedir(fds);
}

struct named_query {
	bool (*named)(int fd, const char *name, void *info);
	const char *name;
	void *info;
	int found;
};

static bool take_named(int fd, void *ctx)
{
	struct named_query *q = ctx;

	if (!q->named(fd, q->name, q->info))
		return false;
	q->found = fd;
	return true;
}

/* The first of pid's objects by key that named() accepts: its fd, or -1. */
static int object_of_process(pid_t pid, const char *key, int get,
			     bool (*named)(int fd, const char *name, void *info), const char *name,
			     void *info)
{
	struct named_query q = {.named = named, .name = name, .info = info, .found = -1};

	each_object(pid, key, get, take_named, &q);
	return q.found;
}

static bool map_named(int fd, const char *name, void *info)
{
	struct bpf_map_info *mi = info;

	return !map_info(fd, mi) && !strcmp(mi->name, name);
}

int map_of_process(pid_t pid, const char *name, struct bpf_map_info *info)
{
	return object_of_process(pid, "map_id:", BPF_MAP_GET_FD_BY_ID, map_named, name, info);
}

struct maps_sum {
	const char *name;
	__u32 type;
	unsigned int n;
	unsigned long long sum;
};

static bool add_map(int fd, void *ctx)
{
	struct maps_sum *m = ctx;
	struct bpf_map_info info;

	if (!map_info(fd, &info) && !strcmp(info.name, m->name) && info.type == m->type) {
		m->n++;
		m->sum += info.max_entries;
	}
	return false;
}

unsigned int maps_of_process(pid_t pid, const char *name, __u32 type, unsigned long long *sum)
{
	struct maps_sum m = {.name = name, .type = type};

	each_object(pid, "map_id:", BPF_MAP_GET_FD_BY_ID, add_map, &m);
	*sum = m.sum;
	return m.n;
}

static bool prog_named(int fd, const char *name, void *unused)
{
	struct bpf_prog_info info;
	union bpf_attr attr;

	(void)unused;
	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (uint64_t)(uintptr_t)&info;
	return !sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) && !strcmp(info.name, name);
}

bool prog_of_process(pid_t pid, const char *name)
{
	int fd = object_of_process(pid, "prog_id:", BPF_PROG_GET_FD_BY_ID, prog_named, name, NULL);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

long map_entries(int fd)
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
