// SPDX-License-Identifier: GPL-2.0
/*
 * UNIX domain sockets: bind, listen, connect, accept, socketpair and the
 * release. A separate object writing into the main object's ring buffer
 * (the loader shares the map), loaded only when a view shows UNIX sockets,
 * so that TCP-only runs pay nothing for it.
 *
 * Calls: the syscall exit tracepoints. Where the main object uses them too
 * it reports UNIX calls itself (hooks_syscalls.bpf.h, unix_calls) and only
 * socketpair's exit loads here; where it uses fentry or kprobe (on inet_*
 * functions, which UNIX sockets never reach) these exits load, each leaving
 * after one fd lookup unless the fd is a UNIX socket. Arguments come from the
 * task's saved user registers (bpf_task_pt_regs(), 5.15+), before 5.15 from
 * the syscall's entry, which saves them per thread; paths from the caller's
 * sockaddr, the only place a failed bind's or connect's path exists.
 *
 * Release, the best the kernel allows (the loader tries them in order):
 *  - fentry on unix_release_sock(sk, embrion): every UNIX sock's end,
 *    embryos included, whatever closed it (close, exit, a passed fd's last
 *    reference, the garbage collector);
 *  - kprobe on the same;
 *  - the close() syscall's entry, when the fd is a UNIX socket whose file
 *    holds its last reference (unix_record.bpf.h; unix_close_cast.bpf.c has
 *    it through bpf_rdonly_cast()). This runs on every close() of the
 *    system, ~250 ns each on 6.18: the loader takes it only for an explicit
 *    -x. It misses exits and other last references: those closes, and all
 *    of them without a release hook, come from snapshots.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "socktrace_abi.h"
#include "record.bpf.h"
#include "sock_read.bpf.h"
#include "unix_read.bpf.h"
#include "unix_record.bpf.h"
#include "call_args.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* A call on fd (accept: returning the new fd) with its arguments, if the socket is UNIX. */
static __always_inline int unix_call_args(long ret, __u8 event, int fd, __u64 addr, int alen,
					  int backlog)
{
	struct sock *sk;

	if (event == ST_UNIX_ACCEPT && ret < 0)
		return 0;
	sk = fd_sock(event == ST_UNIX_ACCEPT ? ret : fd, false);
	if (sk_is_unix(sk))
		unix_call_record(sk, ret, event, fd, addr, alen, backlog);
	return 0;
}

/* socketpair(domain, type, protocol, sv): the two fds are in the caller's sv */
static __always_inline int unix_pair(long ret, int domain, __u64 sv_addr)
{
	struct st_unix_rec *r;
	struct sock *sk;
	int sv[2];

	if (ret || domain != AF_UNIX || bpf_probe_read_user(sv, sizeof(sv), (const void *)sv_addr))
		return 0;
	sk = fd_sock(sv[0], false);
	if (!sk_is_unix(sk))
		return 0;
	r = unix_rec(sk, ST_UNIX_SOCKETPAIR, ST_UNIX_SRC_SYSCALL);
	if (!r)
		return 0;
	r->fd = sv[0];
	r->arg = sv[1];
	submit(r);
	return 0;
}

/* 5.15+: the arguments from the task's saved user registers, at the exit. */
static __always_inline int unix_call(long ret, __u8 event)
{
	struct pt_regs *regs = user_regs();

	if (!regs)
		return 0;
	return unix_call_args(ret, event, (int)PT_REGS_PARM1_SYSCALL(regs),
			      PT_REGS_PARM2_SYSCALL(regs), (int)PT_REGS_PARM3_SYSCALL(regs),
			      (int)PT_REGS_PARM2_SYSCALL(regs));
}

SEC("tracepoint/syscalls/sys_exit_bind")
int unix_bind_exit(struct trace_event_raw_sys_exit *ctx)
{
	return unix_call(ctx->ret, ST_UNIX_BIND);
}

SEC("tracepoint/syscalls/sys_exit_listen")
int unix_listen_exit(struct trace_event_raw_sys_exit *ctx)
{
	return unix_call(ctx->ret, ST_UNIX_LISTEN);
}

