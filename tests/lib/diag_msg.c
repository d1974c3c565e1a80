// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "diag_msg.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>

static void *put(struct diag_buf *d, size_t n)
{
	void *p;

	if (NLMSG_ALIGN(n) > sizeof(d->b) - d->len)
		return NULL;
	p = d->b + d->len;
	memset(p, 0, NLMSG_ALIGN(n));
	d->len += NLMSG_ALIGN(n);
	return p;
}

static struct nlmsghdr *header(struct diag_buf *d, uint32_t seq, uint16_t type, size_t payload)
{
	struct nlmsghdr *h = put(d, NLMSG_HDRLEN + payload);

	if (h) {
		h->nlmsg_len = (uint32_t)(NLMSG_HDRLEN + payload);
		h->nlmsg_type = type;
		h->nlmsg_flags = NLM_F_MULTI;
		h->nlmsg_seq = seq;
	}
	return h;
}

static void attr(struct diag_buf *d, struct nlmsghdr *h, uint16_t type, const void *v, size_t n)
{
	struct rtattr *a = put(d, RTA_LENGTH(n));

	if (!a)
		return;
	a->rta_type = type;
	a->rta_len = (uint16_t)RTA_LENGTH(n);
	memcpy(RTA_DATA(a), v, n);
	h->nlmsg_len = (uint32_t)(d->b + d->len - (unsigned char *)h);
}

void *diag_put_sock(struct diag_buf *d, uint32_t seq, const struct diag_sock *s)
{
	struct nlmsghdr *h = header(d, seq, SOCK_DIAG_BY_FAMILY, sizeof(struct inet_diag_msg));
	struct inet_diag_msg *m;
	size_t alen = s->family == AF_INET6 ? 16 : 4;

	if (!h)
		return NULL;
	m = NLMSG_DATA(h);
	m->idiag_family = s->family;
	m->idiag_state = s->state;
	m->idiag_timer = s->timer;
	m->id.idiag_sport = htons(s->sport);
	m->id.idiag_dport = htons(s->dport);
	memcpy(m->id.idiag_src, s->src, alen);
	memcpy(m->id.idiag_dst, s->dst, alen);
	m->id.idiag_cookie[0] = (uint32_t)s->cookie;
	m->id.idiag_cookie[1] = (uint32_t)(s->cookie >> 32);
	m->idiag_expires = s->expires_ms;
	m->idiag_rqueue = s->rqueue;
	m->idiag_wqueue = s->wqueue;
	m->idiag_uid = s->uid;
	m->idiag_inode = s->ino;
	if (s->full) {
		uint32_t mem[SK_MEMINFO_VARS] = {[SK_MEMINFO_DROPS] = s->drops};
		uint8_t shut = 0, v6only = s->v6only;

		attr(d, h, INET_DIAG_SHUTDOWN, &shut, 1);
		attr(d, h, INET_DIAG_SKMEMINFO, mem, sizeof(mem));
		if (s->family == AF_INET6)
			attr(d, h, INET_DIAG_SKV6ONLY, &v6only, 1);
	}
	return h;
}

void *diag_put_done(struct diag_buf *d, uint32_t seq)
{
	return header(d, seq, NLMSG_DONE, sizeof(int));
}

void *diag_put_error(struct diag_buf *d, uint32_t seq, int err)
{
	struct nlmsghdr *h = header(d, seq, NLMSG_ERROR, sizeof(struct nlmsgerr));

	if (h)
		((struct nlmsgerr *)NLMSG_DATA(h))->error = err;
	return h;
}
