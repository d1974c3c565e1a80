// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static const char hexdig[] = "0123456789abcdef";

static void put_quad(struct sbuf *sb, const uint8_t *a)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (i)
			sb_putc(sb, '.');
		sb_put_u64(sb, a[i]);
	}
}

/* One group, lower case, without leading zeros (RFC 5952 4.1, 4.3). */
static void put_group(struct sbuf *sb, unsigned int g)
{
	char tmp[4];
	int n = 0, shift;

	for (shift = 12; shift >= 0; shift -= 4) {
		unsigned int d = (g >> shift) & 15;

		if (d || n || !shift)
			tmp[n++] = hexdig[d];
	}
	sb_putn(sb, tmp, (size_t)n);
}

static int is_v4mapped(const uint8_t *a)
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

static void put_ip6(struct sbuf *sb, const uint8_t *a)
{
	unsigned int g[8];
	int i, run = 0, best = -1, best_len = 1;

	if (is_v4mapped(a)) {
		sb_puts(sb, "::ffff:");
		put_quad(sb, a + 12);
		return;
	}
	for (i = 0; i < 8; i++)
		g[i] = (unsigned int)a[2 * i] << 8 | a[2 * i + 1];
	/*
	 * RFC 5952 4.2: compress the longest run of two or more zero groups,
	 * the first one on a tie (hence '>' and best_len starting at 1).
	 */
	for (i = 0; i < 8; i++) {
		run = g[i] ? 0 : run + 1;
		if (run > best_len) {
			best_len = run;
			best = i - run + 1;
		}
	}
	for (i = 0; i < 8; i++) {
		if (i == best) {
			sb_putn(sb, "::", 2);
			i += best_len - 1;
			continue;
		}
		if (i && i != best + best_len)
			sb_putc(sb, ':');
		put_group(sb, g[i]);
	}
}

void sb_put_addr(struct sbuf *sb, uint16_t family, const uint8_t addr[16])
{
	if (family == AF_INET)
		put_quad(sb, addr);
	else if (family == AF_INET6)
		put_ip6(sb, addr);
	else
		sb_putc(sb, '?');
}

void sb_put_endpoint(struct sbuf *sb, uint16_t family, const uint8_t addr[16], uint16_t port)
{
	if (family == AF_INET6) {
		sb_putc(sb, '[');
		put_ip6(sb, addr);
		sb_putc(sb, ']');
	} else {
		sb_put_addr(sb, family, addr);
	}
	sb_putc(sb, ':');
	sb_put_u64(sb, port);
}
