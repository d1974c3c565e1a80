// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark's floor: the least a tracer of every TCP state change can do.
 * One 32-byte record per inet_sock_set_state call, submitted without a
 * wake-up, nothing else: no tuple, no task name, no cookie, no call hooks and
 * no rescue of the runs the kernel skips. `make bench` measures it beside
 * socktrace to show what any tracer of the full stream pays on this machine.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct floor_rec {
	__u64 ts_ns;
	__u64 sk;
	__u32 tgid;
	__u8 oldstate;
	__u8 newstate;
	__u8 pad[10];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} floor_events SEC(".maps");

__u64 floor_lost;

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(floor_state, const struct sock *sk, const int oldstate, const int newstate)
{
	struct floor_rec *r = bpf_ringbuf_reserve(&floor_events, sizeof(*r), 0);

	if (!r) {
		__sync_fetch_and_add(&floor_lost, 1);
		return 0;
	}
	r->ts_ns = bpf_ktime_get_ns();
	r->sk = (__u64)(long)sk;
	r->tgid = bpf_get_current_pid_tgid() >> 32;
	r->oldstate = oldstate;
	r->newstate = newstate;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}
