/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * stdin, stdout and stderr as socktrace starts. One a parent closed
 * (`socktrace watch >&-`) would be given to the first descriptor socktrace
 * opens (an epoll instance, a BPF map), and the lines or the warnings meant for
 * it would be written there. Each closed one is opened on /dev/null instead,
 * and said so, for the command to decide what its absence means.
 */
#ifndef SOCKTRACE_STD_FDS_H
#define SOCKTRACE_STD_FDS_H

#define STD_FD_BIT(fd) (1u << (fd))

/*
 * Open /dev/null on each of descriptors 0-2 that is closed. Returns the closed
 * ones as STD_FD_BIT()s; call it before anything opens a descriptor.
 */
unsigned int std_fds_fill_closed(void);

#endif
