// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "netns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

/* /proc/self is the thread-group leader; a thread that unshared has its own namespace. */
static int open_own_netns(void)
{
	int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

unsigned long netns_current_inode(void)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/net", &st) == 0 || stat("/proc/self/ns/net", &st) == 0)
		return (unsigned long)st.st_ino;
	return 0;
}

static int link_set_up(const char *name)
{
	struct ifreq ifr;
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		err = -errno;
	} else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			err = -errno;
	}
	close(fd);
	return err;
}

long netns_enter_new(void)
{
	unsigned long ino;
	int err;

	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	err = link_set_up("lo");
	if (err)
		return err;
	ino = netns_current_inode();
	return ino ? (long)ino : -ENOENT;
}

int netns_ipv6_ok(void)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	int fd, ok;

	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

int netns_enter_fd(int nsfd)
{
	return setns(nsfd, CLONE_NEWNET) < 0 ? -errno : 0;
}

/* Just enough rtnetlink to build one request in a flat buffer. */
struct nlreq {
	union {
		struct nlmsghdr hdr;
		char buf[1024];
	} u;
};

static void *nl_append(struct nlreq *r, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(r->u.hdr.nlmsg_len);
	char *p = r->u.buf + off;

	/* The requests here are fixed and small; overflowing is a bug in this file. */
	if (off + RTA_ALIGN(len) > sizeof(r->u.buf))
		return NULL;
	memset(p, 0, RTA_ALIGN(len));
	if (data)
		memcpy(p, data, len);
	r->u.hdr.nlmsg_len = (unsigned int)(off + RTA_ALIGN(len));
	return p;
}

static struct rtattr *nl_attr(struct nlreq *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = nl_append(r, NULL, RTA_LENGTH(len));

	if (!a)
		return NULL;
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (data)
		memcpy(RTA_DATA(a), data, len);
	return a;
}

static void nl_nest_end(struct nlreq *r, struct rtattr *a)
{
	a->rta_len = (unsigned short)(r->u.buf + r->u.hdr.nlmsg_len - (char *)a);
}

static void nl_init(struct nlreq *r, unsigned short type, unsigned short flags)
{
	memset(r, 0, sizeof(*r));
	r->u.hdr.nlmsg_len = NLMSG_HDRLEN;
	r->u.hdr.nlmsg_type = type;
	r->u.hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	r->u.hdr.nlmsg_seq = 1;
}

/* Send one request on a fresh socket of the calling thread's namespace; wait for the ack. */
static int nl_talk(struct nlreq *r)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	char ack[1024];
	struct nlmsghdr *h;
	ssize_t n;
	int fd, err = -EIO;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (sendto(fd, r->u.buf, r->u.hdr.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0) {
		err = -errno;
		goto out;
	}
	do
		n = recv(fd, ack, sizeof(ack), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		err = -errno;
		goto out;
	}
	for (h = (struct nlmsghdr *)ack; NLMSG_OK(h, (unsigned int)n); h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == NLMSG_ERROR &&
		    h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
			err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			break;
		}
	}
out:
	close(fd);
	return err;
}

static int veth_add(const char *name, const char *peer, int peer_nsfd)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct rtattr *linkinfo, *data, *peerinfo;
	struct nlreq r;
	int err;

	nl_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	if (!nl_append(&r, &ifi, sizeof(ifi)) || !nl_attr(&r, IFLA_IFNAME, name, strlen(name) + 1))
		return -ENOBUFS;
	linkinfo = nl_attr(&r, IFLA_LINKINFO, NULL, 0);
	if (!linkinfo || !nl_attr(&r, IFLA_INFO_KIND, "veth", 4))
		return -ENOBUFS;
	data = nl_attr(&r, IFLA_INFO_DATA, NULL, 0);
	peerinfo = nl_attr(&r, VETH_INFO_PEER, NULL, 0);
	/* The peer's attributes sit behind an ifinfomsg of their own. */
	if (!data || !peerinfo || !nl_append(&r, &ifi, sizeof(ifi)) ||
	    !nl_attr(&r, IFLA_IFNAME, peer, strlen(peer) + 1) ||
	    !nl_attr(&r, IFLA_NET_NS_FD, &peer_nsfd, sizeof(peer_nsfd)))
		return -ENOBUFS;
	nl_nest_end(&r, peerinfo);
	nl_nest_end(&r, data);
	nl_nest_end(&r, linkinfo);
	err = nl_talk(&r);
	/* No "veth" link kind: the kernel says so with EOPNOTSUPP (or ENOENT on old ones). */
	return err == -ENOENT ? -EOPNOTSUPP : err;
}

static int link_del(int ifindex)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	struct nlreq r;

	nl_init(&r, RTM_DELLINK, 0);
	if (!nl_append(&r, &ifi, sizeof(ifi)))
		return -ENOBUFS;
	return nl_talk(&r);
}

