/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a socket, for every hook and the iterators: its tuple, its
 * protocol, and the socket behind a file or an fd. Each reader takes btf, a
 * constant: true for BTF-typed pointers (tp_btf, iterators, pointers made by
 * bpf_rdonly_cast(), or a copy on the stack), where a field read is one load;
 * false for raw pointers (classic tracepoints, kprobes, the syscall hooks),
 * where each read is a probed read. The readers are always inlined, so the
 * compiler keeps one of the two ways and the other costs nothing. The direct
 * way matters: the state hook runs ~10 times per connection.
 */
#ifndef SOCKTRACE_SOCK_READ_BPF_H
#define SOCKTRACE_SOCK_READ_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "socktrace_abi.h"

/* vmlinux.h has no macros */
#ifndef AF_INET
#define AF_INET	 2
#define AF_INET6 10
#endif
#define ST_S_IFMT   00170000
#define ST_S_IFSOCK 0140000

/* p->f: one load through a BTF pointer, a probed read through a raw one */
#define sk_rd(btf, p, f) ((btf) ? (p)->f : BPF_CORE_READ(p, f))

/*
 * A BTF pointer to a type from a raw one, through bpf_rdonly_cast() (6.2+):
 * its loads are probed loads the JIT inlines instead of a helper call each.
 * Only an object that defines ST_RDONLY_CAST has it: an object that names a
 * kfunc the kernel lacks makes libbpf look through every module's BTF, which
 * needs CAP_SYS_ADMIN (in the main object, that failed every load on 6.1
 * without it). Elsewhere a btf reader that needs the cast names
 * st_rdonly_cast_missing(), which no kernel has: the load fails at once.
 */
#ifdef ST_RDONLY_CAST
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;
#define btf_cast(p, type) ((type *)bpf_rdonly_cast(p, bpf_core_type_id_kernel(type)))
#else
extern void *st_rdonly_cast_missing(const void *obj) __ksym;
#define btf_cast(p, type) ((type *)st_rdonly_cast_missing(p))
#endif

/* Before 5.6 sk_protocol was a bitfield next to sk_type (commit bf9765145b85). */
struct sock___old {
	unsigned int __sk_flags_offset[0];
	unsigned int sk_padding : 1, sk_kern_sock : 1, sk_no_check_tx : 1, sk_no_check_rx : 1,
		sk_userlocks : 4, sk_protocol : 8, sk_type : 16;
} __attribute__((preserve_access_index));

static __always_inline __u16 sk_protocol(const struct sock *sk, bool btf)
{
	/* a plain __u16 loads with a 48-bit right shift; the old 8-bit field, 56 */
	if (__builtin_preserve_field_info(sk->sk_protocol, BPF_FIELD_RSHIFT_U64) == 48)
		return sk_rd(btf, sk, sk_protocol);
	return BPF_CORE_READ_BITFIELD_PROBED((const struct sock___old *)sk, sk_protocol);
}

/*
 * A netns's inode number shares a cache line with its reference count, which
 * every socket's creation and release changes: in a storm, reading it missed
 * the cache on most state changes (12% of the state hook's samples). Each CPU
 * remembers the last netns it read, named by the low half of its cookie
 * (never reused; on a line written once), in one word that one store
 * changes: a run that interrupts another's update reads either whole.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64); /* (__u32)net_cookie << 32 | ns.inum; 0: none */
} net_memo SEC(".maps");

/* btf: a typed net pointer, whose net_cookie is a plain __u64 (5.14+) */
static __always_inline __u32 net_inum(const struct net *net, bool btf)
{
	__u64 *memo, cookie, word;
	__u32 zero = 0, inum;

	if (!net)
		return 0;
	if (!btf || !bpf_core_field_exists(net->net_cookie) ||
	    bpf_core_field_size(net->net_cookie) != sizeof(__u64))
		return sk_rd(btf, net, ns.inum);
	memo = bpf_map_lookup_elem(&net_memo, &zero);
	cookie = (__u32)net->net_cookie;
	if (!memo || !cookie)
		return net->ns.inum;
	word = *memo;
	if (word >> 32 == cookie)
		return (__u32)word;
	inum = net->ns.inum;
	*memo = cookie << 32 | inum;
	return inum;
}

