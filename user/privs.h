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

#endif
