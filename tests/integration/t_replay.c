// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * SOCKTRACE_CAPTURE and bench-replay (`make bench-replay`): the records a
 * traced run captured, replayed through the table and the view, make the
 * very lines that run printed about the test's connections, so that the
 * benchmark measures the work socktrace really does. For watch and life; and
 * a capture that cannot be written is one error line and exit 1. Records no
 * test can make the kernel send on demand (an end no hook reported) are
 * written into a capture here, and replayed into the lines a user sees.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capture_file.h"
#include "netns.h"
#include "socktrace_abi.h"
#include "tap.h"
#include "tracer.h"
#include "workload.h"

#define CONNS 20

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The lines of @path about @port, sorted: the replay may release a held line
 * at another moment than the traced run did. Returns the count (at most
 * @max), -1 if the file cannot be read.
 */
static int port_lines(const char *path, uint16_t port, char **v, int max)
{
	char lp[32], rp[32], *line = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "re");
	int n = 0;

	if (!f)
		return -1;
	snprintf(lp, sizeof(lp), "\"lport\":%u,", port);
	snprintf(rp, sizeof(rp), "\"rport\":%u,", port);
	while (getline(&line, &cap, f) > 0 && n < max) {
		if (strstr(line, lp) || strstr(line, rp))
			v[n++] = strdup(line);
	}
	free(line);
	fclose(f);
	qsort(v, (size_t)n, sizeof(*v), cmp_str);
	return n;
}

static void free_lines(char **v, int n)
{
	while (n > 0)
		free(v[--n]);
}

static void check(const char *cmd, int min_lines)
{
	static char *live[4096], *again[4096];
	char cap[PATH_MAX], lines[PATH_MAX], want[64], *out = NULL;
	const char *replay = tool_path("bench-replay", NULL);
	long long events = -1, lost = -1;
	struct tracer t;
	uint16_t port;
	int lfd, rc, nl, na, i, same;

	if (!ok(tracer_start(&t, (const char *const[]){cmd, "--json", NULL}, 30000) == 0,
		"%s: started with SOCKTRACE_CAPTURE", cmd)) {
		tap_diag("%s", tracer_stderr(&t));
		tracer_cleanup(&t);
		return;
	}
	lfd = tcp_listen_on(AF_INET, "127.0.0.1", 0, 64, &port);
	/* half closed by the client first (TIME_WAIT on its end), half by the server */
	ok(lfd >= 0 && tcp_open_close(port, lfd, CONNS, 1) == 0 &&
		   tcp_open_close(port, lfd, CONNS, 0) == 0,
	   "%s: %d loopback connections", cmd, 2 * CONNS);
	close(lfd);
	usleep(300 * 1000); /* the last changes come from softirq right after */
	rc = tracer_stop(&t, 10000);
	if (!rc)
		rc = tracer_last_summary(&t, &events, &lost, NULL, NULL);
	ok(rc == 0 && lost == 0, "%s: exits 0 with nothing lost (%s, events %lld, lost %lld)", cmd,
	   tracer_status_str(&t), events, lost);

	snprintf(cap, sizeof(cap), "%s", getenv("SOCKTRACE_CAPTURE"));
	snprintf(lines, sizeof(lines), "%s/replayed", t.dir);
	rc = run_capture(
		(const char *const[]){replay, "--lines", lines, cap, "1", cmd, "--json", NULL},
		&out, 60000);
	snprintf(want, sizeof(want), "rep 1: %lld records, 0 refused", events);
	ok(rc == 0 && strstr(out, want), "%s: every captured record replayed (want \"%s\": %s)",
	   cmd, want, out);
	free(out);

	nl = port_lines(t.out_path, port, live, 4096);
	na = port_lines(lines, port, again, 4096);
	same = nl == na;
	for (i = 0; same && i < nl; i++)
		if (strcmp(live[i], again[i])) {
			tap_diag("traced:   %s", live[i]);
			tap_diag("replayed: %s", again[i]);
			same = 0;
		}
	ok(nl >= min_lines && same, "%s: the replay made the traced run's %d lines (replay: %d)",
	   cmd, nl, na);
	free_lines(live, nl < 0 ? 0 : nl);
	free_lines(again, na < 0 ? 0 : na);
	tracer_cleanup(&t);
}

