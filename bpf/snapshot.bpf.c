// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshots through BPF iterators: every TCP, UDP and UNIX socket of the
 * reader's network namespace as it is now, and every task's socket fds. Used to seed
 * the live table at start-up (sockets that predate socktrace, and every
 * process holding each one after fork()), and to refresh queues and holders.
 * Records go to the iterator's seq file in the ABI's formats.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "socktrace_abi.h"
#include "sock_read.bpf.h"
#include "unix_read.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * Set by userspace for `socktrace reuseport`: listening TCP sockets and
 * their holders only, so that a report's snapshot costs what the listeners
 * do, not the connections and TIME_WAIT sockets beside them.
 */
const volatile __u8 listeners_only = 0;

static __always_inline __u64 sock_ino(const struct sock *sk)
{
	struct socket *sock = sk->sk_socket;

	/* SOCK_INODE(): the inode sits right after the socket in socket_alloc */
	return sock ? BPF_CORE_READ((struct socket_alloc *)sock, vfs_inode.i_ino) : 0;
}

static __always_inline void rec_init(struct st_sock_rec *r, const void *skp)
{
	__builtin_memset(r, 0, sizeof(*r));
	r->hdr.type = ST_REC_SOCK;
	r->hdr.size = sizeof(*r);
	r->hdr.ts_ns = bpf_ktime_get_ns();
	r->sk = (__u64)(long)skp;
}

/* A timewait or request sock: sock_common is all it has of a sock. */
static __always_inline void mini_tuple(struct st_tuple *t, const struct sock_common *skc,
				       __u8 flags)
{
	skc_tuple(t, skc, true);
	t->protocol = ST_IPPROTO_TCP;
	t->netns = net_inum(skc->skc_net.net, true);
	t->flags = flags;
}

/*
 * An MPTCP socket, met through one of its TCP subflows: no iterator walks
 * MPTCP sockets, and each has a subflow while it is open (a listener its
 * listening one). A socket with several subflows comes once per subflow;
 * userspace keys them by address. sk is a raw pointer: probed reads.
 */
static __always_inline void dump_mptcp(struct seq_file *seq, __u64 parent, __u32 uid)
{
	const struct sock *sk = (const struct sock *)parent;
	struct socket *sock;
	struct st_sock_rec r;

	rec_init(&r, sk);
	sk_tuple(&r.t, sk, false);
	if (r.t.protocol != ST_IPPROTO_MPTCP)
		return;
	r.uid = uid;
	r.state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if (r.state < ST_TCP_ESTABLISHED || r.state > ST_TCP_MAX_STATE)
		return;
	/* the listener's cookie, on an accepted socket: userspace ignores it */
	r.cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	sock = BPF_CORE_READ(sk, sk_socket);
	r.ino = sock ? BPF_CORE_READ((struct socket_alloc *)sock, vfs_inode.i_ino) : 0;
	if (r.state == ST_TCP_LISTEN) {
		const struct sock *first = mptcp_first(sk);

		if (first) {
			r.rx_queue = BPF_CORE_READ(first, sk_ack_backlog);
			r.tx_queue = BPF_CORE_READ(first, sk_max_ack_backlog);
		}
	}
	bpf_seq_write(seq, &r, sizeof(r));
}

SEC("iter/tcp")
int dump_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct seq_file *seq = ctx->meta->seq;
	struct tcp_timewait_sock *tw;
	struct tcp_request_sock *req;
	struct tcp_sock *tp;
	struct st_sock_rec r;
	__u16 family;

	if (!skc)
		return 0;
	family = skc->skc_family;
	if (family != AF_INET && family != AF_INET6)
		return 0;
	if (listeners_only && skc->skc_state != ST_TCP_LISTEN)
		return 0;
	rec_init(&r, skc);
	r.uid = ctx->uid;
	r.state = skc->skc_state;

	tp = bpf_skc_to_tcp_sock(skc);
	if (tp) {
		const struct sock *sk = &tp->inet_conn.icsk_inet.sk;

		sk_tuple(&r.t, sk, true);
		r.cookie = bpf_get_socket_cookie((void *)sk);
		r.ino = sock_ino(sk);
		if (r.state == ST_TCP_LISTEN) {
			r.rx_queue = sk->sk_ack_backlog;
			r.tx_queue = sk->sk_max_ack_backlog;
			/* tcp_listendrop() counts a full queue's drops here */
			r.drops = sk->sk_drops.counter;
		} else {
			/* what netstat shows: unread bytes, and sent but unacknowledged */
			__s32 rx = tp->rcv_nxt - tp->copied_seq;
			__s32 tx = tp->write_seq - tp->snd_una;

			r.rx_queue = rx > 0 ? rx : 0;
			r.tx_queue = tx > 0 ? tx : 0;
		}
		r.mptcp_parent = mptcp_parent(tp, true);
	} else if ((tw = bpf_skc_to_tcp_timewait_sock(skc))) {
		__u64 expires = tw->tw_sk.tw_timer.expires, now = bpf_jiffies64();

		mini_tuple(&r.t, skc, ST_SK_TIMEWAIT);
		r.cookie = skc->skc_cookie.counter;
		/* jiffies: converting needs CONFIG_HZ, and a __kconfig extern would make
		 * the whole object fail to load where no kernel config file exists */
		r.ttl_jiffies = expires > now ? expires - now : 0;
		/* a timewait socket in its FIN_WAIT2 substate is shown as FIN_WAIT2 */
		r.state = tw->tw_sk.tw_substate;
	} else if ((req = bpf_skc_to_tcp_request_sock(skc))) {
		mini_tuple(&r.t, skc, ST_SK_REQUEST);
		r.cookie = skc->skc_cookie.counter;
		r.state = ST_TCP_SYN_RECV;
	} else {
		return 0;
	}
	if (r.state < ST_TCP_ESTABLISHED || r.state > ST_TCP_MAX_STATE)
		return 0;
	/* the MPTCP socket first: its subflows are linked to its entry */
	if (r.mptcp_parent)
		dump_mptcp(seq, r.mptcp_parent, r.uid);
	bpf_seq_write(seq, &r, sizeof(r));
	return 0;
}

