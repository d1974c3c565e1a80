// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The test library itself: the strict JSON-lines parser, run_capture, the
 * tracer runner (against a fake tracer script), workload and netns helpers.
 */
#include "jsonl.h"
#include "netns.h"
#include "tap.h"
#include "tracer.h"
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <net/if.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct json_obj *parse(const char *s)
{
	return json_parse(s, strlen(s));
}

static void test_valid(void)
{
	struct json_obj *o;
	long long i;
	double d;
	int b;

	o = parse("{\"type\":\"connect\",\"pid\":1234,\"ok\":true,\"bad\":false,\"x\":null,"
		  "\"f\":1.5,\"neg\":-7}");
	if (!ok(o != NULL, "flat object parses"))
		return;
	is_str(json_str(o, "type"), "connect", "string value");
	ok(json_int(o, "pid", &i) == 0 && i == 1234, "integer value");
	ok(json_int(o, "neg", &i) == 0 && i == -7, "negative integer");
	ok(json_bool(o, "ok", &b) == 0 && b == 1, "true");
	ok(json_bool(o, "bad", &b) == 0 && b == 0, "false");
	ok(json_is_null(o, "x"), "null");
	ok(!json_is_null(o, "pid") && !json_is_null(o, "nope"),
	   "is_null false for non-null/absent");
	ok(json_num(o, "f", &d) == 0 && d == 1.5, "fractional number");
	ok(json_num(o, "pid", &d) == 0 && d == 1234.0, "integer read as double");
	is_int(json_int(o, "f", &i), -EINVAL, "json_int rejects 1.5");
	is_int(json_int(o, "type", &i), -EINVAL, "json_int rejects a string");
	is_int(json_int(o, "nope", &i), -ENOENT, "json_int: absent key");
	is_int(json_num(o, "nope", &d), -ENOENT, "json_num: absent key");
	is_int(json_num(o, "ok", &d), -EINVAL, "json_num rejects a bool");
	is_int(json_bool(o, "pid", &b), -EINVAL, "json_bool rejects a number");
	is_int(json_bool(o, "nope", &b), -ENOENT, "json_bool: absent key");
	ok(json_str(o, "pid") == NULL && json_str(o, "nope") == NULL,
	   "json_str NULL for non-string");
	ok(json_has(o, "x") && json_has(o, "bad") && !json_has(o, "Type"),
	   "json_has, case-sensitive");
	is_int(json_nkeys(o), 7, "seven keys");
	is_str(json_key_at(o, 0), "type", "keys in input order (first)");
	is_str(json_key_at(o, 6), "neg", "keys in input order (last)");
	ok(json_key_at(o, 7) == NULL, "key_at past the end");
	json_free(o);

	o = parse(" \t{ \"a\" : 1 , \"b\" : [ ] , \"c\" : { } }  \r\n");
	ok(o != NULL, "whitespace everywhere JSON allows it");
	is_int(json_array_len(o, "b"), 0, "empty array");
	ok(json_get_obj(o, "c") != NULL && json_nkeys(json_get_obj(o, "c")) == 0, "empty object");
	json_free(o);

	o = parse("{}");
	ok(o != NULL && json_nkeys(o) == 0, "{} parses");
	json_free(o);

	/* len bounds the input: no NUL needed after the object. */
	o = json_parse("{\"a\":12}garbage", 8);
	ok(o != NULL && json_int(o, "a", &i) == 0 && i == 12, "parse honours len");
	json_free(o);
}

