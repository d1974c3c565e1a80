// SPDX-License-Identifier: GPL-2.0
/*
 * The syscall exit hooks (hooks_syscalls.bpf.h) reading sockets through
 * bpf_rdonly_cast() (6.2+): plain loads instead of a helper call per field,
 * about 300 ns less per call here. A separate object, so that the main one
 * names no kfunc (see fd_to_sock_btf()); it writes into the main object's
 * ring buffer (the loader shares the map). Loaded with the syscall family
 * where the kernel takes it; the probed exits in trace.bpf.c otherwise.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "socktrace_abi.h"
#include "sock_read.h"

char LICENSE[] SEC("license") = "GPL";

#define SYSCALL_HOOKS_CAST
#include "record.bpf.h"
#include "calls.bpf.h"
#include "hooks_syscalls.bpf.h"
