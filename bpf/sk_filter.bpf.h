/* SPDX-License-Identifier: GPL-2.0 */
/* The load-time filters, asked of a socket before its record is reserved. */
#ifndef SOCKTRACE_SK_FILTER_BPF_H
#define SOCKTRACE_SK_FILTER_BPF_H

#include "vmlinux.h"
#include "record.bpf.h"
#include "sock_read.bpf.h"

/*
 * Whether sk's namespace and family pass the filters, asked before a record
 * is reserved: one reserved and discarded holds its room in the ring until
 * userspace passes it, and another namespace's storm filled a --netns
 * tracer's ring that way while it fell behind, and its own records were
 * lost. No cost without a filter: the verifier drops the branches.
 */
static __always_inline bool sk_wanted(const struct sock *sk, bool btf)
{
	const struct sock_common *skc = &sk->__sk_common;

	return !(filter_netns && net_inum(sk_rd(btf, skc, skc_net.net), btf) != filter_netns) &&
	       !(filter_family && sk_rd(btf, skc, skc_family) != filter_family);
}

#endif
