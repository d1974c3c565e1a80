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
/* The same at a cursor (sbuf.h). */
/* eight groups of four and seven colons; "::ffff:" and a quad, whose copy
 * of its last octet writes up to 16 bytes (one past the text) */
#define CUR_ADDR_MAX 45
char *cur_addr(char *p, uint16_t family, const uint8_t addr[16]);

/* Append "addr:port", IPv6 in brackets ("[::1]:80"). */
void sb_put_endpoint(struct sbuf *sb, uint16_t family, const uint8_t addr[16], uint16_t port);
#define CUR_ENDPOINT_MAX (CUR_ADDR_MAX + 8) /* brackets, ':' and five digits */
char *cur_endpoint(char *p, uint16_t family, const uint8_t addr[16], uint16_t port);

#endif
