/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every hook shares: load-time settings, the ring buffer, loss
 * counters, and filling the parts of a record that do not depend on the hook.
 */
#ifndef SOCKTRACE_RECORD_BPF_H
#define SOCKTRACE_RECORD_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "socktrace_abi.h"

/* Load-time settings, set by the loader before load. 0 means "any". */
const volatile __u16 filter_family = 0;
const volatile __u32 filter_netns = 0;
/* TCP only (watch -t): no record of a UDP socket's calls */
const volatile bool filter_no_udp = false;
/* Submit without a wake-up until this much is pending: a wake-up per event
 * costs more than the event; userspace also polls on a short timeout. */
const volatile __u32 wakeup_bytes = 0;
/*
 * Set by userspace while it sleeps in poll: the bytes pending in a ring that
 * wake it. wakeup_bytes while records come, where it also wakes every poll
 * timeout; 1, the first record, when it sleeps long for want of them.
 * Without it every record submitted past the mark forced a wake-up until
 * userspace had drained the ring: an irq_work self-IPI each (an APIC write,
 * which traps in a VM), about 17 % of a storm's records. Now the first
 * record past the mark takes it and wakes; the rest go quietly. A wake-up
 * missed in a race costs at most one poll timeout: poll itself returns at
 * once while records are pending.
 */
__u32 consumer_waiting;

/*
 * A ring buffer for each CPU (a few CPUs share one on large machines): with
 * one ring for all, every reservation moved the ring's lock and producer
 * position between the CPUs, 410 ns a record here against 200 with a ring of
 * the CPU's own (an empty program: 110). The loader makes the rings and puts
 * one in each CPU's slot; userspace merges them by time (user/rings.h).
 */
struct cpu_ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22); /* set by the loader before load */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1); /* the possible CPUs, set by the loader */
	__type(key, __u32);
	__array(values, struct cpu_ring);
} rings SEC(".maps");

struct st_counters counters;

/* This CPU's ring: a program runs on one CPU from start to end. */
static __always_inline void *cpu_ring(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&rings, &cpu);
}

static __always_inline void *reserve(__u32 size)
{
	void *ring = cpu_ring(), *rec = NULL;

	if (ring)
		rec = bpf_ringbuf_reserve(ring, size, 0);
	if (!rec)
		__sync_fetch_and_add(&counters.rb_full, 1);
	return rec;
}

/* A record made on the stack, copied into this CPU's ring. */
static __always_inline void output(void *rec, __u32 size, __u64 flags)
{
	void *ring = cpu_ring();

	if (!ring || bpf_ringbuf_output(ring, rec, size, flags))
		__sync_fetch_and_add(&counters.rb_full, 1);
}

static __always_inline void submit(void *rec)
{
	__u64 flags = 0;

	if (wakeup_bytes) {
		__u32 mark = consumer_waiting;

		flags = BPF_RB_NO_WAKEUP;
		/* two CPUs may both take the mark: one wake-up too many, no harm */
		if (mark) {
			void *ring = cpu_ring();

			if (ring && bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) >= mark) {
				consumer_waiting = 0;
				flags = BPF_RB_FORCE_WAKEUP;
			}
		}
	}
	bpf_ringbuf_submit(rec, flags);
}

/*
 * The task running the hook: its process (tgid) and the process's name, the
 * group leader's comm, which netstat, ss and the table show beside that PID
 * (a thread's own name, from prctl(PR_SET_NAME), is not the program's, and
 * --comm PROGRAM would miss its threads). btf (programs with BTF access to
 * the task, such as tp_btf): plain loads instead of bpf_get_current_comm(), a
 * helper call and a strscpy that cost 50-90 ns a run here, ten runs per
 * connection. The kernel keeps comm NUL-padded; a rename racing with the
 * copy can tear it, as it can the helper's.
 */
static __always_inline void fill_task(struct st_task *task, bool btf)
{
	__u64 id = bpf_get_current_pid_tgid();

	task->tgid = id >> 32;
	task->tid = (__u32)id;
	if (btf) {
		struct task_struct *t = bpf_get_current_task_btf();

		__builtin_memcpy(task->comm, t->group_leader->comm, sizeof(task->comm));
	} else {
		struct task_struct *t = (struct task_struct *)bpf_get_current_task();
		struct task_struct *leader = BPF_CORE_READ(t, group_leader);

		if (!leader || bpf_core_read(task->comm, sizeof(task->comm), &leader->comm))
			bpf_get_current_comm(task->comm, sizeof(task->comm));
	}
}

/*
 * fill_task() for cgroup programs, which may call neither
 * bpf_get_current_task() nor bpf_probe_read_kernel(): the thread's own name,
 * the one place a record carries it (a UDP socket's release).
 */
static __always_inline void fill_task_cgroup(struct st_task *task)
{
	__u64 id = bpf_get_current_pid_tgid();

	task->tgid = id >> 32;
	task->tid = (__u32)id;
	bpf_get_current_comm(task->comm, sizeof(task->comm));
}

/*
 * fill_task()'s btf for the call hooks (kprobe, tracepoint and tracing
 * programs, not cgroup ones): the typed task from 5.11, which the kernel's
 * own list of helpers tells; the verifier never walks the branch it lacks.
 */
#define TASK_BTF bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf)

/* Whether the filters let tuple t through. */
static __always_inline bool tuple_wanted(const struct st_tuple *t)
{
	return !(filter_family && t->family != filter_family) &&
	       !(filter_netns && t->netns != filter_netns) &&
	       !(filter_no_udp && t->protocol == ST_IPPROTO_UDP);
}

/* Whether the filters let tuple t through; if not, the record is discarded. */
static __always_inline bool wanted(void *rec, const struct st_tuple *t)
{
	if (!tuple_wanted(t)) {
		bpf_ringbuf_discard(rec, BPF_RB_NO_WAKEUP);
		return false;
	}
	return true;
}

static __always_inline void hdr_init(struct st_hdr *h, __u32 type, __u32 size)
{
	h->type = type;
	h->size = size;
	h->ts_ns = bpf_ktime_get_ns();
}

#endif
