// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: arbitrary bytes -> decode_record() -> the live table ->
 * every view (watch and life, text and JSON, narrow and wide; the table view
 * in text and JSON with -e -p; the reuseport report), with invariants checked
 * after every step.
 * Build and run: `make fuzz FUZZ_SECONDS=N` (mk/fuzz.mk, docs/hardening.md).
 *
 * Input: a sequence of chunks, each a 2-byte little-endian header h, then
 * len = h & 0x0fff bytes (fewer if the input ends first):
 *
 *   h >> 12 in 0..6  a record: copied to a heap buffer of exactly len bytes
 *                    (8-aligned, as the ring buffer gives it; ASan sees any
 *                    read past len), shown to record_ahead() as the rings
 *                    show it, decoded, and on DECODE_OK applied as
 *                    user/main.c does (state, call, sock, file + holders)
 *   0x7  a sock_diag reply datagram (payload[0] bit 0: UDP, else TCP; the
 *        rest, in a heap buffer of its exact size): sock_diag_parse(), and
 *        each record it makes applied as above
 *   0x8  table_tick + unix_table_tick(now)   now = the payload as a u64 LE, zero-padded
 *   0x9  holders_reset + table_snapshot_begin(now)
 *   0xa  table_snapshot_end
 *   0xb  print every table view and reuseport report at now
 *   0xc  table_set_hz(payload as u32 LE)
 *   0xd  before the first record only: the table's cap = 1 + payload[0] % 64
 *   0xe  stream_lost(now, count = payload[8..15]) on every stream view
 *   0xf  table_flush + unix_table_flush
 *
 * A record's task tgid 0xfffffff1 / 0xfffffff2 / 0xfffffff3 is replaced by
 * the pid of a helper process started once, whose command line is short and
 * hostile / 4 KiB of hostile text / 4 KiB of control bytes: the -e -p views
 * read /proc/PID/cmdline and must escape whatever a process put in its argv.
 * (The third one once overflowed the table view's line buffer.)
 *
 * Invariants (a violation aborts with a message; libFuzzer keeps the input):
 *  - table_stats()->entries == entries table_foreach visits <= cap,
 *    entries <= peak_entries <= sockets_seen; visited entries have distinct
 *    keys, valid states and families, TIME_WAIT ones odd keys;
 *  - every output line ends with '\n' and fits the output buffer;
 *  - text: no byte < 0x20 and no 0x7f; well-formed UTF-8 without C1
 *    controls, U+2028/2029 or bidi controls (user/escape.h's promise);
 *  - JSON: each line is exactly one object (tests/lib/jsonl.c, strict: UTF-8,
 *    escapes, duplicate keys) with an "event" string, and the text rules.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "decode.h"
#include "holders.h"
#include "jsonl.h"
#include "options.h"
#include "output.h"
#include "record_route.h"
#include "sock_diag.h"
#include "table.h"
#include "view_life.h"
#include "view_reuseport.h"
#include "unix_table.h"
#include "view_table.h"
#include "view_unix.h"
#include "view_watch.h"

#define FZ_CAP_DEFAULT 64
/* the longest line an output can hold: its sbuf keeps one byte for the NUL */
#ifdef OUTPUT_LINE_MAX
#define FZ_OUT_LINE_MAX ((size_t)OUTPUT_LINE_MAX)
#else
#define FZ_OUT_LINE_MAX sizeof(((struct output *)0)->storage)
#endif
#define FZ_LINE_MAX	(2 * FZ_OUT_LINE_MAX)
#define FZ_HELPER_SHORT 0xfffffff1u
#define FZ_HELPER_LONG	0xfffffff2u
#define FZ_HELPER_CTRL	0xfffffff3u
#define NHELPERS	3
/* a fixed wall clock (2023-11-14) keeps runs reproducible */
#define FZ_MONO_TO_REAL 1700000000000000000ll

/* ---- output checking ---- */

enum fz_mode { FZ_TEXT, FZ_JSON };

struct fz_file {
	const char *name;
	enum fz_mode mode;
	FILE *f;
	size_t len;
	bool overflow;
	unsigned char *line; /* FZ_LINE_MAX bytes */
};

static __attribute__((noreturn)) void fz_fail(const struct fz_file *ff, const char *why,
					      const unsigned char *s, size_t n)
{
	size_t i;

	fprintf(stderr, "\nfuzz_records: INVARIANT: %s: %s\n", ff ? ff->name : "table", why);
	if (s) {
		fprintf(stderr, "fuzz_records: line (%zu bytes): ", n);
		for (i = 0; i < n && i < 600; i++)
			fprintf(stderr, s[i] >= 0x20 && s[i] < 0x7f ? "%c" : "\\x%02x", s[i]);
		fprintf(stderr, "%s\n", n > 600 ? "..." : "");
	}
	abort();
}

static __attribute__((noreturn, format(printf, 1, 2))) void fz_failf(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fz_fail(NULL, msg, NULL, 0);
}

/* Strict UTF-8 (no overlongs, surrogates, > U+10FFFF); 0 if malformed. */
static size_t utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len, i;
	uint32_t v;

	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, v = c & 0x0f;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, v = c & 0x07;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else {
		return 0;
	}
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	*cp = v;
	return len;
}

/* What a terminal must never get raw; NULL if the line is clean. */
static const char *text_problem(const unsigned char *s, size_t n)
{
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return "raw control byte";
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		len = utf8_len(s + i, n - i, &cp);
		if (!len)
			return "malformed UTF-8";
		if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
		    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
			return "raw C1, line separator or bidi control";
		i += len;
	}
	return NULL;
}

