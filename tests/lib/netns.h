/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Network namespaces for test workloads, so a test sees only its own sockets
 * and can filter the tracer with --netns. No external `ip`: ioctl and
 * rtnetlink only. Namespaces are per thread: these act on the calling thread
 * (run workloads in a spawn()ed child or from the main thread).
 */
#ifndef SOCKTRACE_TEST_NETNS_H
#define SOCKTRACE_TEST_NETNS_H

/*
 * Move the calling thread into a new network namespace with "lo" up
 * (127.0.0.0/8, and ::1 when IPv6 is built in). Returns the new namespace's
 * inode number or -errno (-EPERM without CAP_SYS_ADMIN).
 */
long netns_enter_new(void);
/*
 * A blackhole route to prefix_addr/prefix (IPv4 or IPv6) in the calling
 * thread's namespace: connect() to it fails with EINVAL before any packet.
 * 0 or -errno.
 */
int netns_blackhole_route(const char *prefix_addr, int prefix);
/* Inode of the calling thread's network namespace (what --netns takes); 0 on error. */
unsigned long netns_current_inode(void);
/* 1 if ::1 can be bound here (IPv6 built in and not disabled), else 0: tests skip on 0. */
int netns_ipv6_ok(void);
/* setns() the calling thread into the namespace behind nsfd. 0 or -errno. */
int netns_enter_fd(int nsfd);

/* A veth link from the current namespace to a new one. */
struct netns_veth {
	int peer_nsfd; /* the peer namespace; enter it with netns_enter_fd() */
	unsigned long peer_inode;
	char local_if[16]; /* in the current namespace */
	char peer_if[16];  /* in the peer namespace */
	int local_ifindex;
	int peer_ifindex;
};

/*
 * Create the pair, put local_addr/prefix on the local end and peer_addr/prefix
 * on the peer end (both IPv4 or both IPv6; IPv6 without DAD so it is usable
 * at once), bring both ends and the peer's lo up. The calling thread stays
 * in its namespace. 0 or -errno (-EOPNOTSUPP: no veth in this kernel).
 */
int netns_veth_create(struct netns_veth *v, const char *local_addr, const char *peer_addr,
		      int prefix);
/* Delete the link (both ends go) and drop the peer namespace fd. Safe to repeat. */
void netns_veth_destroy(struct netns_veth *v);
#endif