SEC("iter/udp")
int dump_udp(struct bpf_iter__udp *ctx)
{
	struct udp_sock *udp = ctx->udp_sk;
	struct seq_file *seq = ctx->meta->seq;
	const struct sock *sk;
	struct st_sock_rec r;
	__s32 wmem;

	if (!udp)
		return 0;
	sk = &udp->inet.sk;
	if (sk->__sk_common.skc_family != AF_INET && sk->__sk_common.skc_family != AF_INET6)
		return 0;
	rec_init(&r, sk);
	sk_tuple(&r.t, sk, true);
	r.uid = ctx->uid;
	r.state = sk->__sk_common.skc_state;
	r.cookie = bpf_get_socket_cookie((void *)sk);
	r.ino = sock_ino(sk);
	r.rx_queue = sk->sk_backlog.rmem_alloc.counter;
	/* as sk_wmem_alloc_get(): the count starts at 1 (sk_alloc), a bias the
	 * kernel takes off before sock_diag, ss and netstat see it */
	wmem = sk->sk_wmem_alloc.refs.counter - 1;
	r.tx_queue = wmem > 0 ? wmem : 0;
	if (r.state < ST_TCP_ESTABLISHED || r.state > ST_TCP_MAX_STATE)
		return 0;
	bpf_seq_write(seq, &r, sizeof(r));
	return 0;
}

/*
 * iter/unix (5.17+). Since it walks in batches (5.19?) it holds a reference
 * on each socket of a batch while the program runs: take it off, so that the
 * count is the one /proc/net/unix shows.
 */
SEC("iter/unix")
int dump_unix(struct bpf_iter__unix *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct unix_sock *u = ctx->unix_sk;
	struct st_unix_rec r;

	if (!u)
		return 0;
	__builtin_memset(&r, 0, sizeof(r));
	r.hdr.type = ST_REC_UNIX;
	r.hdr.size = sizeof(r);
	r.hdr.ts_ns = bpf_ktime_get_ns();
	unix_fill(&r, &u->sk);
	if (bpf_core_type_exists(struct bpf_unix_iter_state) && r.refcnt)
		r.refcnt--;
	r.uid = ctx->uid;
	r.fd = -1;
	r.event = ST_UNIX_SOCK;
	r.source = ST_UNIX_SRC_ITER;
	bpf_seq_write(seq, &r, sizeof(r));
	return 0;
}

SEC("iter/task_file")
int dump_files(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct st_file_rec r;
	struct sock *sk;
	__u16 family;

	if (!task)
		return 0;
	sk = file_sock(file, false);
	if (!sk)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6 && family != AF_UNIX)
		return 0;
	if (listeners_only &&
	    (family == AF_UNIX || BPF_CORE_READ(sk, __sk_common.skc_state) != ST_TCP_LISTEN))
		return 0;
	__builtin_memset(&r, 0, sizeof(r));
	r.hdr.type = ST_REC_FILE;
	r.hdr.size = sizeof(r);
	r.hdr.ts_ns = bpf_ktime_get_ns();
	r.sk = (__u64)(long)sk;
	/* iter/tcp and iter/udp ran first and gave every socket its cookie */
	r.cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	r.ino = BPF_CORE_READ(file, f_inode, i_ino);
	r.task.tgid = task->tgid;
	r.task.tid = task->pid;
	BPF_CORE_READ_STR_INTO(&r.task.comm, task, comm);
	r.fd = ctx->fd;
	bpf_seq_write(seq, &r, sizeof(r));
	return 0;
}