static bool echo; /* FUZZ_ECHO=1: every checked line to stderr */

static void check_line(struct fz_file *ff, const unsigned char *s, size_t n)
{
	const char *why = text_problem(s, n);
	struct json_obj *o;

	if (echo)
		fprintf(stderr, "[%s] %.*s\n", ff->name, (int)n, (const char *)s);
	if (why)
		fz_fail(ff, why, s, n);
	if (n >= FZ_OUT_LINE_MAX - 1)
		fz_fail(ff, "line fills the output buffer (truncated)", s, n);
	if (ff->mode != FZ_JSON)
		return;
	o = json_parse((const char *)s, n);
	if (!o)
		fz_fail(ff, "not exactly one valid JSON object", s, n);
	if (!json_str(o, "event"))
		fz_fail(ff, "JSON line without an \"event\" string", s, n);
	json_free(o);
}

static ssize_t fz_write(void *cookie, const char *buf, size_t n)
{
	struct fz_file *ff = cookie;
	size_t i;

	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			if (!ff->overflow)
				check_line(ff, ff->line, ff->len);
			ff->len = 0;
			ff->overflow = false;
		} else if (ff->len < FZ_LINE_MAX) {
			ff->line[ff->len++] = (unsigned char)buf[i];
		} else if (!ff->overflow) {
			ff->overflow = true;
			fz_fail(ff, "no newline in twice the output buffer (lines run together)",
				ff->line, ff->len);
		}
	}
	return (ssize_t)n;
}

static FILE *fz_open(struct fz_file *ff)
{
	cookie_io_functions_t io = {.write = fz_write};

	if (!ff->line && !(ff->line = malloc(FZ_LINE_MAX)))
		abort();
	/* a new stream per input: output_init() may setvbuf() it, which C
	 * allows only before any other operation on the stream */
	ff->f = fopencookie(ff, "w", io);
	if (!ff->f) {
		perror("fopencookie");
		exit(1);
	}
	ff->len = 0;
	ff->overflow = false;
	return ff->f;
}

/* ---- the views ---- */

