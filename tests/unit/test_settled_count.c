// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for settled_count: a loss is what two readings in a row agree on. */
#include "tap.h"
#include "settled_count.h"

/* Feed readings; the settled counts after each, written into out. */
static void feed(const uint64_t *raw, int n, uint64_t *out)
{
	struct settled_count c = {0};
	int i;

	for (i = 0; i < n; i++)
		out[i] = settled_count_update(&c, raw[i]);
}

int main(void)
{
	uint64_t out[8];

	/* a skip in flight while the counts are read: one reading says 1 */
	feed((const uint64_t[]){0, 1, 0, 0}, 4, out);
	ok(out[0] == 0 && out[1] == 0 && out[2] == 0 && out[3] == 0,
	   "a loss one reading saw is none (%llu %llu %llu %llu)", (unsigned long long)out[0],
	   (unsigned long long)out[1], (unsigned long long)out[2], (unsigned long long)out[3]);

	/* real losses stay: they count from the second reading that has them */
	feed((const uint64_t[]){0, 2, 2, 5, 5}, 5, out);
	ok(out[1] == 0 && out[2] == 2 && out[3] == 2 && out[4] == 5,
	   "real losses count one reading late (%llu %llu %llu %llu)", (unsigned long long)out[1],
	   (unsigned long long)out[2], (unsigned long long)out[3], (unsigned long long)out[4]);

	/* an overcount on top of real losses is dropped, and nothing goes back */
	feed((const uint64_t[]){3, 3, 4, 3, 3, 2, 2}, 7, out);
	ok(out[1] == 3 && out[2] == 3 && out[3] == 3 && out[4] == 3 && out[6] == 3,
	   "an overcount on real losses is dropped; the count never goes back");

	/* a reading in flight twice in a row is the only way to fool it */
	feed((const uint64_t[]){0, 1, 1}, 3, out);
	is_int(out[2], 1, "two readings that agree are believed");
	return tap_done();
}