/*
 * The tuple fields that sock_common holds, which every kind of socket starts
 * with (full, timewait, request): all but the protocol and the netns, which
 * is behind a pointer (a copy of sock_common on the stack reads with plain
 * loads, but its net pointer is raw).
 */
static __always_inline void skc_tuple(struct st_tuple *t, const struct sock_common *skc, bool btf)
{
	__u16 family = sk_rd(btf, skc, skc_family);

	t->family = family;
	t->sport = sk_rd(btf, skc, skc_num);
	t->dport = bpf_ntohs(sk_rd(btf, skc, skc_dport));
	/* the scope of a link-local address; a request sock's ir_iif, a
	 * timewait sock's tw_bound_dev_if */
	t->bound_dev_if = sk_rd(btf, skc, skc_bound_dev_if);
	if (family == AF_INET6) {
		if (btf) {
			__builtin_memcpy(t->saddr, &skc->skc_v6_rcv_saddr, 16);
			__builtin_memcpy(t->daddr, &skc->skc_v6_daddr, 16);
		} else {
			BPF_CORE_READ_INTO((struct in6_addr *)t->saddr, skc, skc_v6_rcv_saddr);
			BPF_CORE_READ_INTO((struct in6_addr *)t->daddr, skc, skc_v6_daddr);
		}
	} else {
		/* the rest of each address is zero, as is the padding below: a
		 * ring record starts with what an older record left in its
		 * place, and userspace compares and hashes whole tuples */
		__builtin_memset(t->saddr + 4, 0, ST_ADDR_LEN - 4);
		__builtin_memset(t->daddr + 4, 0, ST_ADDR_LEN - 4);
		if (btf) {
			__builtin_memcpy(t->saddr, &skc->skc_rcv_saddr, 4);
			__builtin_memcpy(t->daddr, &skc->skc_daddr, 4);
		} else {
			BPF_CORE_READ_INTO((__be32 *)t->saddr, skc, skc_rcv_saddr);
			BPF_CORE_READ_INTO((__be32 *)t->daddr, skc, skc_daddr);
		}
	}
	__builtin_memset(t->pad, 0, sizeof(t->pad));
	if (btf)
		t->flags = (BPF_CORE_READ_BITFIELD(skc, skc_reuse) ? ST_SK_REUSEADDR : 0) |
			   (BPF_CORE_READ_BITFIELD(skc, skc_reuseport) ? ST_SK_REUSEPORT : 0) |
			   (BPF_CORE_READ_BITFIELD(skc, skc_ipv6only) ? ST_SK_V6ONLY : 0);
	else
		t->flags =
			(BPF_CORE_READ_BITFIELD_PROBED(skc, skc_reuse) ? ST_SK_REUSEADDR : 0) |
			(BPF_CORE_READ_BITFIELD_PROBED(skc, skc_reuseport) ? ST_SK_REUSEPORT : 0) |
			(BPF_CORE_READ_BITFIELD_PROBED(skc, skc_ipv6only) ? ST_SK_V6ONLY : 0);
}

/* The whole tuple of a sock. */
static __always_inline void sk_tuple(struct st_tuple *t, const struct sock *sk, bool btf)
{
	const struct sock_common *skc = &sk->__sk_common;

	skc_tuple(t, skc, btf);
	t->protocol = sk_protocol(sk, btf);
	t->netns = net_inum(sk_rd(btf, skc, skc_net.net), btf);
}

/*
 * The MPTCP socket a TCP subflow belongs to, or 0. A subflow is a TCP socket
 * with tcp_sock.is_mptcp set (5.6+, CONFIG_MPTCP; the field is missing
 * without it), whose ULP data is its mptcp_subflow_context; the context's
 * conn is the MPTCP socket (a passive subflow's is set once its MPTCP socket
 * is made, after its first transition). One probed read for a subflow.
 */
