// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "kconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <zlib.h>

static unsigned int hz_from(const char *path)
{
	char line[256];
	unsigned int hz = 0;
	gzFile f = gzopen(path, "r"); /* reads plain files too */

	if (!f)
		return 0;
	while (gzgets(f, line, sizeof(line))) {
		if (strncmp(line, "CONFIG_HZ=", 10) == 0) {
			hz = (unsigned int)strtoul(line + 10, NULL, 10);
			break;
		}
	}
	gzclose(f);
	return hz >= 24 && hz <= 10000 ? hz : 0;
}

unsigned int kernel_hz(void)
{
	char path[128];
	struct utsname u;
	unsigned int hz = 0;

	if (uname(&u) == 0) {
		snprintf(path, sizeof(path), "/boot/config-%.64s", u.release);
		hz = hz_from(path);
	}
	return hz ? hz : hz_from("/proc/config.gz");
}
