// SPDX-License-Identifier: GPL-2.0
/*
 * The syscall exit hooks (hooks_syscalls.bpf.h) reading sockets through
 * bpf_rdonly_cast() (6.2+): plain loads instead of a helper call per field,
 * about 300 ns less per call here. A separate object, so that the main one
 * names no kfunc (see btf_cast() in sock_read.bpf.h); it writes into the main object's
 * ring buffer (the loader shares the map). Loaded with the syscall family
 * where the kernel takes it; the probed exits in trace.bpf.c otherwise.
 */
#define ST_RDONLY_CAST /* before any header: sock_read.bpf.h names the kfunc */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "hooks_syscalls.bpf.h"

char LICENSE[] SEC("license") = "GPL";
