// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The man page source (docs/socktrace.8.md) and the bash completion
 * (dist/socktrace.bash) must say what `socktrace --help` says: the same
 * subcommands and options, no more, no fewer; the completion's state names
 * are the man page's and each one is accepted by --state. Found next to the
 * binary under test (build/socktrace -> the repository); skipped where the
 * sources are not there (the kernel-matrix guest).
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "tracer.h"

#define MAX_WORDS 256

struct words {
	char *w[MAX_WORDS];
	size_t n;
};

static void add(struct words *s, const char *w, size_t len)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strlen(s->w[i]) == len && !strncmp(s->w[i], w, len))
			return;
	if (s->n < MAX_WORDS)
		s->w[s->n++] = strndup(w, len);
}

static int has(const struct words *s, const char *w)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->w[i], w))
			return 1;
	return 0;
}

static void free_words(struct words *s)
{
	while (s->n)
		free(s->w[--s->n]);
}

/* Options in free text: "-x" (one character) and "--long-name", at a word start. */
static void options_in(const char *text, const char *end, struct words *out)
{
	const char *p;

	for (p = text; p < end; p++) {
		size_t n;

		if (*p != '-' || (p > text && !strchr(" \t\n(/[`|,", p[-1])))
			continue;
		if (p[1] == '-') {
			n = 2 + strspn(p + 2, "abcdefghijklmnopqrstuvwxyz0123456789-");
			if (n > 3)
				add(out, p, n);
			p += n - 1;
		} else if (p[1] &&
			   strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
				  p[1]) &&
			   (p + 2 >= end || !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST"
						    "UVWXYZ0123456789-",
						    p[2]))) {
			add(out, p, 2);
			p++;
		}
	}
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, 0, f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* The man source's tagged-paragraph terms: lines that are only `...` spans. */
static void man_terms(const char *src, struct words *opts, struct words *cmds)
{
	const char *line;
	int in_commands = 0;

	for (line = src; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		size_t len = strcspn(line, "\n");

		if (line[0] == '#') {
			in_commands = !strncmp(line, "# COMMANDS", 10);
			continue;
		}
		if (line[0] != '`' || line[len - 1] != '`')
			continue;
		if (line[1] == '-')
			options_in(line, line + len, opts);
		else if (in_commands)
			add(cmds, line + 1, len - 2);
	}
}

/* A bash variable's words: local NAME="..." (may span lines). */
static void shell_words(const char *src, const char *name, struct words *out)
{
	char key[64];
	const char *p, *end;

	snprintf(key, sizeof(key), "local %s=\"", name);
	p = strstr(src, key);
	if (!p)
		return;
	p += strlen(key);
	end = strchr(p, '"');
	while (p && p < end) {
		size_t n;

		p += strspn(p, " \t\n");
		n = strcspn(p, " \t\n\"");
		if (n)
			add(out, p, n);
		p += n;
	}
}

static void same_sets(const char *what, const struct words *a, const char *an,
		      const struct words *b, const char *bn)
{
	size_t i;
	int ok_all = 1;

	for (i = 0; i < a->n; i++)
		if (!has(b, a->w[i])) {
			tap_diag("%s: %s has %s, %s does not", what, an, a->w[i], bn);
			ok_all = 0;
		}
	for (i = 0; i < b->n; i++)
		if (!has(a, b->w[i])) {
			tap_diag("%s: %s has %s, %s does not", what, bn, b->w[i], an);
			ok_all = 0;
		}
	ok(ok_all && a->n > 0, "%s: %s and %s agree (%zu)", what, an, bn, a->n);
}

int main(void)
{
	char tmp[PATH_MAX], root[PATH_MAX], path[PATH_MAX + 64], *help = NULL, *man, *comp;
	struct words help_opts = {0}, help_cmds = {0}, man_opts = {0}, man_cmds = {0},
		     comp_opts = {0}, comp_cmds = {0}, comp_states = {0}, man_states = {0};
	const char *usage, *p;
	size_t i, bad;

	snprintf(tmp, sizeof(tmp), "%s", socktrace_path());
	if (!realpath(dirname(tmp), root)) {
		tap_skip("no build directory", "docs");
		return tap_done();
	}
	snprintf(path, sizeof(path), "%s/../docs/socktrace.8.md", root);
	man = slurp(path);
	snprintf(path, sizeof(path), "%s/../dist/socktrace.bash", root);
	comp = slurp(path);
	if (!man || !comp) {
		tap_skip("sources not next to the binary", "man page and completion");
		return tap_done();
	}
	if (!ok(run_capture((const char *const[]){socktrace_path(), "--help", NULL}, &help,
			    10000) == 0 &&
			help,
		"socktrace --help"))
		return tap_done();
	/* subcommands: usage: socktrace [watch|life|...] */
	usage = strchr(help, '[');
	for (p = usage ? usage + 1 : NULL; p && *p && *p != ']';) {
		size_t n = strcspn(p, "|]");

		add(&help_cmds, p, n);
		p += n + (p[n] == '|');
	}
	options_in(help, help + strlen(help), &help_opts);
	/* they are what prints the help */
	add(&help_opts, "--help", 6);
	add(&help_opts, "--version", 9);

	man_terms(man, &man_opts, &man_cmds);
	same_sets("subcommands", &help_cmds, "--help", &man_cmds, "man page");
	same_sets("options", &help_opts, "--help", &man_opts, "man page");

	shell_words(comp, "cmds", &comp_cmds);
	shell_words(comp, "opts", &comp_opts);
	add(&help_cmds, "help", 4); /* `socktrace help` */
	same_sets("subcommands", &help_cmds, "--help", &comp_cmds, "completion");
	same_sets("options", &help_opts, "--help", &comp_opts, "completion");

	/* states: the man page lists them under --state, in backquotes */
	p = strstr(man, "`--state NAME");
	if (p) {
		const char *end = strstr(p, "\n\n");

		for (p = strchr(p, '\n'); p && p < end; p++) {
			size_t n;

			if (*p != '`')
				continue;
			n = strcspn(p + 1, "`");
			if (n && p[1] >= 'A' && p[1] <= 'Z')
				add(&man_states, p + 1, n);
			p += n + 1;
		}
	}
	shell_words(comp, "states", &comp_states);
	same_sets("TCP states", &man_states, "man page", &comp_states, "completion");
	for (i = 0, bad = 0; i < comp_states.n; i++) {
		char *out = NULL;
		int rc = run_capture((const char *const[]){socktrace_path(), "--state",
							   comp_states.w[i], "--help", NULL},
				     &out, 10000);

		if (rc) {
			tap_diag("--state %s: exit %d", comp_states.w[i], rc);
			bad++;
		}
		free(out);
	}
	ok(comp_states.n && !bad, "every completion state is accepted by --state");
	free_words(&help_opts);
	free_words(&help_cmds);
	free_words(&man_opts);
	free_words(&man_cmds);
	free_words(&comp_opts);
	free_words(&comp_cmds);
	free_words(&comp_states);
	free_words(&man_states);
	free(help);
	free(man);
	free(comp);
	return tap_done();
}
