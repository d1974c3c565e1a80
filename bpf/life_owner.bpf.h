/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What life's state hook (life.bpf.h) and the call hooks share: the mode,
 * the connection's story and where it is kept, and the owners accept() names.
 * With socket storage the syscall hooks, classic tracepoints that may not
 * touch it, leave the accepting task in an LRU hash by sock address for the
 * connection's next transition to take; with the hash map by sock address
 * they write the connection's entry themselves.
 */
#ifndef SOCKTRACE_LIFE_OWNER_BPF_H
#define SOCKTRACE_LIFE_OWNER_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "socktrace_abi.h"

/*
 * Set by the loader for `socktrace life`: each connection is kept in the
 * kernel, and TCP binds, connects and accepts send no record. The same name
 * in every object that has the call hooks.
 */
const volatile __u8 life_kernel = ST_LIFE_OFF; /* enum st_life_mode */

/*
 * The kernel's own flags, in life_flags above enum st_life_flags: a byte
 * of their own made the storage 128 bytes, and the kernel's element 200,
 * which takes a 256-byte allocation; at 120 it takes a 192-byte one.
 */
enum life_kflags {
	LIFE_K_LIVE = 1 << 5,	  /* a connection under way: transitions are kept here */
	LIFE_K_LISTENER = 1 << 6, /* a listener's: its owner, for children to clone */
	LIFE_K_ACCEPTED = 1 << 7, /* accept() named its owner */
	LIFE_K_ALL = LIFE_K_LIVE | LIFE_K_LISTENER | LIFE_K_ACCEPTED,
};
_Static_assert(!(LIFE_K_ALL & ST_LIFE_FLAGS_ALL), "life_kflags overlap st_life_flags");

/*
 * A connection's story so far: 120 bytes a socket. With socket storage the
 * kernel adds 72 bytes of element header: at most 120 keeps the element in
 * kmalloc's 192-byte class (slabinfo's kmalloc-cg-192).
 */
struct life_sk {
	__u64 first_ns;
	__u64 path;
	__u64 mptcp_parent;
	struct st_tuple t;
	char owner_comm[ST_COMM_LEN];
	char origin_comm[ST_COMM_LEN];
	__u32 owner_pid;
	__u32 origin_pid;
	__u8 owner_src;
	__u8 origin_src;
	__u8 path_len;
	__u8 life_flags; /* enum st_life_flags, and enum life_kflags */
};
_Static_assert(sizeof(struct life_sk) <= 120, "struct life_sk grew past kmalloc-192");

/*
 * With the hash allocated at run time and the tp_btf state hook, the loader
 * takes the programs that keep ended entries (state.bpf.h, keep): an entry
 * stays at its connection's end, dead, and the next connection at that
 * address takes it over. A delete and an insert a connection were a third of
 * the state hook's time: the kernel's allocator frees on one CPU and
 * allocates on the other, and refills its per-CPU caches through a self-IPI.
 * life_gc (life.bpf.h) collects the entries of addresses no socket took
 * again; this is how long a dead entry waits for its address.
 */
const volatile __u64 life_gc_age_ns = 0;

/*
 * A dead entry's first_ns is the time its connection ended, and this once
 * life_gc has claimed it: the connection that takes it over and life_gc both
 * change first_ns by compare-and-swap, so that only one of them gets it.
 */
#define LIFE_GONE_NS (~0ull)

/*
 * LIFE_HASH: the connections under way by sock address, each entry deleted at
 * its end (or left dead, above); a full map leaves a connection to the table.
 * Preallocated here: before 6.1 the kernel warns about a tracing program
 * that allocates at run time, which the map's mere presence in a program is
 * enough for; the loader sets BPF_F_NO_PREALLOC where the kernel has its BPF
 * allocator, and sizes the map (one entry unless ST_LIFE_HASH). Shared with
 * syscalls_cast.bpf.c.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, struct life_sk);
} life_hash SEC(".maps");

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
