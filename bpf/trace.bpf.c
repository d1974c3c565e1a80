// SPDX-License-Identifier: GPL-2.0
/*
 * socktrace's live hooks. Thin and stateless: each hook copies what the kernel
 * knows at that instant into one ring buffer record; userspace (user/table.c)
 * owns identity, ownership and the tuple that is carried forward.
 *
 * The loader (user/loader.c) keeps one state hook and one call-hook family
 * and turns autoload off for the rest:
 *   state:  tp_btf/inet_sock_set_state (+ its rescue twin), else the
 *           classic tracepoint                                  state.bpf.h
 *   calls:  fentry/fexit, else kprobe/kretprobe, else syscall tracepoints,
 *           one handler each                                     calls.bpf.h
 *           (the syscall exits of syscalls_cast.bpf.c instead, where the
 *           kernel has bpf_rdonly_cast())
 *   cgroup: cookies at socket creation, UDP releases             hooks_cgroup.bpf.h
 *   with tp_btf: a SYN_SENT socket's port at its SYN's retransmission
 *                                                                syn_port.bpf.h
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "state.bpf.h"
#include "hooks_fentry.bpf.h"
#include "hooks_kprobe.bpf.h"
#include "hooks_syscalls.bpf.h"
#include "hooks_cgroup.bpf.h"
#include "syn_port.bpf.h"

char LICENSE[] SEC("license") = "GPL";