struct fz_stream {
	const char *name;
	enum fz_mode mode;
	transition_sink fn;
	struct options o;
	struct fz_file file;
	struct output out;
	struct watch_view w;
	struct life_view l;
	void *v;		  /* &w or &l: the sink's context */
	struct stream_line *line; /* its stream_line, for lost events */
};

struct fz_table_view {
	const char *name;
	struct options o;
	struct fz_file file;
	struct output out;
	struct table_view tv;
};

struct fz_reuseport_view {
	const char *name;
	struct options o;
	struct fz_file file;
	struct output out;
	struct reuseport_view rv;
};

#define NSTREAMS   8
#define NTABLES	   4
#define NREUSEPORT 2
static struct fz_stream streams[NSTREAMS];
static struct fz_table_view tviews[NTABLES];
static struct fz_reuseport_view rviews[NREUSEPORT];
static struct holders holders;
/* UNIX sockets: their table, and their lines in each stream view's output */
static struct unix_table *fz_ut;
static struct unix_stream ustreams[NSTREAMS];
static pid_t helper_pid[NHELPERS];

#define ST_BIT(s) (1u << (s))

static void setup_views(void)
{
	struct options base = {.cmd = CMD_WATCH, .max_sockets = FZ_CAP_DEFAULT};
	size_t i;

	for (i = 0; i < NSTREAMS; i++) {
		struct fz_stream *s = &streams[i];

		s->o = base;
		s->fn = watch_transition;
	}
	streams[0].name = "watch";
	streams[1].name = "watch -w -T";
	streams[1].o.wide = streams[1].o.timestamps = true;
	streams[2].name = "watch --json";
	streams[2].o.json = true;
	streams[3].name = "watch --json -w";
	streams[3].o.json = streams[3].o.wide = true;
	streams[4].name = "watch -wH --state LISTEN,ESTABLISHED,CLOSE --port 80 --count 4";
	streams[4].o.wide = streams[4].o.no_header = true;
	streams[4].o.f.states =
		ST_BIT(ST_TCP_LISTEN) | ST_BIT(ST_TCP_ESTABLISHED) | ST_BIT(ST_TCP_CLOSE);
	streams[4].o.f.port = 80;
	streams[4].o.count = 4;
	for (i = 5; i < NSTREAMS; i++) {
		streams[i].o.cmd = CMD_LIFE;
		streams[i].fn = life_transition;
	}
	streams[5].name = "life";
	streams[6].name = "life --json -w -T";
	streams[6].o.json = streams[6].o.wide = streams[6].o.timestamps = true;
	streams[7].name = "life --json -6 --state FIN_WAIT1 --min-ms 0.001 --max-ms 5000";
	streams[7].o.json = true;
	streams[7].o.f.family = AF_INET6;
	streams[7].o.f.states = ST_BIT(ST_TCP_FIN_WAIT1);
	streams[7].o.min_ns = 1000;
	streams[7].o.max_ns = 5000000000ull;
	for (i = 0; i < NSTREAMS; i++) {
		streams[i].mode = streams[i].o.json ? FZ_JSON : FZ_TEXT;
		streams[i].file.name = streams[i].name;
		streams[i].file.mode = streams[i].mode;
	}

	base.cmd = CMD_TABLE;
	tviews[0].name = "table -anpe";
	tviews[0].o = base;
	tviews[0].o.all = tviews[0].o.show_pids = tviews[0].o.extended = true;
	tviews[1].name = "table -tlpw";
	tviews[1].o = base;
	tviews[1].o.tcp = tviews[1].o.listening = tviews[1].o.show_pids = tviews[1].o.wide = true;
	tviews[2].name = "table --json -anpe";
	tviews[2].o = base;
	tviews[2].o.json = tviews[2].o.all = tviews[2].o.show_pids = tviews[2].o.extended = true;
	tviews[3].name = "table --json -uap -6 --comm x";
	tviews[3].o = base;
	tviews[3].o.json = tviews[3].o.udp = tviews[3].o.all = tviews[3].o.show_pids = true;
	tviews[3].o.f.family = AF_INET6;
	tviews[3].o.f.has_comm = true;
	strcpy(tviews[3].o.f.comm, "x");
	for (i = 0; i < NTABLES; i++) {
		tviews[i].file.name = tviews[i].name;
		tviews[i].file.mode = tviews[i].o.json ? FZ_JSON : FZ_TEXT;
	}

	base.cmd = CMD_REUSEPORT;
	base.interval_ns = 1000000000ull;
	rviews[0].name = "reuseport";
	rviews[0].o = base;
	rviews[1].name = "reuseport --json --port 80";
	rviews[1].o = base;
	rviews[1].o.json = true;
	rviews[1].o.f.port = 80;
	for (i = 0; i < NREUSEPORT; i++) {
		rviews[i].file.name = rviews[i].name;
		rviews[i].file.mode = rviews[i].o.json ? FZ_JSON : FZ_TEXT;
	}
}

