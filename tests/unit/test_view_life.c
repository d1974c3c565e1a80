// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for view_life.c's path text: the states a connection went
 * through, named in JSON and in the text line, through the memo of recent
 * paths, for paths that share a memo slot, differ only in length, or repeat.
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

static int life_open(struct life_run *r, bool json)
{
	char *argv[] = {"socktrace", "life", json ? "--json" : "--no-header", NULL};

	memset(r, 0, sizeof(*r));
	if (options_parse(3, argv, &r->o))
		return -1;
	r->f = tmpfile();
	if (!r->f)
		return -1;
	output_init(&r->out, r->f);
	r->v.line = (struct stream_line){.o = &r->o, .out = &r->out};
	return 0;
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
	output_free(&r.out);
	fclose(r.f);
}

int main(void)
{
	test_paths(true);
	test_paths(false);
	return tap_done();
}
