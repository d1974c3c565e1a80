// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sock_diag.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/types.h>

#include "clock.h"
#include "socktrace_abi.h"

/* inet_twsk_diag_fill() marks a timewait socket with timer 3, whatever its substate */
#define DIAG_TIMER_TIMEWAIT 3

bool sock_diag_next_attr(const char *p, size_t len, size_t *off, unsigned short *type,
			 const void **v, size_t *plen)
{
	const struct rtattr *a = (const void *)(p + *off);
	size_t alen;

	if (len - *off < sizeof(struct rtattr))
		return false;
	alen = a->rta_len;
	if (alen < RTA_LENGTH(0) || alen > len - *off)
		return false;
	*type = a->rta_type;
	*v = p + *off + RTA_LENGTH(0);
	*plen = alen - RTA_LENGTH(0);
	*off += RTA_ALIGN(alen) < len - *off ? RTA_ALIGN(alen) : len - *off;
	return true;
}

/* What the attributes after an inet_diag_msg add to its record. */
static void read_attrs(struct st_sock_rec *r, const char *p, size_t len, bool *full)
{
	size_t off = 0, plen;
	unsigned short type;
	const void *v;

	while (sock_diag_next_attr(p, len, &off, &type, &v, &plen)) {
		switch (type) {
		case INET_DIAG_SHUTDOWN:
			/* only full sockets report it: not timewait or request socks */
			*full = true;
			break;
		case INET_DIAG_SKV6ONLY:
			if (plen >= 1 && *(const __u8 *)v)
				r->t.flags |= ST_SK_V6ONLY;
			break;
		case INET_DIAG_SKMEMINFO:
			if (plen >= (SK_MEMINFO_DROPS + 1) * sizeof(__u32) &&
			    r->state == ST_TCP_LISTEN)
				memcpy(&r->drops,
				       (const char *)v + SK_MEMINFO_DROPS * sizeof(__u32),
				       sizeof(r->drops));
			break;
		}
	}
}

static void one_socket(struct diag_dump *d, const struct inet_diag_msg *m, size_t len)
{
	struct st_sock_rec r;
	size_t alen = len > NLMSG_ALIGN(sizeof(*m)) ? len - NLMSG_ALIGN(sizeof(*m)) : 0;
	size_t addr_len = m->idiag_family == AF_INET6 ? 16 : 4;
	bool full = false;

	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6)
		return;
	if (m->idiag_state < ST_TCP_ESTABLISHED || m->idiag_state > ST_TCP_MAX_STATE)
		return;
	memset(&r, 0, sizeof(r));
	r.hdr.type = ST_REC_SOCK;
	r.hdr.size = sizeof(r);
	r.hdr.ts_ns = d->ts_ns;
	/* sock_diag_save_cookie(): low half first */
	r.cookie = (__u64)m->id.idiag_cookie[1] << 32 | m->id.idiag_cookie[0];
	if (r.cookie == ((__u64)INET_DIAG_NOCOOKIE << 32 | INET_DIAG_NOCOOKIE))
		r.cookie = 0;
	r.ino = m->idiag_inode;
	memcpy(r.t.saddr, m->id.idiag_src, addr_len);
	memcpy(r.t.daddr, m->id.idiag_dst, addr_len);
	r.t.netns = d->netns;
	r.t.sport = ntohs(m->id.idiag_sport);
	r.t.dport = ntohs(m->id.idiag_dport);
	r.t.family = m->idiag_family;
	r.t.protocol = d->protocol;
	r.t.bound_dev_if = m->id.idiag_if;
	r.state = m->idiag_state;
	r.uid = m->idiag_uid;
	/* the same meanings as the iterators': LISTEN queue and backlog, else bytes */
	r.rx_queue = m->idiag_rqueue;
	r.tx_queue = m->idiag_wqueue;
	r.rec_flags = ST_SOCK_REUSE_UNKNOWN;
	read_attrs(&r, (const char *)m + NLMSG_ALIGN(sizeof(*m)), alen, &full);
	if (d->protocol == IPPROTO_TCP && !full) {
		if (m->idiag_timer == DIAG_TIMER_TIMEWAIT) {
			r.t.flags = ST_SK_TIMEWAIT;
			/* idiag_expires is in ms */
			r.ttl_jiffies = (__u32)((uint64_t)m->idiag_expires * d->hz / 1000);
			r.rx_queue = r.tx_queue = 0;
		} else if (m->idiag_state == ST_TCP_SYN_RECV) {
			r.t.flags = ST_SK_REQUEST;
		}
	}
	d->records++;
	d->fn(d->ctx, &r, sizeof(r));
}

int sock_diag_parse(struct diag_dump *d, const void *buf, size_t len)
{
	const char *p = buf;
	size_t off = 0;

	while (len - off >= NLMSG_HDRLEN) {
		const struct nlmsghdr *h = (const void *)(p + off);
		size_t mlen = h->nlmsg_len, plen = mlen - NLMSG_HDRLEN;

		/* a datagram holds whole messages: anything else is a broken one */
		if (mlen < NLMSG_HDRLEN || mlen > len - off)
			return -EPROTO;
		off += NLMSG_ALIGN(mlen) < len - off ? NLMSG_ALIGN(mlen) : len - off;
		if (h->nlmsg_seq != d->seq)
			continue;
		if (h->nlmsg_type == NLMSG_DONE)
			return 1;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (plen < sizeof(*e) || e->error >= 0)
				return -EPROTO;
			return e->error;
		}
		if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
			continue;
		if (d->one)
			d->one(d, NLMSG_DATA(h), plen);
		else if (plen >= sizeof(struct inet_diag_msg))
			one_socket(d, NLMSG_DATA(h), plen);
	}
	return off == len ? 0 : -EPROTO;
}

int sock_diag_exchange(int fd, struct diag_dump *d, struct nlmsghdr *req, char *buf, size_t cap)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	ssize_t n;
	int r;

	req->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req->nlmsg_seq = ++d->seq;
	if (sendto(fd, req, req->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	d->ts_ns = mono_now_ns();
	for (;;) {
		n = recv(fd, buf, cap, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPROTO;
		r = sock_diag_parse(d, buf, (size_t)n);
		if (r)
			return r < 0 ? r : 0;
	}
}

static int dump_family(int fd, struct diag_dump *d, uint8_t family, char *buf, size_t cap)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg;

	memset(&msg, 0, sizeof(msg));
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.req.sdiag_family = family;
	msg.req.sdiag_protocol = (__u8)d->protocol;
	/* by default listeners, connections, TIME_WAIT, SYN_RECV */
	msg.req.idiag_states = d->states ? d->states : ~0u;
	msg.req.idiag_ext = 1 << (INET_DIAG_SKMEMINFO - 1);
	return sock_diag_exchange(fd, d, &msg.nlh, buf, cap);
}

int sock_diag_open(char **buf)
{
	int fd;

	*buf = malloc(SOCK_DIAG_BUF);
	if (!*buf)
		return -ENOMEM;
	/* a netlink socket answers for the namespace it was made in */
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		fd = -errno;
		free(*buf);
		*buf = NULL;
	}
	return fd;
}

int sock_diag_read(struct diag_dump *d)
{
	unsigned int before = d->records;
	char *buf;
	int fd = sock_diag_open(&buf), err;

	if (fd < 0)
		return fd;
	err = dump_family(fd, d, AF_INET, buf, SOCK_DIAG_BUF);
	if (!err)
		err = dump_family(fd, d, AF_INET6, buf, SOCK_DIAG_BUF);
	close(fd);
	free(buf);
	return err ? err : (int)(d->records - before);
}
