/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What /proc says about a process. */
#ifndef SOCKTRACE_PROC_H
#define SOCKTRACE_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The raw command line of pid (NUL-separated arguments) into buf; returns its
 * length, 0 for a kernel thread or a process that is gone. Never trusted as
 * text: the views escape it. *cut (if not NULL) says whether there was more
 * than cap bytes.
 */
size_t proc_cmdline(uint32_t pid, char *buf, size_t cap, bool *cut);

/* The parent of pid, 0 when it is gone or unreadable. */
uint32_t proc_ppid(uint32_t pid);

#endif
