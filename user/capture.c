// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "capture.h"

#include <errno.h>
#include <stdlib.h>

#include "warn.h"

int capture_open(FILE **out, int64_t mono_to_real_ns)
{
	const char *path = getenv(CAPTURE_ENV);

	*out = NULL;
	if (!path || !*path)
		return 0;
	*out = fopen(path, "we");
	if (!*out) {
		warnf_errno(errno, "%s=%s", CAPTURE_ENV, path);
		return -1;
	}
	if (fwrite(CAPTURE_MAGIC, 1, sizeof(CAPTURE_MAGIC) - 1, *out) !=
		    sizeof(CAPTURE_MAGIC) - 1 ||
	    fwrite(&mono_to_real_ns, sizeof(mono_to_real_ns), 1, *out) != 1) {
		warnf_errno(errno, "%s=%s", CAPTURE_ENV, path);
		fclose(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

void capture_record(FILE *f, const void *data, size_t len)
{
	static const char pad[8];
	uint32_t head[2] = {(uint32_t)len, 0};

	/* a short write shows as the stream's error at capture_close() */
	fwrite(head, sizeof(head), 1, f);
	fwrite(data, 1, len, f);
	fwrite(pad, 1, (8 - len % 8) % 8, f);
}

int capture_close(FILE *f)
{
	int err;

	if (!f)
		return 0;
	err = ferror(f) ? EIO : 0;
	if (fclose(f) && !err)
		err = errno;
	if (err) {
		warnf_errno(err, "%s: the capture is incomplete", CAPTURE_ENV);
		return -1;
	}
	return 0;
}
