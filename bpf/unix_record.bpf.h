/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A UNIX record in the ring buffer, and the close() hook's test for a UNIX
 * socket's last reference: shared by unix.bpf.c and unix_close_cast.bpf.c
 * (the same hook through bpf_rdonly_cast(), 6.2+).
 */
#ifndef SOCKTRACE_UNIX_RECORD_BPF_H
#define SOCKTRACE_UNIX_RECORD_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "socktrace_abi.h"
#include "record.bpf.h"
#include "sock_read.bpf.h"
#include "unix_read.bpf.h"

/* Before 6.13 a file's count was f_count, a plain atomic (commit 90ee6ed776c0
 * "fs: port files to file_ref"); file_ref_t counts one reference as 0. */
struct file___old {
	atomic_long_t f_count;
} __attribute__((preserve_access_index));

static __always_inline bool file_last_ref(struct file *file, bool btf)
{
	if (bpf_core_field_exists(file->f_ref))
		return sk_rd(btf, file, f_ref.refcnt.counter) == 0;
	return sk_rd(btf, (struct file___old *)file, f_count.counter) == 1;
}

/* A record about sk, reserved and filled but for the call's fields; NULL if none. */
static __always_inline struct st_unix_rec *unix_rec(const struct sock *sk, __u8 event, __u8 source)
{
	struct st_unix_rec *r = reserve(sizeof(*r));

	if (!r)
		return NULL;
	__builtin_memset(r, 0, sizeof(*r));
	hdr_init(&r->hdr, ST_REC_UNIX, sizeof(*r));
	unix_fill(r, sk);
	if (filter_netns && r->netns != filter_netns) {
		bpf_ringbuf_discard(r, BPF_RB_NO_WAKEUP);
		return NULL;
	}
	r->event = event;
	r->source = source;
	r->fd = -1;
	fill_task(&r->task, TASK_BTF);
	return r;
}

static __always_inline void released(const struct sock *sk, __u8 source)
{
	struct st_unix_rec *r = unix_rec(sk, ST_UNIX_CLOSE, source);

	if (r)
		submit(r);
}

/* the sun_family in front of sun_path */
#define SUN_PATH_OFF 2

/* The path in the caller's sockaddr_un (len bytes of it). */
static __always_inline void user_path(struct st_unix_rec *r, __u64 addr, int len)
{
	__u64 n;

	r->path_len = 0;
	len -= SUN_PATH_OFF;
	if (!addr || len <= 0)
		return;
	n = len < ST_UNIX_PATH_LEN ? len : ST_UNIX_PATH_LEN;
	/* the verifier must see the bound on the very register passed */
	asm volatile("%[n] &= 0x7f" : [n] "+r"(n));
	if (n <= ST_UNIX_PATH_LEN &&
	    !bpf_probe_read_user(r->path, n, (const void *)(addr + SUN_PATH_OFF)))
		r->path_len = n;
}

static __always_inline struct pt_regs *user_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

/*
 * A bind, listen, connect or accept that returned ret on UNIX socket sk (for
 * accept, the new one), at a syscall exit, with the call's arguments: fd,
 * the caller's sockaddr (addr, alen) and listen's backlog. The paths of bind
 * and connect come from the caller's sockaddr: a failed call's path exists
 * nowhere else, and a connect's names the server.
 */
static __always_inline void unix_call_record(const struct sock *sk, long ret, __u8 event, int fd,
					     __u64 addr, int alen, int backlog)
{
	struct st_unix_rec *r = unix_rec(sk, event, ST_UNIX_SRC_SYSCALL);

	if (!r)
		return;
	r->ret = ret;
	r->fd = fd;
	if (event == ST_UNIX_CONNECT || (event == ST_UNIX_BIND && ret))
		user_path(r, addr, alen);
	else if (event == ST_UNIX_LISTEN)
		r->arg = backlog;
	submit(r);
}

/*
 * close(fd), on every close() of the system: leave after the fd's file and
 * its inode mode unless it is a socket, then unless it is UNIX and this is
 * the file's last reference. btf: the reads are loads through
 * bpf_rdonly_cast() (the object defines ST_RDONLY_CAST), not helper calls.
 */
static __always_inline int unix_close(int fd, bool btf)
{
	struct file *file = fd_file(fd);
	struct sock *sk = file_sock(file, btf);

	if (!sk || sk_rd(btf, sk, __sk_common.skc_family) != AF_UNIX)
		return 0;
	if (!file_last_ref(btf ? btf_cast(file, struct file) : file, btf))
		return 0;
	released(sk, ST_UNIX_SRC_CLOSE);
	return 0;
}

#endif
