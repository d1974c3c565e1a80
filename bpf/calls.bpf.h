/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bind, listen, accept, connect: one handler each, called by the thin hooks
 * of whichever family this kernel supports (hooks_fentry, hooks_kprobe,
 * hooks_syscalls). The handlers read the socket after the call, through
 * probed reads: the hooks hand over raw and typed pointers alike.
 */
#ifndef SOCKTRACE_CALLS_BPF_H
#define SOCKTRACE_CALLS_BPF_H

#define ST_S_IFMT	00170000
#define ST_S_IFSOCK	0140000
#define ST_SOCKADDR_MAX 28 /* sizeof(struct sockaddr_in6) */

/*
 * The calling task's file for fd, or NULL. The task's own pointers are read
 * with plain loads through its BTF pointer (each probed read is a helper
 * call, and this runs on every call); the fd array's slot needs one.
 */
static __always_inline struct file *fd_file(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct files_struct *files = task->files;
	struct fdtable *fdt = files ? files->fdt : NULL;
	struct file **fds, *file = NULL;

	if (!fdt || fd < 0 || (unsigned int)fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

/*
 * The sock behind the calling task's fd, or NULL if the fd is not a socket.
 * From the file on, the pointers are untyped and need probed reads.
 */
static __always_inline struct sock *fd_to_sock(int fd)
{
	struct file *file = fd_file(fd);
	struct socket *sock;

	if (!file || (BPF_CORE_READ(file, f_inode, i_mode) & ST_S_IFMT) != ST_S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

/*
 * fd_to_sock() with plain loads past the file pointer: bpf_rdonly_cast()
 * (6.2+) makes a BTF pointer of it, and each load is then a probed load the
 * JIT inlines instead of a helper call (four of them, about 45 ns each here).
 * The result is a read-only BTF pointer: emit_call_as(..., true).
 *
 * Only syscalls_cast.bpf.c (SYSCALL_HOOKS_CAST) has it. An object that names a
 * kfunc the kernel lacks makes libbpf look through every module's BTF, which
 * needs CAP_SYS_ADMIN: in the main object, that failed every load on 6.1
 * without it.
 */
#ifdef SYSCALL_HOOKS_CAST
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

static __always_inline struct sock *fd_to_sock_btf(int fd)
{
	struct file *file = fd_file(fd);
	struct socket *sock;

	if (!file)
		return NULL;
	file = bpf_rdonly_cast(file, bpf_core_type_id_kernel(struct file));
	if (!file || !file->f_inode || (file->f_inode->i_mode & ST_S_IFMT) != ST_S_IFSOCK)
		return NULL;
	sock = bpf_rdonly_cast(file->private_data, bpf_core_type_id_kernel(struct socket));
	return sock ? sock->sk : NULL;
}
#endif

/*
 * A copy of the sock's sock_common, made with one probed read: the tuple,
 * state, cookie and bound device are all in it, and reading them one probed
 * read each cost a dozen helper calls per call record. Large enough for
 * every kernel we know (136 bytes on 6.1 and 6.18); a larger one falls back
 * to the reads field by field.
 */
#define SKC_COPY_MAX 192

struct skc_copy {
	__u8 b[SKC_COPY_MAX];
};

static __always_inline bool skc_copy(struct skc_copy *c, const struct sock *sk)
{
	__u32 size = bpf_core_type_size(struct sock_common);

	if (size > sizeof(c->b))
		return false;
	return bpf_probe_read_kernel(c->b, size, sk) == 0;
}

/* fill_tuple_probe() from a copy: plain loads, the netns inode aside. */
static __always_inline void fill_tuple_copy(struct st_tuple *t, const struct sock_common *skc,
					    __u16 protocol)
{
	struct net *net = skc->skc_net.net;
	__u16 family = skc->skc_family;

	t->family = family;
	t->protocol = protocol;
	t->sport = skc->skc_num;
	t->dport = bpf_ntohs(skc->skc_dport);
	t->netns = net ? BPF_CORE_READ(net, ns.inum) : 0;
	if (family == AF_INET6) {
		__builtin_memcpy(t->saddr, &skc->skc_v6_rcv_saddr, 16);
		__builtin_memcpy(t->daddr, &skc->skc_v6_daddr, 16);
	} else {
		__builtin_memcpy(t->saddr, &skc->skc_rcv_saddr, 4);
		__builtin_memcpy(t->daddr, &skc->skc_daddr, 4);
	}
	t->flags = (BPF_CORE_READ_BITFIELD(skc, skc_reuse) ? ST_SK_REUSEADDR : 0) |
		   (BPF_CORE_READ_BITFIELD(skc, skc_reuseport) ? ST_SK_REUSEPORT : 0) |
		   (BPF_CORE_READ_BITFIELD(skc, skc_ipv6only) ? ST_SK_V6ONLY : 0);
}

/*
 * The local address a failed bind asked for: family, port and address out of
 * a sockaddr_in or sockaddr_in6, reading at most what the caller passed.
 */
static __always_inline long read_mem(void *dst, __u32 size, __u64 src, bool user)
{
	return user ? bpf_probe_read_user(dst, size, (void *)src)
		    : bpf_probe_read_kernel(dst, size, (void *)src);
}

static __always_inline void tuple_from_sockaddr(struct st_tuple *t, __u64 addr, int alen, bool user)
{
	__u8 sa[ST_SOCKADDR_MAX] = {};
	__u16 family;
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
	t->sport = bpf_ntohs(*(__u16 *)(sa + 2));
	if (family == AF_INET) {
		__builtin_memset(t->saddr, 0, sizeof(t->saddr));
		__builtin_memcpy(t->saddr, sa + 4, 4);
	} else if (family == AF_INET6 && alen >= 24) {
		__builtin_memcpy(t->saddr, sa + 8, 16);
	}
}

struct call_done {
	__u32 kind;
	struct sock *sk;
	struct sock *listener;
	long ret;
	int fd;
	__u32 arg;
	__u64 addr; /* bind: the sockaddr, when the socket has no bound address */
	int alen;
	bool addr_user;
};

/*
 * The socket's part of a call record through a raw pointer: one probed copy
 * of sock_common, or field by field if it is larger than we know.
 */
static __always_inline void call_sock_probe(struct st_call_rec *r, struct sock *sk, __u16 proto,
					    bool want_dev)
{
	struct skc_copy copy;
	const struct sock_common *skc = (const void *)copy.b;

	if (skc_copy(&copy, sk)) {
		fill_tuple_copy(&r->t, skc, proto);
		r->cookie = skc->skc_cookie.counter;
		r->state = skc->skc_state;
		r->arg = want_dev ? skc->skc_bound_dev_if : 0;
	} else {
		fill_tuple_probe(&r->t, sk);
		r->cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
		r->state = BPF_CORE_READ(sk, __sk_common.skc_state);
		r->arg = want_dev ? BPF_CORE_READ(sk, __sk_common.skc_bound_dev_if) : 0;
	}
}

/* The same through a BTF pointer (fd_to_sock_btf()): plain loads. */
static __always_inline void call_sock_btf(struct st_call_rec *r, const struct sock *sk,
					  bool want_dev)
{
	fill_tuple_direct(&r->t, sk);
	r->cookie = sk->__sk_common.skc_cookie.counter;
	r->state = sk->__sk_common.skc_state;
	r->arg = want_dev ? sk->__sk_common.skc_bound_dev_if : 0;
}

/*
 * One record for a finished call, if the socket is TCP or UDP and wanted.
 * btf: c->sk and c->listener are BTF pointers (a constant: the compiler keeps
 * one of the two ways of reading).
 */
static __always_inline void emit_call_as(const struct call_done *c, bool btf)
{
	struct st_call_rec *r;
	struct sock *sk = c->sk;
	__u16 proto;

	if (!sk)
		return;
	proto = btf ? sk_protocol_direct(sk) : sk_protocol_probe(sk);
	if (proto != ST_IPPROTO_TCP && proto != ST_IPPROTO_UDP)
		return;
	r = reserve(sizeof(*r));
	if (!r)
		return;
	if (btf)
		call_sock_btf(r, sk, c->kind == ST_REC_BIND);
	else
		call_sock_probe(r, sk, proto, c->kind == ST_REC_BIND);
	if (filtered_out(&r->t)) {
		bpf_ringbuf_discard(r, BPF_RB_NO_WAKEUP);
		return;
	}
	r->call_flags = 0;
	if (c->kind == ST_REC_BIND && c->ret) {
		tuple_from_sockaddr(&r->t, c->addr, c->alen, c->addr_user);
		if (c->addr_user)
			r->call_flags = ST_CALL_ADDR_USER;
	}
	r->hdr.type = c->kind;
	r->hdr.size = sizeof(*r);
	r->hdr.ts_ns = bpf_ktime_get_ns();
	r->sk = (__u64)(long)sk;
	r->listener = (__u64)(long)c->listener;
	r->ret = c->ret;
	r->fd = c->fd;
	/* as clamped by somaxconn */
	if (c->kind == ST_REC_LISTEN && !c->ret)
		r->arg = btf ? sk->sk_max_ack_backlog : BPF_CORE_READ(sk, sk_max_ack_backlog);
	else if (c->kind != ST_REC_BIND)
		r->arg = c->arg;
	__builtin_memset(r->pad, 0, sizeof(r->pad));
	fill_task(&r->task);
	submit(r);
}

static __always_inline void emit_call(const struct call_done *c)
{
	emit_call_as(c, false);
}

#endif
