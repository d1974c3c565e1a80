// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark's floor: the least a tracer of every TCP state change can do.
 * One 32-byte record per inet_sock_set_state call, in the ring buffer of the
 * CPU it runs on, submitted without a wake-up, nothing else: no tuple, no
 * task name, no cookie, no call hooks and no rescue of the runs the kernel
 * skips. `make bench` measures it beside socktrace to show what any tracer of
 * the full stream pays on this machine. With one_ring every CPU shares one
 * ring, as socktrace and this floor did until a ring each cost half as much.
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

struct floor_ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
};

/* a slot for each possible CPU, filled by the loader */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct floor_ring);
} floor_rings SEC(".maps");

const volatile bool one_ring = false;

__u64 floor_lost;

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(floor_state, const struct sock *sk, const int oldstate, const int newstate)
{
	void *ring = &floor_events;
	struct floor_rec *r;

	if (!one_ring) {
		__u32 cpu = bpf_get_smp_processor_id();

		ring = bpf_map_lookup_elem(&floor_rings, &cpu);
	}
	r = ring ? bpf_ringbuf_reserve(ring, sizeof(*r), 0) : NULL;
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
