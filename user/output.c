// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "escape.h"
#include "holders.h"
#include "proc.h"
#include "states.h"
#include "timefmt.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t mono_now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* The next line's window: right after the lines held. */
static void start_line(struct output *out)
{
	if (out->storage)
		sb_init(&out->sb, out->storage + out->held, OUTPUT_LINE_MAX);
	else
		sb_init(&out->sb, out->fallback + out->held, sizeof(out->fallback) - out->held);
}

/* Write the held lines; on failure they are dropped, as later ones will be. */
static void write_held(struct output *out)
{
	const char *base = out->storage ? out->storage : out->fallback;

	if (out->held && !out->failed &&
	    (fwrite(base, 1, out->held, out->f) != out->held || fflush(out->f) == EOF ||
	     ferror(out->f))) {
		out->failed = true;
		out->err = errno;
	}
	out->held = 0;
}

void output_init(struct output *out, FILE *f)
{
	out->per_line = isatty(fileno(f));
	/* the batches are the buffering: stdio would only copy them once more */
	if (!out->per_line)
		setvbuf(f, NULL, _IONBF, 0);
	out->f = f;
	out->failed = false;
	out->err = 0;
	out->lines = 0;
	out->held = 0;
	if (!out->storage)
		out->storage = malloc(OUTPUT_BATCH + OUTPUT_LINE_MAX);
	/* without memory, every line is written at once, and lines come out
	 * truncated (sbuf stays safe): the views cap what a line can hold, so
	 * this is the only way to get there */
	out->batch = out->storage && !out->per_line ? OUTPUT_BATCH : 0;
	out->mono_to_real_ns = (int64_t)(clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC));
	start_line(out);
}

void output_free(struct output *out)
{
	free(out->storage);
	out->storage = NULL;
}

void output_line(struct output *out)
{
	sb_putc(&out->sb, '\n');
	out->held += out->sb.len;
	out->lines++;
	if (out->held >= out->batch)
		write_held(out);
	start_line(out);
}

void output_flush(struct output *out)
{
	struct sbuf part = out->sb;

	if (!out->held)
		goto flush;
	write_held(out);
	start_line(out);
	/* a line begun before the flush moves down with the window */
	if (part.len) {
		memmove(out->sb.buf, part.buf, part.len);
		out->sb.len = part.len;
		out->sb.truncated = part.truncated;
	}
flush:
	if (!out->failed && (fflush(out->f) == EOF || ferror(out->f))) {
		out->failed = true;
		out->err = errno;
	}
}

uint64_t output_realtime(const struct output *out, uint64_t mono_ns)
{
	/* unsigned: wraps, never overflows, whatever a record's timestamp says */
	return mono_ns + (uint64_t)out->mono_to_real_ns;
}

void put_tuple_json(struct sbuf *sb, const struct st_tuple *t)
{
	const char *proto = proto_name(t->protocol, t->family);

	sb_puts(sb, "\"netns\":");
	sb_put_u64(sb, t->netns);
	sb_puts(sb, ",\"proto\":");
	if (proto) {
		sb_putc(sb, '"');
		sb_puts(sb, proto);
		sb_putc(sb, '"');
	} else {
		sb_put_u64(sb, t->protocol);
	}
	sb_puts(sb, ",\"family\":\"");
	sb_puts(sb, family_name(t->family));
	sb_puts(sb, "\",\"laddr\":\"");
	sb_put_addr(sb, t->family, t->saddr);
	sb_puts(sb, "\",\"lport\":");
	sb_put_u64(sb, t->sport);
	sb_puts(sb, ",\"raddr\":\"");
	sb_put_addr(sb, t->family, t->daddr);
	sb_puts(sb, "\",\"rport\":");
	sb_put_u64(sb, t->dport);
}

void put_time_json(struct sbuf *sb, const struct output *out, uint64_t mono_ns)
{
	sb_puts(sb, "\"time\":\"");
	sb_put_rfc3339_us(sb, output_realtime(out, mono_ns));
	sb_puts(sb, "\",\"ts_ns\":");
	sb_put_u64(sb, mono_ns);
}

void put_sock_tuple_json(struct sbuf *sb, uint64_t id, const struct st_tuple *t)
{
	sb_puts(sb, "\"sock\":");
	sb_put_u64(sb, id);
	sb_putc(sb, ',');
	put_tuple_json(sb, t);
}

void put_owner_json(struct sbuf *sb, uint32_t pid, const char *comm)
{
	sb_puts(sb, "\"pid\":");
	sb_put_u64(sb, pid);
	sb_puts(sb, ",\"comm\":");
	sb_put_json_string(sb, comm, ST_COMM_LEN);
}

void put_owner_src_json(struct sbuf *sb, uint32_t pid, const char *comm, uint8_t owner_src)
{
	put_owner_json(sb, pid, comm);
	sb_puts(sb, ",\"owner\":\"");
	sb_puts(sb, owner_src_name(owner_src));
	sb_putc(sb, '"');
}

void put_holders_text(struct sbuf *sb, const struct holder *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			sb_putc(sb, ',');
		sb_put_u64(sb, h[i].pid);
		sb_putc(sb, '/');
		sb_put_text_escaped(sb, h[i].comm, ST_COMM_LEN);
	}
}

void put_holders_json(struct sbuf *sb, const struct holder *h, size_t n, char *cmdline)
{
	size_t i;

	sb_puts(sb, "\"pids\":[");
	for (i = 0; i < n; i++) {
		size_t len = cmdline ? proc_cmdline(h[i].pid, cmdline, CMDLINE_SHOWN) : 0;

		sb_puts(sb, i ? ",{" : "{");
		put_owner_json(sb, h[i].pid, h[i].comm);
		sb_puts(sb, ",\"cmdline\":");
		sb_put_cmdline_json(sb, cmdline ? cmdline : "", len);
		sb_putc(sb, '}');
	}
	sb_putc(sb, ']');
}

const char *owner_src_name(uint8_t src)
{
	static const char *const names[] = {
		[OWNER_NONE] = "unknown",  [OWNER_CONNECT] = "connect",	  [OWNER_LISTEN] = "listen",
		[OWNER_ACCEPT] = "accept", [OWNER_LISTENER] = "listener", [OWNER_SEED] = "seed",
		[OWNER_TASK] = "task",	   [OWNER_BIND] = "bind",
	};

	return src < sizeof(names) / sizeof(names[0]) ? names[src] : "unknown";
}
