/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * --btf names the kernel's BTF for kernels that do not publish it. A file
 * that is no such thing must be reported as the problem it is, at once: left
 * to the loader it surfaced as "cannot load or attach any set of hooks (load:
 * Unknown error 4001)".
 */
#ifndef SOCKTRACE_BTF_FILE_H
#define SOCKTRACE_BTF_FILE_H

#include <stddef.h>

/* 0 if @path holds a kernel's BTF (raw or in an ELF file); else -1 and why, in @why. */
int btf_file_check(const char *path, char *why, size_t len);

#endif
