// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "zone.h"

#include <net/if.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "addr.h"

/* The network namespace names are looked up in: socktrace's own. */
static uint64_t own_netns(void)
{
	static uint64_t ino;
	static bool known;
	struct stat st;

	if (!known) {
		known = true;
		if (stat("/proc/self/ns/net", &st) == 0)
			ino = st.st_ino;
	}
	return ino;
}

/* A name fit for text and JSON alike: no escaping needed, nothing to misread. */
static bool plain_name(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.' || *s == '@'))
			return false;
	return true;
}

static bool has_zone(const struct st_tuple *t, bool local)
{
	const uint8_t *a = local ? t->saddr : t->daddr;

	/* fe80::/10 */
	return t->family == AF_INET6 && t->bound_dev_if && a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

char *cur_zone(char *p, const struct st_tuple *t, bool local)
{
	char name[IF_NAMESIZE];

	if (!has_zone(t, local))
		return p;
	*p++ = '%';
	/* an index means another device in another namespace */
	if (t->netns && t->netns == own_netns() && if_indextoname(t->bound_dev_if, name) &&
	    plain_name(name))
		return cur_puts(p, name);
	return cur_u64(p, t->bound_dev_if);
}

void sb_put_zone(struct sbuf *sb, const struct st_tuple *t, bool local)
{
	SB_VIA_CUR(sb, CUR_ZONE_MAX, cur_zone(p, t, local));
}

char *cur_endpoint_zoned(char *p, const struct st_tuple *t, bool local)
{
	const uint8_t *a = local ? t->saddr : t->daddr;
	uint16_t port = local ? t->sport : t->dport;

	if (!has_zone(t, local))
		return cur_endpoint(p, t->family, a, port);
	*p++ = '[';
	p = cur_addr(p, t->family, a);
	p = cur_zone(p, t, local);
	p = cur_putn(p, "]:", 2);
	return cur_u64(p, port);
}

void sb_put_endpoint_zoned(struct sbuf *sb, const struct st_tuple *t, bool local)
{
	SB_VIA_CUR(sb, CUR_ENDPOINT_ZONED_MAX, cur_endpoint_zoned(p, t, local));
}
