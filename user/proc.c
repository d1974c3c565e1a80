// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * /proc/PID/WHAT into buf, at most cap bytes; its length, 0 when unreadable.
 * With cut, one byte past cap says whether the file was longer (the schema
 * promises every argument of a command line, so a cut one must say so).
 */
static size_t proc_read(uint32_t pid, const char *what, char *buf, size_t cap, bool *cut)
{
	char path[48], more;
	size_t len = 0;
	ssize_t n = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/%s", pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (cut)
		*cut = false;
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
	while (cut && len == cap && (n = read(fd, &more, 1)) < 0 && errno == EINTR)
		;
	if (cut && len == cap && n == 1)
		*cut = true;
	close(fd);
	return len;
}

size_t proc_cmdline(uint32_t pid, char *buf, size_t cap, bool *cut)
{
	return proc_read(pid, "cmdline", buf, cap, cut);
}

uint32_t proc_ppid(uint32_t pid)
{
	char buf[512], *p;
	size_t n = proc_read(pid, "stat", buf, sizeof(buf) - 1, NULL);
	unsigned long ppid;

	buf[n] = 0;
	/* "pid (comm) S ppid ...": comm may hold ')' and spaces, the last ')' ends it */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %lu", &ppid) != 1 || ppid > UINT32_MAX)
		return 0;
	return (uint32_t)ppid;
}
