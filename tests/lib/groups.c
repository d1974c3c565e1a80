// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "groups.h"

#include <string.h>

const struct json_obj *group_report(const struct json_lines *jl, long long lport, int final)
{
	const struct json_obj *last = NULL;
	size_t i;

	for (i = 0; i < jl->n; i++) {
		int f = 0;

		if (!json_str_is(jl->objs[i], "event", "reuseport") ||
		    !json_int_is(jl->objs[i], "lport", lport))
			continue;
		json_bool(jl->objs[i], "final", &f);
		if (!final || f)
			last = jl->objs[i];
	}
	return last;
}

const struct json_obj *elem_with_pid(const struct json_obj *o, const char *key, long long pid)
{
	size_t i, n = json_array_len(o, key);

	for (i = 0; i < n; i++) {
		const struct json_obj *e = json_array_obj(o, key, i);

		if (json_int_is(e, "pid", pid))
			return e;
	}
	return NULL;
}

long long group_acceptor_total(const struct json_obj *g)
{
	size_t i, k;
	long long sum = 0, v;

	for (i = 0; i < json_array_len(g, "listeners"); i++) {
		const struct json_obj *l = json_array_obj(g, "listeners", i);

		for (k = 0; k < json_array_len(l, "acceptors"); k++)
			if (json_int(json_array_obj(l, "acceptors", k), "accepted", &v) == 0)
				sum += v;
	}
	return sum;
}
