// SPDX-License-Identifier: GPL-2.0
/*
 * socktrace's live hooks. Thin and stateless: each hook copies what the kernel
 * knows at that instant into one ring buffer record; userspace (user/table.c)
 * owns identity, ownership and the tuple that is carried forward.
 *
 * Hook families (user/hooks.c picks one set at run time, the others are left
 * unloaded with bpf_program__set_autoload(false)):
 *   state:   tp_btf/inet_sock_set_state, else tracepoint/sock/inet_sock_set_state
 *   accept, connect: syscall tracepoints (enter remembers the fd, exit reads the sock)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "socktrace_abi.h"
#include "sock_read.h"

char LICENSE[] SEC("license") = "GPL";

/* Load-time settings, set by the loader before load. 0 means "any". */
const volatile __u16 filter_family = 0;
const volatile __u32 filter_netns = 0;
/* Submit without a wake-up until this much is pending: a wake-up per event
 * costs more than the event; userspace also polls on a short timeout. */
const volatile __u32 wakeup_bytes = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22); /* resized by --ringbuf-size before load */
} events SEC(".maps");

/* accept/connect: the fd given at syscall entry, read back at exit. */
struct call_arg {
	__s32 fd;
	__u32 kind; /* ST_REC_ACCEPT or ST_REC_CONNECT */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct call_arg);
} calls SEC(".maps");

struct st_counters counters;

DEFINE_SOCK_READERS(direct, RD_DIRECT, RD_INTO_DIRECT, RD_BITS_DIRECT)
DEFINE_SOCK_READERS(probe, RD_PROBE, RD_INTO_PROBE, RD_BITS_PROBE)

static __always_inline void *reserve(__u32 size)
{
	void *rec = bpf_ringbuf_reserve(&events, size, 0);

	if (!rec)
		__sync_fetch_and_add(&counters.rb_full, 1);
	return rec;
}

static __always_inline void submit(void *rec)
{
	__u64 flags = 0;

	if (wakeup_bytes)
		flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes
				? BPF_RB_FORCE_WAKEUP
				: BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(rec, flags);
}

static __always_inline void fill_task(struct st_task *task)
{
	__u64 id = bpf_get_current_pid_tgid();

	task->tgid = id >> 32;
	task->tid = (__u32)id;
	bpf_get_current_comm(task->comm, sizeof(task->comm));
}

static __always_inline bool filtered_out(const struct st_tuple *t)
{
	return (filter_family && t->family != filter_family) ||
	       (filter_netns && t->netns != filter_netns);
}

#define TCP_LISTEN_STATE 10
#define TCP_CLOSE_STATE 7

/* A BTF-typed sock cannot simply be cast to tcp_sock: the verifier wants the
 * checked conversion. A raw pointer can (the reads are probed anyway). */
#define AS_TCP_direct(sk) bpf_skc_to_tcp_sock((void *)(sk))
#define AS_TCP_probe(sk)  ((const struct tcp_sock *)(sk))

/*
 * One template for both state hooks: the body differs only in how sk is read.
 * The listener queue and the byte counters are read where they mean something,
 * to keep the hot path short.
 */
#define STATE_HANDLER_BODY(sfx, RD, sk, oldstate, newstate, cookie_expr)                           \
	struct st_state_rec *r = reserve(sizeof(*r));                                              \
	if (!r)                                                                                    \
		return 0;                                                                          \
	fill_tuple_##sfx(&r->t, sk);                                                               \
	if (filtered_out(&r->t)) {                                                                 \
		bpf_ringbuf_discard(r, BPF_RB_NO_WAKEUP);                                          \
		return 0;                                                                          \
	}                                                                                          \
	r->hdr.type = ST_REC_STATE;                                                                \
	r->hdr.size = sizeof(*r);                                                                  \
	r->hdr.ts_ns = bpf_ktime_get_ns();                                                         \
	r->sk = (__u64)(long)sk;                                                                   \
	r->cookie = cookie_expr;                                                                   \
	r->oldstate = oldstate;                                                                    \
	r->newstate = newstate;                                                                    \
	r->sk_err = RD(sk, sk_err);                                                                \
	if (newstate == TCP_LISTEN_STATE || oldstate == TCP_LISTEN_STATE) {                       \
		r->rx_queue = RD(sk, sk_ack_backlog);                                              \
		r->tx_queue = RD(sk, sk_max_ack_backlog);                                          \
	} else {                                                                                   \
		r->rx_queue = 0;                                                                   \
		r->tx_queue = 0;                                                                   \
	}                                                                                          \
	/* byte counters only matter once, when the connection ends */                          \
	if (r->t.protocol == ST_IPPROTO_TCP && newstate == TCP_CLOSE_STATE) {                      \
		const struct tcp_sock *tp = AS_TCP_##sfx(sk);                                      \
		r->bytes_acked = tp ? RD(tp, bytes_acked) : 0;                                     \
		r->bytes_received = tp ? RD(tp, bytes_received) : 0;                               \
		/* inet_put_port() cleared skc_num; the bound port is still in inet_sport */      \
		if (tp && !r->t.sport)                                                             \
			r->t.sport = bpf_ntohs(RD(tp, inet_conn.icsk_inet.inet_sport));            \
	} else {                                                                                   \
		r->bytes_acked = 0;                                                                \
		r->bytes_received = 0;                                                             \
	}                                                                                          \
	fill_task(&r->task);                                                                       \
	submit(r);                                                                                 \
	return 0;

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(state_btf, const struct sock *sk, const int oldstate, const int newstate)
{
	STATE_HANDLER_BODY(direct, RD_DIRECT, sk, oldstate, newstate, bpf_get_socket_cookie((void *)sk))
}

