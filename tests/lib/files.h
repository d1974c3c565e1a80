/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Whole files for the tests: a tracer's output, its stderr. */
#ifndef SOCKTRACE_TEST_FILES_H
#define SOCKTRACE_TEST_FILES_H

#include <stddef.h>

/*
 * The whole of path, NUL-terminated, malloc'd (the caller frees); its length
 * in *len when len is not NULL. NULL with errno set when it cannot be read.
 */
char *read_text_file(const char *path, size_t *len);
/* The full path of program name in the usual bin directories (out, len bytes): 0, or -1. */
int find_program(const char *name, char *out, size_t len);

#endif
