// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "json_memo.h"

#include <string.h>

#include "sock_format.h"

/*
 * Direct-mapped: a storm has a few hundred sockets in flight, and a miss
 * costs only the formatting it would have cost anyway. Both arrays are in
 * .bss: their pages cost nothing until a stream uses them (about 180 KiB).
 */
#define TUPLE_SLOTS 512
#define OWNER_SLOTS 64 /* by pid and source: a storm has few processes */
/* an owner_piece's source for a task piece: no owner source has it */
#define SRC_TASK     0xff
#define WHO_TEXT_MAX (MEMO_OWNER_MAX > MEMO_TASK_MAX ? MEMO_OWNER_MAX : MEMO_TASK_MAX)

struct tuple_piece {
	uint64_t id;
	struct st_tuple t;
	uint16_t len; /* 0: empty */
	char text[CUR_SOCK_TUPLE_JSON_MAX];
};

struct owner_piece {
	uint32_t pid;
	uint8_t src;
	char comm[ST_COMM_LEN];
	uint16_t len; /* 0: empty */
	char text[WHO_TEXT_MAX];
};

static struct tuple_piece tuples[TUPLE_SLOTS];
static struct owner_piece owners[OWNER_SLOTS];

char *memo_cur_sock_tuple(char *p, uint64_t id, const struct st_tuple *t)
{
	struct tuple_piece *m = &tuples[(id ^ id >> 9) % TUPLE_SLOTS];

	if (!m->len || m->id != id || memcmp(&m->t, t, sizeof(*t))) {
		m->id = id;
		m->t = *t;
		m->len = (uint16_t)(cur_sock_tuple_json(m->text, id, t) - m->text);
	}
	return cur_putn(p, m->text, m->len);
}

void memo_put_sock_tuple(struct sbuf *sb, uint64_t id, const struct st_tuple *t)
{
	SB_VIA_CUR(sb, CUR_SOCK_TUPLE_JSON_MAX, memo_cur_sock_tuple(p, id, t));
}

/* An owner's piece, or with src SRC_TASK a task's. */
static char *memo_cur_who(char *p, uint32_t pid, const char *comm, uint8_t owner_src)
{
	/* one process owns its sockets in several ways (connect, accept, ...) */
	struct owner_piece *m = &owners[(pid * 8u + owner_src) % OWNER_SLOTS];

	/* comm is ST_COMM_LEN bytes, NUL-padded or not: compared whole, as escaped */
	if (!m->len || m->pid != pid || m->src != owner_src || memcmp(m->comm, comm, ST_COMM_LEN)) {
		struct sbuf tmp;

		sb_init(&tmp, m->text, sizeof(m->text));
		if (owner_src == SRC_TASK)
			put_task_json(&tmp, pid, comm);
		else
			put_owner_src_json(&tmp, pid, comm, owner_src);
		m->pid = pid;
		m->src = owner_src;
		memcpy(m->comm, comm, ST_COMM_LEN);
		/* the text holds the longest of either kind; a piece cut short is never kept */
		m->len = tmp.truncated ? 0 : (uint16_t)tmp.len;
		if (!m->len)
			return cur_putn(p, tmp.buf, tmp.len);
	}
	return cur_putn(p, m->text, m->len);
}

char *memo_cur_owner(char *p, uint32_t pid, const char *comm, uint8_t owner_src)
{
	return memo_cur_who(p, pid, comm, owner_src);
}

char *memo_cur_task(char *p, uint32_t pid, const char *comm)
{
	return memo_cur_who(p, pid, comm, SRC_TASK);
}

void memo_put_owner(struct sbuf *sb, uint32_t pid, const char *comm, uint8_t owner_src)
{
	SB_VIA_CUR(sb, MEMO_OWNER_MAX, memo_cur_owner(p, pid, comm, owner_src));
}
