/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sock_diag reply datagrams as the kernel builds them, for the parser's unit
 * test and the fuzz corpus.
 */
#ifndef SOCKTRACE_TEST_DIAG_MSG_H
#define SOCKTRACE_TEST_DIAG_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct diag_buf {
	unsigned char b[8192] __attribute__((aligned(8)));
	size_t len;
};

/* One socket as inet_diag describes it. */
struct diag_sock {
	uint8_t family; /* AF_INET, AF_INET6 */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t state, timer;
	uint64_t cookie;
	uint32_t ino, rqueue, wqueue, expires_ms, uid;
	bool full;	/* a full socket: the shutdown and memory attributes */
	bool v6only;	/* with full and AF_INET6: INET_DIAG_SKV6ONLY */
	uint32_t drops; /* with full: SK_MEMINFO_DROPS */
};

/* Each returns the message it added (to damage it on purpose), NULL if full. */
void *diag_put_sock(struct diag_buf *d, uint32_t seq, const struct diag_sock *s);
void *diag_put_done(struct diag_buf *d, uint32_t seq);
void *diag_put_error(struct diag_buf *d, uint32_t seq, int err);

#endif
