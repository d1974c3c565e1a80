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

char *stream_cur_time(const struct stream_line *s, char *p, uint64_t mono_ns)
{
	uint64_t real = output_realtime(s->out, mono_ns);

	if (s->o->timestamps)
		return cur_rfc3339_us(p, real);
	return cur_clock_hms(p, real, 0);
}

void stream_put_time(const struct stream_line *s, uint64_t mono_ns)
{
	SB_VIA_CUR(&s->out->sb, STREAM_TIME_MAX, stream_cur_time(s, p, mono_ns));
}

char *stream_cur_endpoint(const struct stream_line *s, char *p, const struct st_tuple *t,
			  bool local)
{
	char *from = p;

	p = cur_endpoint_zoned(p, t, local);
	/* LOCAL and REMOTE are as wide */
	p = cur_pad(from, p, col_width(&col_local, s->o->wide));
	return cur_putc(p, ' ');
}

char *stream_cur_who(const struct stream_line *s, char *p, const struct transition *tr)
{
	char *from;

	p = stream_cur_time(s, p, tr->ts_ns);
	*p++ = ' ';
	from = p;
	p = cur_u64(p, shown_pid(tr->e, tr->task));
	p = cur_pad(from, p, col_pid.width);
	*p++ = ' ';
	from = p;
	p = cur_text_comm(p, shown_comm(tr->e, tr->task));
	p = cur_pad(from, p, col_comm.width);
	return cur_putc(p, ' ');
}

char *stream_cur_origin(const struct stream_line *s, char *p, const struct transition *tr)
{
	if (!s->o->wide || !tr->origin)
		return p;
	p = cur_puts(p, "  [origin ");
	p = cur_u64(p, tr->origin->pid);
	*p++ = ' ';
	p = cur_text_comm(p, tr->origin->comm);
	return cur_putc(p, ']');
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
