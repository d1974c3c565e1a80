// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "json_memo.h"

#include <string.h>

#include "sock_format.h"

/*
 * Direct-mapped: a storm has a few hundred sockets in flight, and a miss
 * costs only the formatting it would have cost anyway. Both arrays are in
 * .bss: their pages cost nothing until a stream uses them (about 170 KiB).
 */
#define TUPLE_SLOTS 512
#define TUPLE_TEXT  240 /* two IPv6 addresses and every number at its longest fit */
#define OWNER_SLOTS 64	/* by pid and source: a storm has few processes */
#define OWNER_TEXT  160 /* a comm of 16 bytes at 6 bytes each (\u00XX) and the rest */

struct tuple_piece {
	uint64_t id;
	struct st_tuple t;
	uint16_t len; /* 0: empty */
	char text[TUPLE_TEXT];
};

struct owner_piece {
	uint32_t pid;
	uint8_t src;
	char comm[ST_COMM_LEN];
	uint16_t len; /* 0: empty */
	char text[OWNER_TEXT];
};

static struct tuple_piece tuples[TUPLE_SLOTS];
static struct owner_piece owners[OWNER_SLOTS];

void memo_put_sock_tuple(struct sbuf *sb, uint64_t id, const struct st_tuple *t)
{
	struct tuple_piece *p = &tuples[(id ^ id >> 9) % TUPLE_SLOTS];
	struct sbuf tmp;

	if (p->len && p->id == id && !memcmp(&p->t, t, sizeof(*t))) {
		sb_putn(sb, p->text, p->len);
		return;
	}
	sb_init(&tmp, p->text, sizeof(p->text));
	put_sock_tuple_json(&tmp, id, t);
	/* a piece that did not fit is never kept: the line gets it made in place */
	if (tmp.truncated) {
		p->len = 0;
		put_sock_tuple_json(sb, id, t);
		return;
	}
	p->id = id;
	p->t = *t;
	p->len = (uint16_t)tmp.len;
	sb_putn(sb, p->text, p->len);
}

void memo_put_owner(struct sbuf *sb, uint32_t pid, const char *comm, uint8_t owner_src)
{
	/* one process owns its sockets in several ways (connect, accept, ...) */
	struct owner_piece *p = &owners[(pid * 8u + owner_src) % OWNER_SLOTS];
	struct sbuf tmp;

	/* comm is ST_COMM_LEN bytes, NUL-padded or not: compared whole, as escaped */
	if (p->len && p->pid == pid && p->src == owner_src && !memcmp(p->comm, comm, ST_COMM_LEN)) {
		sb_putn(sb, p->text, p->len);
		return;
	}
	sb_init(&tmp, p->text, sizeof(p->text));
	put_owner_src_json(&tmp, pid, comm, owner_src);
	if (tmp.truncated) {
		p->len = 0;
		put_owner_src_json(sb, pid, comm, owner_src);
		return;
	}
	p->pid = pid;
	p->src = owner_src;
	memcpy(p->comm, comm, ST_COMM_LEN);
	p->len = (uint16_t)tmp.len;
	sb_putn(sb, p->text, p->len);
}
