// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

char *read_text_file(const char *path, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *b, *grown;
	ssize_t r;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	b = malloc(cap);
	if (!b) {
		err = ENOMEM;
		goto fail;
	}
	for (;;) {
		/* one byte always left for the NUL */
		if (cap - n < 2) {
			grown = realloc(b, cap * 2);
			if (!grown) {
				err = ENOMEM;
				goto fail;
			}
			b = grown;
			cap *= 2;
		}
		r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = errno;
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	b[n] = '\0';
	if (len)
		*len = n;
	return b;
fail:
	free(b);
	close(fd);
	errno = err;
	return NULL;
}

int find_program(const char *name, char *out, size_t len)
{
	static const char *const dirs[] = {"/usr/sbin", "/usr/bin",	   "/sbin",
					   "/bin",	"/usr/local/sbin", "/usr/local/bin"};
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(out, len, "%s/%s", dirs[i], name);
		if (access(out, X_OK) == 0)
			return 0;
	}
	return -1;
}
