// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "record_route.h"

#include "socktrace_abi.h"
#include "table.h"
#include "unix_table.h"

bool record_route(struct table *tb, struct unix_table *ut, const void *data, __u32 type)
{
	if (st_rec_is_call(type)) {
		table_apply_call(tb, data);
		return true;
	}
	switch (type) {
	case ST_REC_STATE:
		table_apply_state(tb, data);
		return true;
	case ST_REC_UNIX:
		if (ut)
			unix_table_apply(ut, data);
		return true;
	case ST_REC_LIFE:
		table_apply_life(tb, data);
		return true;
	default:
		return false;
	}
}

void record_ahead(const struct table *tb, const void *data, size_t len)
{
	const struct st_hdr *h = data;

	if (len < sizeof(*h))
		return;
	if (h->type == ST_REC_STATE && len >= sizeof(struct st_state_rec))
		table_ahead_state(tb, data);
	else if (st_rec_is_call(h->type) && len >= sizeof(struct st_call_rec))
		table_ahead_call(tb, data);
}
