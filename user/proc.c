// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

size_t proc_cmdline(uint32_t pid, char *buf, size_t cap, bool *cut)
{
	char path[32], more;
	size_t len = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/cmdline", pid);
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
	/* one byte past cap says whether the schema's "every argument" was cut */
	while (cut && len == cap && (n = read(fd, &more, 1)) < 0 && errno == EINTR)
		;
	if (cut && len == cap && n == 1)
		*cut = true;
	close(fd);
	return len;
}