static void fz_output_init(struct output *out, struct fz_file *ff)
{
	output_init(out, fz_open(ff));
	out->mono_to_real_ns = FZ_MONO_TO_REAL;
}

static void reset_views(void)
{
	size_t i;

	for (i = 0; i < NSTREAMS; i++) {
		struct fz_stream *s = &streams[i];

		fz_output_init(&s->out, &s->file);
		if (s->o.cmd == CMD_LIFE) {
			s->l = (struct life_view){.line = {.o = &s->o, .out = &s->out}};
			s->v = &s->l;
			s->line = &s->l.line;
			life_header(&s->l);
		} else {
			s->w = (struct watch_view){.line = {.o = &s->o, .out = &s->out}};
			s->v = &s->w;
			s->line = &s->w.line;
			watch_header(&s->w);
		}
		ustreams[i] = (struct unix_stream){.line = {.o = &s->o, .out = &s->out},
						   .holders = &holders,
						   .life = s->o.cmd == CMD_LIFE};
	}
	for (i = 0; i < NTABLES; i++) {
		struct fz_table_view *t = &tviews[i];

		fz_output_init(&t->out, &t->file);
		t->tv = (struct table_view){.o = &t->o, .out = &t->out, .holders = &holders};
	}
	for (i = 0; i < NREUSEPORT; i++) {
		struct fz_reuseport_view *r = &rviews[i];

		fz_output_init(&r->out, &r->file);
		r->rv = (struct reuseport_view){
			.o = &r->o, .out = &r->out, .holders = &holders, .queue_exact = i == 1};
	}
}

static void check_ended(struct fz_file *ff, struct output *out)
{
	output_flush(out);
	if (out->failed)
		fz_fail(ff, "output marked failed", NULL, 0);
	if (fclose(ff->f))
		fz_fail(ff, "fclose failed", NULL, 0);
	ff->f = NULL;
	if (ff->len || ff->overflow)
		fz_fail(ff, "output does not end with a newline", ff->line, ff->len);
}

static void finish_views(void)
{
	size_t i;

	for (i = 0; i < NSTREAMS; i++)
		check_ended(&streams[i].file, &streams[i].out);
	for (i = 0; i < NTABLES; i++) {
		check_ended(&tviews[i].file, &tviews[i].out);
		table_view_free(&tviews[i].tv);
	}
	for (i = 0; i < NREUSEPORT; i++) {
		check_ended(&rviews[i].file, &rviews[i].out);
		reuseport_view_free(&rviews[i].rv);
	}
}

/* The UNIX table's sink: every stream view sees every event. */
static void unix_fanout(void *ctx, const struct unix_event *ev)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < NSTREAMS; i++)
		unix_stream_event(&ustreams[i], ev);
}

