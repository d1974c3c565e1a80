// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "capture_file.h"

#include <stdio.h>
#include <string.h>

#include "capture.h"

#define REC_MAX 4096 /* larger than any record type */

long capture_each(const char *path, void (*fn)(const void *rec, uint32_t len, void *ctx), void *ctx)
{
	/* 8-aligned, as the ring buffer and the capture keep records */
	static uint64_t rec[REC_MAX / 8];
	char head[CAPTURE_HEAD];
	uint32_t len, zero;
	long n = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	if (fread(head, sizeof(head), 1, f) != 1 ||
	    memcmp(head, CAPTURE_MAGIC, strlen(CAPTURE_MAGIC))) {
		fclose(f);
		return -1;
	}
	while (fread(&len, 4, 1, f) == 1 && fread(&zero, 4, 1, f) == 1 && len <= REC_MAX) {
		if (fread(rec, (len + 7) & ~7u, 1, f) != 1)
			break;
		fn(rec, len, ctx);
		n++;
	}
	fclose(f);
	return n;
}
