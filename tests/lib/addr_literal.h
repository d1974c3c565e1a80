/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Address literals for tests: socktrace itself never parses an address. */
#ifndef SOCKTRACE_TEST_ADDR_LITERAL_H
#define SOCKTRACE_TEST_ADDR_LITERAL_H
#include <stdint.h>

/*
 * Parse an IPv4 or IPv6 literal (IPv6 optionally in brackets) into @family
 * and @addr (zero-filled past IPv4). Returns 0 or -EINVAL; the outputs are
 * written only on success.
 */
int parse_addr(const char *s, uint16_t *family, uint8_t addr[16]);

#endif
