// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "addr_literal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

int parse_addr(const char *s, uint16_t *family, uint8_t addr[16])
{
	char tmp[INET6_ADDRSTRLEN];
	uint8_t a[16] = {0};
	size_t n;

	if (!s)
		return -EINVAL;
	n = strlen(s);
	if (n && s[0] == '[') {
		if (n < 3 || s[n - 1] != ']' || n - 2 >= sizeof(tmp))
			return -EINVAL;
		memcpy(tmp, s + 1, n - 2);
		tmp[n - 2] = '\0';
		/* Brackets only make sense around IPv6: "[1.2.3.4]" is refused. */
		if (inet_pton(AF_INET6, tmp, a) != 1)
			return -EINVAL;
		*family = AF_INET6;
	} else if (inet_pton(AF_INET, s, a) == 1) {
		*family = AF_INET;
	} else if (inet_pton(AF_INET6, s, a) == 1) {
		*family = AF_INET6;
	} else {
		return -EINVAL;
	}
	memcpy(addr, a, sizeof(a));
	return 0;
}
