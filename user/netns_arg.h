/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * --netns: which network namespace a user means. An inode number (as
 * `ls -iL /proc/PID/ns/net` and table -e's Netns column give it), a name
 * from `ip netns` (/run/netns/NAME), or a path to a namespace file
 * (/proc/PID/ns/net, a container runtime's bind mount).
 */
#ifndef SOCKTRACE_NETNS_ARG_H
#define SOCKTRACE_NETNS_ARG_H

#include <stddef.h>
#include <stdint.h>

/*
 * The namespace's inode in *ino, or -1 with one line (without the option's
 * name) in err: a number no namespace can have, a name or path that is
 * missing or not a network namespace.
 */
int netns_arg_parse(const char *s, uint32_t *ino, char *err, size_t errlen);

#endif
