/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bind, listen, accept, connect: one handler each, called by the thin hooks
 * of whichever family this kernel supports (hooks_fentry, hooks_kprobe,
 * hooks_syscalls). The handlers read the socket after the call, through
 * probed reads (the hooks hand over raw and typed pointers alike), or with
 * plain loads where the syscall hooks made BTF pointers (ST_RDONLY_CAST).
 */
#ifndef SOCKTRACE_CALLS_BPF_H
#define SOCKTRACE_CALLS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "socktrace_abi.h"
#include "record.bpf.h"
#include "sock_read.bpf.h"
#include "sk_filter.bpf.h"
#include "life_owner.bpf.h"

#define ST_SOCKADDR_MAX 28  /* sizeof(struct sockaddr_in6) */
#define ST_EINPROGRESS	115 /* asm-generic/errno.h, as on x86 and arm64 */

/*
 * Set by the loader once something else reports a TCP connect's source port
 * before its answer can be missed: sockops from tcp_connect() (ST_REC_PORT),
 * before the call returns, or syn_port.bpf.h at the SYN's retransmission,
 * when no answer came in a second; an answer's transition has the port. A
 * non-blocking connect under way makes no line, so its return would only
 * tell the port earlier, by a round trip: a record, its ring space and
 * userspace's work a connection. A connect that returns 0 still sends one:
 * TCP_FASTOPEN_CONNECT returns before tcp_connect() runs and before any SYN,
 * and a blocking call is rare.
 */
__u32 port_reported;

static __always_inline long read_mem(void *dst, __u32 size, __u64 src, bool user)
{
	return user ? bpf_probe_read_user(dst, size, (void *)src)
		    : bpf_probe_read_kernel(dst, size, (void *)src);
}

/*
 * The address a failed call asked for, out of a sockaddr_in or sockaddr_in6,
 * reading at most what the caller passed: bind's is the local end, connect's
 * the remote one (a connect that fails before SYN_SENT leaves the socket's
 * remote end zero, or its address without the port). An IPv4 sockaddr given
 * to an IPv6 socket is shown as the mapped address the kernel makes of it; an
 * IPv6 one given to an IPv4 socket (refused) is not shown.
 */
static __always_inline void tuple_from_sockaddr(struct st_tuple *t, __u64 addr, int alen, bool user,
						bool remote)
{
	__u8 sa[ST_SOCKADDR_MAX] = {};
	__u8 *ip = remote ? t->daddr : t->saddr;
	__u16 family, port;
	long err;

	if (!addr || alen < 8)
		return;
	/* constant sizes keep the verifier sure of the bounds */
	if (alen >= ST_SOCKADDR_MAX)
		err = read_mem(sa, ST_SOCKADDR_MAX, addr, user);
	else if (alen >= 16)
		err = read_mem(sa, 16, addr, user);
	else
		err = read_mem(sa, 8, addr, user);
	if (err)
		return;
	family = *(__u16 *)sa;
	port = bpf_ntohs(*(__u16 *)(sa + 2));
	if (family == AF_INET) {
		__builtin_memset(ip, 0, ST_ADDR_LEN);
		if (t->family == AF_INET6) {
			ip[10] = 0xff;
			ip[11] = 0xff;
			__builtin_memcpy(ip + 12, sa + 4, 4);
		} else {
			__builtin_memcpy(ip, sa + 4, 4);
		}
	} else if (family == AF_INET6 && alen >= 24 && t->family == AF_INET6) {
		__builtin_memcpy(ip, sa + 8, 16);
	} else {
		return;
	}
	if (remote)
		t->dport = port;
	else
		t->sport = port;
}

struct call_done {
	__u32 kind;
	struct sock *sk;
	struct sock *listener;
	long ret;
	int fd;
	__u32 arg;
	__u64 addr; /* bind, connect: the sockaddr, for a call that failed */
	int alen;
	bool addr_user;
};

/*
 * The socket's part of a call record. Through a raw pointer: one probed copy
 * of sock_common read with plain loads, or field by field if it is larger
 * than we know; through a BTF pointer (fd_sock(fd, true)): plain loads.
 */
static __always_inline void call_sock(struct st_call_rec *r, const struct sock *sk, __u16 proto,
				      bool want_dev, bool btf)
{
	struct skc_copy copy;
	const struct sock_common *skc = btf ? &sk->__sk_common : skc_copy(&copy, sk);

	if (btf || skc) {
		skc_tuple(&r->t, skc, true);
		r->t.protocol = proto;
		r->t.netns = net_inum(skc->skc_net.net, btf);
		r->cookie = skc->skc_cookie.counter;
		r->state = skc->skc_state;
		r->arg = want_dev ? skc->skc_bound_dev_if : 0;
	} else {
		sk_tuple(&r->t, sk, false);
		r->cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
		r->state = BPF_CORE_READ(sk, __sk_common.skc_state);
		r->arg = want_dev ? BPF_CORE_READ(sk, __sk_common.skc_bound_dev_if) : 0;
	}
}

/*
 * life: accept() names the connection's owner. false: the kernel keeps no
 * story of this connection (it predates socktrace, or the hash was full), and
 * the accept goes to the table as a record, as the transitions do.
 */
