/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one way socktrace speaks on stderr: every error, warning and -v note is
 * a single line "socktrace: TEXT". TEXT often quotes what others chose (an
 * option's argument, a path, libbpf's or the kernel's words), so the line is
 * escaped as comm is (escape.h): nothing in it can start a second line or
 * reach the terminal as a control sequence.
 */
#ifndef SOCKTRACE_WARN_H
#define SOCKTRACE_WARN_H

/* Text longer than this (after formatting) is cut short, never split. */
#define WARN_TEXT_MAX 1024

/* Print "socktrace: " and the formatted text as one escaped line. */
void warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* As warnf(), followed by ": " and strerror(@err); @err is an errno of either sign. */
void warnf_errno(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