/* The table's one sink: every stream view sees every transition. */
static void fanout(void *ctx, const struct transition *tr)
{
	size_t i;

	(void)ctx;
	if (!tr->e)
		fz_fail(NULL, "transition without an entry", NULL, 0);
	if (tr->kind < TR_STATE || tr->kind > TR_CLOSE)
		fz_failf("transition kind %u", tr->kind);
	for (i = 0; i < NSTREAMS; i++)
		streams[i].fn(streams[i].v, tr);
}

static void print_tables(struct table *tb, uint64_t now, bool final)
{
	size_t i;

	for (i = 0; i < NTABLES; i++) {
		if (table_view_print(&tviews[i].tv, tb, now))
			fz_fail(&tviews[i].file, "table_view_print failed", NULL, 0);
		if (unix_view_print(&tviews[i].tv, fz_ut, now))
			fz_fail(&tviews[i].file, "unix_view_print failed", NULL, 0);
	}
	for (i = 0; i < NREUSEPORT; i++)
		if (reuseport_view_print(&rviews[i].rv, tb, now, final))
			fz_fail(&rviews[i].file, "reuseport_view_print failed", NULL, 0);
}

/* ---- table invariants ---- */

struct walk {
	uint64_t n;
	uint64_t keys[FZ_CAP_DEFAULT + 1];
};

static int visit(void *ctx, const struct sock_entry *e)
{
	struct walk *w = ctx;

	if (w->n > FZ_CAP_DEFAULT)
		fz_failf("table_foreach visits more than %d entries", FZ_CAP_DEFAULT);
	if (e->state < ST_TCP_ESTABLISHED || e->state > ST_TCP_MAX_STATE)
		fz_failf("entry %#llx has state %u", (unsigned long long)e->sk, e->state);
	if (e->t.family != AF_INET && e->t.family != AF_INET6)
		fz_failf("entry %#llx has family %u", (unsigned long long)e->sk, e->t.family);
	if ((e->flags & ENTRY_TIMEWAIT) && !(e->sk & 1))
		fz_failf("TIME_WAIT entry has an even key %#llx", (unsigned long long)e->sk);
	w->keys[w->n++] = e->sk;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void walk_table(struct table *tb, struct walk *w)
{
	memset(w, 0, sizeof(*w));
	table_foreach(tb, visit, w);
}

static void check_table(struct table *tb, uint32_t cap)
{
	const struct table_stats *st = table_stats(tb);
	struct walk w;
	uint64_t i;

	walk_table(tb, &w);
	if (st->entries > cap)
		fz_failf("stats.entries %llu > cap %u", (unsigned long long)st->entries, cap);
	/* swept TIME_WAIT entries waiting in the FIFO (ENTRY_GONE) are neither
	 * counted nor visited */
	if (w.n != st->entries)
		fz_failf("table_foreach visits %llu entries, stats.entries is %llu",
			 (unsigned long long)w.n, (unsigned long long)st->entries);
	if (st->peak_entries < st->entries || st->sockets_seen < st->peak_entries)
		fz_failf("peak_entries %llu or sockets_seen %llu below entries %llu",
			 (unsigned long long)st->peak_entries, (unsigned long long)st->sockets_seen,
			 (unsigned long long)st->entries);
	qsort(w.keys, w.n, sizeof(w.keys[0]), cmp_u64);
	for (i = 1; i < w.n; i++)
		if (w.keys[i] == w.keys[i - 1])
			fz_failf("two live entries share the key %#llx",
				 (unsigned long long)w.keys[i]);
}

/* ---- the hostile helpers ---- */

/*
 * A shell that blocks in `read` on a pipe only this process can write to: it
 * ends when the fuzzer does (EOF), starts no children of its own, and holds
 * none of the fuzzer's files (a make or CI pipe would otherwise stay open).
 */
static pid_t spawn_helper(size_t bytes, bool ctrl)
{
	static const char hostile[] =
		"\x1b]0;pwned\x07\x1b[2J\r\t\"\\\x7f\xc2\x85\xe2\x80\xae"
		"\xe2\x81\xa6\xe2\x80\xa8\xff\xc0\xaf\xed\xa0\x80 ok \xf0\x9f\x98\x80";
	static int keep[2] = {-1, -1};
	char *argv[6], *junk;
	size_t i;
	pid_t pid;
	int fd;

	if (keep[1] < 0 && pipe2(keep, O_CLOEXEC))
		return 0;
	junk = malloc(bytes + 1);
	if (!junk)
		return 0;
	for (i = 0; i < bytes; i++)
		junk[i] = ctrl ? (char)(1 + i % 31) : hostile[i % (sizeof(hostile) - 1)];
	junk[bytes] = '\0';
	argv[0] = "fz\x1b[31mhelper";
	argv[1] = "-c";
	argv[2] = "while read x; do :; done";
	argv[3] = junk;
	argv[4] = "\"quoted\" arg";
	argv[5] = NULL;
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open("/dev/null", O_WRONLY);
		if (fd < 0 || dup2(keep[0], 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		for (fd = 3; fd < 1024; fd++)
			close(fd);
		execv("/bin/sh", argv);
		_exit(127);
	}
	free(junk);
	return pid > 0 ? pid : 0;
}

static void stop_helpers(void)
{
	int i;

	for (i = 0; i < NHELPERS; i++)
		if (helper_pid[i] > 0) {
			kill(helper_pid[i], SIGKILL);
			waitpid(helper_pid[i], NULL, 0);
		}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setup_views();
	echo = getenv("FUZZ_ECHO") != NULL;
	if (!getenv("FUZZ_NO_HELPERS")) {
		helper_pid[0] = spawn_helper(40, false);
		helper_pid[1] = spawn_helper(4096, false);
		helper_pid[2] = spawn_helper(4096, true);
		atexit(stop_helpers);
	}
	return 0;
}

static void remap_task(struct st_task *t)
{
	if (t->tgid == FZ_HELPER_SHORT)
		t->tgid = t->tid = (uint32_t)helper_pid[0];
	else if (t->tgid == FZ_HELPER_LONG)
		t->tgid = t->tid = (uint32_t)helper_pid[1];
	else if (t->tgid == FZ_HELPER_CTRL)
		t->tgid = t->tid = (uint32_t)helper_pid[2];
}

/* ---- the target ---- */

static uint64_t payload_u64(const uint8_t *p, size_t n, size_t off)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8 && off + i < n; i++)
		v |= (uint64_t)p[off + i] << (8 * i);
	return v;
}

