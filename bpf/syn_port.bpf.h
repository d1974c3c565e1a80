/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The source port of a connect() that has no answer yet.
 *
 * A connection's CLOSE -> SYN_SENT comes before connect() chooses its
 * source port, so its line waits for the port: from the connection's next
 * transition (an answer, a reset, a failure), a round trip later. A
 * connect() with no answer makes none for a minute or more; its SYN's first
 * retransmission, a second after the SYN, names the port instead. So a
 * non-blocking connect()'s return need not (calls.bpf.h, port_reported).
 *
 * This replaced sockops' TCP_CONNECT_CB, which gave the port before the SYN
 * left: the cgroup's sockops program runs in nine places in each
 * connection's life, 0.75 us a connection in a storm for one use of one of
 * them, where this runs only when a segment is sent again. It needs a
 * typed socket with a cookie, as state_btf does, and loads with it.
 */
#ifndef SOCKTRACE_SYN_PORT_BPF_H
#define SOCKTRACE_SYN_PORT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "socktrace_abi.h"
#include "record.bpf.h"
#include "sock_read.bpf.h"
#include "sk_filter.bpf.h"

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(syn_retrans, const struct sock *sk)
{
	const struct sock_common *skc = &sk->__sk_common;
	struct st_call_rec *r;

	if (skc->skc_state != ST_TCP_SYN_SENT ||
	    (skc->skc_family != AF_INET && skc->skc_family != AF_INET6) || !sk_wanted(sk, true))
		return 0;
	r = reserve(sizeof(*r));
	if (!r)
		return 0;
	__builtin_memset(r, 0, sizeof(*r));
	sk_tuple(&r->t, sk, true);
	hdr_init(&r->hdr, ST_REC_PORT, sizeof(*r));
	r->sk = (__u64)(long)sk;
	r->cookie = bpf_get_socket_cookie((void *)sk);
	r->state = ST_TCP_SYN_SENT;
	r->fd = -1;
	/* no task: a timer's softirq runs in whatever task it interrupted */
	submit(r);
	return 0;
}

#endif
