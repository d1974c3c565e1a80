/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What this kernel offers socktrace: each kind of hook loaded and attached
 * alone, the ring buffer, kernel BTF, and the hooks and snapshot sources that
 * socktrace itself would pick. The features command (view_features.c) shows it.
 */
#ifndef SOCKTRACE_KERNEL_FEATURES_H
#define SOCKTRACE_KERNEL_FEATURES_H

#include <stdbool.h>
#include <sys/utsname.h>

#include "options.h"

/* The kinds of hook tried one by one (bpf/probe.bpf.c has a program for each). */
enum kf_probe {
	KF_FENTRY,
	KF_KPROBE,
	KF_TP_BTF,
	KF_TRACEPOINT,
	KF_ITER,
	KF_CGROUP,
	KF_PROBES,
};

struct kf_probe_result {
	const char *name; /* "fentry", ...; the program is probe_<name> */
	bool ok;
	char why[96]; /* the step that failed and its error, when !ok */
};

struct kernel_features {
	struct utsname uts;
	const char *btf; /* the kernel's own BTF file, or NULL */
	bool ringbuf;
	struct kf_probe_result probes[KF_PROBES];
	/* The hooks loader_open() picks under --hooks and --state-hook. state is
	 * NULL when no set loads: socktrace cannot run here. */
	const char *state, *calls, *sock_from_fd, *syn_port;
	/* the syscall hooks' arguments: "task_regs" or "saved_at_entry"; else NULL */
	const char *call_args;
	/* what reports MPTCP's bind, listen and connect (loader_mptcp_hook()) */
	const char *mptcp;
	/* why a better choice was refused, with the verifier's reason; "" if none */
	char state_why[200], calls_why[200], seed_why[200], mptcp_why[200];
	/* life: connections kept in the kernel (one record per end), or if not,
	 * why they go through the table ("" when the hooks did not load) */
	const char *life_kernel; /* "sk_storage", "hash"; NULL: the table */
	uint32_t life_capacity;	 /* connections the hash holds; 0: socket storage */
	char life_why[256];
	bool cgroup;
	char cgroup_why[128]; /* why the cgroup hooks are missing, if they are */
	/* Where --seed finds existing sockets and holders; NULL if it cannot. */
	const char *seed_sockets, *seed_holders, *seed_unix;
	/* What reports a UNIX socket's release ("fentry", "kprobe",
	 * "close_syscall"); NULL when the UNIX hooks cannot load (the calls come
	 * from the syscall exits when they do). */
	const char *unix_close;
	bool unix_calls;
	const char *unix_call_args;
};

/* Fill @kf by trying everything on the running kernel (needs the privileges
 * that tracing does). What cannot be had is recorded, never fatal. */
void kernel_features_probe(struct kernel_features *kf, const struct options *o);

#endif