static void test_arrays(void)
{
	const struct json_obj *e;
	struct json_obj *o;
	long long i;

	o = parse("{\"pids\":[{\"pid\":1,\"comm\":\"x\",\"cmdline\":\"x -y\"},"
		  "{\"pid\":2,\"comm\":\"y\",\"cmdline\":\"\"}],\"n\":[1,\"a\",null,[2]]}");
	if (!ok(o != NULL, "array of objects parses"))
		return;
	is_int(json_array_len(o, "pids"), 2, "two elements");
	e = json_array_obj(o, "pids", 1);
	ok(e && json_int(e, "pid", &i) == 0 && i == 2, "second element's pid");
	is_str(json_str(e, "cmdline"), "", "empty string in element");
	is_str(json_str(json_array_obj(o, "pids", 0), "cmdline"), "x -y",
	       "first element's cmdline");
	ok(json_array_obj(o, "pids", 2) == NULL, "index past the end");
	is_int(json_array_len(o, "n"), 4, "mixed array length");
	ok(json_array_obj(o, "n", 0) == NULL, "non-object element is not an object");
	is_int(json_array_len(o, "nope"), 0, "absent array");
	is_int(json_array_len(json_array_obj(o, "pids", 0), "pid"), 0, "a number is no array");
	json_free(o);
}

