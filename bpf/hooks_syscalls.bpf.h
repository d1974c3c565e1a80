/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The syscall tracepoint family: every kernel with tracepoints has it (our
 * 6.18 machines have nothing else: fentry is refused, kprobes do not exist).
 * Entry saves the fd (and bind's sockaddr, which is the caller's memory
 * here); exit turns the fd into the sock. Needs tracefs.
 */
#ifndef SOCKTRACE_HOOKS_SYSCALLS_BPF_H
#define SOCKTRACE_HOOKS_SYSCALLS_BPF_H

static __always_inline int sys_enter(int fd, __u32 kind, __u64 addr, int alen, int backlog)
{
	struct call_arg arg = {
		.fd = fd,
		.kind = kind,
		.addr = addr,
		.alen = alen,
		.backlog = backlog,
	};

	return call_save(&arg);
}

static __always_inline int sys_exit(long ret)
{
	struct call_arg a;
	struct call_done c = {.ret = ret};

	if (!call_take(&a))
		return 0;
	c.kind = a.kind;
	c.fd = a.fd;
	if (a.kind == ST_REC_ACCEPT) {
		if (ret < 0)
			return 0;
		c.sk = fd_to_sock(ret);
		c.listener = fd_to_sock(a.fd);
	} else {
		c.sk = fd_to_sock(a.fd);
	}
	c.addr = a.addr;
	c.alen = a.alen;
	c.addr_user = true;
	c.arg = a.backlog;
	emit_call(&c);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_bind")
int sys_bind_enter(struct trace_event_raw_sys_enter *ctx)
{
	return sys_enter(ctx->args[0], ST_REC_BIND, ctx->args[1], ctx->args[2], 0);
}

SEC("tracepoint/syscalls/sys_exit_bind")
int sys_bind_exit(struct trace_event_raw_sys_exit *ctx)
{
	return sys_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_listen")
int sys_listen_enter(struct trace_event_raw_sys_enter *ctx)
{
	return sys_enter(ctx->args[0], ST_REC_LISTEN, 0, 0, ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_exit_listen")
int sys_listen_exit(struct trace_event_raw_sys_exit *ctx)
{
	return sys_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_accept4")
int sys_accept4_enter(struct trace_event_raw_sys_enter *ctx)
{
	return sys_enter(ctx->args[0], ST_REC_ACCEPT, 0, 0, 0);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int sys_accept4_exit(struct trace_event_raw_sys_exit *ctx)
{
	return sys_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_accept")
int sys_accept_enter(struct trace_event_raw_sys_enter *ctx)
{
	return sys_enter(ctx->args[0], ST_REC_ACCEPT, 0, 0, 0);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int sys_accept_exit(struct trace_event_raw_sys_exit *ctx)
{
	return sys_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_connect")
int sys_connect_enter(struct trace_event_raw_sys_enter *ctx)
{
	return sys_enter(ctx->args[0], ST_REC_CONNECT, 0, 0, 0);
}

SEC("tracepoint/syscalls/sys_exit_connect")
int sys_connect_exit(struct trace_event_raw_sys_exit *ctx)
{
	return sys_exit(ctx->ret);
}

#endif