/* A capture of @n records of @size bytes each, as user/capture.h lays it out. */
static int write_capture(const char *path, const void *recs, size_t size, int n)
{
	static const char zero[8];
	FILE *f = fopen(path, "we");
	int64_t offset = 0;
	uint32_t len = (uint32_t)size;
	int i, bad;

	if (!f)
		return -1;
	bad = fwrite("STCAPT1\n", 8, 1, f) != 1 || fwrite(&offset, 8, 1, f) != 1;
	for (i = 0; !bad && i < n; i++)
		bad = fwrite(&len, 4, 1, f) != 1 || fwrite(zero, 4, 1, f) != 1 ||
		      fwrite((const char *)recs + (size_t)i * size, size, 1, f) != 1 ||
		      (size % 8 && fwrite(zero, 8 - size % 8, 1, f) != 1);
	return fclose(f) || bad ? -1 : 0;
}

/* Replay @cap as `cmd --json`; the lines in @out (malloc'd). */
static int replay_lines(const char *dir, const char *cap, const char *cmd, char **out)
{
	char lines[PATH_MAX], *log = NULL;
	int rc;
	FILE *f;
	long size;

	snprintf(lines, sizeof(lines), "%s/%s.lines", dir, cmd);
	rc = run_capture((const char *const[]){tool_path("bench-replay", NULL), "--lines", lines,
					       cap, "1", cmd, "--json", NULL},
			 &log, 60000);
	free(log);
	*out = NULL;
	f = fopen(lines, "re");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	*out = calloc(1, (size_t)size + 1);
	if (*out && fread(*out, 1, (size_t)size, f) != (size_t)size)
		rc = -1;
	fclose(f);
	unlink(lines);
	return *out ? rc : -1;
}

/*
 * A socket whose end no program on the tracepoint ran for (6.18 does that to
 * some orphans in FIN_WAIT1 under load): its line comes when a new socket
 * takes its address, marked as such, with the states that were seen.
 */
