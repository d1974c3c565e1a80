/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where records go: the ring buffer, the iterators and their userspace
 * fallbacks (sock_diag, /proc fds) all hand each record, in the ABI of
 * bpf/socktrace_abi.h, to one of these.
 */
#ifndef SOCKTRACE_RECORD_SINK_H
#define SOCKTRACE_RECORD_SINK_H

#include <stddef.h>

/* Called once per record of @len bytes. Returns 0; the ring buffer stops
 * consuming on anything else. */
typedef int (*record_fn)(void *ctx, void *data, size_t len);

/*
 * Shown a ring record once, undecoded, a few records before it goes to a
 * record_fn: time to fetch the memory its handling will read. It changes
 * nothing the handling sees.
 */
typedef void (*record_ahead_fn)(void *ctx, const void *data, size_t len);

#endif
