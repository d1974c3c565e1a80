// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What a ring record will read in the table, fetched while the records
 * before it are handled. After a storm the indexes are megabytes of cells
 * probed at random, each probe a cache miss the record's handling waited
 * for: the TIME_WAIT index's probe alone was 8 % of watch's CPU in a storm.
 */
#include "table_internal.h"

/* inlined: as a function of its own, gcc finds it has no effect (a prefetch
 * changes nothing it can see) and drops every call */
static inline __attribute__((always_inline)) void ahead_key(const struct index *ix, uint64_t key)
{
	__builtin_prefetch(&ix->slots[hash_sk(key) & ix->mask]);
}

void table_ahead_state(const struct table *tb, const struct st_state_rec *r)
{
	if (bad_sk(r->sk))
		return;
	ahead_key(&tb->by_sk, r->sk);
	/* the transition that puts the socket in a TIME_WAIT entry: the same
	 * test as table_apply_state()'s */
	if (r->newstate == ST_TCP_TIME_WAIT ||
	    (r->newstate == ST_TCP_CLOSE && !r->sk_err &&
	     (r->oldstate == ST_TCP_FIN_WAIT2 || r->oldstate == ST_TCP_CLOSING)))
		ahead_key(&tb->by_tw, tw_key(&r->t));
}

void table_ahead_call(const struct table *tb, const struct st_call_rec *r)
{
	if (!bad_sk(r->sk))
		ahead_key(&tb->by_sk, r->sk);
}
