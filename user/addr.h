/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Address text for the views. Addresses are 16 bytes in network order, IPv4
 * in the first four, as the ABI carries them.
 */
#ifndef SOCKTRACE_ADDR_H
#define SOCKTRACE_ADDR_H

#include <stdint.h>

#include "sbuf.h"

/*
 * Append @addr as text: AF_INET as a dotted quad, AF_INET6 as RFC 5952
 * (IPv4-mapped as "::ffff:1.2.3.4", as netstat and ss show them). An unknown
 * family appends "?".
 */
void sb_put_addr(struct sbuf *sb, uint16_t family, const uint8_t addr[16]);

/*
 * Append "addr:port", IPv6 in brackets ("[::1]:80"). With @star_wildcard, an
 * all-zero address and a zero port each print as "*" ("*:80", "*:*").
 */
void sb_put_endpoint(struct sbuf *sb, uint16_t family, const uint8_t addr[16], uint16_t port,
		     int star_wildcard);

/*
 * Parse an IPv4 or IPv6 literal (IPv6 optionally in brackets) into @family
 * and @addr (zero-filled past IPv4). Returns 0 or -EINVAL; the outputs are
 * written only on success.
 */
int parse_addr(const char *s, uint16_t *family, uint8_t addr[16]);

/* Non-zero when @addr is the wildcard address of @family; 0 for unknown families. */
int addr_is_any(uint16_t family, const uint8_t addr[16]);

#endif
