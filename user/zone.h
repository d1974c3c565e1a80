/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The scope of a link-local IPv6 address: fe80::a means nothing without the
 * link it is on, so it prints as ss prints it, "fe80::a%veth0" (RFC 4007's
 * zone), from the socket's bound device in the kernel's record.
 */
#ifndef SOCKTRACE_ZONE_H
#define SOCKTRACE_ZONE_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>

#include "addr.h"
#include "sbuf.h"
#include "socktrace_abi.h"

/*
 * Append "%ZONE" when the local (@local) or remote address of @t is
 * link-local IPv6 and the socket is bound to a device: the device's name
 * when it is in socktrace's own network namespace and plain (letters,
 * digits, "_-.@"), else its index.
 */
void sb_put_zone(struct sbuf *sb, const struct st_tuple *t, bool local);
/* The same at a cursor (sbuf.h). */
#define CUR_ZONE_MAX 21 /* '%' and a 20-digit index, or a name of 15 */
char *cur_zone(char *p, const struct st_tuple *t, bool local);
/* sb_put_endpoint() of the local or remote end of @t, the zone in the brackets. */
void sb_put_endpoint_zoned(struct sbuf *sb, const struct st_tuple *t, bool local);
#define CUR_ENDPOINT_ZONED_MAX (CUR_ENDPOINT_MAX + CUR_ZONE_MAX)
char *cur_endpoint_zoned(char *p, const struct st_tuple *t, bool local);

#endif
