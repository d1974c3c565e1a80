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
 * The first of pid's descriptors whose fdinfo names an object by key
 * ("map_id:", "prog_id:") that get (BPF_MAP_GET_FD_BY_ID, ...) opens and
 * named() accepts: its fd, or -1.
 */
static int object_of_process(pid_t pid, const char *key, int get,
			     bool (*named)(int fd, const char *name, void *info), const char *name,
			     void *info)
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
		if (named(fd, name, info))
			found = fd;
		else
			close(fd);
	}
	closedir(fds);
	return found;
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

unsigned int maps_of_process(pid_t pid, const char *name, __u32 type, unsigned long long *sum)
{
	char dir[64], path[320];
	struct dirent *d;
	unsigned int n = 0;
	DIR *fds;

	*sum = 0;
	snprintf(dir, sizeof(dir), "/proc/%d/fdinfo", (int)pid);
	fds = opendir(dir);
	if (!fds)
		return 0;
	while ((d = readdir(fds))) {
		char *text, *id;
		struct bpf_map_info info;
		union bpf_attr attr;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		text = read_text_file(path, NULL);
		id = text ? strstr(text, "map_id:") : NULL;
		memset(&attr, 0, sizeof(attr));
		attr.map_id = id ? (uint32_t)strtoul(id + strlen("map_id:"), NULL, 10) : 0;
		free(text);
		if (!attr.map_id || (fd = sys_bpf(BPF_MAP_GET_FD_BY_ID, &attr)) < 0)
			continue;
		if (map_named(fd, name, &info) && info.type == type) {
			n++;
			*sum += info.max_entries;
		}
		close(fd);
	}
	closedir(fds);
	return n;
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
