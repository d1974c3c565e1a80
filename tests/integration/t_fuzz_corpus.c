// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The fuzz seeds in tests/fuzz/corpus must be what tools/gen-fuzz-corpus
 * writes today. A seed made before a record grew (bpf/socktrace_abi.h) has
 * records of the old size: the decoder refuses every one of them, and the
 * fuzzer starts from inputs that reach nothing past it. Run `make
 * fuzz-corpus` after such a change; this test says which seeds are stale.
 * Reproducers libFuzzer found (no generator makes them) are not compared.
 * Skipped where the sources are not near the binary (the kernel-matrix guest).
 */
#include <dirent.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "tap.h"
#include "tracer.h"

/* The committed corpus above the binary's directory (build/ or build/san/), in out. */
static int find_corpus(const char *bindir, char *out, size_t len)
{
	char path[PATH_MAX + 32];
	int up;

	for (up = 1; up <= 2; up++) {
		snprintf(path, sizeof(path), "%s%s/tests/fuzz/corpus", bindir,
			 up == 1 ? "/.." : "/../..");
		if (realpath(path, out) && strlen(out) < len && !access(out, R_OK))
			return 0;
	}
	return -1;
}

/* One generated seed against the committed file of that name: 1 when equal. */
static int same_seed(const char *gen_dir, const char *corpus, const char *name)
{
	char a_path[PATH_MAX + NAME_MAX + 2], b_path[PATH_MAX + NAME_MAX + 2];
	size_t a_len = 0, b_len = 0;
	char *a, *b;
	int same;

	snprintf(a_path, sizeof(a_path), "%s/%s", gen_dir, name);
	snprintf(b_path, sizeof(b_path), "%s/%s", corpus, name);
	a = read_text_file(a_path, &a_len);
	b = read_text_file(b_path, &b_len);
	same = a && b && a_len == b_len && !memcmp(a, b, a_len);
	if (!same)
		tap_diag("  %s: generated %zu bytes, committed %s", name, a_len,
			 b ? "differs" : "missing");
	free(a);
	free(b);
	return same;
}

int main(void)
{
	char tmp[PATH_MAX], bindir[PATH_MAX], corpus[PATH_MAX],
		gen_dir[] = "/tmp/t_fuzz_corpus.XXXXXX";
	const char *gen;
	char *out = NULL;
	struct dirent *d;
	int seeds = 0, stale = 0, status;
	DIR *dir;

	snprintf(tmp, sizeof(tmp), "%s", socktrace_path());
	gen = tool_path("gen-fuzz-corpus", NULL);
	if (!realpath(dirname(tmp), bindir) || access(gen, X_OK) ||
	    find_corpus(bindir, corpus, sizeof(corpus))) {
		tap_skip("no generator or corpus next to the binary", "fuzz seeds");
		return tap_done();
	}
	if (!ok(mkdtemp(gen_dir), "a directory for the generated seeds"))
		return tap_done();
	status = run_capture((const char *const[]){gen, gen_dir, NULL}, &out, 30000);
	if (!is_int(status, 0, "gen-fuzz-corpus runs"))
		tap_diag("  %s", out ? out : "");
	free(out);
	dir = opendir(gen_dir);
	while (dir && (d = readdir(dir))) {
		char path[sizeof(gen_dir) + NAME_MAX + 2];

		if (d->d_name[0] == '.')
			continue;
		seeds++;
		stale += !same_seed(gen_dir, corpus, d->d_name);
		snprintf(path, sizeof(path), "%s/%s", gen_dir, d->d_name);
		unlink(path);
	}
	if (dir)
		closedir(dir);
	rmdir(gen_dir);
	ok(seeds >= 30, "the generator writes its seeds (%d)", seeds);
	if (!ok(seeds && !stale, "every generated seed is the committed one (%d of %d stale)",
		stale, seeds))
		tap_diag("  run `make fuzz-corpus` and commit tests/fuzz/corpus");
	return tap_done();
}