static void end_unseen(const char *dir)
{
	const uint64_t sk = 0xffff888012340000ull;
	struct st_life_rec l = {
		.hdr = {ST_REC_LIFE, sizeof(l), 2000000000ull},
		.sk = sk,
		.first_ns = 1000000000ull,
		/* SYN_RECV ESTABLISHED FIN_WAIT1 */
		.path = ST_TCP_SYN_RECV | ST_TCP_ESTABLISHED << 4 | ST_TCP_FIN_WAIT1 << 8,
		.path_len = 3,
		.t = {.saddr = {127, 0, 0, 1},
		      .daddr = {127, 0, 0, 2},
		      .sport = 8080,
		      .dport = 40000,
		      .family = AF_INET,
		      .protocol = ST_IPPROTO_TCP},
		.owner_comm = "server",
		.owner_pid = 4242,
		.oldstate = ST_TCP_FIN_WAIT1,
		.newstate = ST_TCP_CLOSE,
		.owner_src = ST_OWNER_ACCEPT,
		.life_flags = ST_LIFE_PASSIVE | ST_LIFE_END_UNSEEN,
	};
	struct st_state_rec s[4];
	static const uint8_t moves[4][2] = {
		{ST_TCP_CLOSE, ST_TCP_SYN_SENT},
		{ST_TCP_SYN_SENT, ST_TCP_ESTABLISHED},
		{ST_TCP_ESTABLISHED, ST_TCP_FIN_WAIT1},
		{ST_TCP_CLOSE, ST_TCP_SYN_SENT}, /* another socket, at the same address */
	};
	char cap[PATH_MAX], *out = NULL;
	int i;

	snprintf(cap, sizeof(cap), "%s/unseen.cap", dir);
	if (!ok(write_capture(cap, &l, sizeof(l), 1) == 0 &&
			replay_lines(dir, cap, "life", &out) == 0 &&
			strstr(out, "\"end\":\"unseen\"") &&
			strstr(out, "\"path\":\"SYN_RECV>ESTABLISHED>FIN_WAIT1\"") &&
			strstr(out, "\"pid\":4242,\"comm\":\"server\"") && !strchr(out, '\n')[1],
		"life: a record of an end unseen is one line, end \"unseen\", the states seen"))
		tap_diag("lines: %s", out ? out : "none");
	free(out);
	out = NULL;

	memset(s, 0, sizeof(s));
	for (i = 0; i < 4; i++) {
		s[i].hdr =
			(struct st_hdr){ST_REC_STATE, sizeof(s[i]), (uint64_t)(i + 1) * 1000000000};
		s[i].sk = sk;
		s[i].cookie = i < 3 ? 501 : 502;
		s[i].t = l.t;
		s[i].t.sport = i < 3 ? 40000 : 40001;
		s[i].t.dport = 8080;
		s[i].oldstate = moves[i][0];
		s[i].newstate = moves[i][1];
		s[i].task = (struct st_task){4343, 4343, "client"};
	}
	if (!ok(write_capture(cap, s, sizeof(s[0]), 4) == 0 &&
			replay_lines(dir, cap, "watch", &out) == 0 &&
			strstr(out, "\"sock\":501,") && strstr(out, "\"sock\":502,") &&
			strstr(out, "\"old_state\":\"FIN_WAIT1\",\"new_state\":\"CLOSE\","
				    "\"prev_state_ms\":null,\"derived\":true,\"end_unseen\":true"),
		"watch: a new socket at a live socket's address ends the old one, unseen"))
		tap_diag("lines: %s", out ? out : "none");
	free(out);
	unlink(cap);
}

/* The tuple of a captured record, or NULL for a record that has none. */
static const struct st_tuple *rec_tuple(const void *rec, uint32_t len)
{
	const struct st_hdr *h = rec;

	if (len < sizeof(*h))
		return NULL;
	if (st_rec_is_call(h->type))
		return len >= sizeof(struct st_call_rec) ? &((const struct st_call_rec *)rec)->t
							 : NULL;
	switch (h->type) {
	case ST_REC_STATE:
		return len >= sizeof(struct st_state_rec) ? &((const struct st_state_rec *)rec)->t
							  : NULL;
	case ST_REC_SOCK:
		return len >= sizeof(struct st_sock_rec) ? &((const struct st_sock_rec *)rec)->t
							 : NULL;
	case ST_REC_LIFE:
		return len >= sizeof(struct st_life_rec) ? &((const struct st_life_rec *)rec)->t
							 : NULL;
	default:
		return NULL;
	}
}

struct tuple_count {
	uint64_t bytes;
	long v4, dirty;
};

static void count_tuple(const void *rec, uint32_t len, void *ctx)
{
	static const uint8_t zero[ST_ADDR_LEN];
	struct tuple_count *c = ctx;
	const struct st_tuple *tp = rec_tuple(rec, len);

	c->bytes += len;
	if (!tp || tp->family != AF_INET)
		return;
	c->v4++;
	if (memcmp(tp->saddr + 4, zero, ST_ADDR_LEN - 4) ||
	    memcmp(tp->daddr + 4, zero, ST_ADDR_LEN - 4) ||
	    memcmp(tp->pad, zero, sizeof(tp->pad))) {
		if (!c->dirty)
			tap_diag("first dirty record: type %u", ((const struct st_hdr *)rec)->type);
		c->dirty++;
	}
}

