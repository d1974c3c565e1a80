/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a UNIX domain socket into a record, for the iterator and every hook
 * alike: inode, peer, type, state, path, queues. Probed reads throughout:
 * UNIX calls are rare next to TCP's state changes, and one reader for BTF and
 * raw pointers keeps the hooks and the snapshot from drifting apart.
 */
#ifndef SOCKTRACE_UNIX_READ_BPF_H
#define SOCKTRACE_UNIX_READ_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "socktrace_abi.h"

#ifndef AF_UNIX
#define AF_UNIX 1
#endif

/* The inode of the socket a sock belongs to, as sock_i_ino() says; 0 if none. */
static __always_inline __u64 unix_sock_ino(const struct sock *sk)
{
	struct socket *sock = BPF_CORE_READ(sk, sk_socket);

	/* SOCK_INODE(): the inode sits right after the socket in socket_alloc */
	return sock ? BPF_CORE_READ((struct socket_alloc *)sock, vfs_inode.i_ino) : 0;
}

static __always_inline bool sk_is_unix(const struct sock *sk)
{
	return sk && BPF_CORE_READ(sk, __sk_common.skc_family) == AF_UNIX;
}

/*
 * Everything but the header, the task and the call's fields. The state is
 * what /proc/net/unix prints (unix_seq_show()): a sock with a socket is
 * connected or not; one without (an embryo waiting in a listener's queue, or
 * an orphan) is connecting or disconnecting.
 */
static __always_inline void unix_fill(struct st_unix_rec *r, const struct sock *sk)
{
	const struct unix_sock *u = (const void *)sk;
	struct unix_address *addr = BPF_CORE_READ(u, addr);
	struct sock *peer = BPF_CORE_READ(u, peer);
	__u8 skstate = BPF_CORE_READ(sk, __sk_common.skc_state);
	bool has_socket = BPF_CORE_READ(sk, sk_socket) != NULL;
	__u64 len;
	int alen;

	r->sk = (__u64)(long)sk;
	r->ino = unix_sock_ino(sk);
	r->peer_sk = (__u64)(long)peer;
	r->peer_ino = peer ? unix_sock_ino(peer) : 0;
	r->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	r->refcnt = BPF_CORE_READ(sk, __sk_common.skc_refcnt.refs.counter);
	r->type = BPF_CORE_READ(sk, sk_type);
	if (skstate == ST_TCP_LISTEN) {
		r->flags = ST_UNIX_ACC;
		r->rx_queue = BPF_CORE_READ(sk, sk_receive_queue.qlen);
		r->tx_queue = BPF_CORE_READ(sk, sk_max_ack_backlog);
	} else {
		int w = BPF_CORE_READ(sk, sk_wmem_alloc.refs.counter) - 1;

		r->rx_queue = BPF_CORE_READ(sk, sk_receive_queue.qlen);
		r->tx_queue = w > 0 ? w : 0; /* unix_outq_len() */
	}
	if (has_socket)
		r->state = skstate == ST_TCP_ESTABLISHED ? ST_SS_CONNECTED : ST_SS_UNCONNECTED;
	else
		r->state = skstate == ST_TCP_ESTABLISHED ? ST_SS_CONNECTING : ST_SS_DISCONNECTING;
	if (!addr)
		return;
	/* unix_address.len counts sun_family too */
	alen = BPF_CORE_READ(addr, len) - (int)sizeof(__u16);
	if (alen <= 0)
		return;
	len = alen < ST_UNIX_PATH_LEN ? alen : ST_UNIX_PATH_LEN;
	/* the verifier must see the bound on the very register passed */
	asm volatile("%[len] &= 0x7f" : [len] "+r"(len));
	if (len <= ST_UNIX_PATH_LEN &&
	    !bpf_probe_read_kernel(r->path, len, &addr->name[0].sun_path))
		r->path_len = len;
}

#endif
