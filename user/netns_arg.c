// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "netns_arg.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "numparse.h"

/*
 * Namespace inodes come from procfs' reserved range: 0xF0000000 up for
 * those made at run time, fixed numbers just below it for the initial ones
 * (init_net's is 0xEFFFFFF9 since 6.x). Anything lower is a typo.
 */
#define NETNS_INO_MIN 0xEFFFFF00u

int netns_arg_parse(const char *s, uint32_t *ino, char *err, size_t errlen)
{
	char path[4096];
	struct stat st;
	uint64_t v;
	int fd, type;

	if (!parse_u64(s, 0, UINT32_MAX, &v)) {
		if (v < NETNS_INO_MIN) {
			snprintf(err, errlen,
				 "'%s' is no namespace's inode (theirs are %u and up; "
				 "ls -iL /proc/PID/ns/net shows one)",
				 s, NETNS_INO_MIN);
			return -1;
		}
		*ino = (uint32_t)v;
		return 0;
	}
	if (!*s || !strcmp(s, ".") || !strcmp(s, "..")) {
		snprintf(err, errlen, "'%s' is not a namespace inode, name or path", s);
		return -1;
	}
	/* a bare name is ip netns's; anything with a slash is a path */
	if (strchr(s, '/'))
		snprintf(path, sizeof(path), "%s", s);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", s);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "'%s': %s: %s", s, path, strerror(errno));
		return -1;
	}
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type != CLONE_NEWNET || fstat(fd, &st)) {
		snprintf(err, errlen, "'%s': %s is not a network namespace", s, path);
		close(fd);
		return -1;
	}
	close(fd);
	*ino = (uint32_t)st.st_ino;
	return 0;
}