static void test_strings(void)
{
	struct json_obj *o;

	o = parse("{\"s\":\"a\\\"b\\\\c\\nd\\/e\\tf\\bg\\fh\\ri\"}");
	ok(o != NULL, "simple escapes parse");
	is_str(json_str(o, "s"), "a\"b\\c\nd/e\tf\bg\fh\ri", "simple escapes decoded");
	json_free(o);

	o = parse("{\"s\":\"caf\\u00e9 \\u20AC \\ud83d\\ude00\"}");
	ok(o != NULL, "\\u escapes parse");
	is_str(json_str(o, "s"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	       "\\u00e9, \\u20AC and a surrogate pair decode to UTF-8");
	json_free(o);

	/* a UNIX abstract name may hold NULs: C0 80 stands for each */
	o = parse("{\"s\":\"@a\\u0000b\"}");
	is_str(o ? json_str(o, "s") : NULL,
	       "@a\xc0\x80"
	       "b",
	       "\\u0000 decodes as C0 80");
	json_free(o);

	o = parse("{\"s\":\"caf\xc3\xa9 \xf0\x9f\x98\x80 \x7f\",\"k\\u00e9y\":1}");
	ok(o != NULL, "raw UTF-8 and DEL accepted");
	ok(json_has(o, "k\xc3\xa9y"), "escaped key is decoded");
	json_free(o);
}

static void test_numbers(void)
{
	struct json_obj *o;
	long long i;
	double d;

	o = parse("{\"a\":0,\"b\":-0,\"c\":1e5,\"d\":1.0,\"e\":1E+2,\"f\":25e-2,"
		  "\"max\":9223372036854775807,\"min\":-9223372036854775808,"
		  "\"big\":9223372036854775808,\"huge\":1e400}");
	if (!ok(o != NULL, "numbers parse"))
		return;
	ok(json_int(o, "a", &i) == 0 && i == 0, "0");
	ok(json_int(o, "b", &i) == 0 && i == 0, "-0 is an integer");
	ok(json_num(o, "c", &d) == 0 && d == 100000.0, "1e5 is a number");
	is_int(json_int(o, "c", &i), -EINVAL, "1e5 is not an integer");
	is_int(json_int(o, "d", &i), -EINVAL, "1.0 is not an integer");
	ok(json_num(o, "e", &d) == 0 && d == 100.0, "1E+2");
	ok(json_num(o, "f", &d) == 0 && d == 0.25, "25e-2");
	ok(json_int(o, "max", &i) == 0 && i == 9223372036854775807LL, "LLONG_MAX");
	ok(json_int(o, "min", &i) == 0 && i == -9223372036854775807LL - 1, "LLONG_MIN");
	is_int(json_int(o, "big", &i), -ERANGE, "LLONG_MAX + 1 is out of range");
	ok(json_num(o, "huge", &d) == 0 && isinf(d), "1e400 is a number (inf)");
	json_free(o);
}

static void test_invalid(void)
{
	static const struct {
		const char *text;
		const char *why;
	} bad[] = {
		{"{\"a\":1,}", "trailing comma in object"},
		{"{\"a\":[1,]}", "trailing comma in array"},
		{"{a:1}", "unquoted key"},
		{"{'a':1}", "single-quoted key"},
		{"{\"a\":'x'}", "single-quoted string"},
		{"{\"a\":\"x\ty\"}", "raw tab inside string"},
		{"{\"a\":\"x\x01y\"}", "raw control char inside string"},
		{"{\"a\":\"x\ny\"}", "raw newline inside string"},
		{"{\"a\":\"\\ud83d\"}", "lone high surrogate"},
		{"{\"a\":\"\\ude00\"}", "lone low surrogate"},
		{"{\"a\":\"\\ud83dx\"}", "high surrogate then text"},
		{"{\"a\":\"\\ud83d\\u0041\"}", "high surrogate then non-surrogate"},
		{"{\"a\":\"\\u12\"}", "short \\u escape"},
		{"{\"a\":\"\\u12g4\"}", "non-hex \\u escape"},
		{"{\"a\":\"\\x41\"}", "unknown escape"},
		{"{\"a\":\"\\'\"}", "escaped single quote"},
		{"{\"a\":\"\xff\"}", "invalid UTF-8 byte"},
		{"{\"a\":\"\xc0\xaf\"}", "overlong UTF-8"},
		{"{\"a\":\"\xe0\x80\xaf\"}", "overlong 3-byte UTF-8"},
		{"{\"a\":\"\xed\xa0\x80\"}", "UTF-8-encoded surrogate"},
		{"{\"a\":\"\xe2\x82\"}", "truncated UTF-8 sequence"},
		{"{\"a\":\"\xf4\x90\x80\x80\"}", "code point past U+10FFFF"},
		{"{\"a\":\"\x80\"}", "stray continuation byte"},
		{"{\"a\":1,\"a\":2}", "duplicate key"},
		{"{\"a\":1,\"b\":{\"c\":1,\"c\":1}}", "duplicate key in nested object"},
		{"{\"p\":[{\"x\":1,\"x\":2}]}", "duplicate key in array element"},
		{"{\"a\":1}x", "trailing garbage"},
		{"{\"a\":1}{}", "two objects"},
		{"{\"a\":1", "truncated object"},
		{"{\"a\":\"abc", "truncated string"},
		{"{\"a\":\"abc\\", "truncated escape"},
		{"{\"a\":", "truncated value"},
		{"{\"a\"", "truncated after key"},
		{"{", "just a brace"},
		{"", "empty line"},
		{"   ", "blank line"},
		{"[1]", "array at top level"},
		{"\"s\"", "string at top level"},
		{"1", "number at top level"},
		{"{\"a\":01}", "leading zero"},
		{"{\"a\":1.}", "no digit after point"},
		{"{\"a\":.5}", "no digit before point"},
		{"{\"a\":-}", "lone minus"},
		{"{\"a\":+1}", "plus sign"},
		{"{\"a\":1e}", "empty exponent"},
		{"{\"a\":1e+}", "signed empty exponent"},
		{"{\"a\":0x10}", "hex number"},
		{"{\"a\":NaN}", "NaN"},
		{"{\"a\":Infinity}", "Infinity"},
		{"{\"a\":tru}", "truncated literal"},
		{"{\"a\":truex}", "literal with trailing letters"},
		{"{\"a\":True}", "capitalised literal"},
		{"{\"a\":[1 2]}", "missing comma in array"},
		{"{\"a\":1 \"b\":2}", "missing comma in object"},
		{"{\"a\" 1}", "missing colon"},
		{"{,}", "lone comma"},
		{"{\"a\":1}\v", "vertical tab is not JSON whitespace"},
	};
	struct json_obj *o;
	char deep[512];
	size_t i, d;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = parse(bad[i].text);
		ok(o == NULL, "rejects: %s", bad[i].why);
		json_free(o);
	}
	o = json_parse("{\"a\":1}\0", 8);
	ok(o == NULL, "rejects: NUL after the object");
	json_free(o);
	o = json_parse("{\"a\":\"x\0y\"}", 11);
	ok(o == NULL, "rejects: raw NUL inside string");
	json_free(o);
	ok(json_parse(NULL, 0) == NULL, "NULL line");

	/* Depth: the top-level object counts as 1. */
	for (d = 0; d < 2; d++) {
		size_t levels = d ? JSON_MAX_DEPTH : JSON_MAX_DEPTH - 1, n = 0, k;

		n += (size_t)sprintf(deep + n, "{\"a\":");
		for (k = 0; k < levels; k++)
			deep[n++] = '[';
		for (k = 0; k < levels; k++)
			deep[n++] = ']';
		deep[n++] = '}';
		deep[n] = '\0';
		o = parse(deep);
		if (d)
			ok(o == NULL, "nesting past JSON_MAX_DEPTH rejected");
		else
			ok(o != NULL, "nesting up to JSON_MAX_DEPTH accepted");
		json_free(o);
	}
}