static void apply_record(struct table *tb, const uint8_t *p, size_t n);

static int diag_record(void *ctx, void *data, size_t len)
{
	apply_record(ctx, data, len);
	return 0;
}

/* What the netlink fallback makes of a datagram from the kernel. */
static void apply_diag(struct table *tb, const uint8_t *p, size_t n, uint64_t now)
{
	struct diag_dump d = {.netns = 4026531840u,
			      .protocol = n && (p[0] & 1) ? IPPROTO_UDP : IPPROTO_TCP,
			      .hz = 250,
			      .ts_ns = now,
			      .fn = diag_record,
			      .ctx = tb};
	size_t len = n ? n - 1 : 0;
	void *buf = malloc(len ? len : 1);

	if (!buf)
		abort();
	if (len)
		memcpy(buf, p + 1, len);
	sock_diag_parse(&d, buf, len);
	free(buf);
}

static void apply_record(struct table *tb, const uint8_t *p, size_t n)
{
	/* an exact-size heap copy: 16-aligned, and any read past n is caught */
	void *rec = malloc(n ? n : 1);
	__u32 type = 0;

	if (!rec)
		abort();
	if (n)
		memcpy(rec, p, n);
	/* as the rings show records, undecoded */
	record_ahead(tb, rec, n);
	if (decode_record(rec, n, &type) == DECODE_OK) {
		switch (type) {
		case ST_REC_STATE:
			remap_task(&((struct st_state_rec *)rec)->task);
			table_apply_state(tb, rec);
			break;
		case ST_REC_SOCK:
			table_apply_sock(tb, rec);
			break;
		case ST_REC_FILE:
			remap_task(&((struct st_file_rec *)rec)->task);
			table_apply_file(tb, rec);
			holders_add(&holders, rec);
			unix_table_apply_file(fz_ut, rec);
			break;
		case ST_REC_UNIX:
			remap_task(&((struct st_unix_rec *)rec)->task);
			unix_table_apply(fz_ut, rec);
			break;
		case ST_REC_LIFE:
			/* life's connection ends, built in the kernel */
			remap_task(&((struct st_life_rec *)rec)->task);
			table_apply_life(tb, rec);
			break;
		default:
			/* bind, listen, accept, connect, close, port, ...: as main.c,
			 * every other type is a call record */
			if (((const struct st_hdr *)rec)->size != sizeof(struct st_call_rec))
				fz_failf("decode_record accepted type %u of size %u", type,
					 ((const struct st_hdr *)rec)->size);
			remap_task(&((struct st_call_rec *)rec)->task);
			table_apply_call(tb, rec);
			break;
		}
	}
	free(rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct table *tb = NULL;
	uint32_t cap = FZ_CAP_DEFAULT;
	uint64_t now = 0;
	size_t off = 0;
	size_t i;

	holders_reset(&holders);
	reset_views();
	fz_ut = unix_table_new(unix_fanout, NULL);
	if (!fz_ut)
		abort();

	while (off + 2 <= size) {
		unsigned int h = data[off] | data[off + 1] << 8, op = h >> 12;
		size_t n = h & 0x0fff;
		const uint8_t *p = data + off + 2;

		if (n > size - off - 2)
			n = size - off - 2;
		off += 2 + n;
		if (op == 0xd) {
			if (!tb && n)
				cap = 1 + p[0] % FZ_CAP_DEFAULT;
			continue;
		}
		if (!tb) {
			tb = table_new(cap, fanout, NULL);
			if (!tb)
				abort();
		}
		switch (op) {
		case 0x8:
			now = payload_u64(p, n, 0);
			table_tick(tb, now);
			unix_table_tick(fz_ut, now);
			break;
		case 0x9:
			now = payload_u64(p, n, 0);
			holders_reset(&holders);
			table_snapshot_begin(tb, now);
			unix_table_snapshot_begin(fz_ut);
			break;
		case 0xa:
			table_snapshot_end(tb);
			unix_table_snapshot_end(fz_ut, now, n && (p[0] & 1));
			break;
		case 0xb:
			now = payload_u64(p, n, 0);
			print_tables(tb, now, false);
			break;
		case 0xc:
			table_set_hz(tb, (unsigned int)payload_u64(p, n < 4 ? n : 4, 0));
			break;
		case 0xe:
			now = payload_u64(p, n, 0);
			for (i = 0; i < NSTREAMS; i++)
				stream_lost(streams[i].line, now, payload_u64(p, n, 8), "ringbuf");
			break;
		case 0xf:
			table_flush(tb);
			unix_table_flush(fz_ut);
			break;
		case 0x7:
			apply_diag(tb, p, n, now);
			break;
		default:
			apply_record(tb, p, n);
			break;
		}
		check_table(tb, cap);
	}

	if (!tb)
		tb = table_new(cap, fanout, NULL);
	if (!tb)
		abort();
	/* as at exit: the table view, then every held line */
	print_tables(tb, now, false);
	table_flush(tb);
	unix_table_flush(fz_ut);
	check_table(tb, cap);
	/* time runs out for every TIME_WAIT entry: nothing may stay hidden */
	table_tick(tb, UINT64_MAX);
	check_table(tb, cap);
	print_tables(tb, now, true);
	finish_views();
	table_free(tb);
	unix_table_free(fz_ut);
	fz_ut = NULL;
	return 0;
}
