/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kprobe/kretprobe family, for kernels without fentry: the kprobe saves
 * the arguments per thread, the kretprobe adds the return value. Same
 * functions as the fentry family.
 *
 * A kretprobe has a fixed number of instances (maxactive; the number of CPUs
 * on a kernel without CONFIG_PREEMPTION, Debian's 5.10), one per call under
 * way: with more threads asleep in accept() than that, returns go unreported
 * (9 acceptors on 2 CPUs lost 3 of 9). libbpf 1.1 cannot raise maxactive, so
 * the syscall's exit tracepoint (kp_sys_*) takes a call whose kretprobe never
 * came; calls from inside the kernel (io_uring) have only the kretprobe.
 */
#ifndef SOCKTRACE_HOOKS_KPROBE_BPF_H
#define SOCKTRACE_HOOKS_KPROBE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "socktrace_abi.h"
#include "record.bpf.h"
#include "calls.bpf.h"
#include "call_args.bpf.h"
#include "sock_read.bpf.h"

/*
 * An inner call: MPTCP's bind (listen, connect) calls inet_bind (inet_listen,
 * inet_stream_connect) on its subflow on 6.1, inside the call we saved. The
 * saved call stays for its own return; the inner call's return is skipped
 * (a subflow's call is no process's, see record_call()).
 */
static __always_inline int kp_nest(__u32 kind)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call_arg *arg = bpf_map_lookup_elem(&calls, &tid);

	if (arg && arg->kind == kind)
		arg->nested++; /* this thread's own entry: no atomics needed */
	return 0;
}

static __always_inline int kp_save(__u32 kind, void *sk, void *addr, int alen, int backlog)
{
	struct call_arg arg = {
		.sk = (__u64)(long)sk,
		.addr = (__u64)(long)addr,
		.fd = -1,
		.kind = kind,
		.alen = alen,
		.backlog = backlog,
	};

	if (kind != ST_REC_ACCEPT && sk && sk_protocol(sk, false) == ST_IPPROTO_TCP &&
	    tcp_is_subflow(sk))
		return kp_nest(kind);
	return call_save(&arg);
}

/* A call record from the saved arguments and the function's return value. */
static __always_inline int kp_record(const struct call_arg *a, long ret)
{
	struct call_done c = {.kind = a->kind, .ret = ret, .fd = -1};

	if (a->kind == ST_REC_ACCEPT) {
		/* inet_csk_accept returns the new sock, NULL on error */
		if (!ret)
			return 0;
		c.sk = (struct sock *)ret;
		c.listener = (struct sock *)a->sk;
		c.ret = 0;
	} else {
		c.sk = (struct sock *)a->sk;
	}
	c.addr = a->addr;
	c.alen = a->alen;
	c.arg = a->backlog;
	record_call(&c, false);
	return 0;
}

static __always_inline int kp_done(long ret, __u32 kind)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call_arg *nest = bpf_map_lookup_elem(&calls, &tid), a;

	/* the return of an inner call (kp_nest) */
	if (nest && nest->kind == kind && nest->nested) {
		nest->nested--;
		return 0;
	}
	return call_take(&a, kind) ? kp_record(&a, ret) : 0;
}

/*
 * The kprobe/kretprobe pair on a bind or connect function, which takes
 * (sock, uaddr, alen), and on a listen function, (sock, backlog): programs
 * kp_<fn> and kr_<fn>.
 */
#define KP_ADDR_CALL(fn, kind)                                                                     \
	SEC("kprobe/" #fn)                                                                         \
	int BPF_KPROBE(kp_##fn, struct socket *sock, struct sockaddr *uaddr, int alen)             \
	{                                                                                          \
		return kp_save(kind, BPF_CORE_READ(sock, sk), uaddr, alen, 0);                     \
	}                                                                                          \
	SEC("kretprobe/" #fn)                                                                      \
	int BPF_KRETPROBE(kr_##fn, int ret)                                                        \
	{                                                                                          \
		return kp_done(ret, kind);                                                         \
	}

#define KP_LISTEN_CALL(fn)                                                                         \
	SEC("kprobe/" #fn)                                                                         \
	int BPF_KPROBE(kp_##fn, struct socket *sock, int backlog)                                  \
	{                                                                                          \
		return kp_save(ST_REC_LISTEN, BPF_CORE_READ(sock, sk), NULL, 0, backlog);          \
	}                                                                                          \
	SEC("kretprobe/" #fn)                                                                      \
	int BPF_KRETPROBE(kr_##fn, int ret)                                                        \
	{                                                                                          \
		return kp_done(ret, ST_REC_LISTEN);                                                \
	}

KP_ADDR_CALL(inet_bind, ST_REC_BIND)
KP_ADDR_CALL(inet6_bind, ST_REC_BIND)
KP_LISTEN_CALL(inet_listen)

/* the listener is the first argument before and after the 6.10 change */
SEC("kprobe/inet_csk_accept")
int BPF_KPROBE(kp_inet_csk_accept, struct sock *listener)
{
	return kp_save(ST_REC_ACCEPT, listener, NULL, 0, 0);
}

SEC("kretprobe/inet_csk_accept")
int BPF_KRETPROBE(kr_inet_csk_accept, void *newsk)
{
	return kp_done((long)newsk, ST_REC_ACCEPT);
}

KP_ADDR_CALL(inet_stream_connect, ST_REC_CONNECT)
KP_ADDR_CALL(inet_dgram_connect, ST_REC_CONNECT)

/* MPTCP's own calls: see hooks_fentry.bpf.h */
KP_ADDR_CALL(mptcp_bind, ST_REC_BIND)
KP_LISTEN_CALL(mptcp_listen)
KP_ADDR_CALL(mptcp_stream_connect, ST_REC_CONNECT)

/*
 * The rescue of a missed kretprobe: the syscall returns what the function
 * did (accept: the new fd, whose sock the function returned). A call whose
 * kretprobe came was taken already and is not seen here.
 */
static __always_inline int kp_sys_exit(long ret, __u32 kind)
{
	struct call_arg a;

	if (!call_take(&a, kind))
		return 0;
	__sync_fetch_and_add(&counters.ret_rescued, 1);
	/* bind's and connect's sockaddr was the kernel's copy on the syscall's stack, gone now */
	a.addr = 0;
	if (kind == ST_REC_ACCEPT)
		ret = ret >= 0 ? (long)fd_sock(ret, false) : 0;
	return kp_record(&a, ret);
}

SYS_EXIT_PROG(kp_sys_bind_exit, "bind", kp_sys_exit, ST_REC_BIND)
SYS_EXIT_PROG(kp_sys_listen_exit, "listen", kp_sys_exit, ST_REC_LISTEN)
SYS_EXIT_PROG(kp_sys_accept4_exit, "accept4", kp_sys_exit, ST_REC_ACCEPT)
SYS_EXIT_PROG(kp_sys_accept_exit, "accept", kp_sys_exit, ST_REC_ACCEPT)
SYS_EXIT_PROG(kp_sys_connect_exit, "connect", kp_sys_exit, ST_REC_CONNECT)

#endif
