// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static const char hexdig[] = "0123456789abcdef";

/*
 * Each octet's digits and a dot, 4 bytes copied whole, then the cursor moved
 * by their length: an address is four table reads, not four conversions (a
 * tenth of life's line was number formatting).
 */
struct octet_text {
	char s[4];
	uint8_t len;
};

static struct octet_text octets[256];

__attribute__((constructor)) static void octets_init(void)
{
	unsigned int i;
	char *p;

	for (i = 0; i < 256; i++) {
		p = cur_u64(octets[i].s, i);
		*p++ = '.';
		octets[i].len = (uint8_t)(p - octets[i].s);
	}
}

static char *cur_quad(char *p, const uint8_t *a)
{
	unsigned int i;

	for (i = 0; i < 4; i++) {
		memcpy(p, octets[a[i]].s, 4);
		p += octets[a[i]].len;
	}
	/* the last octet's dot goes */
	return p - 1;
}

/* One group, lower case, without leading zeros (RFC 5952 4.1, 4.3). */
static char *cur_group(char *p, unsigned int g)
{
	int n = 0, shift;

	for (shift = 12; shift >= 0; shift -= 4) {
		unsigned int d = (g >> shift) & 15;

		if (d || n || !shift)
			p[n++] = hexdig[d];
	}
	return p + n;
}

static int is_v4mapped(const uint8_t *a)
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

static char *cur_ip6(char *p, const uint8_t *a)
{
	unsigned int g[8];
	int i, run = 0, best = -1, best_len = 1;

	if (is_v4mapped(a))
		return cur_quad(cur_puts(p, "::ffff:"), a + 12);
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
			p = cur_putn(p, "::", 2);
			i += best_len - 1;
			continue;
		}
		if (i && i != best + best_len)
			*p++ = ':';
		p = cur_group(p, g[i]);
	}
	return p;
}

char *cur_addr(char *p, uint16_t family, const uint8_t addr[16])
{
	if (family == AF_INET)
		return cur_quad(p, addr);
	if (family == AF_INET6)
		return cur_ip6(p, addr);
	return cur_putc(p, '?');
}

void sb_put_addr(struct sbuf *sb, uint16_t family, const uint8_t addr[16])
{
	SB_VIA_CUR(sb, CUR_ADDR_MAX, cur_addr(p, family, addr));
}

char *cur_endpoint(char *p, uint16_t family, const uint8_t addr[16], uint16_t port)
{
	if (family == AF_INET6) {
		*p++ = '[';
		p = cur_ip6(p, addr);
		*p++ = ']';
	} else {
		p = cur_addr(p, family, addr);
	}
	*p++ = ':';
	return cur_u64(p, port);
}

void sb_put_endpoint(struct sbuf *sb, uint16_t family, const uint8_t addr[16], uint16_t port)
{
	SB_VIA_CUR(sb, CUR_ENDPOINT_MAX, cur_endpoint(p, family, addr, port));
}
