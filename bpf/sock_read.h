/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reading a struct sock into the ABI's st_tuple, in two flavours from one
 * template: "direct" for BTF-typed pointers (tp_btf, fentry, iterators), where
 * a field read is one load, and "probe" for raw pointers (classic tracepoints,
 * kprobes, syscall hooks), where every read is bpf_probe_read_kernel(). The
 * direct flavour matters: the state hook runs ~10 times per connection.
 */
#ifndef SOCKTRACE_SOCK_READ_H
#define SOCKTRACE_SOCK_READ_H

#include "socktrace_abi.h"

#ifndef AF_INET
#define AF_INET	 2
#define AF_INET6 10
#endif
#define ST_IPPROTO_TCP 6
#define ST_IPPROTO_UDP 17

/* Before 5.6 sk_protocol was a bitfield next to sk_type (commit bf9765145b85). */
struct sock___old {
	unsigned int __sk_flags_offset[0];
	unsigned int sk_padding : 1, sk_kern_sock : 1, sk_no_check_tx : 1, sk_no_check_rx : 1,
		sk_userlocks : 4, sk_protocol : 8, sk_type : 16;
} __attribute__((preserve_access_index));

#define RD_DIRECT(p, f)		((p)->f)
#define RD_PROBE(p, f)		BPF_CORE_READ(p, f)
#define RD_INTO_DIRECT(d, p, f) __builtin_memcpy(d, &(p)->f, sizeof(*(d)))
#define RD_INTO_PROBE(d, p, f)	BPF_CORE_READ_INTO(d, p, f)
#define RD_BITS_DIRECT(p, f)	BPF_CORE_READ_BITFIELD(p, f)
#define RD_BITS_PROBE(p, f)	BPF_CORE_READ_BITFIELD_PROBED(p, f)

#define DEFINE_SOCK_READERS(sfx, RD, RD_INTO, RD_BITS)                                             \
	static __always_inline __u16 sk_protocol_##sfx(const struct sock *sk)                      \
	{                                                                                          \
		/* a plain __u16 loads with a 48-bit right shift; the old 8-bit field, 56 */       \
		if (__builtin_preserve_field_info(sk->sk_protocol, BPF_FIELD_RSHIFT_U64) == 48)    \
			return RD(sk, sk_protocol);                                                \
		return RD_BITS_PROBE((const struct sock___old *)sk, sk_protocol);                  \
	}                                                                                          \
                                                                                                   \
	static __always_inline void fill_tuple_##sfx(struct st_tuple *t, const struct sock *sk)    \
	{                                                                                          \
		const struct sock_common *skc = &sk->__sk_common;                                  \
		struct net *net = RD(skc, skc_net.net);                                            \
		__u16 family = RD(skc, skc_family);                                                \
                                                                                                   \
		t->family = family;                                                                \
		t->protocol = sk_protocol_##sfx(sk);                                               \
		t->sport = RD(skc, skc_num);                                                       \
		t->dport = bpf_ntohs(RD(skc, skc_dport));                                          \
		t->netns = net ? RD(net, ns.inum) : 0;                                             \
		if (family == AF_INET6) {                                                          \
			RD_INTO((struct in6_addr *)t->saddr, skc, skc_v6_rcv_saddr);               \
			RD_INTO((struct in6_addr *)t->daddr, skc, skc_v6_daddr);                   \
		} else {                                                                           \
			RD_INTO((__be32 *)t->saddr, skc, skc_rcv_saddr);                           \
			RD_INTO((__be32 *)t->daddr, skc, skc_daddr);                               \
		}                                                                                  \
		t->flags = (RD_BITS(skc, skc_reuse) ? ST_SK_REUSEADDR : 0) |                       \
			   (RD_BITS(skc, skc_reuseport) ? ST_SK_REUSEPORT : 0) |                   \
			   (RD_BITS(skc, skc_ipv6only) ? ST_SK_V6ONLY : 0);                        \
	}

#endif
