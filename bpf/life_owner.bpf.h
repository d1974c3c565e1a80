/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the call hooks tell the life path (life.bpf.h) instead of sending
 * records: the process accept() gave a connection to. The syscall hooks are
 * classic tracepoints, which may not touch socket storage, so they leave it
 * here, by sock address, for the connection's next transition to take.
 */
#ifndef SOCKTRACE_LIFE_OWNER_BPF_H
#define SOCKTRACE_LIFE_OWNER_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "socktrace_abi.h"

/*
 * Set by the loader for `socktrace life` where the state hook keeps each
 * connection in socket storage (tp_btf): TCP connects and accepts then send
 * no record. The same name in every object that has the call hooks.
 */
const volatile bool life_kernel = false;

struct life_accept {
	__u64 cookie; /* the connection's at accept(), to tell a reused address */
	struct st_task task;
};

/*
 * LRU: an accept() of a connection that already ended leaves an entry that no
 * transition takes. Shared with syscalls_cast.bpf.c by the loader.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct life_accept);
} life_accepts SEC(".maps");

#endif
