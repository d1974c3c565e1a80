// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel-matrix self-test: one program per hook family socktrace can choose
 * from. The loader (selftest.c) loads only the family named by
 * SOCKTRACE_HOOKS and checks that a loopback connect() makes it fire.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

__u64 hits_fentry, hits_fexit, hits_kprobe, hits_kretprobe, hits_tp_btf, hits_tracepoint;

SEC("fentry/tcp_connect")
int BPF_PROG(st_fentry, struct sock *sk)
{
	__sync_fetch_and_add(&hits_fentry, 1);
	return 0;
}

SEC("fexit/inet_csk_accept")
int BPF_PROG(st_fexit)
{
	__sync_fetch_and_add(&hits_fexit, 1);
	return 0;
}

SEC("kprobe/tcp_connect")
int BPF_KPROBE(st_kprobe, struct sock *sk)
{
	__sync_fetch_and_add(&hits_kprobe, 1);
	return 0;
}

SEC("kretprobe/inet_csk_accept")
int BPF_KRETPROBE(st_kretprobe, void *ret)
{
	__sync_fetch_and_add(&hits_kretprobe, 1);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(st_tp_btf, const struct sock *sk, int oldstate, int newstate)
{
	__sync_fetch_and_add(&hits_tp_btf, 1);
	return 0;
}

SEC("tracepoint/sock/inet_sock_set_state")
int st_tracepoint(struct trace_event_raw_inet_sock_set_state *ctx)
{
	__sync_fetch_and_add(&hits_tracepoint, 1);
	return 0;
}