static int write_file(const char *path, const char *text, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	int rc;

	if (fd < 0)
		return -1;
	rc = write_all(fd, text, strlen(text));
	close(fd);
	return rc;
}

static void test_lines(const char *dir)
{
	struct json_lines jl;
	char path[512];
	long long i;

	snprintf(path, sizeof(path), "%s/lines.jsonl", dir);
	if (!ok(write_file(path,
			   "{\"n\":1}\n\n{\"n\":2}\n{\"n\":3,}\n{\"n\":4}\nnot json\n{\"n\":5}",
			   0644) == 0,
		"write a JSON-lines file"))
		return;
	is_int(json_lines_load(path, &jl), 0, "json_lines_load");
	is_int(jl.n, 4, "four good lines");
	is_int(jl.bad, 2, "two bad lines");
	is_str(jl.first_bad, "{\"n\":3,}", "first bad line kept");
	is_int(jl.first_bad_lineno, 4, "its line number");
	ok(jl.unterminated, "missing final newline noticed");
	ok(jl.n == 4 && json_int(jl.objs[3], "n", &i) == 0 && i == 5, "last line parsed in order");
	json_lines_free(&jl);
	ok(jl.objs == NULL && jl.n == 0, "json_lines_free resets");

	write_file(path, "{\"n\":1}\n", 0644);
	is_int(json_lines_load(path, &jl), 0, "clean file");
	ok(jl.n == 1 && jl.bad == 0 && !jl.unterminated && !jl.first_bad, "clean file: no flags");
	json_lines_free(&jl);

	write_file(path, "", 0644);
	ok(json_lines_load(path, &jl) == 0 && jl.n == 0 && !jl.unterminated, "empty file");
	json_lines_free(&jl);

	snprintf(path, sizeof(path), "%s/missing", dir);
	is_int(json_lines_load(path, &jl), -ENOENT, "missing file");
	json_lines_free(&jl);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_run_capture(void)
{
	const char *exit3[] = {"/bin/sh", "-c", "echo hi; echo oops >&2; exit 3", NULL};
	const char *missing[] = {"/nonexistent/socktrace-test-bin", NULL};
	const char *slow[] = {"/bin/sh", "-c", "sleep 10", NULL};
	const char *killed[] = {"/bin/sh", "-c", "kill -9 $$", NULL};
	const char *bg[] = {"/bin/sh", "-c", "sleep 5 & echo bg", NULL};
	long long t0;
	char *out;
	int rc;

	rc = run_capture(exit3, &out, 5000);
	is_int(rc, 3, "run_capture returns the exit status");
	is_str(out, "hi\noops\n", "stdout and stderr captured");
	free(out);

	rc = run_capture(missing, &out, 5000);
	is_int(rc, 127, "missing program: 127");
	ok(out && strstr(out, "exec"), "missing program: says exec failed");
	free(out);

	t0 = now_ms();
	rc = run_capture(slow, &out, 200);
	is_int(rc, -1, "timeout: -1");
	ok(now_ms() - t0 < 3000, "timeout: returns promptly");
	ok(out != NULL, "timeout: output still allocated");
	free(out);

	rc = run_capture(killed, NULL, 5000);
	is_int(rc, -1, "killed by a signal: -1");

	t0 = now_ms();
	rc = run_capture(bg, &out, 8000);
	is_int(rc, 0, "background grandchild: status of the child");
	is_str(out, "bg\n", "background grandchild: output");
	ok(now_ms() - t0 < 3000, "background grandchild holding the pipe does not block");
	free(out);
}

static const char fake_tracer[] =
	"#!/bin/sh\n"
	"ready= mode=normal prev=\n"
	"for a in \"$@\"; do\n"
	"\t[ \"$prev\" = --ready-file ] && ready=$a\n"
	"\t[ \"$prev\" = --mode ] && mode=$a\n"
	"\tprev=$a\n"
	"done\n"
	"if [ \"$mode\" = early-exit ]; then echo 'fake: cannot attach' >&2; exit 2; fi\n"
	"if [ -e /proc/$$/fd/57 ]; then leak=true; else leak=false; fi\n"
	"trap 'kill $! 2>/dev/null; echo \"summary: events=1 lost=0 kernel_missed=0 sockets=1\" "
	">&2; exit 0' INT TERM\n"
	"[ \"$mode\" = ignore-int ] && trap '' INT\n"
	"printf '{\"type\":\"hello\",\"argc\":%d,\"last\":\"%s\",\"leak\":%s}\\n' $# \"$ready\" "
	"$leak\n"
	"[ \"$mode\" != never-ready ] && : > \"$ready\"\n"
	"if [ \"$mode\" = self-exit ]; then\n"
	"\techo 'summary: events=3 lost=1 kernel_missed=2 sockets=4' >&2\n"
	"\techo 'summary: events=5 lost=0 kernel_missed=7 sockets=6' >&2\n"
	"\techo 'bye' >&2\n"
	"\texit 0\n"
	"fi\n"
	"while :; do sleep 1 & wait $!; done\n";

static void test_tracer(const char *dir)
{
	const char *normal[] = {"watch", "--json", "--mode", "normal", NULL};
	const char *early[] = {"watch", "--mode", "early-exit", NULL};
	const char *never[] = {"watch", "--mode", "never-ready", NULL};
	const char *ign[] = {"watch", "--mode", "ignore-int", NULL};
	const char *selfexit[] = {"watch", "--mode", "self-exit", NULL};
	long long ev, lost, missed, socks, i;
	struct json_lines jl;
	struct tracer t;
	char script[512], keepdir[256];
	int rc, leakfd, b, keep = getenv("KEEP_TEST_FILES") != NULL;

	snprintf(script, sizeof(script), "%s/fake-socktrace", dir);
	if (!ok(write_file(script, fake_tracer, 0755) == 0, "write the fake tracer"))
		return;
	setenv("SOCKTRACE", script, 1);
	is_str(socktrace_path(), script, "socktrace_path follows $SOCKTRACE");

	/* An fd the test holds must not leak into the tracer. */
	leakfd = dup2(STDOUT_FILENO, 57);

	rc = tracer_start(&t, normal, 5000);
	is_int(rc, 0, "tracer_start: ready");
	ok(access(t.ready_path, F_OK) == 0, "ready file exists");
	is_str(tracer_status_str(&t), "running", "status: running");
	rc = tracer_stop(&t, 5000);
	is_int(rc, 0, "tracer_stop: exit 0 after SIGINT");
	ok(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0, "wait status filled");
	is_str(tracer_status_str(&t), "exited 0", "status string");
	ok(tracer_last_summary(&t, &ev, &lost, &missed, &socks) == 0 && ev == 1 && lost == 0 &&
		   missed == 0 && socks == 1,
	   "summary parsed");
	if (ok(json_lines_load(t.out_path, &jl) == 0 && jl.n == 1 && jl.bad == 0,
	       "stdout holds one JSON line")) {
		is_str(json_str(jl.objs[0], "type"), "hello", "its type");
		ok(json_int(jl.objs[0], "argc", &i) == 0 && i == 6, "argv plus --ready-file PATH");
		is_str(json_str(jl.objs[0], "last"), t.ready_path, "ready path passed last");
		ok(json_bool(jl.objs[0], "leak", &b) == 0 && b == 0, "test fds not inherited");
	}
	json_lines_free(&jl);
	is_int(tracer_stop(&t, 100), 0, "tracer_stop again: same answer");
	snprintf(keepdir, sizeof(keepdir), "%s", t.dir);
	tracer_cleanup(&t);
	if (keep)
		tap_skip("KEEP_TEST_FILES is set", "tracer_cleanup removes its files");
	else
		ok(access(keepdir, F_OK) != 0, "tracer_cleanup removes its files");
	tracer_cleanup(&t);
	ok(1, "tracer_cleanup twice is harmless");
	if (leakfd >= 0)
		close(leakfd);

	rc = tracer_start(&t, early, 5000);
	is_int(rc, -ECHILD, "early exit: -ECHILD");
	ok(strstr(tracer_stderr(&t), "cannot attach") != NULL, "early exit: stderr tells why");
	is_str(tracer_status_str(&t), "exited 2", "early exit: status");
	is_int(tracer_last_summary(&t, &ev, NULL, NULL, NULL), -ENOENT, "early exit: no summary");
	is_int(tracer_stop(&t, 100), -1, "tracer_stop after a failed exit: -1");
	tracer_cleanup(&t);

	rc = tracer_start(&t, never, 300);
	is_int(rc, -ETIMEDOUT, "never ready: -ETIMEDOUT");
	is_int(tracer_stop(&t, 5000), 0, "never ready: still stops cleanly");
	tracer_cleanup(&t);

	rc = tracer_start(&t, ign, 5000);
	is_int(rc, 0, "SIGINT-ignoring tracer starts");
	rc = tracer_stop(&t, 300);
	is_int(rc, -ETIMEDOUT, "ignoring SIGINT: -ETIMEDOUT");
	ok(WIFSIGNALED(t.status) && WTERMSIG(t.status) == SIGKILL, "ignoring SIGINT: SIGKILLed");
	tracer_cleanup(&t);

	rc = tracer_start(&t, selfexit, 5000);
	/* ready, then gone before the next look (a one-shot table): started all the same */
	is_int(rc, 0, "self-exiting tracer starts");
	is_int(tracer_wait(&t, 5000), 0, "tracer_wait: exit 0");
	ok(tracer_last_summary(&t, &ev, &lost, &missed, &socks) == 0 && ev == 5 && lost == 0 &&
		   missed == 7 && socks == 6,
	   "the last summary line wins");
	ok(strstr(tracer_stderr(&t), "bye") != NULL, "tracer_stderr reads it all");
	tracer_cleanup(&t);

	rc = tracer_start(&t, normal, 5000);
	if (ok(rc == 0, "tracer for the kill test")) {
		pid_t pid = t.pid;

		tracer_cleanup(&t);
		ok(kill(pid, 0) < 0 && errno == ESRCH,
		   "tracer_cleanup kills and reaps a running tracer");
	} else {
		tracer_cleanup(&t);
	}

	setenv("SOCKTRACE", "/nonexistent/socktrace", 1);
	rc = tracer_start(&t, normal, 5000);
	is_int(rc, -ECHILD, "missing binary: -ECHILD");
	ok(strstr(tracer_stderr(&t), "exec") != NULL, "missing binary: stderr says exec failed");
	is_str(tracer_status_str(&t), "exited 127", "missing binary: 127");
	tracer_cleanup(&t);
	unsetenv("SOCKTRACE");
	is_str(socktrace_path(), "socktrace", "socktrace_path default");
}

static struct barrier b_ready, b_go;
static uint16_t srv_port;

static int echo_server(void *arg)
{
	int lfd = *(int *)arg, cfd;
	char buf[5];

	set_comm("st-echo-server");
	barrier_signal(&b_ready);
	if (barrier_wait(&b_go, 5000))
		return 10;
	cfd = accept(lfd, NULL, NULL);
	if (cfd < 0)
		return 11;
	if (read_exact(cfd, buf, sizeof(buf), 5000) != sizeof(buf))
		return 12;
	if (write_all(cfd, buf, sizeof(buf)))
		return 13;
	close(cfd);
	return 42;
}

static int sleeper(void *arg)
{
	(void)arg;
	pause();
	return 0;
}

static void test_workload(void)
{
	char comm[64] = "", buf[8], path[64];
	int lfd, cfd, fd, st, n;
	pid_t pid;
	long long t0;

	lfd = tcp_listen_on(AF_INET, "127.0.0.1", 0, 16, &srv_port);
	ok(lfd >= 0 && srv_port != 0, "tcp_listen_on: ephemeral port %u", srv_port);
	is_int(sock_local_port(lfd), srv_port, "sock_local_port of the listener");
	is_int(tcp_listen_on(AF_INET, "not-an-ip", 0, 1, NULL), -EINVAL, "bad address: -EINVAL");
	is_int(tcp_listen_on(AF_UNIX, NULL, 0, 1, NULL), -EAFNOSUPPORT, "bad family");
	ok(barrier_init(&b_ready) == 0 && barrier_init(&b_go) == 0, "barrier_init");

	pid = spawn(echo_server, &lfd);
	ok(pid > 0, "spawn");
	is_int(barrier_wait(&b_ready, 5000), 0, "child reached the barrier");
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY);
	n = fd >= 0 ? (int)read(fd, comm, sizeof(comm) - 1) : -1;
	if (fd >= 0)
		close(fd);
	comm[n > 0 ? n : 0] = '\0';
	is_str(comm, "st-echo-server\n", "set_comm in the child");
	cfd = tcp_connect_to(AF_INET, "127.0.0.1", srv_port);
	ok(cfd >= 0, "tcp_connect_to");
	ok(sock_local_port(cfd) != 0 && sock_local_port(cfd) != srv_port, "client port");
	barrier_signal(&b_go);
	is_int(write_all(cfd, "hello", 5), 0, "write_all");
	is_int(read_exact(cfd, buf, 5, 5000), 5, "read_exact gets the echo");
	ok(memcmp(buf, "hello", 5) == 0, "echoed bytes");
	is_int(read_exact(cfd, buf, 5, 5000), 0, "read_exact at EOF: 0");
	is_int(wait_exit(pid, 5000), 42, "wait_exit: the child's return value");
	close(cfd);
	close(lfd);

	/* Nothing listens on a port we just released... almost surely: use the closed one. */
	cfd = tcp_connect_to(AF_INET, "127.0.0.1", srv_port);
	is_int(cfd, -ECONNREFUSED, "connect to a closed port: -ECONNREFUSED");
	if (cfd >= 0)
		close(cfd);

	{
		int sv[2];

		if (ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair")) {
			write_all(sv[0], "ab", 2);
			t0 = now_ms();
			is_int(read_exact(sv[1], buf, 5, 200), 2,
			       "read_exact timeout: partial count");
			ok(now_ms() - t0 >= 150, "read_exact waited for the timeout");
			close(sv[0]);
			close(sv[1]);
		}
	}

	is_int(barrier_wait(&b_ready, 50), -ETIMEDOUT, "barrier_wait timeout");
	barrier_destroy(&b_ready);
	barrier_destroy(&b_go);

	pid = spawn(sleeper, NULL);
	t0 = now_ms();
	is_int(wait_exit(pid, 200), -1, "wait_exit timeout: -1");
	ok(now_ms() - t0 < 3000 && waitpid(pid, &st, WNOHANG) < 0,
	   "wait_exit timeout: child killed and reaped");
}