SEC("tracepoint/sock/inet_sock_set_state")
int state_tp(struct trace_event_raw_inet_sock_set_state *ctx)
{
	const struct sock *sk = ctx->skaddr;
	int oldstate = ctx->oldstate, newstate = ctx->newstate;

	/* classic tracepoints cannot call bpf_get_socket_cookie(); the cookie is
	 * there only if something already asked for it */
	STATE_HANDLER_BODY(probe, RD_PROBE, sk, oldstate, newstate,
			   BPF_CORE_READ(sk, __sk_common.skc_cookie.counter))
}

/* ---- accept / connect, through syscall tracepoints ---- */

#define ST_S_IFMT 00170000
#define ST_S_IFSOCK 0140000

/* The sock behind the calling task's fd, or NULL if the fd is not a socket. */
static __always_inline struct sock *fd_to_sock(int fd)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *file = NULL;
	struct socket *sock;

	if (!fdt || fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file || (BPF_CORE_READ(file, f_inode, i_mode) & ST_S_IFMT) != ST_S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

static __always_inline int call_enter(int fd, __u32 kind)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call_arg arg = { .fd = fd, .kind = kind };

	if (bpf_map_update_elem(&calls, &tid, &arg, BPF_ANY))
		__sync_fetch_and_add(&counters.map_full, 1);
	return 0;
}

static __always_inline int call_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call_arg *arg = bpf_map_lookup_elem(&calls, &tid);
	struct st_call_rec *r;
	struct sock *sk, *listener = NULL;
	__u32 kind;
	int fd;

	if (!arg)
		return 0;
	kind = arg->kind;
	fd = arg->fd;
	bpf_map_delete_elem(&calls, &tid);

	if (kind == ST_REC_ACCEPT) {
		if (ret < 0)
			return 0;
		sk = fd_to_sock(ret);
		listener = fd_to_sock(fd);
	} else {
		sk = fd_to_sock(fd);
	}
	if (!sk)
		return 0;
	r = reserve(sizeof(*r));
	if (!r)
		return 0;
	fill_tuple_probe(&r->t, sk);
	if (r->t.protocol != ST_IPPROTO_TCP || filtered_out(&r->t)) {
		bpf_ringbuf_discard(r, BPF_RB_NO_WAKEUP);
		return 0;
	}
	r->hdr.type = kind;
	r->hdr.size = sizeof(*r);
	r->hdr.ts_ns = bpf_ktime_get_ns();
	r->sk = (__u64)(long)sk;
	r->cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	r->listener = (__u64)(long)listener;
	r->ret = ret;
	r->fd = fd;
	r->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	fill_task(&r->task);
	submit(r);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_accept4")
int accept4_enter(struct trace_event_raw_sys_enter *ctx)
{
	return call_enter(ctx->args[0], ST_REC_ACCEPT);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int accept4_exit(struct trace_event_raw_sys_exit *ctx)
{
	return call_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_accept")
int accept_enter(struct trace_event_raw_sys_enter *ctx)
{
	return call_enter(ctx->args[0], ST_REC_ACCEPT);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int accept_exit(struct trace_event_raw_sys_exit *ctx)
{
	return call_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_connect")
int connect_enter(struct trace_event_raw_sys_enter *ctx)
{
	return call_enter(ctx->args[0], ST_REC_CONNECT);
}

SEC("tracepoint/syscalls/sys_exit_connect")
int connect_exit(struct trace_event_raw_sys_exit *ctx)
{
	return call_exit(ctx->ret);
}
