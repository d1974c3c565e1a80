// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "seed_iter.h"

#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "tap.h"
#include "tracer.h"

bool seed_iter_usable(void)
{
	static int usable = -1;
	const char *argv[] = {socktrace_path(), "features", "--json", NULL};
	struct json_obj *feat = NULL;
	const struct json_obj *seed = NULL;
	char *out = NULL;

	if (usable >= 0)
		return usable;
	if (run_capture(argv, &out, 20000) == 0 && out)
		feat = json_parse(out, strlen(out));
	if (feat)
		seed = json_get_obj(feat, "seed");
	usable = seed && json_str_is(seed, "sockets", "iter");
	json_free(feat);
	free(out);
	return usable;
}

void check_seed_iter_refused(const char *netns)
{
	const char *argv[] = {socktrace_path(),		"table", "--seed", "iter",
			      netns ? "--netns" : NULL, netns,	 NULL};
	char *out = NULL, *nl;
	int rc = run_capture(argv, &out, 20000);

	bool one_line;

	nl = out ? strchr(out, '\n') : NULL;
	one_line = nl && nl[1] == '\0';
	if (out)
		out[strcspn(out, "\n")] = '\0';
	ok(rc == 1 && out && strstr(out, "--seed iter") && one_line,
	   "--seed iter where the socket iterators cannot load: exit 1, one line: %s",
	   out ? out : "");
	free(out);
}