static __always_inline __u64 mptcp_parent(const struct tcp_sock *tp, bool btf)
{
	const struct mptcp_subflow_context *ctx;

	if (!bpf_core_field_exists(struct tcp_sock, is_mptcp) || !tp || !sk_rd(btf, tp, is_mptcp))
		return 0;
	ctx = sk_rd(btf, tp, inet_conn.icsk_ulp_data);
	return ctx ? (__u64)(long)BPF_CORE_READ(ctx, conn) : 0;
}

/*
 * Whether a TCP sock (raw pointer) is a subflow of an MPTCP connection: the
 * MPTCP socket's own calls run the inet_* functions on it (bind, listen and
 * connect on 6.1, accept everywhere), and so does the path manager's worker
 * for a subflow it adds.
 */
static __always_inline bool tcp_is_subflow(const struct sock *sk)
{
	return bpf_core_field_exists(struct tcp_sock, is_mptcp) && sk &&
	       BPF_CORE_READ((const struct tcp_sock *)sk, is_mptcp);
}

/*
 * An MPTCP listener's accept queue and backlog are its listening subflow's
 * (mptcp_sock.first): mptcp_listen() leaves the MPTCP socket's own at 0.
 * sk is a raw pointer.
 */
static __always_inline const struct sock *mptcp_first(const struct sock *sk)
{
	if (!bpf_core_field_exists(struct mptcp_sock, first))
		return NULL;
	return BPF_CORE_READ((const struct mptcp_sock *)sk, first);
}

/*
 * A copy of a sock's sock_common, made with one probed read: the tuple,
 * state, cookie and bound device are all in it, and reading them one probed
 * read each cost a dozen helper calls per call record. Large enough for
 * every kernel we know (136 bytes on 6.1 and 6.18); skc_copy() says no to a
 * larger one, and the caller reads field by field.
 */
#define SKC_COPY_MAX 192

struct skc_copy {
	__u8 b[SKC_COPY_MAX];
};

static __always_inline const struct sock_common *skc_copy(struct skc_copy *c, const struct sock *sk)
{
	__u32 size = bpf_core_type_size(struct sock_common);

	if (size > sizeof(c->b) || bpf_probe_read_kernel(c->b, size, sk))
		return NULL;
	return (const void *)c->b;
}

/*
 * The calling task's file for fd, or NULL. The task's own pointers are read
 * with plain loads through its BTF pointer (each probed read is a helper
 * call, and this runs on every call), with probed reads before 5.11; the fd
 * array's slot needs one.
 */
static __always_inline struct file *fd_file(int fd)
{
	struct file **fds, *file = NULL;
	struct fdtable *fdt;

	/* the typed task (plain loads) came in 5.11; the kernel's own list of
	 * helpers says, and the verifier never walks the branch it lacks */
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf)) {
		struct task_struct *task = bpf_get_current_task_btf();
		struct files_struct *files = task->files;

		fdt = files ? files->fdt : NULL;
		if (!fdt || fd < 0 || (unsigned int)fd >= fdt->max_fds)
			return NULL;
		fds = fdt->fd;
	} else {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();

		fdt = BPF_CORE_READ(task, files, fdt);
		if (!fdt || fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
			return NULL;
		fds = BPF_CORE_READ(fdt, fd);
	}
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

/*
 * The sock behind a raw file pointer, or NULL if the file is not a socket.
 * btf: through bpf_rdonly_cast() and plain loads (four probed reads less,
 * about 45 ns each here); the sock returned is then a read-only BTF pointer.
 */
static __always_inline struct sock *file_sock(struct file *file, bool btf)
{
	struct socket *sock;

	if (!file)
		return NULL;
	if (btf) {
		file = btf_cast(file, struct file);
		if (!file || !file->f_inode || (file->f_inode->i_mode & ST_S_IFMT) != ST_S_IFSOCK)
			return NULL;
		sock = btf_cast(file->private_data, struct socket);
		return sock ? sock->sk : NULL;
	}
	if ((BPF_CORE_READ(file, f_inode, i_mode) & ST_S_IFMT) != ST_S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

/* The sock behind the calling task's fd, or NULL if the fd is not a socket. */
static __always_inline struct sock *fd_sock(int fd, bool btf)
{
	return file_sock(fd_file(fd), btf);
}

#endif
