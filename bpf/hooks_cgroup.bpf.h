/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup socket hooks on the cgroup v2 root, in every hook family: they see
 * every inet socket of every network namespace.
 *  - sock_create gives each new socket its cookie at birth, so that hooks
 *    that can only read a cookie (classic tracepoints, kprobes) find one.
 *  - sock_release reports UDP sockets going away: no tracepoint does, and
 *    a process's exit closes them without a close() to hook.
 *  - sockops' TCP_CONNECT_CB runs in tcp_connect(), after the source port is
 *    chosen and before the SYN leaves: the CLOSE -> SYN_SENT line waits for
 *    that port, and a blocking connect may not return for seconds. Only
 *    where the state hook is not tp_btf: syn_port.bpf.h does it for less.
 */
#ifndef SOCKTRACE_HOOKS_CGROUP_BPF_H
#define SOCKTRACE_HOOKS_CGROUP_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "socktrace_abi.h"
#include "record.bpf.h"
#include "sock_read.bpf.h"

SEC("cgroup/sock_create")
int cg_sock_create(struct bpf_sock *ctx)
{
	bpf_get_socket_cookie(ctx);
	return 1; /* allow */
}

SEC("cgroup/sock_release")
int cg_sock_release(struct bpf_sock *ctx)
{
	struct st_call_rec *r;
	struct bpf_sock *sk = ctx;

	if (sk->protocol != ST_IPPROTO_UDP || (sk->family != AF_INET && sk->family != AF_INET6))
		return 1;
	r = reserve(sizeof(*r));
	if (!r)
		return 1;
	__builtin_memset(r, 0, sizeof(*r));
	/* the verifier lets sock_release read no local address: the table knows
	 * the socket by its cookie and carries the tuple */
	r->t.family = sk->family;
	r->t.protocol = ST_IPPROTO_UDP;
	hdr_init(&r->hdr, ST_REC_CLOSE, sizeof(*r));
	r->cookie = bpf_get_socket_cookie(ctx);
	r->state = sk->state;
	r->fd = -1;
	fill_task_cgroup(&r->task);
	submit(r);
	return 1;
}

SEC("sockops")
int cg_sockops(struct bpf_sock_ops *skops)
{
	struct st_call_rec *r;

	if (skops->op != BPF_SOCK_OPS_TCP_CONNECT_CB ||
	    (skops->family != AF_INET && skops->family != AF_INET6))
		return 1;
	r = reserve(sizeof(*r));
	if (!r)
		return 1;
	__builtin_memset(r, 0, sizeof(*r));
	r->t.family = skops->family;
	r->t.protocol = ST_IPPROTO_TCP;
	r->t.sport = skops->local_port; /* host order; the remote end is known already */
	if (skops->family == AF_INET) {
		*(__u32 *)r->t.saddr = skops->local_ip4;
	} else {
		/* context fields only load as whole __u32s */
		__u32 *a = (__u32 *)r->t.saddr;

		a[0] = skops->local_ip6[0];
		a[1] = skops->local_ip6[1];
		a[2] = skops->local_ip6[2];
		a[3] = skops->local_ip6[3];
	}
	hdr_init(&r->hdr, ST_REC_PORT, sizeof(*r));
	r->cookie = bpf_get_socket_cookie(skops);
	r->state = ST_TCP_SYN_SENT;
	r->fd = -1;
	/* no task: sock_ops may not ask for it before 6.x; the cookie is enough */
	submit(r);
	return 1;
}

#endif
