// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "stream_line.h"

#include "addr.h"
#include "escape.h"
#include "owner.h"
#include "sock_format.h"
#include "timefmt.h"
#include "zone.h"

static const struct column col_pid = STREAM_COL_PID, col_comm = STREAM_COL_COMM,
			   col_local = STREAM_COL_LOCAL;

unsigned int stream_col_have(const struct options *o)
{
	return (o->wide ? COL_IF_WIDE : 0) | (o->timestamps ? COL_IF_T : COL_IF_NOT_T);
}

void stream_put_time(const struct stream_line *s, uint64_t mono_ns)
{
	uint64_t real = output_realtime(s->out, mono_ns);

	if (s->o->timestamps)
		sb_put_rfc3339_us(&s->out->sb, real);
	else
		sb_put_clock_hms(&s->out->sb, real, 0);
}

void stream_put_endpoint(const struct stream_line *s, const struct st_tuple *t, bool local)
{
	struct sbuf *sb = &s->out->sb;
	size_t from = sb->len;

	sb_put_endpoint_zoned(sb, t, local);
	/* LOCAL and REMOTE are as wide */
	sb_pad(sb, from, col_width(&col_local, s->o->wide));
	sb_putc(sb, ' ');
}

void stream_put_who(const struct stream_line *s, const struct transition *tr)
{
	struct sbuf *sb = &s->out->sb;
	size_t from;

	stream_put_time(s, tr->ts_ns);
	sb_putc(sb, ' ');
	from = sb->len;
	sb_put_u64(sb, shown_pid(tr->e, tr->task));
	sb_pad(sb, from, col_pid.width);
	sb_putc(sb, ' ');
	from = sb->len;
	sb_put_text_escaped(sb, shown_comm(tr->e, tr->task), ST_COMM_LEN);
	sb_pad(sb, from, col_comm.width);
	sb_putc(sb, ' ');
}

void stream_put_origin(const struct stream_line *s, const struct transition *tr)
{
	struct sbuf *sb = &s->out->sb;

	if (!s->o->wide || !tr->origin)
		return;
	sb_puts(sb, "  [origin ");
	sb_put_u64(sb, tr->origin->pid);
	sb_putc(sb, ' ');
	sb_put_text_escaped(sb, tr->origin->comm, ST_COMM_LEN);
	sb_putc(sb, ']');
}

void stream_lost(const struct stream_line *s, uint64_t mono_ns, uint64_t count, const char *source)
{
	struct sbuf *sb = &s->out->sb;

	if (s->o->json) {
		sb_puts(sb, "{\"event\":\"lost\",");
		put_time_json(sb, s->out, mono_ns);
		sb_puts(sb, ",\"count\":");
		sb_put_u64(sb, count);
		sb_puts(sb, ",\"source\":\"");
		sb_puts(sb, source);
		sb_puts(sb, "\"}");
	} else {
		stream_put_time(s, mono_ns);
		sb_printf(sb, " lost %llu events (%s)", (unsigned long long)count, source);
	}
	output_line(s->out);
}
