// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probes for `socktrace features`: one trivial program per kind of
 * hook, each loaded and attached on its own, because only a real attempt
 * tells (our 6.18 machines have fentry in BTF but refuse to load it).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("fexit/inet_listen")
int BPF_PROG(probe_fentry, struct socket *sock, int backlog, int ret)
{
	return 0;
}

SEC("kprobe/inet_listen")
int BPF_KPROBE(probe_kprobe)
{
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(probe_tp_btf, const struct sock *sk, const int oldstate, const int newstate)
{
	return 0;
}

SEC("tracepoint/sock/inet_sock_set_state")
int probe_tracepoint(void *ctx)
{
	return 0;
}

SEC("iter/tcp")
int probe_iter(struct bpf_iter__tcp *ctx)
{
	return 0;
}

SEC("cgroup/sock_release")
int probe_cgroup(struct bpf_sock *ctx)
{
	return 1;
}
