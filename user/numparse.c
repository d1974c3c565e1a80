// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "numparse.h"

#include <errno.h>
#include <stddef.h>

#define NSEC_PER_SEC 1000000000ULL

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Accumulate the @n digits at @s. Malformed input has already been rejected,
 * so the only failure left is overflow.
 */
static int digits_value(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned int d = (unsigned int)(s[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Number of leading digits of @s. */
static size_t digit_span(const char *s)
{
	size_t n = 0;

	while (is_digit(s[n]))
		n++;
	return n;
}

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;
	size_t n;
	int err;

	if (!s)
		return -EINVAL;
	n = digit_span(s);
	/* Shape first: "99999999999999999999x" is malformed, not too large. */
	if (!n || s[n])
		return -EINVAL;
	err = digits_value(s, n, &v);
	if (err)
		return err;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_port(const char *s, uint16_t *out)
{
	uint64_t v;
	int err;

	err = parse_u64(s, 1, 65535, &v);
	if (err)
		return err;
	*out = (uint16_t)v;
	return 0;
}

int parse_seconds(const char *s, double min, double max, uint64_t *out_ns)
{
	uint64_t sec, frac = 0, ns;
	size_t n, fn = 0, i;
	double val;
	int err;

	if (!s)
		return -EINVAL;
	n = digit_span(s);
	if (!n)
		return -EINVAL;
	if (s[n] == '.') {
		fn = digit_span(s + n + 1);
		if (!fn || s[n + 1 + fn])
			return -EINVAL;
	} else if (s[n]) {
		return -EINVAL;
	}
	err = digits_value(s, n, &sec);
	if (err)
		return err;
	/* Exact integer nanoseconds: "0.1" must not become 99999999. */
	for (i = 0; i < 9; i++)
		frac = frac * 10 + (i < fn ? (uint64_t)(s[n + 1 + i] - '0') : 0);
	if (sec > (UINT64_MAX - frac) / NSEC_PER_SEC)
		return -ERANGE;
	ns = sec * NSEC_PER_SEC + frac;
	/*
	 * Below 2^53 ns (104 days) ns / 1e9 is one correctly rounded division, so
	 * it is the double a literal with up to nine decimals gives: "0.1" meets
	 * a bound of 0.1 exactly.
	 */
	val = (double)ns / 1e9;
	if (!(val >= min && val <= max))
		return -ERANGE;
	*out_ns = ns;
	return 0;
}

int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned int shift = 0;
	uint64_t v;
	size_t n;
	int err;

	if (!s)
		return -EINVAL;
	n = digit_span(s);
	if (!n)
		return -EINVAL;
	switch (s[n]) {
	case '\0':
		break;
	case 'K':
	case 'k':
		shift = 10;
		break;
	case 'M':
	case 'm':
		shift = 20;
		break;
	case 'G':
	case 'g':
		shift = 30;
		break;
	default:
		return -EINVAL;
	}
	if (shift && s[n + 1])
		return -EINVAL;
	err = digits_value(s, n, &v);
	if (err)
		return err;
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	v <<= shift;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}
