#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "escape.h"
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

void output_init(struct output *out, FILE *f)
{
	/* a terminal sees each line as it comes; a file or pipe gets big writes
	 * (the loop flushes after every poll anyway) */
	if (!isatty(fileno(f)))
		setvbuf(f, NULL, _IOFBF, 1 << 20);
	out->f = f;
	out->failed = false;
	out->err = 0;
	out->lines = 0;
	if (!out->storage)
		out->storage = malloc(OUTPUT_LINE_MAX);
	out->mono_to_real_ns = (int64_t)(clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC));
	/* without memory, lines come out truncated (sbuf stays safe): the views
	 * cap what a line can hold, so this is the only way to get there */
	sb_init(&out->sb, out->storage ? out->storage : out->fallback,
		out->storage ? OUTPUT_LINE_MAX : sizeof(out->fallback));
}

void output_free(struct output *out)
{
	free(out->storage);
	out->storage = NULL;
}

void output_line(struct output *out)
{
	sb_putc(&out->sb, '\n');
	if (!out->failed && fwrite(out->sb.buf, 1, out->sb.len, out->f) != out->sb.len) {
		out->failed = true;
		out->err = errno;
	}
	out->lines++;
	sb_reset(&out->sb);
}

void output_flush(struct output *out)
{
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

void put_owner_json(struct sbuf *sb, uint32_t pid, const char *comm)
{
	sb_puts(sb, "\"pid\":");
	sb_put_u64(sb, pid);
	sb_puts(sb, ",\"comm\":");
	sb_put_json_string(sb, comm, ST_COMM_LEN);
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
