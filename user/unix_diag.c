// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "unix_diag.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include "socktrace_abi.h"

static void read_attrs(struct st_unix_rec *r, const char *p, size_t len)
{
	size_t off = 0, plen;
	unsigned short type;
	const void *v;

	while (sock_diag_next_attr(p, len, &off, &type, &v, &plen)) {
		switch (type) {
		case UNIX_DIAG_NAME:
			/* sun_path's bytes, as many as the address has */
			r->path_len = plen < ST_UNIX_PATH_LEN ? plen : ST_UNIX_PATH_LEN;
			memcpy(r->path, v, r->path_len);
			break;
		case UNIX_DIAG_PEER:
			if (plen >= sizeof(__u32))
				r->peer_ino = *(const __u32 *)v;
			break;
		case UNIX_DIAG_RQLEN:
			if (plen >= sizeof(struct unix_diag_rqlen)) {
				const struct unix_diag_rqlen *q = v;

				r->rx_queue = q->udiag_rqueue;
				r->tx_queue = q->udiag_wqueue;
			}
			break;
		case UNIX_DIAG_UID:
			if (plen >= sizeof(__u32))
				r->uid = *(const __u32 *)v;
			break;
		}
	}
}

void unix_diag_one(struct diag_dump *d, const void *msg, size_t len)
{
	const struct unix_diag_msg *m = msg;
	struct st_unix_rec r;

	if (len < sizeof(*m) || m->udiag_family != AF_UNIX)
		return;
	memset(&r, 0, sizeof(r));
	r.hdr.type = ST_REC_UNIX;
	r.hdr.size = sizeof(r);
	r.hdr.ts_ns = d->ts_ns;
	r.ino = m->udiag_ino;
	r.netns = d->netns;
	r.type = m->udiag_type;
	r.fd = -1;
	r.event = ST_UNIX_SOCK;
	r.source = ST_UNIX_SRC_DIAG;
	if (m->udiag_state == ST_TCP_LISTEN)
		r.flags = ST_UNIX_ACC;
	/* as unix_seq_show(): a sock without a socket has inode 0 here */
	if (r.ino)
		r.state =
			m->udiag_state == ST_TCP_ESTABLISHED ? ST_SS_CONNECTED : ST_SS_UNCONNECTED;
	else
		r.state = m->udiag_state == ST_TCP_ESTABLISHED ? ST_SS_CONNECTING
							       : ST_SS_DISCONNECTING;
	if (len > NLMSG_ALIGN(sizeof(*m)))
		read_attrs(&r, (const char *)m + NLMSG_ALIGN(sizeof(*m)),
			   len - NLMSG_ALIGN(sizeof(*m)));
	d->records++;
	d->fn(d->ctx, &r, sizeof(r));
}

int unix_diag_read(struct diag_dump *d)
{
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req req;
	} msg;
	unsigned int before = d->records;
	char *buf;
	int fd = sock_diag_open(&buf), err;

	if (fd < 0)
		return fd;
	memset(&msg, 0, sizeof(msg));
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.req.sdiag_family = AF_UNIX;
	msg.req.udiag_states = ~0u;
	msg.req.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN | UDIAG_SHOW_UID;
	d->one = unix_diag_one;
	err = sock_diag_exchange(fd, d, &msg.nlh, buf, SOCK_DIAG_BUF);
	close(fd);
	free(buf);
	return err ? err : (int)(d->records - before);
}
