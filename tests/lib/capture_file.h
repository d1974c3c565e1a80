/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Reading a SOCKTRACE_CAPTURE file (user/capture.h) in tests. */
#ifndef SOCKTRACE_TEST_CAPTURE_FILE_H
#define SOCKTRACE_TEST_CAPTURE_FILE_H

#include <stdint.h>

/*
 * Calls fn for each record of the capture at path, in order, with the record
 * and its length. Returns how many records it read, or -1 if the file cannot
 * be read or is not a capture. A record cut short ends the walk.
 */
long capture_each(const char *path, void (*fn)(const void *rec, uint32_t len, void *ctx),
		  void *ctx);

#endif
