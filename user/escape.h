/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Escaping of text that a process controls (comm, cmdline). A process can
 * name itself "\x1b]0;evil\x07", so nothing it chose reaches a terminal or a
 * JSON consumer unescaped.
 */
#ifndef SOCKTRACE_ESCAPE_H
#define SOCKTRACE_ESCAPE_H

#include <stddef.h>

#include "sbuf.h"

/*
 * Append at most @maxlen bytes of @s, stopping at a NUL, for a terminal.
 * Printable ASCII and well-formed UTF-8 pass; '\' becomes "\\"; control
 * bytes, DEL, malformed UTF-8 and the code points that move or hide text
 * (C1 controls, U+2028/U+2029, bidi overrides and isolates) become "\xNN"
 * per byte.
 */
void sb_put_text_escaped(struct sbuf *sb, const char *s, size_t maxlen);

/*
 * Append a complete JSON string literal (quotes included) made of at most
 * @maxlen bytes of @s, stopping at a NUL. The result is valid JSON and valid
 * UTF-8: each malformed byte becomes \u00XX, its Latin-1 code point.
 */
void sb_put_json_string(struct sbuf *sb, const char *s, size_t maxlen);

/*
 * Append the NUL-separated arguments of a /proc/PID/cmdline read (@len bytes,
 * trailing NUL optional) joined by single spaces, each escaped as in
 * sb_put_text_escaped().
 */
void sb_put_cmdline_text(struct sbuf *sb, const char *buf, size_t len);

/* As sb_put_cmdline_text(), but as one JSON string literal. */
void sb_put_cmdline_json(struct sbuf *sb, const char *buf, size_t len);
/*
 * A UNIX socket path of exactly @len bytes as netstat shows it ("@name" for
 * an abstract one), escaped as in sb_put_text_escaped(), NULs included
 * ("\x00"); and as a JSON string literal ("\u0000").
 */
void sb_put_unix_path_text(struct sbuf *sb, const char *path, size_t len);
void sb_put_unix_path_json(struct sbuf *sb, const char *path, size_t len);

#endif