/* Runs in a child: the test process keeps its namespace. */
static int netns_child(void *arg)
{
	unsigned long before = *(unsigned long *)arg;
	uint16_t port;
	long ino;
	int lfd, cfd;

	ino = netns_enter_new();
	if (ino < 0)
		return ino == -EPERM ? 99 : 1;
	if ((unsigned long)ino == before || (unsigned long)ino != netns_current_inode())
		return 2;
	lfd = tcp_listen_on(AF_INET, "127.0.0.1", 0, 4, &port);
	if (lfd < 0)
		return 3;
	cfd = tcp_connect_to(AF_INET, "127.0.0.1", port);
	if (cfd < 0)
		return 4;
	close(cfd);
	close(lfd);
	if (!netns_ipv6_ok())
		return 0;
	lfd = tcp_listen_on(AF_INET6, "::1", 0, 4, &port);
	if (lfd < 0)
		return 5;
	cfd = tcp_connect_to(AF_INET6, "::1", port);
	if (cfd < 0)
		return 6;
	close(cfd);
	close(lfd);
	return 0;
}

struct veth_arg {
	int nsfd;
	const char *addr;
	int family;
	struct barrier ready;
	uint16_t port;
};

static int veth_peer(void *p)
{
	struct veth_arg *a = p;
	int lfd, cfd;

	if (netns_enter_fd(a->nsfd))
		return 1;
	lfd = tcp_listen_on(a->family, a->addr, a->port, 4, NULL);
	if (lfd < 0)
		return 2;
	barrier_signal(&a->ready);
	cfd = accept(lfd, NULL, NULL);
	if (cfd < 0)
		return 3;
	close(cfd);
	close(lfd);
	return 0;
}

