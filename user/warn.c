// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "warn.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "sbuf.h"

#define PREFIX "socktrace: "

static void warn_line(int err, const char *fmt, va_list ap)
{
	char text[WARN_TEXT_MAX];
	/* escaping makes at most four bytes of one, and the newline must fit */
	char line[sizeof(PREFIX) + 4 * WARN_TEXT_MAX + 1];
	struct sbuf sb;
	int n;

	n = vsnprintf(text, sizeof(text), fmt, ap);
	if (n < 0)
		text[0] = '\0';
	if (err) {
		size_t len = strlen(text);

		snprintf(text + len, sizeof(text) - len, ": %s", strerror(err < 0 ? -err : err));
	}
	sb_init(&sb, line, sizeof(line));
	sb_puts(&sb, PREFIX);
	sb_put_text_escaped(&sb, text, sizeof(text));
	sb_putc(&sb, '\n');
	/* one write: stderr is unbuffered, and a line must not interleave */
	fwrite(sb.buf, 1, sb.len, stderr);
}

void warnf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	warn_line(0, fmt, ap);
	va_end(ap);
}

void warnf_errno(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	warn_line(err, fmt, ap);
	va_end(ap);
}
