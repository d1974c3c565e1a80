/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Names of TCP states, protocols and address families, as netstat prints them. */
#ifndef SOCKTRACE_STATES_H
#define SOCKTRACE_STATES_H

#include <stdint.h>

/* netstat's name of TCP state @state (enum st_tcp_state), or NULL if out of range. */
const char *tcp_state_name(unsigned int state);

/*
 * The state number named @name, case-insensitively, in netstat ("FIN_WAIT1")
 * or ss ("fin-wait-1", "estab") spelling; -EINVAL for anything else.
 */
int tcp_state_parse(const char *name);

/*
 * netstat's protocol column: "tcp", "udp6", ...; NULL for an unknown protocol
 * or family. @protocol is 16 bits wide because IPPROTO_MPTCP is 262.
 */
const char *proto_name(uint16_t protocol, uint16_t family);

/* "ipv4" or "ipv6", NULL for other families. */
const char *family_name(uint16_t family);

#endif
