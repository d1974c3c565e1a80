// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for view_life.c: the path text (the states a connection went
 * through, named in JSON and in the text line, through the memo of recent
 * paths, for paths that share a memo slot, differ only in length, or repeat),
 * and the filters a line must pass (--state anywhere on the path, --pid,
 * --port).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "options.h"
#include "output.h"
#include "states.h"
#include "tap.h"
#include "view_life.h"

#define SEC 1000000000ull

/* The path as the view should name it, made here without the view's code. */
static void expected_path(char *buf, size_t size, uint64_t path, unsigned int len)
{
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < len; i++) {
		const char *name = tcp_state_name((path >> (4 * i)) & 0xf);

		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ">" : "", name ? name : "?");
	}
}

struct life_run {
	struct options o;
	struct output out;
	struct life_view v;
	FILE *f;
};

/* A life view with the options in args (NULL-terminated, at most 6). */
static int life_open_args(struct life_run *r, const char *const *args)
{
	char *argv[8] = {"socktrace", "life"};
	int argc = 2;

	memset(r, 0, sizeof(*r));
	while (*args && argc < 7)
		argv[argc++] = (char *)*args++;
	if (options_parse(argc, argv, &r->o))
		return -1;
	r->f = tmpfile();
	if (!r->f)
		return -1;
	output_init(&r->out, r->f);
	r->v.line = (struct stream_line){.o = &r->o, .out = &r->out};
	return 0;
}

static int life_open(struct life_run *r, bool json)
{
	return life_open_args(r, (const char *const[]){json ? "--json" : "--no-header", NULL});
}

static void life_close(struct life_run *r)
{
	output_free(&r->out);
	fclose(r->f);
}

/* The connection's end, with path and len, as the table hands it over. */
static void end_with_path(struct life_run *r, uint64_t path, unsigned int len)
{
	static const struct st_task task = {.tgid = 1000, .tid = 1000, .comm = "curl"};
	struct sock_entry e = {
		.id = 7,
		.first_ns = SEC,
		.state = ST_TCP_LAST_ACK,
		.flags = ENTRY_SEEN_START,
		.owner_src = OWNER_CONNECT,
		.owner_pid = 1000,
		.owner_comm = "curl",
		.path = path,
		.path_len = (uint8_t)len,
	};
	struct transition tr = {
		.kind = TR_STATE,
		.ts_ns = 2 * SEC,
		.e = &e,
		.old_state = ST_TCP_LAST_ACK,
		.new_state = ST_TCP_CLOSE,
		.task = &task,
	};

	e.t.family = AF_INET;
	e.t.protocol = IPPROTO_TCP;
	e.t.sport = 40000;
	e.t.dport = 80;
	life_transition(&r->v, &tr);
}

/* Every line written, in order; NULL-terminated, freed by the caller. */
static char **life_lines(struct life_run *r, size_t *n)
{
	char **lines = NULL, *line = NULL;
	size_t cap = 0, size = 0;
	ssize_t len;

	output_flush(&r->out);
	rewind(r->f);
	*n = 0;
	while ((len = getline(&line, &size, r->f)) > 0) {
		if (*n + 1 >= cap) {
			cap = cap ? cap * 2 : 64;
			lines = realloc(lines, cap * sizeof(*lines));
		}
		line[len - 1] = '\0';
		lines[(*n)++] = strdup(line);
	}
	free(line);
	return lines;
}

/* Paths of every length, random states (0 and 12-15 have no name), each twice. */
#define PATHS 300

static void test_paths(bool json)
{
	const char *w = json ? "json" : "text";
	uint64_t paths[PATHS];
	unsigned int lens[PATHS], i, bad = 0;
	struct life_run r;
	char want[512];
	char **lines;
	size_t n;

	if (!ok(!life_open(&r, json), "%s: a life view", w))
		return;
	srand(1);
	for (i = 0; i < PATHS; i++) {
		paths[i] = (uint64_t)rand() << 33 ^ (uint64_t)rand() << 2 ^ (uint64_t)rand();
		lens[i] = i % 17;
		/* a path that differs from the one before only in its length */
		if (i % 5 == 4) {
			paths[i] = paths[i - 1];
			lens[i] = lens[i - 1] ? lens[i - 1] - 1 : 3;
		}
		/* the two names of a state in a memo slot's empty key */
		if (i % 50 == 0)
			paths[i] = 0;
	}
	for (i = 0; i < 2 * PATHS; i++)
		end_with_path(&r, paths[i % PATHS], lens[i % PATHS]);
	lines = life_lines(&r, &n);
	is_int((int)n, 2 * PATHS, "%s: a line a connection", w);
	for (i = 0; i < n && i < 2 * PATHS; i++) {
		unsigned int k = i % PATHS;
		const char *got;
		struct json_obj *o = NULL;

		expected_path(want, sizeof(want), paths[k], lens[k]);
		if (json) {
			o = json_parse(lines[i], strlen(lines[i]));
			got = o ? json_str(o, "path") : NULL;
		} else {
			/* the path is the last column */
			got = strrchr(lines[i], ' ');
			got = got ? got + 1 : NULL;
			if (!lens[k] && got)
				got = lines[i][strlen(lines[i]) - 1] == ' ' ? "" : got;
		}
		if (!got || strcmp(got, want)) {
			if (!bad)
				tap_diag("%s: line %u: path %s, want %s", w, i,
					 got ? got : "(none)", want);
			bad++;
		}
		json_free(o);
	}
	is_int((int)bad, 0, "%s: every path named, the first time and again", w);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	life_close(&r);
}

/* How many of these connections' ends the options let through. */
static int lines_shown(const char *const *args)
{
	/* CLOSE>SYN_SENT>ESTABLISHED>CLOSE_WAIT>LAST_ACK, as path_push() packs it */
	const uint64_t path = (uint64_t)ST_TCP_SYN_SENT | (uint64_t)ST_TCP_ESTABLISHED << 4 |
			      (uint64_t)ST_TCP_CLOSE_WAIT << 8 | (uint64_t)ST_TCP_LAST_ACK << 12;
	struct life_run r;
	char **lines;
	size_t n, i;

	if (life_open_args(&r, args))
		return -1;
	end_with_path(&r, path, 4);
	lines = life_lines(&r, &n);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	life_close(&r);
	return (int)n;
}

static void test_filters(void)
{
	static const struct {
		const char *args[6];
		int want;
		const char *what;
	} cases[] = {
		{{"--json"}, 1, "no filter: the line"},
		{{"--json", "--state", "CLOSE_WAIT"},
		 1,
		 "--state: a state on the path, not the last transition's"},
		{{"--json", "--state", "FIN_WAIT2"}, 0, "--state: a state not on the path"},
		{{"--json", "--pid", "1000"}, 1, "--pid: the owner's"},
		{{"--json", "--pid", "1001"}, 0, "--pid: another process"},
		{{"--json", "--lport", "40000"}, 1, "--lport: the local port"},
		{{"--json", "--port", "81"}, 0, "--port: neither end's"},
		{{"--json", "--state", "CLOSE_WAIT", "--pid", "1001"},
		 0,
		 "--state and --pid: both must match"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int(lines_shown(cases[i].args), cases[i].want, "%s", cases[i].what);
}

int main(void)
{
	test_paths(true);
	test_paths(false);
	test_filters();
	return tap_done();
}
