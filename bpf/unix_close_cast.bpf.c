// SPDX-License-Identifier: GPL-2.0
/*
 * The close() hook of unix.bpf.c through bpf_rdonly_cast() (6.2+): it runs
 * on every close() of the system, and its reads become loads instead of
 * helper calls. An object of its own, writing into the main ring buffer, for
 * the reason syscalls_cast.bpf.c is one: an object that names a kfunc the
 * kernel lacks cannot load without CAP_SYS_ADMIN.
 */
#define ST_RDONLY_CAST
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "socktrace_abi.h"
#include "record.bpf.h"
#include "sock_read.bpf.h"
#include "unix_read.bpf.h"
#include "unix_record.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("tracepoint/syscalls/sys_enter_close")
int unix_close_enter_cast(struct trace_event_raw_sys_enter *ctx)
{
	return unix_close(ctx->args[0], true);
}
