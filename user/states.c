// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "states.h"

#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <strings.h>
#include <sys/socket.h>

#include <linux/types.h>
#include "socktrace_abi.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

static const char *const state_names[] = {
	[ST_TCP_ESTABLISHED] = "ESTABLISHED",
	[ST_TCP_SYN_SENT] = "SYN_SENT",
	[ST_TCP_SYN_RECV] = "SYN_RECV",
	[ST_TCP_FIN_WAIT1] = "FIN_WAIT1",
	[ST_TCP_FIN_WAIT2] = "FIN_WAIT2",
	[ST_TCP_TIME_WAIT] = "TIME_WAIT",
	[ST_TCP_CLOSE] = "CLOSE",
	[ST_TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[ST_TCP_LAST_ACK] = "LAST_ACK",
	[ST_TCP_LISTEN] = "LISTEN",
	[ST_TCP_CLOSING] = "CLOSING",
	[ST_TCP_NEW_SYN_RECV] = "NEW_SYN_RECV",
};

_Static_assert(sizeof(state_names) / sizeof(state_names[0]) == ST_TCP_MAX_STATE + 1,
	       "a name for every TCP state");

/* ss's spellings, both its column and its filter words. */
static const struct {
	const char *name;
	int state;
} state_aliases[] = {
	{"ESTAB", ST_TCP_ESTABLISHED},
	{"SYN-SENT", ST_TCP_SYN_SENT},
	{"SYN-RECV", ST_TCP_SYN_RECV},
	{"FIN-WAIT-1", ST_TCP_FIN_WAIT1},
	{"FIN-WAIT-2", ST_TCP_FIN_WAIT2},
	{"TIME-WAIT", ST_TCP_TIME_WAIT},
	{"CLOSED", ST_TCP_CLOSE},
	{"CLOSE-WAIT", ST_TCP_CLOSE_WAIT},
	{"LAST-ACK", ST_TCP_LAST_ACK},
	{"LISTENING", ST_TCP_LISTEN},
	{"NEW-SYN-RECV", ST_TCP_NEW_SYN_RECV},
};

const char *tcp_state_name(unsigned int state)
{
	if (state < ST_TCP_ESTABLISHED || state > ST_TCP_MAX_STATE)
		return NULL;
	return state_names[state];
}

int tcp_state_parse(const char *name)
{
	size_t i;
	int st;

	if (!name)
		return -EINVAL;
	for (st = ST_TCP_ESTABLISHED; st <= ST_TCP_MAX_STATE; st++)
		if (!strcasecmp(name, state_names[st]))
			return st;
	for (i = 0; i < sizeof(state_aliases) / sizeof(state_aliases[0]); i++)
		if (!strcasecmp(name, state_aliases[i].name))
			return state_aliases[i].state;
	return -EINVAL;
}

const char *proto_name(uint16_t protocol, uint16_t family)
{
	int v6;

	if (family != AF_INET && family != AF_INET6)
		return NULL;
	v6 = family == AF_INET6;
	switch (protocol) {
	case IPPROTO_TCP:
		return v6 ? "tcp6" : "tcp";
	case IPPROTO_UDP:
		return v6 ? "udp6" : "udp";
	case IPPROTO_DCCP:
		return v6 ? "dccp6" : "dccp";
	case IPPROTO_SCTP:
		return v6 ? "sctp6" : "sctp";
	case IPPROTO_MPTCP:
		return v6 ? "mptcp6" : "mptcp";
	default:
		return NULL;
	}
}

const char *family_name(uint16_t family)
{
	if (family == AF_INET)
		return "ipv4";
	if (family == AF_INET6)
		return "ipv6";
	return NULL;
}
