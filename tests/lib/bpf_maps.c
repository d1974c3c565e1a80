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

int map_of_process(pid_t pid, const char *name, struct bpf_map_info *info)
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
		id = text ? strstr(text, "map_id:") : NULL;
		memset(&attr, 0, sizeof(attr));
		attr.map_id = id ? (uint32_t)strtoul(id + 7, NULL, 10) : 0;
		free(text);
		if (!attr.map_id || (fd = sys_bpf(BPF_MAP_GET_FD_BY_ID, &attr)) < 0)
			continue;
		if (!map_info(fd, info) && !strcmp(info->name, name))
			found = fd;
		else
			close(fd);
	}
	closedir(fds);
	return found;
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
