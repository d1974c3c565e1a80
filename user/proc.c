// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

size_t proc_cmdline(uint32_t pid, char *buf, size_t cap)
{
	char path[32];
	size_t len = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while (len < cap) {
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	return len;
}

uint32_t proc_ppid(uint32_t pid)
{
	char path[32], buf[512], *p;
	unsigned long ppid;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* "pid (comm) S ppid ...": comm may hold ')' and spaces, the last ')' ends it */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %lu", &ppid) != 1 || ppid > UINT32_MAX)
		return 0;
	return (uint32_t)ppid;
}
