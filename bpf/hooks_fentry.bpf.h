/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fentry/fexit family: one fexit per call, with the socket and the return
 * value in hand and no entry/exit pairing. Typical distro kernels have it;
 * our 6.18 machines refuse it (EPERM at load). The sockaddr a failed bind or
 * connect asked for is the kernel's copy here (__sys_bind and __sys_connect
 * copied it in).
 */
#ifndef SOCKTRACE_HOOKS_FENTRY_BPF_H
#define SOCKTRACE_HOOKS_FENTRY_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "socktrace_abi.h"
#include "calls.bpf.h"

static __always_inline int fexit_bind(struct socket *sock, struct sockaddr *uaddr, int alen,
				      int ret)
{
	struct call_done c = {
		.kind = ST_REC_BIND,
		.sk = BPF_CORE_READ(sock, sk),
		.ret = ret,
		.fd = -1,
		.addr = (__u64)(long)uaddr,
		.alen = alen,
	};

	record_call(&c, false);
	return 0;
}

SEC("fexit/inet_bind")
int BPF_PROG(fx_inet_bind, struct socket *sock, struct sockaddr *uaddr, int alen, int ret)
{
	return fexit_bind(sock, uaddr, alen, ret);
}

SEC("fexit/inet6_bind")
int BPF_PROG(fx_inet6_bind, struct socket *sock, struct sockaddr *uaddr, int alen, int ret)
{
	return fexit_bind(sock, uaddr, alen, ret);
}

static __always_inline int fexit_listen(struct socket *sock, int backlog, int ret)
{
	struct call_done c = {
		.kind = ST_REC_LISTEN,
		.sk = BPF_CORE_READ(sock, sk),
		.ret = ret,
		.fd = -1,
		.arg = backlog,
	};

	record_call(&c, false);
	return 0;
}

SEC("fexit/inet_listen")
int BPF_PROG(fx_inet_listen, struct socket *sock, int backlog, int ret)
{
	return fexit_listen(sock, backlog, ret);
}

/*
 * inet_csk_accept() took (sk, flags, err, kern) until 6.10 and takes
 * (sk, struct proto_accept_arg *) since (commit 92ef0fd55ac8, which added
 * that struct): the listener is the first argument in both, and an fexit
 * program finds the return value right after the arguments. Not through
 * bpf_get_func_ret(), which came only in 5.17. The loader sets the arity from
 * the kernel's BTF: a constant, so the verifier never walks the other branch.
 * (Not bpf_core_type_exists(): a type missing from vmlinux makes libbpf search
 * the modules' BTF, which takes CAP_SYS_ADMIN.)
 */
const volatile __u32 accept_nargs = 4;

SEC("fexit/inet_csk_accept")
int BPF_PROG(fx_inet_csk_accept, struct sock *listener)
{
	struct call_done c = {.kind = ST_REC_ACCEPT, .listener = listener, .fd = -1};
	__u64 newsk;

	/* each load written out: from ctx[2] and ctx[4] in C, clang made one
	 * load at an offset computed at run time, which the verifier refuses */
	if (accept_nargs == 2)
		asm volatile("%0 = *(u64 *)(%1 + 16)" : "=r"(newsk) : "r"(ctx));
	else
		asm volatile("%0 = *(u64 *)(%1 + 32)" : "=r"(newsk) : "r"(ctx));
	if (!newsk)
		return 0;
	c.sk = (struct sock *)newsk;
	record_call(&c, false);
	return 0;
}

static __always_inline int fexit_connect(struct socket *sock, struct sockaddr *uaddr, int alen,
					 int ret)
{
	struct call_done c = {
		.kind = ST_REC_CONNECT,
		.sk = BPF_CORE_READ(sock, sk),
		.ret = ret,
		.fd = -1,
		.addr = (__u64)(long)uaddr,
		.alen = alen,
	};

	record_call(&c, false);
	return 0;
}

SEC("fexit/inet_stream_connect")
int BPF_PROG(fx_inet_stream_connect, struct socket *sock, struct sockaddr *uaddr, int alen,
	     int flags, int ret)
{
	return fexit_connect(sock, uaddr, alen, ret);
}

/* UDP (IPv4 and IPv6 sockets alike) */
SEC("fexit/inet_dgram_connect")
int BPF_PROG(fx_inet_dgram_connect, struct socket *sock, struct sockaddr *uaddr, int alen,
	     int flags, int ret)
{
	return fexit_connect(sock, uaddr, alen, ret);
}

/*
 * MPTCP sockets' own bind, listen and (where the kernel has
 * mptcp_stream_connect, before MPTCP's connect went through
 * inet_stream_connect) connect: their proto_ops, which run the inet_*
 * functions on the first subflow (6.1) or inner ones we do not hook
 * (inet_bind_sk, __inet_listen_sk on 6.12), and copy the subflow's addresses
 * to the MPTCP socket after. The loader loads each where the kernel's BTF has
 * the function, and attaches them as extras.
 */
SEC("fexit/mptcp_bind")
int BPF_PROG(fx_mptcp_bind, struct socket *sock, struct sockaddr *uaddr, int alen, int ret)
{
	return fexit_bind(sock, uaddr, alen, ret);
}

SEC("fexit/mptcp_listen")
int BPF_PROG(fx_mptcp_listen, struct socket *sock, int backlog, int ret)
{
	return fexit_listen(sock, backlog, ret);
}

SEC("fexit/mptcp_stream_connect")
int BPF_PROG(fx_mptcp_stream_connect, struct socket *sock, struct sockaddr *uaddr, int alen,
	     int flags, int ret)
{
	return fexit_connect(sock, uaddr, alen, ret);
}

#endif
