/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Whether the socket iterators serve --seed on this kernel. 5.10 has
 * iter/tcp and iter/udp, but its tracing programs cannot ask for a socket
 * cookie (5.12): there --seed auto reads sockets through sock_diag and
 * holders through /proc, and --seed iter must refuse.
 */
#ifndef SOCKTRACE_TEST_SEED_ITER_H
#define SOCKTRACE_TEST_SEED_ITER_H

#include <stdbool.h>

/* features --json says sockets come from the iterators (asked once). */
bool seed_iter_usable(void);

/*
 * Where they are not: `socktrace table --seed iter` in netns (a number, or
 * NULL) exits 1 with one line naming --seed iter. One TAP check.
 */
void check_seed_iter_refused(const char *netns);

#endif