SEC("tracepoint/syscalls/sys_exit_connect")
int unix_connect_exit(struct trace_event_raw_sys_exit *ctx)
{
	return unix_call(ctx->ret, ST_UNIX_CONNECT);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int unix_accept_exit(struct trace_event_raw_sys_exit *ctx)
{
	return unix_call(ctx->ret, ST_UNIX_ACCEPT);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int unix_accept4_exit(struct trace_event_raw_sys_exit *ctx)
{
	return unix_call(ctx->ret, ST_UNIX_ACCEPT);
}

SEC("tracepoint/syscalls/sys_exit_socketpair")
int unix_socketpair_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();

	if (!regs)
		return 0;
	return unix_pair(ctx->ret, (int)PT_REGS_PARM1_SYSCALL(regs), PT_REGS_PARM4_SYSCALL(regs));
}

/*
 * Before 5.15 (no bpf_task_pt_regs()) an exit cannot see the arguments: the
 * entry saves them per thread (call_args.bpf.h) for the exit to take. The
 * loader takes this set where the one above does not load. The saved kind
 * is the UNIX event (the map is this object's own). Each entry reads only
 * the arguments its syscall has: 5.10 refuses to attach a program that
 * reads past the tracepoint's fields (EACCES).
 */
static __always_inline int unix_save(__u8 event, long fd, __u64 addr, long alen, long backlog)
{
	struct call_arg a = {
		.kind = event,
		.fd = (int)fd,
		.addr = addr,
		.alen = (int)alen,
		.backlog = (int)backlog,
	};

	return call_save(&a);
}

static __always_inline int unix_exit_saved(long ret, __u8 event)
{
	struct call_arg a;

	if (!call_take(&a, event))
		return 0;
	if (event == ST_UNIX_SOCKETPAIR)
		return unix_pair(ret, a.fd, a.addr);
	return unix_call_args(ret, event, a.fd, a.addr, a.alen, a.backlog);
}

SEC("tracepoint/syscalls/sys_enter_bind")
int unix_bind_enter(struct trace_event_raw_sys_enter *ctx)
{
	return unix_save(ST_UNIX_BIND, ctx->args[0], ctx->args[1], ctx->args[2], 0);
}

SEC("tracepoint/syscalls/sys_exit_bind")
int unix_bind_exit_saved(struct trace_event_raw_sys_exit *ctx)
{
	return unix_exit_saved(ctx->ret, ST_UNIX_BIND);
}

SEC("tracepoint/syscalls/sys_enter_listen")
int unix_listen_enter(struct trace_event_raw_sys_enter *ctx)
{
	return unix_save(ST_UNIX_LISTEN, ctx->args[0], 0, 0, ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_exit_listen")
int unix_listen_exit_saved(struct trace_event_raw_sys_exit *ctx)
{
	return unix_exit_saved(ctx->ret, ST_UNIX_LISTEN);
}

SEC("tracepoint/syscalls/sys_enter_connect")
int unix_connect_enter(struct trace_event_raw_sys_enter *ctx)
{
	return unix_save(ST_UNIX_CONNECT, ctx->args[0], ctx->args[1], ctx->args[2], 0);
}

SEC("tracepoint/syscalls/sys_exit_connect")
int unix_connect_exit_saved(struct trace_event_raw_sys_exit *ctx)
{
	return unix_exit_saved(ctx->ret, ST_UNIX_CONNECT);
}

SEC("tracepoint/syscalls/sys_enter_accept")
int unix_accept_enter(struct trace_event_raw_sys_enter *ctx)
{
	return unix_save(ST_UNIX_ACCEPT, ctx->args[0], 0, 0, 0);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int unix_accept_exit_saved(struct trace_event_raw_sys_exit *ctx)
{
	return unix_exit_saved(ctx->ret, ST_UNIX_ACCEPT);
}

SEC("tracepoint/syscalls/sys_enter_accept4")
int unix_accept4_enter(struct trace_event_raw_sys_enter *ctx)
{
	return unix_save(ST_UNIX_ACCEPT, ctx->args[0], 0, 0, 0);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int unix_accept4_exit_saved(struct trace_event_raw_sys_exit *ctx)
{
	return unix_exit_saved(ctx->ret, ST_UNIX_ACCEPT);
}

SEC("tracepoint/syscalls/sys_enter_socketpair")
int unix_socketpair_enter(struct trace_event_raw_sys_enter *ctx)
{
	return unix_save(ST_UNIX_SOCKETPAIR, ctx->args[0], ctx->args[3], 0, 0);
}

SEC("tracepoint/syscalls/sys_exit_socketpair")
int unix_socketpair_exit_saved(struct trace_event_raw_sys_exit *ctx)
{
	return unix_exit_saved(ctx->ret, ST_UNIX_SOCKETPAIR);
}

SEC("fentry/unix_release_sock")
int BPF_PROG(unix_release_fentry, struct sock *sk, int embrion)
{
	released(sk, ST_UNIX_SRC_FENTRY);
	return 0;
}

SEC("kprobe/unix_release_sock")
int BPF_KPROBE(unix_release_kprobe, struct sock *sk)
{
	released(sk, ST_UNIX_SRC_KPROBE);
	return 0;
}

/* close()'s entry, the probed way; unix_close_cast.bpf.c has the cheaper one */
SEC("tracepoint/syscalls/sys_enter_close")
int unix_close_enter(struct trace_event_raw_sys_enter *ctx)
{
	return unix_close(ctx->args[0], false);
}