static __always_inline bool life_note_accept(const struct sock *sk, bool btf)
{
	struct life_accept a = {};
	__u64 key = (__u64)(long)sk;

	if (life_kernel == ST_LIFE_HASH) {
		/* a live entry is this connection's: an ended one's is
		 * deleted, or left dead for the next socket at the address */
		struct life_sk *s = bpf_map_lookup_elem(&life_hash, &key);

		if (!s || !(s->life_flags & LIFE_K_LIVE))
			return false;
		if (s->life_flags & ST_LIFE_PASSIVE) {
			fill_task(&a.task, TASK_BTF);
			s->owner_pid = a.task.tgid;
			__builtin_memcpy(s->owner_comm, a.task.comm, ST_COMM_LEN);
			s->owner_src = ST_OWNER_ACCEPT;
			s->life_flags |= LIFE_K_ACCEPTED;
		}
		return true;
	}
	/* socket storage, which a tracepoint cannot read: for the connection's
	 * next transition to take, or to hand to the table with it
	 * (life_accept_to_table()) */

	/* the filters: a connection of another netns never reaches the state
	 * hook's life path to take its entry */
	if ((filter_family && sk_rd(btf, sk, __sk_common.skc_family) != filter_family) ||
	    (filter_netns &&
	     net_inum(sk_rd(btf, sk, __sk_common.skc_net.net), btf) != filter_netns))
		return true;
	/* 0 where it is being remade (a child's copy of its listener's is
	 * reset after its first transitions before 6.18) */
	a.cookie = sk_rd(btf, sk, __sk_common.skc_cookie.counter);
	fill_task(&a.task, TASK_BTF);
	if (bpf_map_update_elem(&life_accepts, &key, &a, BPF_ANY))
		__sync_fetch_and_add(&counters.map_full, 1);
	return true;
}

/*
 * One record for a finished call, if the socket is TCP, UDP or MPTCP and wanted.
 * btf: c->sk and c->listener are BTF pointers.
 */
static __always_inline void record_call(const struct call_done *c, bool btf)
{
	struct st_call_rec *r;
	struct sock *sk = c->sk, *listener = c->listener;
	__u16 proto;

	if (!sk)
		return;
	proto = sk_protocol(sk, btf);
	if (proto == ST_IPPROTO_TCP && !btf && tcp_is_subflow(sk)) {
		/* fexit and kprobes see what MPTCP does to its subflows. A
		 * subflow's bind, listen or connect is no process's call: it
		 * runs inside the MPTCP socket's (6.1), which its own hooks
		 * report once MPTCP has copied the subflow's addresses (a
		 * record made here had none), or in the path manager's worker.
		 * A subflow's accept is the MPTCP socket's accept, as the
		 * syscall hooks see it: the new subflow names its MPTCP socket. */
		__u64 parent;

		if (c->kind != ST_REC_ACCEPT)
			return;
		parent = mptcp_parent((const struct tcp_sock *)sk, false);
		if (parent) {
			sk = (struct sock *)parent;
			proto = ST_IPPROTO_MPTCP;
			parent = mptcp_parent((const struct tcp_sock *)listener, false);
			if (parent)
				listener = (struct sock *)parent;
		}
	}
	if (proto != ST_IPPROTO_TCP && proto != ST_IPPROTO_UDP && proto != ST_IPPROTO_MPTCP)
		return;
	/* life keeps TCP connections in the kernel: a connect's owner is its
	 * CLOSE -> SYN_SENT's task, an accept's goes to the state hook (or to
	 * the table, with a connection the kernel does not keep), and a bind
	 * only makes watch lines (a client that binds its source address
	 * would cost a record a connection) */
	if (life_kernel && proto == ST_IPPROTO_TCP && c->kind != ST_REC_LISTEN &&
	    (c->kind != ST_REC_ACCEPT || c->ret < 0 || life_note_accept(sk, btf)))
		return;
	if (port_reported && c->kind == ST_REC_CONNECT && proto == ST_IPPROTO_TCP &&
	    c->ret == -ST_EINPROGRESS)
		return;
	if (!sk_wanted(sk, btf))
		return;
	r = reserve(sizeof(*r));
	if (!r)
		return;
	call_sock(r, sk, proto, c->kind == ST_REC_BIND, btf);
	if (!wanted(r, &r->t))
		return;
	r->call_flags = 0;
	if ((c->kind == ST_REC_BIND || c->kind == ST_REC_CONNECT) && c->ret) {
		tuple_from_sockaddr(&r->t, c->addr, c->alen, c->addr_user,
				    c->kind == ST_REC_CONNECT);
		if (c->addr_user)
			r->call_flags = ST_CALL_ADDR_USER;
	}
	hdr_init(&r->hdr, c->kind, sizeof(*r));
	r->sk = (__u64)(long)sk;
	r->listener = (__u64)(long)listener;
	r->ret = c->ret;
	r->fd = c->fd;
	/* as clamped by somaxconn; an MPTCP listener's is its listening subflow's */
	if (c->kind == ST_REC_LISTEN && !c->ret && proto == ST_IPPROTO_MPTCP) {
		const struct sock *first = mptcp_first(sk);

		r->arg = first ? BPF_CORE_READ(first, sk_max_ack_backlog) : c->arg;
	} else if (c->kind == ST_REC_LISTEN && !c->ret)
		r->arg = sk_rd(btf, sk, sk_max_ack_backlog);
	else if (c->kind != ST_REC_BIND)
		r->arg = c->arg;
	__builtin_memset(r->pad, 0, sizeof(r->pad));
	fill_task(&r->task, TASK_BTF);
	submit(r);
}

/* A program on a syscall's exit tracepoint handing its return value to fn. */
#define SYS_EXIT_PROG(name, call, fn, kind)                                                        \
	SEC("tracepoint/syscalls/sys_exit_" call)                                                  \
	int name(struct trace_event_raw_sys_exit *ctx)                                             \
	{                                                                                          \
		return fn(ctx->ret, kind);                                                         \
	}

#endif
