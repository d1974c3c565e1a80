// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* /proc/PID/WHAT into buf, at most cap bytes; its length, 0 when unreadable. */
static size_t proc_read(uint32_t pid, const char *what, char *buf, size_t cap)
{
	char path[48];
	size_t len = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/%s", pid, what);
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

size_t proc_cmdline(uint32_t pid, char *buf, size_t cap)
{
	return proc_read(pid, "cmdline", buf, cap);
}

uint32_t proc_ppid(uint32_t pid)
{
	char buf[512], *p;
	size_t n = proc_read(pid, "stat", buf, sizeof(buf) - 1);
	unsigned long ppid;

	buf[n] = 0;
	/* "pid (comm) S ppid ...": comm may hold ')' and spaces, the last ')' ends it */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %lu", &ppid) != 1 || ppid > UINT32_MAX)
		return 0;
	return (uint32_t)ppid;
}
