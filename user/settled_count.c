// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "settled_count.h"

uint64_t settled_count_update(struct settled_count *c, uint64_t raw)
{
	uint64_t agreed = raw < c->last_raw ? raw : c->last_raw;

	c->last_raw = raw;
	if (agreed > c->value)
		c->value = agreed;
	return c->value;
}
