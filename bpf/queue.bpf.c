// SPDX-License-Identifier: GPL-2.0
/*
 * Which listener each completed handshake is queued on, for `socktrace
 * reuseport`: the kernel picks a SO_REUSEPORT group member by hash, and no
 * tracepoint names the choice. A separate object, loaded only by that view,
 * writing into the main object's ring buffer (the loader shares the map).
 * One of three hooks, whichever this kernel has:
 *  - tp_btf/sk_data_ready (6.4+, "net: add trace_sk_data_ready()"): fires on
 *    the listener right after tcp_child_process() queued the child;
 *  - fexit or kretprobe on inet_csk_complete_hashdance(listener, child, req,
 *    own_req), which returns the child when it was queued on listener (the
 *    SO_REUSEPORT member finally chosen). Not inet_csk_reqsk_queue_add():
 *    6.1's build inlines it into its caller, and a hook on the out-of-line
 *    copy attaches but never fires.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "socktrace_abi.h"
#include "record.bpf.h"
#include "sock_read.bpf.h"
#include "sk_filter.bpf.h"

char LICENSE[] SEC("license") = "GPL";

static __always_inline void queued(const struct sock *listener)
{
	struct st_call_rec *r;

	if (BPF_CORE_READ(listener, __sk_common.skc_state) != ST_TCP_LISTEN ||
	    !sk_wanted(listener, false))
		return;
	r = reserve(sizeof(*r));
	if (!r)
		return;
	__builtin_memset(r, 0, sizeof(*r));
	sk_tuple(&r->t, listener, false);
	if (!wanted(r, &r->t))
		return;
	hdr_init(&r->hdr, ST_REC_QUEUED, sizeof(*r));
	r->sk = (__u64)(long)listener;
	r->cookie = BPF_CORE_READ(listener, __sk_common.skc_cookie.counter);
	r->state = ST_TCP_LISTEN;
	r->arg = BPF_CORE_READ(listener, sk_ack_backlog);
	r->fd = -1;
	fill_task(&r->task, false);
	submit(r);
}

SEC("tp_btf/sk_data_ready")
int BPF_PROG(q_ready, const struct sock *sk)
{
	/* every socket's data arrival comes here: leave at once unless listening */
	if (sk->__sk_common.skc_state == ST_TCP_LISTEN)
		queued(sk);
	return 0;
}

SEC("fexit/inet_csk_complete_hashdance")
int BPF_PROG(q_add_fexit, struct sock *sk, struct sock *child, struct request_sock *req,
	     bool own_req, struct sock *ret)
{
	if (ret)
		queued(sk);
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);   /* tid */
	__type(value, __u64); /* the listener */
} adding SEC(".maps");

SEC("kprobe/inet_csk_complete_hashdance")
int BPF_KPROBE(q_add_kprobe, struct sock *sk)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 l = (__u64)(long)sk;

	if (bpf_map_update_elem(&adding, &tid, &l, BPF_ANY))
		__sync_fetch_and_add(&counters.map_full, 1);
	return 0;
}

SEC("kretprobe/inet_csk_complete_hashdance")
int BPF_KRETPROBE(q_add_kretprobe, void *ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *l = bpf_map_lookup_elem(&adding, &tid);

	if (!l)
		return 0;
	if (ret)
		queued((struct sock *)*l);
	bpf_map_delete_elem(&adding, &tid);
	return 0;
}
