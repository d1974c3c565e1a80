/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Strict number parsing for command-line flags. Unlike strtoul, nothing is
 * skipped or guessed: no sign, no whitespace, no base prefix, no trailing
 * junk, and overflow is an error rather than a clamp.
 */
#ifndef SOCKTRACE_NUMPARSE_H
#define SOCKTRACE_NUMPARSE_H

#include <stdint.h>

/*
 * Parse the decimal integer @s into @out. Returns 0, -EINVAL when @s is not
 * one or more digits, or -ERANGE when it overflows or is outside [min, max].
 * @out is written only on success.
 */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Parse a port number, 1..65535 (0 is -ERANGE). */
int parse_port(const char *s, uint16_t *out);

/*
 * Parse a duration in seconds, "5" or "2.25" (digits, optionally a '.' and
 * more digits), into nanoseconds; digits past the ninth decimal are dropped.
 * Exponents, signs, "nan", "inf" and units are -EINVAL; a value outside
 * [min, max] seconds is -ERANGE.
 */
int parse_seconds(const char *s, double min, double max, uint64_t *out_ns);

/*
 * Parse a size: a decimal integer with an optional K, M or G suffix (either
 * case, powers of 1024). -EINVAL when malformed, -ERANGE on overflow or
 * outside [min, max].
 */
int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
