// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "own_mounts.h"

#include <stdlib.h>
#include <unistd.h>
#include <sys/mount.h>

#define OWN_MAX 4

static struct {
	const char *path;
	const char *const *dirs;
} own[OWN_MAX];
static int n_own;

void own_mount_note(const char *path, const char *const *dirs)
{
	if (n_own == OWN_MAX)
		return;
	if (!n_own)
		atexit(own_mounts_release);
	own[n_own].path = path;
	own[n_own].dirs = dirs;
	n_own++;
}

void own_mounts_release(void)
{
	while (n_own > 0) {
		const char *const *d;

		n_own--;
		/* no MNT_DETACH: a mount someone has a file or cwd in stays (EBUSY) */
		if (umount2(own[n_own].path, UMOUNT_NOFOLLOW))
			continue;
		/* a directory someone mounted on or put something in stays too */
		for (d = own[n_own].dirs; d && *d; d++)
			if (rmdir(*d))
				break;
	}
}
