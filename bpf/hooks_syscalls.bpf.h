/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The syscall tracepoint family: every kernel with tracepoints has it (our
 * 6.18 machines have nothing else: fentry is refused, kprobes do not exist).
 * The exit reads the call's arguments (the fd; bind's and connect's sockaddr,
 * which is the caller's memory here; listen's backlog) and turns the fd into the sock.
 * Needs tracefs.
 */
#ifndef SOCKTRACE_HOOKS_SYSCALLS_BPF_H
#define SOCKTRACE_HOOKS_SYSCALLS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "socktrace_abi.h"
#include "calls.bpf.h"
#include "unix_record.bpf.h"

/*
 * Set when a view shows UNIX sockets: these exits then hand a UNIX socket's
 * call to unix_call_record(), and unix.bpf.c need not hook the same exits
 * again (a second program run on every TCP call).
 */
const volatile bool unix_calls = false;

/* The ST_REC_* kind of a call as a UNIX event. */
static __always_inline __u8 unix_event_of(__u32 kind)
{
	return kind == ST_REC_BIND     ? ST_UNIX_BIND
	       : kind == ST_REC_LISTEN ? ST_UNIX_LISTEN
	       : kind == ST_REC_ACCEPT ? ST_UNIX_ACCEPT
				       : ST_UNIX_CONNECT;
}

/*
 * The exits come in two objects: here with probed reads (trace.bpf.c), and
 * as NAME_cast through bpf_rdonly_cast() (syscalls_cast.bpf.c, which defines
 * ST_RDONLY_CAST). The loader takes the _cast set where the kernel has the
 * kfunc (6.2+) and this one elsewhere.
 */
#ifdef ST_RDONLY_CAST
#define SYS_SOCK_BTF	 true
#define SYS_EXIT_NAME(n) n##_cast
#else
#define SYS_SOCK_BTF	 false
#define SYS_EXIT_NAME(n) n
#endif

/* A finished call's record, from its arguments and return value. */
static __always_inline int sys_record(long ret, __u32 kind, int fd, __u64 addr, int alen,
				      int backlog)
{
	struct call_done c = {.ret = ret, .kind = kind, .fd = fd};
	struct sock *sk;

	if (kind == ST_REC_ACCEPT) {
		if (ret < 0)
			return 0;
		c.sk = fd_sock(ret, SYS_SOCK_BTF);
		/* life keeps a TCP accept in the kernel, with no record to name
		 * the listener in (record_call()) */
		if (!life_kernel || !c.sk || sk_protocol(c.sk, SYS_SOCK_BTF) != ST_IPPROTO_TCP)
			c.listener = fd_sock(fd, SYS_SOCK_BTF);
	} else {
		c.sk = fd_sock(fd, SYS_SOCK_BTF);
	}
	/* through a local: BPF_CORE_READ(c.sk, ...) made a CO-RE relocation of
	 * call_done.sk, a type no kernel has, which 5.10's saved-argument exits
	 * failed to load with once record_call() grew */
	sk = c.sk;
	if (unix_calls && sk && sk_rd(SYS_SOCK_BTF, sk, __sk_common.skc_family) == AF_UNIX) {
		unix_call_record(sk, ret, unix_event_of(kind), fd, addr, alen, backlog);
		return 0;
	}
	if (kind == ST_REC_BIND || kind == ST_REC_CONNECT) {
		c.addr = addr;
		c.alen = alen;
	} else if (kind == ST_REC_LISTEN) {
		c.arg = backlog;
	}
	c.addr_user = true;
	record_call(&c, SYS_SOCK_BTF);
	return 0;
}

/*
 * Exit hooks only, where the kernel has bpf_task_pt_regs() (5.15). At the
 * exit the call's arguments are still where the caller put them, in the
 * task's saved user registers (the return value travels in another), so no
 * entry hook has to save them in a map for the exit to find: that was a
 * tracepoint run, a hash-map update and a delete per call. A call already
 * under way when socktrace attached is seen too.
 */
static __always_inline int sys_exit(long ret, __u32 kind)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	if (!regs)
		return 0;
	return sys_record(ret, kind, (int)PT_REGS_PARM1_SYSCALL(regs), PT_REGS_PARM2_SYSCALL(regs),
			  (int)PT_REGS_PARM3_SYSCALL(regs), (int)PT_REGS_PARM2_SYSCALL(regs));
}

#define DEFINE_SYS_EXIT(name, call, kind) SYS_EXIT_PROG(SYS_EXIT_NAME(name), call, sys_exit, kind)

DEFINE_SYS_EXIT(sys_bind_exit, "bind", ST_REC_BIND)
DEFINE_SYS_EXIT(sys_listen_exit, "listen", ST_REC_LISTEN)
DEFINE_SYS_EXIT(sys_accept4_exit, "accept4", ST_REC_ACCEPT)
DEFINE_SYS_EXIT(sys_accept_exit, "accept", ST_REC_ACCEPT)
DEFINE_SYS_EXIT(sys_connect_exit, "connect", ST_REC_CONNECT)

/*
 * Before 5.15 the exit cannot see the arguments: the entry saves them per
 * thread (sys_*_enter) for the exit to take (sys_*_exit_saved). The loader
 * takes this set where the one above does not load.
 */
#ifndef ST_RDONLY_CAST
#include "call_args.bpf.h"

static __always_inline int sys_enter_save(const struct trace_event_raw_sys_enter *ctx, __u32 kind)
{
	struct call_arg a = {.kind = kind, .fd = (int)ctx->args[0]};

	if (kind == ST_REC_BIND || kind == ST_REC_CONNECT) {
		a.addr = ctx->args[1];
		a.alen = (int)ctx->args[2];
	} else if (kind == ST_REC_LISTEN) {
		a.backlog = (int)ctx->args[1];
	}
	return call_save(&a);
}

static __always_inline int sys_exit_saved(long ret, __u32 kind)
{
	struct call_arg a;

	if (!call_take(&a, kind))
		return 0;
	return sys_record(ret, kind, a.fd, a.addr, a.alen, a.backlog);
}

#define DEFINE_SYS_SAVED(name, call, kind)                                                         \
	SEC("tracepoint/syscalls/sys_enter_" call)                                                 \
	int name##_enter(struct trace_event_raw_sys_enter *ctx)                                    \
	{                                                                                          \
		return sys_enter_save(ctx, kind);                                                  \
	}                                                                                          \
	SYS_EXIT_PROG(name##_exit_saved, call, sys_exit_saved, kind)

DEFINE_SYS_SAVED(sys_bind, "bind", ST_REC_BIND)
DEFINE_SYS_SAVED(sys_listen, "listen", ST_REC_LISTEN)
DEFINE_SYS_SAVED(sys_accept4, "accept4", ST_REC_ACCEPT)
DEFINE_SYS_SAVED(sys_accept, "accept", ST_REC_ACCEPT)
DEFINE_SYS_SAVED(sys_connect, "connect", ST_REC_CONNECT)
#endif

#endif
