// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "files.h"
#include "tap.h"

/* A NULL string or a negative number matches anything. */
static int str_match(const struct json_obj *o, const char *key, const char *want)
{
	return !want || json_str_is(o, key, want);
}

static int int_match(const struct json_obj *o, const char *key, long want)
{
	return want < 0 || json_int_is(o, key, want);
}

static int ev_matches(const struct json_obj *o, const struct ev_match *m)
{
	return str_match(o, "event", m->event) && str_match(o, "laddr", m->laddr) &&
	       str_match(o, "raddr", m->raddr) && int_match(o, "lport", m->lport) &&
	       int_match(o, "rport", m->rport);
}

long long ev_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

size_t ev_select_during(const struct json_lines *jl, struct ev_match m, long long from_ns,
			long long to_ns, const struct json_obj **out, size_t max)
{
	size_t i, n = 0;
	long long ts;

	for (i = 0; i < jl->n; i++) {
		const struct json_obj *o = jl->objs[i];

		if (!ev_matches(o, &m))
			continue;
		if ((from_ns || to_ns) && (json_int(o, "ts_ns", &ts) || ts < from_ns || ts > to_ns))
			continue;
		if (n < max)
			out[n] = o;
		n++;
	}
	return n;
}

size_t ev_select_sock(const struct json_lines *jl, struct ev_match m, long long from_ns,
		      long long to_ns, const struct json_obj **out, size_t max)
{
	const struct json_obj *first;
	long long id, v;
	size_t i, n = 0;

	if (!ev_select_during(jl, m, from_ns, to_ns, &first, 1) || json_int(first, "sock", &id))
		return 0;
	for (i = 0; i < jl->n; i++) {
		const struct json_obj *o = jl->objs[i];

		if (!ev_matches(o, &m) || json_int(o, "sock", &v) || v != id)
			continue;
		if (n < max)
			out[n] = o;
		n++;
	}
	return n;
}

size_t ev_select(const struct json_lines *jl, struct ev_match m, const struct json_obj **out,
		 size_t max)
{
	return ev_select_during(jl, m, 0, 0, out, max);
}

int ev_path_is(const struct json_obj *const *ev, size_t n, const char *path, char *why, size_t len)
{
	char seen[1024] = "";
	size_t i;

	for (i = 0; i < n; i++) {
		const char *o = json_str(ev[i], "old_state"), *s = json_str(ev[i], "new_state");

		if (i == 0) {
			strncat(seen, o ? o : "?", sizeof(seen) - strlen(seen) - 1);
		} else {
			const char *prev = json_str(ev[i - 1], "new_state");

			/* a break in the chain shows as '|' */
			if (!prev || !o || strcmp(prev, o) != 0) {
				strncat(seen, "|", sizeof(seen) - strlen(seen) - 1);
				strncat(seen, o ? o : "?", sizeof(seen) - strlen(seen) - 1);
			}
		}
		strncat(seen, ">", sizeof(seen) - strlen(seen) - 1);
		strncat(seen, s ? s : "?", sizeof(seen) - strlen(seen) - 1);
	}
	if (strcmp(seen, path) == 0)
		return 1;
	snprintf(why, len, "path %s, want %s", seen, path);
	return 0;
}

int ev_all_pid(const struct json_obj *const *ev, size_t n, long long pid, char *why, size_t len)
{
	size_t i;
	long long got;

	for (i = 0; i < n; i++) {
		if (json_int(ev[i], "pid", &got) || got != pid) {
			snprintf(why, len, "event %zu (%s>%s) has pid %lld, want %lld", i,
				 json_str(ev[i], "old_state") ? json_str(ev[i], "old_state") : "",
				 json_str(ev[i], "new_state") ? json_str(ev[i], "new_state") : "",
				 got, pid);
			return 0;
		}
	}
	return 1;
}

int ev_no_zero_port(const struct json_obj *const *ev, size_t n, char *why, size_t len)
{
	size_t i;
	long long lp, rp;

	for (i = 0; i < n; i++) {
		if (json_int(ev[i], "lport", &lp) || json_int(ev[i], "rport", &rp) || !lp || !rp) {
			snprintf(why, len, "event %zu (%s>%s) has a zero port", i,
				 json_str(ev[i], "old_state") ? json_str(ev[i], "old_state") : "",
				 json_str(ev[i], "new_state") ? json_str(ev[i], "new_state") : "");
			return 0;
		}
	}
	return 1;
}

int start_tracer(struct tracer *t, const char *const args[])
{
	const char *argv[64];
	const char *hooks = getenv("SOCKTRACE_HOOKS");
	size_t n = 0, i;

	for (i = 0; args[i] && n < 58; i++)
		argv[n++] = args[i];
	argv[n++] = "--json";
	if (hooks && *hooks) {
		argv[n++] = "--hooks";
		argv[n++] = hooks;
	}
	argv[n] = NULL;
	return tracer_start(t, argv, 20000);
}

int watch_pair_start(struct watch_pair *w, const char *netns, const char *text_arg)
{
	w->json_ok =
		start_tracer(&w->json, (const char *const[]){"watch", "--netns", netns, NULL}) == 0;
	w->text_ok = tracer_start(&w->text,
				  (const char *const[]){"watch", "--netns", netns, text_arg, NULL},
				  20000) == 0;
	return ok(w->json_ok && w->text_ok, "watch --json and text watch started");
}

void watch_pair_stop(struct watch_pair *w, struct json_lines *jl, char **text)
{
	memset(jl, 0, sizeof(*jl));
	ok(!w->json_ok || tracer_stop(&w->json, 10000) == 0, "watch --json exits 0");
	ok(!w->text_ok || tracer_stop(&w->text, 10000) == 0, "text watch exits 0");
	if (!ok(w->json_ok && json_lines_load(w->json.out_path, jl) == 0 && jl->bad == 0,
		"watch --json: output read, every line valid"))
		tap_diag("stderr: %s", tracer_stderr(&w->json));
	*text = w->text_ok ? read_text_file(w->text.out_path, NULL) : NULL;
}

void watch_pair_cleanup(struct watch_pair *w)
{
	tracer_cleanup(&w->json);
	tracer_cleanup(&w->text);
}

bool storm_completes(int conns, const char *mode, int payload)
{
	char n[16], bytes[16], want[48];
	const char *argv[12] = {
		tool_path("connstorm", "CONNSTORM"), "-n", n, "-t", "2", "--fork-server", "--json"};
	size_t i = 7;
	char *out = NULL;
	bool good;

	snprintf(n, sizeof(n), "%d", conns);
	snprintf(bytes, sizeof(bytes), "%d", payload);
	snprintf(want, sizeof(want), "\"completed\": %d,", conns);
	if (mode) {
		argv[i++] = "-m";
		argv[i++] = mode;
	}
	if (payload) {
		argv[i++] = "--payload";
		argv[i++] = bytes;
	}
	argv[i] = NULL;
	good = run_capture(argv, &out, 120000) == 0 && out && strstr(out, want);
	if (!good)
		tap_diag("%s", out ? out : "connstorm gave no output");
	free(out);
	return good;
}