static int veth_child(void *arg)
{
	int v6 = *(int *)arg, rc = 0, fd;
	struct veth_arg a = {.port = 4242};
	struct netns_veth v;
	pid_t peer;
	char name[16];

	if (netns_enter_new() < 0)
		return 1;
	a.family = v6 ? AF_INET6 : AF_INET;
	a.addr = v6 ? "fd00:5354::2" : "10.231.0.2";
	rc = netns_veth_create(&v, v6 ? "fd00:5354::1" : "10.231.0.1", a.addr, v6 ? 64 : 24);
	if (rc)
		return rc == -EOPNOTSUPP ? 98 : 2;
	if (v.peer_inode == 0 || v.peer_inode == netns_current_inode() || !v.local_ifindex ||
	    !v.peer_ifindex)
		rc = 3;
	a.nsfd = v.peer_nsfd;
	if (!rc && barrier_init(&a.ready))
		rc = 4;
	if (!rc) {
		peer = spawn(veth_peer, &a);
		if (barrier_wait(&a.ready, 5000))
			rc = 5;
		fd = rc ? -1 : tcp_connect_to(a.family, a.addr, a.port);
		if (!rc && fd < 0)
			rc = 6;
		if (fd >= 0)
			close(fd);
		if (wait_exit(peer, 5000) != 0 && !rc)
			rc = 7;
	}
	snprintf(name, sizeof(name), "%s", v.local_if);
	netns_veth_destroy(&v);
	netns_veth_destroy(&v);
	if (!rc && if_nametoindex(name) != 0)
		rc = 8;
	return rc;
}

