// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "workload.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long wl_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int make_sockaddr(int family, const char *addr, uint16_t port, struct sockaddr_storage *ss,
			 socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
		if (addr && inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
			return -EINVAL;
		*len = sizeof(*sin);
		return 0;
	}
	if (family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = in6addr_any;
		if (addr && inet_pton(AF_INET6, addr, &sin6->sin6_addr) != 1)
			return -EINVAL;
		*len = sizeof(*sin6);
		return 0;
	}
	return -EAFNOSUPPORT;
}

int tcp_listen_on(int family, const char *addr, uint16_t port, int backlog, uint16_t *bound_port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, err;

	err = make_sockaddr(family, addr, port, &ss, &len);
	if (err)
		return err;
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, backlog) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (bound_port)
		*bound_port = sock_local_port(fd);
	return fd;
}

int tcp_connect_to(int family, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, err;

	if (!addr)
		return -EINVAL;
	err = make_sockaddr(family, addr, port, &ss, &len);
	if (err)
		return err;
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int tcp_open_close(uint16_t port, int lfd, int n, int client_first)
{
	int i, c, s;

	for (i = 0; i < n; i++) {
		c = tcp_connect_to(AF_INET, "127.0.0.1", port);
		s = c < 0 ? -1 : accept(lfd, NULL, NULL);
		if (s < 0) {
			if (c >= 0)
				close(c);
			return -1;
		}
		close(client_first ? c : s);
		close(client_first ? s : c);
	}
	return 0;
}

uint16_t sock_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

pid_t spawn(int (*fn)(void *), void *arg)
{
	pid_t parent = getpid(), pid;

	/* Otherwise buffered stdio would come out of both processes. */
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	/* _exit: the parent's atexit handlers and stdio buffers are not the child's to run. */
	_exit(fn(arg) & 0xff);
}

int wait_exit(pid_t pid, int timeout_ms)
{
	long long deadline = wl_mono_ms() + timeout_ms;
	struct timespec tick = {.tv_nsec = 5 * 1000000};
	int st;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (r < 0 && errno != EINTR)
			return -1;
		if (wl_mono_ms() >= deadline)
			break;
		nanosleep(&tick, NULL);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return -1;
}

/* How many sockets in path (/proc/net/tcp or tcp6) are in a transient state; -1 if unreadable. */
static int tcp_in_flight(const char *path)
{
	char line[512];
	unsigned int st;
	int n = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	/* "sl local_address rem_address st ...": the state is the fourth field, in hex */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %*[0-9]: %*s %*s %x", &st) == 1 &&
		    (st == 0x02 || st == 0x03 || st == 0x04 || st == 0x09 || st == 0x0b))
			n++;
	fclose(f);
	return n;
}

int tcp_wait_settled(int timeout_ms)
{
	long long deadline = wl_mono_ms() + timeout_ms;
	struct timespec tick = {.tv_nsec = 10 * 1000000};

	for (;;) {
		int v4 = tcp_in_flight("/proc/net/tcp"), v6 = tcp_in_flight("/proc/net/tcp6");

		if (v4 <= 0 && v6 <= 0)
			return 0;
		if (wl_mono_ms() >= deadline)
			return -ETIMEDOUT;
		nanosleep(&tick, NULL);
	}
}

int barrier_init(struct barrier *b)
{
	if (pipe2(b->fds, O_CLOEXEC) < 0) {
		b->fds[0] = b->fds[1] = -1;
		return -errno;
	}
	return 0;
}

void barrier_signal(struct barrier *b)
{
	ssize_t r;

	do
		r = write(b->fds[1], "x", 1);
	while (r < 0 && errno == EINTR);
}

int barrier_wait(struct barrier *b, int timeout_ms)
{
	long long deadline = wl_mono_ms() + timeout_ms;
	struct pollfd p = {.fd = b->fds[0], .events = POLLIN};
	long long left;
	ssize_t r;
	char c;

	for (;;) {
		left = deadline - wl_mono_ms();
		if (left < 0)
			left = 0;
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? -ETIMEDOUT : -errno;
		r = read(b->fds[0], &c, 1);
		if (r == 1)
			return 0;
		if (r == 0)
			return -EPIPE;
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
	}
}

void barrier_destroy(struct barrier *b)
{
	if (b->fds[0] >= 0)
		close(b->fds[0]);
	if (b->fds[1] >= 0)
		close(b->fds[1]);
	b->fds[0] = b->fds[1] = -1;
}

void set_comm(const char *name)
{
	prctl(PR_SET_NAME, name);
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	int sock = 1;
	ssize_t r;

	while (len) {
		if (sock) {
			r = send(fd, p, len, MSG_NOSIGNAL);
			if (r < 0 && errno == ENOTSOCK) {
				sock = 0;
				continue;
			}
		} else {
			r = write(fd, p, len);
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

int read_exact(int fd, void *buf, size_t len, int timeout_ms)
{
	long long deadline = wl_mono_ms() + timeout_ms;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	size_t got = 0;
	long long left;
	ssize_t r;

	while (got < len) {
		left = deadline - wl_mono_ms();
		if (left <= 0)
			break;
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return got ? (int)got : -errno;
		if (r == 0)
			break;
		r = read(fd, (char *)buf + got, len - got);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return got ? (int)got : -errno;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (int)got;
}

int send_fd(int over, int fd)
{
	char data = 'L', cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = &data, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(over, &mh, 0) == 1 ? 0 : -1;
}

int recv_fd(int over)
{
	char data, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = &data, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(over, &mh, 0) != 1 || !(cm = CMSG_FIRSTHDR(&mh)) || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}