/* An IPv4 or IPv6 address with a prefix length that fits it: 0, or -EINVAL. */
static int parse_prefix(const char *addr, int prefix, unsigned char bin[16], unsigned char *family,
			size_t *alen)
{
	if (inet_pton(AF_INET, addr, bin) == 1) {
		*family = AF_INET;
		*alen = 4;
	} else if (inet_pton(AF_INET6, addr, bin) == 1) {
		*family = AF_INET6;
		*alen = 16;
	} else {
		return -EINVAL;
	}
	return prefix < 0 || (size_t)prefix > *alen * 8 ? -EINVAL : 0;
}

static int addr_add(int ifindex, const char *addr, int prefix)
{
	struct ifaddrmsg ifa = {.ifa_prefixlen = (unsigned char)prefix,
				.ifa_scope = RT_SCOPE_UNIVERSE,
				.ifa_index = (unsigned int)ifindex};
	unsigned char bin[16];
	size_t alen;
	struct nlreq r;

	if (parse_prefix(addr, prefix, bin, &ifa.ifa_family, &alen))
		return -EINVAL;
	/* A tentative address cannot be bound; the test has no duplicate to detect. */
	if (ifa.ifa_family == AF_INET6)
		ifa.ifa_flags = IFA_F_NODAD;
	nl_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	if (!nl_append(&r, &ifa, sizeof(ifa)) || !nl_attr(&r, IFA_LOCAL, bin, alen) ||
	    !nl_attr(&r, IFA_ADDRESS, bin, alen))
		return -ENOBUFS;
	return nl_talk(&r);
}

int netns_blackhole_route(const char *prefix_addr, int prefix)
{
	struct rtmsg rtm = {.rtm_dst_len = (unsigned char)prefix,
			    .rtm_table = RT_TABLE_MAIN,
			    .rtm_protocol = RTPROT_STATIC,
			    .rtm_scope = RT_SCOPE_UNIVERSE,
			    .rtm_type = RTN_BLACKHOLE};
	unsigned char bin[16];
	size_t alen;
	struct nlreq r;

	if (parse_prefix(prefix_addr, prefix, bin, &rtm.rtm_family, &alen))
		return -EINVAL;
	nl_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	if (!nl_append(&r, &rtm, sizeof(rtm)) || !nl_attr(&r, RTA_DST, bin, alen))
		return -ENOBUFS;
	return nl_talk(&r);
}

/* Address the named link of the calling thread's namespace and bring it up. */
static int configure_end(const char *name, const char *addr, int prefix, int *ifindex)
{
	int err;

	*ifindex = (int)if_nametoindex(name);
	if (!*ifindex)
		return -errno;
	err = addr_add(*ifindex, addr, prefix);
	if (err)
		return err;
	return link_set_up(name);
}

int netns_veth_create(struct netns_veth *v, const char *local_addr, const char *peer_addr,
		      int prefix)
{
	static unsigned int seq;
	int orig, err, back;

	memset(v, 0, sizeof(v[0]));
	v->peer_nsfd = -1;
	/* Unique per process and call, and short enough for IFNAMSIZ. */
	snprintf(v->local_if, sizeof(v->local_if), "st%da%u", (int)getpid() % 10000000, seq);
	snprintf(v->peer_if, sizeof(v->peer_if), "st%db%u", (int)getpid() % 10000000, seq);
	seq++;

	orig = open_own_netns();
	if (orig < 0)
		return orig;
	/* Make the peer namespace by stepping into it and back: no helper process to keep alive. */
	if (unshare(CLONE_NEWNET) < 0) {
		err = -errno;
		close(orig);
		return err;
	}
	v->peer_nsfd = open_own_netns();
	v->peer_inode = netns_current_inode();
	err = v->peer_nsfd < 0 ? v->peer_nsfd : link_set_up("lo");
	back = netns_enter_fd(orig);
	if (back) {
		/* Stranded in the wrong namespace: nothing after this would mean anything. */
		close(orig);
		return back;
	}
	if (err)
		goto fail;

	err = veth_add(v->local_if, v->peer_if, v->peer_nsfd);
	if (err)
		goto fail;
	err = configure_end(v->local_if, local_addr, prefix, &v->local_ifindex);
	if (err)
		goto fail_link;
	err = netns_enter_fd(v->peer_nsfd);
	if (err)
		goto fail_link;
	err = configure_end(v->peer_if, peer_addr, prefix, &v->peer_ifindex);
	back = netns_enter_fd(orig);
	if (back) {
		close(orig);
		return back;
	}
	if (err)
		goto fail_link;
	close(orig);
	return 0;

fail_link:
	if (v->local_ifindex || (v->local_ifindex = (int)if_nametoindex(v->local_if)))
		link_del(v->local_ifindex);
fail:
	if (v->peer_nsfd >= 0)
		close(v->peer_nsfd);
	v->peer_nsfd = -1;
	close(orig);
	return err;
}

void netns_veth_destroy(struct netns_veth *v)
{
	int idx = v->local_ifindex;

	/* A struct that never went through netns_veth_create owns nothing (fd 0 is not ours). */
	if (!v->local_if[0])
		return;
	if (!idx)
		idx = (int)if_nametoindex(v->local_if);
	if (idx)
		link_del(idx);
	if (v->peer_nsfd >= 0)
		close(v->peer_nsfd);
	v->peer_nsfd = -1;
	v->local_ifindex = 0;
	v->local_if[0] = '\0';
}
