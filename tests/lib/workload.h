/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Socket workloads with known PIDs and comms, ordered between processes, so
 * an integration test knows exactly which events the tracer must report.
 * Functions returning an fd give -errno on failure.
 */
#ifndef SOCKTRACE_TEST_WORKLOAD_H
#define SOCKTRACE_TEST_WORKLOAD_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Listening TCP socket on addr (NULL: the wildcard address) and port (0:
 * ephemeral, *bound_port tells which; bound_port may be NULL). SO_REUSEADDR
 * is set; AF_INET6 sockets are IPV6_V6ONLY so which family shows up is
 * never in doubt.
 */
int tcp_listen_on(int family, const char *addr, uint16_t port, int backlog, uint16_t *bound_port);
/* Blocking connect. */
int tcp_connect_to(int family, const char *addr, uint16_t port);
/* Local port in host order; 0 on error. */
uint16_t sock_local_port(int fd);
/*
 * @n loopback connections to @port, each accepted on @lfd and closed at once:
 * by the client first (it ends in TIME_WAIT) when @client_first, else by the
 * server first. 0, or -1 at the first that fails.
 */
int tcp_open_close(uint16_t port, int lfd, int n, int client_first);

/*
 * fork() a child that runs fn(arg) and _exit()s with its return value (low
 * 8 bits). The child dies with SIGKILL if the parent dies. Don't call ok()
 * in the child: its TAP counter is a copy. Returns the pid or -errno.
 */
pid_t spawn(int (*fn)(void *), void *arg);
/*
 * Reap pid: its exit status, or -1 if it was killed by a signal or did not
 * exit within timeout_ms (then it is SIGKILLed and reaped, not left behind).
 */
int wait_exit(pid_t pid, int timeout_ms);

/*
 * Wait until no TCP socket of this network namespace is mid-handshake or
 * mid-close (SYN_SENT, SYN_RECV, FIN_WAIT1, LAST_ACK, CLOSING): the kernel
 * has made every transition a finished workload will make by itself. 0, or
 * -ETIMEDOUT after timeout_ms. A slow machine may take far longer than any
 * fixed pause.
 */
int tcp_wait_settled(int timeout_ms);

/* One-way, one byte per signal: create before fork(), signal on one side, wait on the other. */
struct barrier {
	int fds[2];
};
int barrier_init(struct barrier *b);
void barrier_signal(struct barrier *b);
/* 0 once signalled; -ETIMEDOUT; -EPIPE if every writer is gone. */
int barrier_wait(struct barrier *b, int timeout_ms);
void barrier_destroy(struct barrier *b);

/* Pass fd over a UNIX socket with SCM_RIGHTS (and one byte). 0 or -1. */
int send_fd(int over, int fd);
/* The fd send_fd() passed, or -1. */
int recv_fd(int over);
/* prctl(PR_SET_NAME): the comm the tracer reports (at most 15 bytes kept). */
void set_comm(const char *name);
/* 0 or -errno. Sockets are written with MSG_NOSIGNAL: a closed peer is an error, not SIGPIPE. */
int write_all(int fd, const void *buf, size_t len);
/*
 * Read until len bytes, EOF or timeout_ms in all. Returns the bytes read
 * (less than len on EOF or timeout), or -errno if an error came first.
 */
int read_exact(int fd, void *buf, size_t len, int timeout_ms);
#endif
