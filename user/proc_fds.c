// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "proc_fds.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/types.h>

#include "clock.h"
#include "socktrace_abi.h"

uint64_t proc_fds_socket_ino(const char *link, size_t len)
{
	static const char pre[] = "socket:[";
	uint64_t ino = 0;
	size_t i;

	if (len < sizeof(pre) + 1 || memcmp(link, pre, sizeof(pre) - 1) || link[len - 1] != ']')
		return 0;
	for (i = sizeof(pre) - 1; i < len - 1; i++) {
		uint64_t digit = (uint64_t)(link[i] - '0');

		if (link[i] < '0' || link[i] > '9' || ino > (UINT64_MAX - digit) / 10)
			return 0;
		ino = ino * 10 + digit;
	}
	return ino;
}

/* comm as the kernel keeps it: at most 15 bytes, never trusted as text */
static void read_comm(int piddir, char comm[ST_COMM_LEN])
{
	int fd = openat(piddir, "comm", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, comm, ST_COMM_LEN);

	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		memset(comm, 0, ST_COMM_LEN);
		return;
	}
	if (comm[n - 1] == '\n')
		n--;
	memset(comm + n, 0, ST_COMM_LEN - (size_t)n);
}

/*
 * SO_REUSEADDR and SO_REUSEPORT as ST_SK_* bits, asked of a duplicate of the
 * holder's fd (pidfd_getfd(), 5.6: it shares the socket, and closing it
 * leaves the holder's alone). *pidfd is opened on first use; -2 once that
 * failed, so a process is not asked again.
 */
static bool ask_flags(int *pidfd, uint32_t pid, unsigned long fd, uint8_t *flags)
{
	int dup, v = 0;
	socklen_t len = sizeof(v);

	if (*pidfd == -1)
		*pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (*pidfd < 0) {
		*pidfd = -2;
		return false;
	}
	dup = (int)syscall(SYS_pidfd_getfd, *pidfd, (int)fd, 0);
	if (dup < 0)
		return false;
	*flags = 0;
	if (getsockopt(dup, SOL_SOCKET, SO_REUSEADDR, &v, &len) == 0 && v)
		*flags |= ST_SK_REUSEADDR;
	v = 0;
	len = sizeof(v);
	if (getsockopt(dup, SOL_SOCKET, SO_REUSEPORT, &v, &len) == 0 && v)
		*flags |= ST_SK_REUSEPORT;
	close(dup);
	return true;
}

static int one_process(int piddir, uint32_t pid, proc_fds_want_fn want, void *want_ctx,
		       record_fn fn, void *ctx)
{
	struct st_file_rec r;
	struct dirent *d;
	bool have_comm = false;
	char link[64];
	int pidfd = -1, fdd = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC), n = 0;
	DIR *dir = fdd < 0 ? NULL : fdopendir(fdd);

	if (!dir) {
		if (fdd >= 0)
			close(fdd);
		return 0; /* gone, or a kernel thread */
	}
	memset(&r, 0, sizeof(r));
	r.hdr.type = ST_REC_FILE;
	r.hdr.size = sizeof(r);
	r.hdr.ts_ns = mono_now_ns();
	r.task.tgid = r.task.tid = pid;
	while ((d = readdir(dir))) {
		struct proc_fds_sock s;
		ssize_t len;
		unsigned long fd;
		char *end;

		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		len = readlinkat(dirfd(dir), d->d_name, link, sizeof(link));
		if (len <= 0 || (size_t)len >= sizeof(link))
			continue;
		r.ino = proc_fds_socket_ino(link, (size_t)len);
		if (!r.ino || !want(want_ctx, r.ino, &s))
			continue;
		fd = strtoul(d->d_name, &end, 10);
		if (*end || fd > UINT32_MAX)
			continue;
		r.sk = s.sk;
		r.cookie = s.cookie;
		r.fd = (__u32)fd;
		r.sk_flags = 0;
		r.file_flags = s.ask_flags && ask_flags(&pidfd, pid, fd, &r.sk_flags)
				       ? ST_FILE_SK_FLAGS
				       : 0;
		if (!have_comm) {
			read_comm(piddir, r.task.comm);
			have_comm = true;
		}
		fn(ctx, &r, sizeof(r));
		n++;
	}
	closedir(dir);
	if (pidfd >= 0)
		close(pidfd);
	return n;
}

int proc_fds_read(proc_fds_want_fn want, void *want_ctx, record_fn fn, void *ctx)
{
	DIR *proc = opendir("/proc");
	struct dirent *d;
	int n = 0;

	if (!proc)
		return -errno;
	while ((d = readdir(proc))) {
		unsigned long pid;
		char *end;
		int piddir;

		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		pid = strtoul(d->d_name, &end, 10);
		if (*end || pid > UINT32_MAX)
			continue;
		piddir = openat(dirfd(proc), d->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (piddir < 0)
			continue;
		n += one_process(piddir, (uint32_t)pid, want, want_ctx, fn, ctx);
		close(piddir);
	}
	closedir(proc);
	return n;
}
