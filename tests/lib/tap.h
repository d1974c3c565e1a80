/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Minimal TAP producer for socktrace's C tests. */
#ifndef SOCKTRACE_TAP_H
#define SOCKTRACE_TAP_H
#include <stdio.h>
#include <stdarg.h>

extern int tap_n, tap_failed;

/* ok(cond, fmt, ...): one test point. Returns cond so callers can bail out. */
int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
void tap_skip(const char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the plan and return the exit status: 0 when nothing failed. */
int tap_done(void);
#define is_int(got, want, ...)                                                                     \
	({                                                                                         \
		long long _g = (got), _w = (want);                                                 \
		int _r = ok(_g == _w, __VA_ARGS__);                                                \
		if (!_r)                                                                           \
			tap_diag("  got %lld, want %lld", _g, _w);                                 \
		_r;                                                                                \
	})
#define is_str(got, want, ...)                                                                     \
	({                                                                                         \
		const char *_g = (got), *_w = (want);                                              \
		int _r = ok(_g && _w && strcmp(_g, _w) == 0, __VA_ARGS__);                         \
		if (!_r)                                                                           \
			tap_diag("  got \"%s\", want \"%s\"", _g ? _g : "(null)",                  \
				 _w ? _w : "(null)");                                              \
		_r;                                                                                \
	})
#endif
