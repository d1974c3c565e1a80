/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kprobe/kretprobe family, for kernels without fentry: the kprobe saves
 * the arguments per thread, the kretprobe adds the return value. Same
 * functions as the fentry family.
 */
#ifndef SOCKTRACE_HOOKS_KPROBE_BPF_H
#define SOCKTRACE_HOOKS_KPROBE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "socktrace_abi.h"
#include "record.bpf.h"
#include "calls.bpf.h"

/* What a kprobe saves for its kretprobe, per thread. */
struct call_arg {
	__u64 sk;   /* the sock (the listener, for accept) */
	__u64 addr; /* bind, connect: the sockaddr (kernel memory) */
	__s32 fd;   /* -1: these functions see no fd */
	__u32 kind; /* ST_REC_* */
	__s32 alen; /* bind, connect: the sockaddr's length */
	__s32 backlog;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct call_arg);
} calls SEC(".maps");

static __always_inline int call_save(const struct call_arg *arg)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (bpf_map_update_elem(&calls, &tid, arg, BPF_ANY))
		__sync_fetch_and_add(&counters.map_full, 1);
	return 0;
}

/* The saved entry arguments of this thread's call, removed from the map. */
static __always_inline bool call_take(struct call_arg *out)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call_arg *arg = bpf_map_lookup_elem(&calls, &tid);

	if (!arg)
		return false;
	*out = *arg;
	bpf_map_delete_elem(&calls, &tid);
	return true;
}

static __always_inline int kp_save(__u32 kind, void *sk, void *addr, int alen, int backlog)
{
	struct call_arg arg = {
		.sk = (__u64)(long)sk,
		.addr = (__u64)(long)addr,
		.fd = -1,
		.kind = kind,
		.alen = alen,
		.backlog = backlog,
	};

	return call_save(&arg);
}

static __always_inline int kp_done(long ret)
{
	struct call_arg a;
	struct call_done c = {.ret = ret, .fd = -1};

	if (!call_take(&a))
		return 0;
	c.kind = a.kind;
	if (a.kind == ST_REC_ACCEPT) {
		/* inet_csk_accept returns the new sock, NULL on error */
		if (!ret)
			return 0;
		c.sk = (struct sock *)ret;
		c.listener = (struct sock *)a.sk;
		c.ret = 0;
	} else {
		c.sk = (struct sock *)a.sk;
	}
	c.addr = a.addr;
	c.alen = a.alen;
	c.arg = a.backlog;
	record_call(&c, false);
	return 0;
}

SEC("kprobe/inet_bind")
int BPF_KPROBE(kp_inet_bind, struct socket *sock, struct sockaddr *uaddr, int alen)
{
	return kp_save(ST_REC_BIND, BPF_CORE_READ(sock, sk), uaddr, alen, 0);
}

SEC("kretprobe/inet_bind")
int BPF_KRETPROBE(kr_inet_bind, int ret)
{
	return kp_done(ret);
}

SEC("kprobe/inet6_bind")
int BPF_KPROBE(kp_inet6_bind, struct socket *sock, struct sockaddr *uaddr, int alen)
{
	return kp_save(ST_REC_BIND, BPF_CORE_READ(sock, sk), uaddr, alen, 0);
}

SEC("kretprobe/inet6_bind")
int BPF_KRETPROBE(kr_inet6_bind, int ret)
{
	return kp_done(ret);
}

SEC("kprobe/inet_listen")
int BPF_KPROBE(kp_inet_listen, struct socket *sock, int backlog)
{
	return kp_save(ST_REC_LISTEN, BPF_CORE_READ(sock, sk), NULL, 0, backlog);
}

SEC("kretprobe/inet_listen")
int BPF_KRETPROBE(kr_inet_listen, int ret)
{
	return kp_done(ret);
}

/* the listener is the first argument before and after the 6.10 change */
SEC("kprobe/inet_csk_accept")
int BPF_KPROBE(kp_inet_csk_accept, struct sock *listener)
{
	return kp_save(ST_REC_ACCEPT, listener, NULL, 0, 0);
}

SEC("kretprobe/inet_csk_accept")
int BPF_KRETPROBE(kr_inet_csk_accept, void *newsk)
{
	return kp_done((long)newsk);
}

SEC("kprobe/inet_stream_connect")
int BPF_KPROBE(kp_inet_stream_connect, struct socket *sock, struct sockaddr *uaddr, int alen)
{
	return kp_save(ST_REC_CONNECT, BPF_CORE_READ(sock, sk), uaddr, alen, 0);
}

SEC("kretprobe/inet_stream_connect")
int BPF_KRETPROBE(kr_inet_stream_connect, int ret)
{
	return kp_done(ret);
}

SEC("kprobe/inet_dgram_connect")
int BPF_KPROBE(kp_inet_dgram_connect, struct socket *sock, struct sockaddr *uaddr, int alen)
{
	return kp_save(ST_REC_CONNECT, BPF_CORE_READ(sock, sk), uaddr, alen, 0);
}

SEC("kretprobe/inet_dgram_connect")
int BPF_KRETPROBE(kr_inet_dgram_connect, int ret)
{
	return kp_done(ret);
}

#endif