/*
 * An IPv4 tuple's bytes past its addresses and its padding are zero in every
 * record: the table compares and hashes whole tuples (a TIME_WAIT entry's key,
 * a reuseport group, the JSON memo), and a ring record starts with whatever an
 * older one left there. A small ring wraps many times over in the run.
 */
static void tuple_bytes(const char *dir)
{
	char cap[PATH_MAX];
	struct tracer t;
	struct tuple_count c = {0};
	long long events = -1, lost = -1;
	uint16_t port;
	int lfd, rc, i;

	snprintf(cap, sizeof(cap), "%s/bytes.cap", dir);
	setenv("SOCKTRACE_CAPTURE", cap, 1);
	if (!ok(tracer_start(
			&t, (const char *const[]){"watch", "--json", "--ringbuf-size", "32K", NULL},
			30000) == 0,
		"watch with a 32K ring: started")) {
		tap_diag("%s", tracer_stderr(&t));
		tracer_cleanup(&t);
		return;
	}
	lfd = tcp_listen_on(AF_INET, "127.0.0.1", 0, 64, &port);
	/* in small batches, so that the ring wraps without overflowing */
	for (i = 0, rc = lfd < 0; i < 40 && !rc; i++) {
		rc = tcp_open_close(port, lfd, 5, i % 2);
		usleep(10 * 1000);
	}
	ok(!rc, "watch with a 32K ring: 200 loopback connections");
	close(lfd);
	usleep(300 * 1000);
	rc = tracer_stop(&t, 10000);
	if (!rc)
		rc = tracer_last_summary(&t, &events, &lost, NULL, NULL);
	tracer_cleanup(&t);
	unsetenv("SOCKTRACE_CAPTURE");
	ok(rc == 0 && capture_each(cap, count_tuple, &c) > 0, "the capture was written");
	/* a ring this small may lose records in a burst: what counts is that
	 * it wrapped */
	ok(c.bytes > 3 * 32768 && c.v4 >= 500,
	   "the ring wrapped: %llu bytes in %ld IPv4 records (events %lld, lost %lld)",
	   (unsigned long long)c.bytes, c.v4, events, lost);
	ok(c.dirty == 0, "every IPv4 tuple is zero past its addresses (%ld of %ld are not)",
	   c.dirty, c.v4);
	unlink(cap);
}

int main(void)
{
	char dir[] = "/tmp/t_replay.XXXXXX", path[PATH_MAX], *out = NULL;
	int rc;

	if (!mkdtemp(dir)) {
		ok(0, "a temporary directory: %s", strerror(errno));
		return tap_done();
	}
	end_unseen(dir);
	setenv("SOCKTRACE_CAPTURE", "/nonexistent/socktrace.cap", 1);
	rc = run_capture((const char *const[]){socktrace_path(), "watch", "--duration", "1", NULL},
			 &out, 30000);
	ok(rc == 1 && strstr(out, "SOCKTRACE_CAPTURE") &&
		   strchr(out, '\n') == out + strlen(out) - 1,
	   "a capture that cannot be written: one line, exit 1 (got %d: %s)", rc, out);
	free(out);

	if (netns_enter_new() < 0) {
		ok(0, "enter a new network namespace: %s", strerror(errno));
		return tap_done();
	}
	tuple_bytes(dir);
	snprintf(path, sizeof(path), "%s/watch.cap", dir);
	setenv("SOCKTRACE_CAPTURE", path, 1);
	/* each connection: 5 state lines an end (TIME_WAIT's end comes after
	 * the run), and an accept */
	check("watch", 2 * CONNS * 11);
	snprintf(path, sizeof(path), "%s/life.cap", dir);
	setenv("SOCKTRACE_CAPTURE", path, 1);
	/* each connection: a line for each end */
	check("life", 2 * CONNS * 2);
	unlink(path);
	snprintf(path, sizeof(path), "%s/watch.cap", dir);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