static void test_netns(void)
{
	unsigned long before = netns_current_inode();
	int rc, v6;

	ok(before != 0, "netns_current_inode");
	if (geteuid() != 0) {
		tap_skip("not root", "netns_enter_new");
		return;
	}
	rc = wait_exit(spawn(netns_child, &before), 10000);
	if (rc == 99) {
		tap_skip("unshare(CLONE_NEWNET) not permitted", "netns_enter_new");
		return;
	}
	is_int(rc, 0, "netns_enter_new: fresh namespace, lo up, loopback TCP works");
	is_int(netns_current_inode(), before, "the test process kept its namespace");

	for (v6 = 0; v6 < 2; v6++) {
		rc = wait_exit(spawn(veth_child, &v6), 10000);
		if (rc == 98) {
			tap_skip("no veth in this kernel", "netns_veth_create (%s)",
				 v6 ? "IPv6" : "IPv4");
			continue;
		}
		is_int(rc, 0, "netns_veth_create: TCP across the link (%s)", v6 ? "IPv6" : "IPv4");
	}
}

int main(void)
{
	char dir[] = "/tmp/test_jsonl.XXXXXX";
	const char *rm[] = {"rm", "-rf", dir, NULL};

	/* A dead reader of a pipe we write must fail the write, not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	test_valid();
	test_arrays();
	test_strings();
	test_numbers();
	test_invalid();
	if (ok(mkdtemp(dir) != NULL, "scratch directory")) {
		test_lines(dir);
		test_run_capture();
		test_tracer(dir);
		if (!getenv("KEEP_TEST_FILES"))
			run_capture(rm, NULL, 5000);
	}
	test_workload();
	test_netns();
	return tap_done();
}
