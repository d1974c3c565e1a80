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
 * task's saved user registers (bpf_task_pt_regs(), 5.15+), and paths from
 * the caller's sockaddr, the only place a failed bind's or connect's path
 * exists.
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

char LICENSE[] SEC("license") = "GPL";

static __always_inline int unix_call(long ret, __u8 event)
{
	struct pt_regs *regs = user_regs();
	struct sock *sk;
	int fd;

	if (!regs)
		return 0;
	fd = (int)PT_REGS_PARM1_SYSCALL(regs);
	if (event == ST_UNIX_ACCEPT && ret < 0)
		return 0;
	sk = fd_sock(event == ST_UNIX_ACCEPT ? ret : fd, false);
	if (sk_is_unix(sk))
		unix_call_record(sk, ret, event, fd, PT_REGS_PARM2_SYSCALL(regs),
				 (int)PT_REGS_PARM3_SYSCALL(regs), (int)PT_REGS_PARM2_SYSCALL(regs));
	return 0;
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

/* socketpair(domain, type, protocol, sv): the two fds are in the caller's sv */
SEC("tracepoint/syscalls/sys_exit_socketpair")
int unix_socketpair_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();
	struct st_unix_rec *r;
	struct sock *sk;
	int sv[2];

	if (ctx->ret || !regs || (int)PT_REGS_PARM1_SYSCALL(regs) != AF_UNIX ||
	    bpf_probe_read_user(sv, sizeof(sv), (const void *)PT_REGS_PARM4_SYSCALL(regs)))
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
