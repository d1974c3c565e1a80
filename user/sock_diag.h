/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * TCP and UDP sockets through sock_diag netlink, for kernels without BPF
 * socket iterators (iter/tcp and iter/udp came in 5.9). The records are the
 * iterators' (struct st_sock_rec) with sk 0: netlink never shows a kernel
 * address, and the socket cookie, which the dump itself assigns, names the
 * socket instead.
 */
#ifndef SOCKTRACE_SOCK_DIAG_H
#define SOCKTRACE_SOCK_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record_sink.h"

struct nlmsghdr;
struct diag_dump;

/* One SOCK_DIAG_BY_FAMILY message of @len bytes at @msg (its payload). */
typedef void (*diag_msg_fn)(struct diag_dump *d, const void *msg, size_t len);

/* Where the records of one dump belong. */
struct diag_dump {
	diag_msg_fn one;   /* NULL: inet_diag_msg (TCP, UDP) */
	uint32_t netns;	   /* inode of the namespace the netlink socket lives in */
	uint16_t protocol; /* IPPROTO_TCP or IPPROTO_UDP */
	uint32_t states;   /* 1 << state for each wanted; 0: every state */
	unsigned int hz;   /* the kernel's HZ: timewait timers are kept in jiffies */
	uint64_t ts_ns;	   /* CLOCK_MONOTONIC time of the records */
	uint32_t seq;	   /* the request's sequence number; other messages are skipped */
	record_fn fn;
	void *ctx;
	unsigned int records;
};

/*
 * Turn one datagram of a dump reply into records. Returns 1 when the dump is
 * complete (NLMSG_DONE), 0 when more follows, -errno for an error reply or a
 * malformed message.
 */
int sock_diag_parse(struct diag_dump *d, const void *buf, size_t len);

/*
 * Dump every socket of one protocol, IPv4 and IPv6, in the calling thread's
 * network namespace. Returns records delivered or -errno.
 */
int sock_diag_read(struct diag_dump *d);

/*
 * The attribute at *off of the len bytes at p (after a message's fixed
 * part): its type, payload and payload length, *off moved past it. false at
 * the end, or at a malformed one.
 */
bool sock_diag_next_attr(const char *p, size_t len, size_t *off, unsigned short *type,
			 const void **v, size_t *plen);

/* The kernel fills dump datagrams up to 32 KiB. */
#define SOCK_DIAG_BUF 65536

/* A sock_diag netlink socket in the calling thread's namespace, and a
 * SOCK_DIAG_BUF buffer for its replies (*buf, freed by the caller). fd or -errno. */
int sock_diag_open(char **buf);

/*
 * Send dump request @req (nlmsg_len set; type, flags and sequence are filled
 * in) and parse the reply into records. 0 or -errno.
 */
int sock_diag_exchange(int fd, struct diag_dump *d, struct nlmsghdr *req, char *buf, size_t cap);

#endif
