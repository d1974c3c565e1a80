// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "decode.h"

#include <string.h>
#include <sys/socket.h>

static const size_t rec_size[ST_REC_TYPE_MAX + 1] = {
	[ST_REC_STATE] = sizeof(struct st_state_rec),  [ST_REC_ACCEPT] = sizeof(struct st_call_rec),
	[ST_REC_CONNECT] = sizeof(struct st_call_rec), [ST_REC_SOCK] = sizeof(struct st_sock_rec),
	[ST_REC_FILE] = sizeof(struct st_file_rec),    [ST_REC_BIND] = sizeof(struct st_call_rec),
	[ST_REC_LISTEN] = sizeof(struct st_call_rec),  [ST_REC_CLOSE] = sizeof(struct st_call_rec),
	[ST_REC_PORT] = sizeof(struct st_call_rec),    [ST_REC_QUEUED] = sizeof(struct st_call_rec),
	[ST_REC_UNIX] = sizeof(struct st_unix_rec),    [ST_REC_LIFE] = sizeof(struct st_life_rec),
};

/* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET: the types AF_UNIX has */
static int unix_type_ok(__u16 type)
{
	return type == SOCK_STREAM || type == SOCK_DGRAM || type == SOCK_SEQPACKET;
}

static int family_ok(__u16 family)
{
	return family == AF_INET || family == AF_INET6;
}

static int state_ok(__u8 state)
{
	return state >= ST_TCP_ESTABLISHED && state <= ST_TCP_MAX_STATE;
}

/* The owners a life record can name (enum st_owner_src; LISTEN is a listener's). */
static int owner_ok(__u8 src)
{
	return src == ST_OWNER_NONE || src == ST_OWNER_CONNECT || src == ST_OWNER_ACCEPT ||
	       src == ST_OWNER_LISTENER || src == ST_OWNER_TASK || src == ST_OWNER_HOLDER;
}

static int life_ok(const struct st_life_rec *r)
{
	return family_ok(r->t.family) && r->t.protocol == 6 /* IPPROTO_TCP */ &&
	       state_ok(r->oldstate) && state_ok(r->newstate) && owner_ok(r->owner_src) &&
	       owner_ok(r->origin_src) && r->origin_src != ST_OWNER_HOLDER &&
	       r->path_len <= ST_PATH_MAX_STATES && !(r->life_flags & ~ST_LIFE_FLAGS_ALL);
}

enum decode_err decode_record(const void *data, size_t len, __u32 *type)
{
	struct st_hdr hdr;

	if (len < sizeof(hdr))
		return DECODE_SHORT;
	memcpy(&hdr, data, sizeof(hdr));
	if (hdr.type == 0 || hdr.type > ST_REC_TYPE_MAX)
		return DECODE_TYPE;
	if (len < rec_size[hdr.type])
		return DECODE_SHORT;
	/* the ring buffer rounds lengths up to 8; the iterator stream does not */
	if (hdr.size != rec_size[hdr.type] || len > ((hdr.size + 7) & ~(size_t)7))
		return DECODE_SIZE;

	if (st_rec_is_call(hdr.type)) {
		const struct st_call_rec *r = data;

		if (!family_ok(r->t.family) || !state_ok(r->state))
			return DECODE_RANGE;
	}
	switch (hdr.type) {
	case ST_REC_STATE: {
		const struct st_state_rec *r = data;

		if (!family_ok(r->t.family) || !state_ok(r->oldstate) || !state_ok(r->newstate))
			return DECODE_RANGE;
		break;
	}
	case ST_REC_SOCK: {
		const struct st_sock_rec *r = data;

		if (!family_ok(r->t.family) || !state_ok(r->state))
			return DECODE_RANGE;
		break;
	}
	case ST_REC_FILE:
		break;
	case ST_REC_LIFE:
		if (!life_ok(data))
			return DECODE_RANGE;
		break;
	case ST_REC_UNIX: {
		const struct st_unix_rec *r = data;

		if (!unix_type_ok(r->type) || r->path_len > ST_UNIX_PATH_LEN || !r->event ||
		    r->event > ST_UNIX_EVENT_MAX || !r->source || r->source > ST_UNIX_SRC_MAX ||
		    !r->state || r->state > ST_SS_MAX)
			return DECODE_RANGE;
		break;
	}
	}
	*type = hdr.type;
	return DECODE_OK;
}

const char *decode_err_name(enum decode_err err)
{
	static const char *const names[DECODE_ERR_MAX] = {
		[DECODE_OK] = "ok",	[DECODE_SHORT] = "short", [DECODE_SIZE] = "size",
		[DECODE_TYPE] = "type", [DECODE_RANGE] = "range",
	};

	return (unsigned int)err < DECODE_ERR_MAX ? names[err] : "unknown";
}
