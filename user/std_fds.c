// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "std_fds.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

unsigned int std_fds_fill_closed(void)
{
	unsigned int closed = 0;
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		closed |= STD_FD_BIT(fd);
		/* the lowest free number is this one, the lower ones being open by
		 * now; without a /dev/null (a bare chroot) it stays closed */
		open("/dev/null", O_RDWR);
	}
	return closed;
}
