// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "process_stats.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static double boot_time(void)
{
	FILE *f = fopen("/proc/stat", "re");
	char line[256];
	double bt = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %lf", &bt) == 1)
			break;
	fclose(f);
	return bt;
}

static uint64_t count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	uint64_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n ? n - 1 : 0; /* not the directory's own fd */
}

int process_stats_read(struct process_stats *ps)
{
	unsigned long long utime, stime, start, vsize;
	long long rss;
	char buf[1024], *p;
	struct rlimit rl;
	double hz = (double)sysconf(_SC_CLK_TCK);
	FILE *f;
	size_t n;

	memset(ps, 0, sizeof(*ps));
	ps->open_fds = count_fds();
	if (!getrlimit(RLIMIT_NOFILE, &rl))
		ps->max_fds = rl.rlim_cur;
	f = fopen("/proc/self/stat", "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* the comm in parentheses may hold spaces: fields start after the last ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d "
			 "%*d %*d %llu %llu %lld",
			 &utime, &stime, &start, &vsize, &rss) != 5)
		return -EINVAL;
	ps->cpu_seconds = (utime + stime) / hz;
	ps->start_time = boot_time() + start / hz;
	ps->vsize_bytes = vsize;
	ps->rss_bytes = (uint64_t)(rss > 0 ? rss : 0) * (uint64_t)sysconf(_SC_PAGESIZE);
	return 0;
}
