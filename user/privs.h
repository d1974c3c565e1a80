/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What socktrace needs from the kernel's privilege model. */
#ifndef SOCKTRACE_PRIVS_H
#define SOCKTRACE_PRIVS_H

#include <stddef.h>

/*
 * Check the effective capabilities for loading and attaching tracing
 * programs: CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN, which older kernels
 * require and which covers both). Returns 0, or -EPERM after writing the
 * names of the missing ones into buf.
 */
int privs_check(char *buf, size_t len);

/* Whether the effective set holds cap (CAP_NET_ADMIN: cgroup programs). */
int privs_have(int cap);

/*
 * Once everything is loaded and attached, keep only what later snapshots use:
 * CAP_SYS_ADMIN (setns() into other network namespaces) and CAP_SYS_PTRACE
 * (other users' /proc/PID/ns), where they were held; drop every other
 * capability, CAP_BPF and CAP_PERFMON included, and forbid regaining any.
 * Returns 0 or -errno.
 */
int privs_drop_after_attach(void);

#endif
