/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A call's arguments, saved per thread by an entry hook for the exit hook to
 * take: the kprobe family (a kretprobe sees only the return value) and the
 * syscall family on kernels without bpf_task_pt_regs() (before 5.15).
 */
#ifndef SOCKTRACE_CALL_ARGS_BPF_H
#define SOCKTRACE_CALL_ARGS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "socktrace_abi.h"
#include "record.bpf.h"

struct call_arg {
	__u64 sk;   /* the sock (the listener, for accept); 0 for the syscall family */
	__u64 addr; /* bind, connect: the sockaddr */
	__s32 fd;   /* the syscall family's fd; -1 where the hook sees none */
	__u32 kind; /* ST_REC_* */
	__s32 alen; /* bind, connect: the sockaddr's length */
	__s32 backlog;
	__u32 nested; /* kprobes: inner calls of the same kind under way (MPTCP's) */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct call_arg);
} calls SEC(".maps");

/*
 * A thread runs one of these calls at a time, so an entry still there when
 * the next call starts is a return the kernel never reported (a kretprobe
 * finds no free instance when more threads than it has sleep in accept() at
 * once) and that no syscall exit rescued: counted as missed, never silent.
 */
static __always_inline int call_save(const struct call_arg *arg)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (!bpf_map_update_elem(&calls, &tid, arg, BPF_NOEXIST))
		return 0;
	if (bpf_map_lookup_elem(&calls, &tid))
		__sync_fetch_and_add(&counters.ret_missed, 1);
	if (bpf_map_update_elem(&calls, &tid, arg, BPF_ANY))
		__sync_fetch_and_add(&counters.map_full, 1);
	return 0;
}

/* The saved arguments of this thread's call of that kind, removed from the map. */
static __always_inline bool call_take(struct call_arg *out, __u32 kind)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call_arg *arg = bpf_map_lookup_elem(&calls, &tid);

	if (!arg || arg->kind != kind)
		return false;
	*out = *arg;
	bpf_map_delete_elem(&calls, &tid);
	return true;
}

#endif
