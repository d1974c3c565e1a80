// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * socktrace's command line and process behaviour, against the real binary:
 * usage errors, --help/--version, running without privileges, --duration,
 * --count, signals, a reader that goes away, the text view, the filters and
 * the escaping of hostile process names. Traffic stays on loopback in a
 * network namespace of the test's own, and every tracer is told --netns.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "files.h"
#include "netns.h"
#include "tap.h"
#include "workload.h"

/* Fixed ports: the namespace is the test's own, nobody else binds in it. */
#define PORT_V4	     7004
#define PORT_V6	     7006
#define PORT_REFUSED 7009
#define PORT_MISC    7010

#define EVIL_COMM "\x1b[31mevil\x07"

/*
 * How long the workload's processes wait for the go: eleven tracers start
 * first, each some seconds on a loaded machine or in the TCG guest, where 30 s
 * ran out ("workload ran" failed with every tracer started).
 */
#define WORKLOAD_WAIT_MS 180000

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A file that is not there reads as empty: the tracer may not have made it. */
static char *read_all(const char *path)
{
	char *s = read_text_file(path, NULL);

	return s ? s : strdup("");
}

/* Exactly one line, "socktrace: ..." and a newline. */
static int one_error_line(const char *s)
{
	const char *nl = strchr(s, '\n');

	return strncmp(s, "socktrace: ", 11) == 0 && nl && nl[1] == '\0';
}

static void close_fds_from(int lowfd)
{
	int fd;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned int)lowfd, ~0u, 0u) == 0)
		return;
#endif
	for (fd = lowfd; fd < 4096; fd++)
		close(fd);
}

struct result {
	int status; /* exit status; -1 killed, timed out or not run */
	char *out, *err;
};

static void result_free(struct result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* How run_split() starts socktrace: */
enum {
	RUN_UNPRIVILEGED = 1,  /* as nobody, without capabilities */
	RUN_STDOUT_CLOSED = 2, /* `>&-`: r->out stays empty */
	RUN_STDOUT_FULL = 4,   /* `>/dev/full` */
	RUN_IN_ERR_CLOSED = 8, /* `<&- 2>&-`: r->err stays empty */
};

/* Run socktrace with args (argv[0] excluded) to completion, stdout and stderr apart. */
static int run_split(const char *const args[], unsigned int how, int timeout_ms, struct result *r)
{
	char dir[] = "/tmp/socktrace-cli.XXXXXX", opath[64], epath[64];
	const char *av[64];
	long long deadline;
	int ofd, efd, st;
	size_t n = 0;
	pid_t pid, w;

	r->status = -1;
	r->out = r->err = NULL;
	av[n++] = socktrace_path();
	while (args[n - 1] && n < 63) {
		av[n] = args[n - 1];
		n++;
	}
	av[n] = NULL;
	if (!mkdtemp(dir))
		return -1;
	snprintf(opath, sizeof(opath), "%s/out", dir);
	snprintf(epath, sizeof(epath), "%s/err", dir);
	ofd = open(opath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	efd = open(epath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	fflush(NULL);
	pid = ofd < 0 || efd < 0 ? -1 : fork();
	if (pid == 0) {
		int nullfd = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int fullfd = open("/dev/full", O_WRONLY);

		if (nullfd < 0 || fullfd < 0 || dup2(nullfd, 0) < 0 ||
		    dup2(how & RUN_STDOUT_FULL ? fullfd : ofd, 1) < 0 || dup2(efd, 2) < 0)
			_exit(126);
		close_fds_from(3);
		if (how & RUN_STDOUT_CLOSED)
			close(1);
		if (how & RUN_IN_ERR_CLOSED) {
			close(0);
			close(2);
		}
		if (how & RUN_UNPRIVILEGED) {
			/*
			 * Opened while still root: a clone in a 0700 directory
			 * (mktemp -d) is out of nobody's reach by path.
			 */
			int exe = open(av[0], O_RDONLY | O_CLOEXEC);

			/* uid 0 -> 65534 everywhere clears every capability set */
			if (exe < 0 || setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
			    setresuid(65534, 65534, 65534))
				_exit(126);
			fexecve(exe, (char *const *)av, environ);
			_exit(127);
		}
		execvp(av[0], (char *const *)av);
		_exit(127);
	}
	if (pid > 0) {
		setpgid(pid, pid);
		deadline = now_ms() + timeout_ms;
		for (;;) {
			w = waitpid(pid, &st, WNOHANG);
			if (w == pid) {
				if (WIFEXITED(st))
					r->status = WEXITSTATUS(st);
				break;
			}
			if ((w < 0 && errno != EINTR) || now_ms() >= deadline) {
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
					;
				break;
			}
			usleep(10000);
		}
	}
	if (ofd >= 0)
		close(ofd);
	if (efd >= 0)
		close(efd);
	r->out = read_all(opath);
	r->err = read_all(epath);
	unlink(opath);
	unlink(epath);
	rmdir(dir);
	return pid > 0 ? 0 : -1;
}

static void describe(const char *const args[], char *buf, size_t len)
{
	size_t used = 0;
	int i, k;

	buf[0] = '\0';
	for (i = 0; args[i] && used < len; i++) {
		k = snprintf(buf + used, len - used, "%s%s%s%s", i ? " " : "",
			     args[i][0] ? "" : "\"", args[i], args[i][0] ? "" : "\"");
		if (k < 0)
			break;
		used += (size_t)k;
	}
}

static void usage_errors(void)
{
	static const char *const cases[][6] = {
		{"--port", "0"},
		{"--port", "70000"},
		{"--port", "80x"},
		{"--lport", "-1"},
		{"--rport", ""},
		{"--pid", "abc"},
		{"--pid", "0"},
		{"--state", "FOO"},
		{"--state", "ESTABLISHED,BAR"},
		{"--state", "LISTEN,"},
		{"--state", "LISTEN,,ESTABLISHED"},
		{"--state", ","},
		{"--state", ",LISTEN"},
		{"--state", ""},
		{"frobnicate"},
		{"--frob"},
		{"-Z"},
		{"--duration", "-1"},
		{"--duration", "nan"},
		{"--count", "0"},
		{"--ringbuf-size", "3000"},
		{"--ringbuf-size", "2G"},
		{"-x", "-4", "-6"},
		{"-x", "--port", "80"},
		{"life", "-x", "--lport", "80"},
		{"watch", "-x", "--rport", "80"},
		{"watch", "-x", "--state", "SYN_SENT"},
		{"table", "-x", "--state", "LISTEN"},
		{"watch", "-t", "--path", "/run/*"},
		{"life", "--path", "/run/*", "-4"},
		{"table", "--path", "/run/*", "--port", "80"},
		{"watch", "--path", "/run/*", "-4", "-6"},
		{"reuseport", "--port", "80", "--path", "/run/*"},
		{"serve", "--path", "/run/*"},
		{"features", "-4", "-6"},
		{"watch", "-l"},
		{"table", "-l", "-a"},
		{"table", "--count", "3"},
		{"table", "-cx"},
		{"table", "-c0"},
		{"table", "-c", "0"},
		{"--hooks", "bogus"},
		{"--seed", "bogus"},
		{"--state-hook", "fentry"},
		{"--netns", "x"},
		{"--netns", "1"},
		{"--netns", "/etc/passwd"},
		{"--netns", "/nonexistent/ns"},
		{"--comm", ""},
		{"--comm", "0123456789abcdef"},
		{"--port"},
		{"watch", "extra"},
		{"--btf", "/nonexistent/vmlinux"},
		{"features", "--port", "80"},
		{"features", "--state", "LISTEN"},
		{"features", "-4"},
		{"features", "--netns", "/proc/self/ns/net"},
		{"features", "--comm", "x"},
		{"features", "--pid", "1"},
		{"life", "--min-ms", "10", "--max-ms", "5"},
		{"life", "-u"},
		{"life", "-u", "-4"},
		{"life", "--state", "LISTEN"},
		{"life", "--state", "LISTEN,NEW_SYN_RECV"},
		{"life", "--life-path", "bogus"},
		{"life", "--life-path", "hash", "--metrics", "9"},
		{"watch", "--life-path", "hash"},
		{"watch", "--min-ms", "1"},
		{"reuseport", "--interval", "0"},
		{"table", "--interval", "1"},
		{"reuseport", "--count", "1"},
		{"reuseport", "--pid", "1"},
		{"accept", "--comm", "nginx"},
		{"reuseport", "--rport", "80"},
		{"reuseport", "--state", "LISTEN"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct result r;
		char what[128];

		describe(cases[i], what, sizeof(what));
		run_split(cases[i], 0, 10000, &r);
		is_int(r.status, 2, "'%s': exit status 2", what);
		if (!ok(r.err && one_error_line(r.err) && r.out && !r.out[0],
			"'%s': one 'socktrace: ' line on stderr, nothing on stdout", what))
			tap_diag("stdout [%s] stderr [%s]", r.out ? r.out : "", r.err ? r.err : "");
		result_free(&r);
	}
}

/*
 * Arguments with control bytes: the message quotes them escaped, so it stays
 * one line with no raw ESC or newline (before, --state printed both raw).
 */
static void hostile_arguments(void)
{
	static const char *const cases[][3] = {
		{"--state", "\x1b[31mBAD\nX"},
		{"--port", "\x1b]0;t\x07"},
		{"--seed", "a\rb"},
		{"\x1b[2J"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct result r;
		int esc;

		run_split(cases[i], 0, 10000, &r);
		is_int(r.status, 2, "hostile argument %zu: exit status 2", i);
		esc = r.err && (strchr(r.err, 0x1b) || strchr(r.err, '\r') || strchr(r.err, 0x07));
		if (!ok(r.err && one_error_line(r.err) && !esc,
			"hostile argument %zu: one line, no raw control byte", i))
			tap_diag("stderr [%s]", r.err ? r.err : "");
		ok(r.err && (strstr(r.err, "\\x1b") || strstr(r.err, "\\x0d")),
		   "hostile argument %zu: the control byte shows escaped", i);
		result_free(&r);
	}
}

/*
 * netstat's -c with its seconds attached: -c5 and -tc5, as -c 5 (before, -c5
 * was -c and an unknown option -5). A table each, then --duration ends it.
 */
static void refresh_attached(const char *netns)
{
	static const char *const forms[][2] = {{"-c5", "-t"}, {"-tc5", NULL}, {"-c", "5"}};
	struct result r;
	size_t i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		const char *args[] = {"table", "--netns",   netns,	 "--duration",
				      "0.5",   forms[i][0], forms[i][1], NULL};

		run_split(args, 0, 30000, &r);
		if (!is_int(r.status, 0, "table %s %s: exit status 0", forms[i][0],
			    forms[i][1] ? forms[i][1] : ""))
			tap_diag("stderr [%s]", r.err ? r.err : "");
		ok(r.out && strstr(r.out, "Proto "), "table %s %s: a table", forms[i][0],
		   forms[i][1] ? forms[i][1] : "");
		result_free(&r);
	}
	/* the attached value is -c's: too small a refresh is refused as such */
	run_split((const char *const[]){"table", "-c0.05", NULL}, 0, 10000, &r);
	is_int(r.status, 2, "table -c0.05: exit status 2");
	if (!ok(r.err && one_error_line(r.err) && strstr(r.err, "-c: '0.05'"),
		"table -c0.05: the error names -c and its value"))
		tap_diag("stderr [%s]", r.err ? r.err : "");
	result_free(&r);
}

/*
 * --btf with a file that holds no BTF: one line that names the file as the
 * problem (before: "cannot load or attach any set of hooks (load: Unknown
 * error 4001)", exit 1).
 */
static void unusable_btf(void)
{
	static const char *const files[] = {"/dev/null", "/tmp", "/etc/passwd"};
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct result r;

		run_split((const char *const[]){"features", "--btf", files[i], NULL}, 0, 30000, &r);
		is_int(r.status, 2, "--btf %s: exit status 2", files[i]);
		if (!ok(r.err && one_error_line(r.err) && strstr(r.err, "--btf") &&
				strstr(r.err, files[i]) && strstr(r.err, "BTF file"),
			"--btf %s: one line saying the file is no BTF file", files[i]))
			tap_diag("stderr [%s]", r.err ? r.err : "");
		result_free(&r);
	}
}

/*
 * A store asked for by name that the state hook cannot have: one line that
 * names the option and why, exit 1 (not a silent fall back to the table).
 */
static void life_store_unavailable(const char *netns)
{
	struct result r;

	run_split((const char *const[]){"life", "--netns", netns, "--life-path", "sk_storage",
					"--state-hook", "raw_tp", "--duration", "5", NULL},
		  0, 30000, &r);
	is_int(r.status, 1, "life --life-path sk_storage --state-hook raw_tp: exit status 1");
	if (!ok(r.err && one_error_line(r.err) && strstr(r.err, "--life-path sk_storage") &&
			strstr(r.err, "tp_btf"),
		"life --life-path sk_storage --state-hook raw_tp: one line naming the option and "
		"the hook it needs"))
		tap_diag("stderr [%s]", r.err ? r.err : "");
	result_free(&r);
}

static int is_version(const char *s)
{
	int a, b, c, end = 0;

	return sscanf(s, "socktrace %d.%d.%d\n%n", &a, &b, &c, &end) == 3 && end &&
	       (size_t)end == strlen(s);
}

static void help_version(void)
{
	struct result r;

	run_split((const char *const[]){"--help", NULL}, 0, 10000, &r);
	is_int(r.status, 0, "--help exits 0");
	ok(r.out && strncmp(r.out, "usage: socktrace", 16) == 0 && strstr(r.out, "--json"),
	   "--help prints the usage on stdout");
	ok(r.err && !r.err[0], "--help: stderr empty");
	result_free(&r);

	run_split((const char *const[]){"--version", NULL}, 0, 10000, &r);
	is_int(r.status, 0, "--version exits 0");
	if (!ok(r.out && is_version(r.out), "--version prints 'socktrace X.Y.Z'"))
		tap_diag("stdout [%s]", r.out ? r.out : "");
	result_free(&r);
}

static void unprivileged(void)
{
	struct result r;

	run_split((const char *const[]){"watch", NULL}, RUN_UNPRIVILEGED, 10000, &r);
	is_int(r.status, 1, "as uid 65534 without capabilities: exit status 1");
	if (!ok(r.err && one_error_line(r.err) && strstr(r.err, "CAP_BPF") &&
			strstr(r.err, "CAP_PERFMON"),
		"unprivileged: one stderr line naming CAP_BPF and CAP_PERFMON"))
		tap_diag("stderr [%s]", r.err ? r.err : "");
	ok(r.out && !r.out[0], "unprivileged: nothing on stdout");
	result_free(&r);
}

/*
 * A stdout closed by the parent, or one that takes nothing: the descriptor
 * must not go to the first thing socktrace opens, and the user hears why it
 * stopped. stdin and stderr closed change nothing.
 */
static void standard_fds(const char *netns)
{
	const char *const need_stdout[][8] = {
		{"--version"},
		{"--help"},
		{"features"},
		{"table", "--netns", netns},
		{"watch", "--netns", netns, "--duration", "5"},
		{"life", "--netns", netns, "--duration", "5"},
		{"reuseport", "--netns", netns, "--duration", "5"},
	};
	char what[128];
	struct result r;
	size_t i;

	for (i = 0; i < sizeof(need_stdout) / sizeof(need_stdout[0]); i++) {
		describe(need_stdout[i], what, sizeof(what));
		run_split(need_stdout[i], RUN_STDOUT_CLOSED, 30000, &r);
		is_int(r.status, 1, "%s >&-: exit status 1", what);
		if (!ok(one_error_line(r.err) && strstr(r.err, "stdout is closed"),
			"%s >&-: one line says stdout is closed", what))
			tap_diag("stderr [%s]", r.err);
		result_free(&r);
		/* the one-shot commands finish their output: it must all fail */
		if (i > 3)
			continue;
		run_split(need_stdout[i], RUN_STDOUT_FULL, 30000, &r);
		is_int(r.status, 1, "%s >/dev/full: exit status 1", what);
		if (!ok(one_error_line(r.err) &&
				strstr(r.err, "writing output: No space left on device"),
			"%s >/dev/full: one line says why", what))
			tap_diag("stderr [%s]", r.err);
		result_free(&r);
	}

	/* serve writes no lines: started by a supervisor without a stdout, it runs */
	run_split((const char *const[]){"serve", "--netns", netns, "--metrics", "127.0.0.1:0",
					"--duration", "0.5", NULL},
		  RUN_STDOUT_CLOSED, 30000, &r);
	if (strstr(r.err, "without the HTTP server")) {
		tap_skip("socktrace built with HTTP=0", "serve >&-");
	} else {
		is_int(r.status, 0, "serve >&-: runs, exit status 0");
		ok(strstr(r.err, "summary: ") != NULL, "serve >&-: its summary on stderr");
	}
	result_free(&r);

	run_split((const char *const[]){"table", "-tan", "--netns", netns, NULL}, RUN_IN_ERR_CLOSED,
		  30000, &r);
	is_int(r.status, 0, "table <&- 2>&-: exit status 0");
	ok(strncmp(r.out, "Active Internet connections", 27) == 0,
	   "table <&- 2>&-: the table on stdout");
	result_free(&r);
	run_split((const char *const[]){"watch", "--netns", netns, "--duration", "0.5", NULL},
		  RUN_IN_ERR_CLOSED, 30000, &r);
	is_int(r.status, 0, "watch <&- 2>&-: exit status 0");
	ok(strncmp(r.out, "TIME ", 5) == 0 && !strstr(r.out, "summary"),
	   "watch <&- 2>&-: the header on stdout, the summary nowhere");
	result_free(&r);
}

static void ready_file_missing_dir(const char *netns)
{
	struct result r;

	run_split((const char *const[]){"watch", "--netns", netns, "--ready-file",
					"/nonexistent-socktrace-dir/sub/ready", NULL},
		  0, 30000, &r);
	is_int(r.status, 1, "--ready-file in a missing directory: exit status 1");
	if (!ok(r.err && one_error_line(r.err) && strstr(r.err, "/nonexistent-socktrace-dir"),
		"--ready-file in a missing directory: one error line naming the path"))
		tap_diag("stderr [%s]", r.err ? r.err : "");
	result_free(&r);
}

/* The last line of stderr, strictly "summary: events=N lost=M kernel_missed=R sockets=K". */
static int last_line_is_summary(struct tracer *t)
{
	unsigned long long a, b, c, d;
	char *text = read_all(t->err_path), *last;
	size_t len;
	int end = 0, good;

	if (!text)
		return 0;
	len = strlen(text);
	if (!len || text[len - 1] != '\n') {
		free(text);
		return 0;
	}
	text[len - 1] = '\0';
	last = strrchr(text, '\n');
	last = last ? last + 1 : text;
	good = sscanf(last, "summary: events=%llu lost=%llu kernel_missed=%llu sockets=%llu%n", &a,
		      &b, &c, &d, &end) == 4 &&
	       (size_t)end == strlen(last);
	if (!good)
		tap_diag("last stderr line: [%s]", last);
	free(text);
	return good;
}

static void duration(const char *netns)
{
	struct tracer t;
	long long t0, el;
	int rc;

	if (!ok(tracer_start(
			&t,
			(const char *const[]){"watch", "--netns", netns, "--duration", "1", NULL},
			20000) == 0,
		"--duration 1: started")) {
		tap_diag("%s", tracer_stderr(&t));
		tracer_cleanup(&t);
		return;
	}
	t0 = now_ms();
	rc = tracer_wait(&t, 6000);
	el = now_ms() - t0;
	ok(rc == 0, "--duration 1: exits 0 by itself (%s)", tracer_status_str(&t));
	ok(el >= 800 && el < 6000, "--duration 1: ran about a second (%lld ms after ready)", el);
	ok(tracer_last_summary(&t, NULL, NULL, NULL, NULL) == 0 && last_line_is_summary(&t),
	   "--duration 1: last stderr line is the summary");
	tracer_cleanup(&t);
}

static void signals(const char *netns)
{
	static const int sigs[] = {SIGTERM, SIGINT};
	struct tracer t[2];
	size_t i;

	for (i = 0; i < 2; i++) {
		if (tracer_start(&t[i], (const char *const[]){"watch", "--netns", netns, NULL},
				 20000) != 0)
			tap_diag("%s", tracer_stderr(&t[i]));
	}
	for (i = 0; i < 2; i++)
		if (t[i].running)
			kill(t[i].pid, sigs[i]);
	for (i = 0; i < 2; i++) {
		const char *name = sigs[i] == SIGTERM ? "SIGTERM" : "SIGINT";

		int rc = t[i].pid ? tracer_wait(&t[i], 5000) : -1;

		ok(rc == 0, "%s: exits 0 (%s)", name, tracer_status_str(&t[i]));
		ok(tracer_last_summary(&t[i], NULL, NULL, NULL, NULL) == 0 &&
			   last_line_is_summary(&t[i]),
		   "%s: summary printed", name);
		tracer_cleanup(&t[i]);
	}
}

/* In this thread: connect to a listener of our own, accept, close both. */
static int one_connection(int lfd, uint16_t port)
{
	int c = tcp_connect_to(AF_INET, "127.0.0.1", port), s;

	if (c < 0)
		return -1;
	s = accept(lfd, NULL, NULL);
	close(c);
	if (s >= 0)
		close(s);
	return s >= 0 ? 0 : -1;
}

static int is_traced_event(const struct json_obj *o)
{
	const char *ev = json_str(o, "event");

	return ev && (!strcmp(ev, "state") || !strcmp(ev, "accept") || !strcmp(ev, "connect"));
}

static void count_limit(const char *netns)
{
	struct tracer t;
	struct json_lines jl = {0};
	size_t i, n = 0;
	int lfd, rc, made = 0;

	/* listening before the start: the first lines are the connections' */
	lfd = tcp_listen_on(AF_INET, "127.0.0.1", PORT_MISC, 16, NULL);
	if (!ok(start_tracer(&t, (const char *const[]){"watch", "--netns", netns, "--count", "3",
						       NULL}) == 0,
		"--count 3: started")) {
		tap_diag("%s", tracer_stderr(&t));
		tracer_cleanup(&t);
		if (lfd >= 0)
			close(lfd);
		return;
	}
	for (i = 0; lfd >= 0 && i < 4; i++)
		made += one_connection(lfd, PORT_MISC) == 0;
	ok(made == 4, "--count 3: made 4 connections");
	rc = tracer_wait(&t, 5000);
	if (lfd >= 0)
		close(lfd);
	ok(rc == 0, "--count 3: exits 0 by itself (%s)", tracer_status_str(&t));
	if (ok(json_lines_load(t.out_path, &jl) == 0 && jl.bad == 0,
	       "--count 3: valid JSON lines")) {
		for (i = 0; i < jl.n; i++)
			n += is_traced_event(jl.objs[i]);
		/*
		 * The limit holds per line, not per ring buffer poll: one poll
		 * that drains a whole connection carries many more than 3
		 * transitions (before 3cd3952 all of them were printed).
		 */
		is_int(n, 3, "--count 3: exactly 3 event lines");
	}
	json_lines_free(&jl);
	tracer_cleanup(&t);
}

/*
 * Start av (argv[0] included) with stdout on the write end of a new pipe and
 * stderr in dir/err; *rfd gets the read end. The pid, or -1.
 */
static pid_t start_piped(const char *const av[], char *dir, char *epath, size_t elen, int *rfd)
{
	int p[2], efd;
	pid_t pid;

	*rfd = -1;
	if (!mkdtemp(dir) || pipe2(p, O_CLOEXEC))
		return -1;
	snprintf(epath, elen, "%s/err", dir);
	efd = open(epath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int nullfd = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (nullfd < 0 || efd < 0 || dup2(nullfd, 0) < 0 || dup2(p[1], 1) < 0 ||
		    dup2(efd, 2) < 0)
			_exit(126);
		close_fds_from(3);
		execvp(av[0], (char *const *)av);
		_exit(127);
	}
	close(p[1]);
	if (efd >= 0)
		close(efd);
	*rfd = p[0];
	return pid;
}

/* Read from fd until a whole first line (the header) is in: 1 when it names col. */
static int read_header(int fd, const char *col)
{
	struct pollfd pf = {.fd = fd, .events = POLLIN};
	long long deadline = now_ms() + 20000;
	char line[512];
	size_t got = 0;

	while (got < sizeof(line) - 1 && !memchr(line, '\n', got) && now_ms() < deadline) {
		ssize_t r;

		if (poll(&pf, 1, 100) <= 0)
			continue;
		r = read(fd, line + got, sizeof(line) - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	line[got] = '\0';
	return strstr(line, col) && strchr(line, '\n');
}

/* Wait up to ms for pid to exit: 1 and *st when it did, else 0 (it is killed). */
static int wait_or_kill(pid_t pid, int ms, int *st)
{
	long long deadline = now_ms() + ms;

	while (pid > 0 && now_ms() < deadline) {
		if (waitpid(pid, st, WNOHANG) == pid)
			return 1;
		usleep(20000);
	}
	if (pid > 0) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, st, 0);
	}
	return 0;
}

/* A text watch on a pipe whose reader goes away after the header. */
static void closed_stdout(const char *netns)
{
	char dir[] = "/tmp/socktrace-cli.XXXXXX", epath[64];
	const char *av[] = {socktrace_path(), "watch", "--netns", netns, NULL};
	long long deadline;
	int rfd, st = 0, exited = 0, lfd, i;
	char *err;
	pid_t pid = start_piped(av, dir, epath, sizeof(epath), &rfd);

	if (!ok(pid > 0, "closed stdout: started"))
		return;
	/* the header comes once the tracer is ready */
	ok(read_header(rfd, "TIME"), "closed stdout: header read from the pipe");
	close(rfd);

	lfd = tcp_listen_on(AF_INET, "127.0.0.1", PORT_MISC + 1, 16, NULL);
	deadline = now_ms() + 5000;
	for (i = 0; pid > 0 && now_ms() < deadline; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			exited = 1;
			break;
		}
		/* keep making lines until the tracer notices nobody reads them */
		if (lfd >= 0 && i < 20)
			one_connection(lfd, PORT_MISC + 1);
		usleep(50000);
	}
	if (lfd >= 0)
		close(lfd);
	if (!exited)
		wait_or_kill(pid, 0, &st);
	err = read_all(epath);
	/*
	 * A reader that went away is a normal end (main.c output_status()).
	 * EPIPE must be taken from the failed write itself: before 3cd3952
	 * later calls overwrote errno and this ended with status 1 and
	 * "socktrace: writing output: No such file or directory".
	 */
	if (!ok(exited && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		"closed stdout: exits 0 by itself within 5 s (%s, exit status %d)",
		exited ? "exited" : "killed", WIFEXITED(st) ? WEXITSTATUS(st) : -1))
		tap_diag("stderr [%s]", err ? err : "");
	if (!ok(err && (strncmp(err, "summary: events=", 16) == 0 ||
			strstr(err, "\nsummary: events=")),
		"closed stdout: summary on stderr"))
		tap_diag("stderr [%s]", err ? err : "");
	ok(err && !strstr(err, "socktrace:"), "closed stdout: no error message");
	free(err);
	unlink(epath);
	rmdir(dir);
}

/* "unwritten=N" on the summary line in err: N, or -1 when it is not there. */
static long long summary_unwritten(const char *err)
{
	const char *s = err ? strstr(err, "summary: ") : NULL;
	const char *u = s ? strstr(s, " unwritten=") : NULL;

	return u ? strtoll(u + 11, NULL, 10) : -1;
}

/*
 * one_connection(), ended with a reset: hundreds of them leave no TIME_WAIT
 * behind for the tracers that follow to read at start-up.
 */
static int reset_connection(int lfd, uint16_t port)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	int c = tcp_connect_to(AF_INET, "127.0.0.1", port), s;

	if (c < 0)
		return -1;
	s = accept(lfd, NULL, NULL);
	setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c);
	if (s >= 0)
		close(s);
	return s >= 0 ? 0 : -1;
}

/*
 * SIGTERM while stdout is a full pipe that nobody reads: one signal must end
 * socktrace at once, status 0, with the summary counting the lines it could
 * not write. Before, write() stayed blocked; a second signal gave "writing
 * output: Interrupted system call" and status 1.
 */
static void stalled_reader(const char *netns)
{
	char dir[] = "/tmp/socktrace-cli.XXXXXX", epath[64], ready[64];
	const char *av[] = {socktrace_path(), "watch", "--netns", netns,
			    "--ready-file",   ready,   NULL};
	int rfd, st = 0, exited, lfd, i, same = 0, size = 0, queued = 0, last = -1;
	long long deadline, t0, el;
	char *err;
	pid_t pid;

	snprintf(ready, sizeof(ready), "/tmp/socktrace-stall-ready.%d", (int)getpid());
	unlink(ready);
	pid = start_piped(av, dir, epath, sizeof(epath), &rfd);
	if (!ok(pid > 0, "stalled reader: started"))
		return;
	/* a small pipe fills with a few connections' lines */
	fcntl(rfd, F_SETPIPE_SZ, 4096);
	size = fcntl(rfd, F_GETPIPE_SZ);
	deadline = now_ms() + 20000;
	while (access(ready, F_OK) && now_ms() < deadline)
		usleep(20000);
	ok(!access(ready, F_OK), "stalled reader: tracer ready");
	lfd = tcp_listen_on(AF_INET, "127.0.0.1", PORT_MISC + 2, 64, NULL);
	deadline = now_ms() + 10000;
	/*
	 * Fill the pipe, then give the tracer lines it cannot write: stalled
	 * once what the pipe holds stops growing while connections go on (a
	 * pipe is full before its bytes reach its size: it fills by pages).
	 */
	for (i = 0; lfd >= 0 && same < 10 && now_ms() < deadline; i++) {
		reset_connection(lfd, PORT_MISC + 2);
		usleep(10000);
		if (ioctl(rfd, FIONREAD, &queued))
			break;
		same = queued > 0 && queued == last ? same + 1 : 0;
		last = queued;
	}
	if (lfd >= 0)
		close(lfd);
	ok(same >= 10, "stalled reader: the pipe is full (%d bytes in a pipe of %d)", queued, size);
	usleep(300000);
	kill(pid, SIGTERM);
	t0 = now_ms();
	exited = wait_or_kill(pid, 10000, &st);
	el = now_ms() - t0;
	err = read_all(epath);
	if (!ok(exited && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		"stalled reader: one SIGTERM ends it with status 0 (%s after %lld ms, status %d)",
		exited ? "exited" : "killed", el, WIFEXITED(st) ? WEXITSTATUS(st) : -1))
		tap_diag("stderr [%s]", err);
	if (!ok(summary_unwritten(err) > 0,
		"stalled reader: the summary counts the lines not written (unwritten=%lld)",
		summary_unwritten(err)))
		tap_diag("stderr [%s]", err);
	ok(!strstr(err, "socktrace:"), "stalled reader: no error message");
	free(err);
	close(rfd);
	unlink(ready);
	unlink(epath);
	rmdir(dir);
}

/*
 * A stream on a pipe whose reader leaves while nothing happens (socktrace
 * life | head -1 on a quiet machine): it must notice and exit 0, as tail -f
 * does, not wait for a line to fail. An idle stream sleeps long
 * (user/idle_poll.h): with that sleep a minute (idle_ms), watch -t, which
 * has no other timed work, must still exit at once.
 */
static void closed_stdout_idle(const char *netns, const char *cmd, const char *opt,
			       const char *header, const char *idle_ms)
{
	char dir[] = "/tmp/socktrace-cli.XXXXXX", epath[64];
	const char *av[] = {socktrace_path(), cmd, "--netns", netns, opt, NULL};
	int rfd, st = 0, exited;
	char *err;
	pid_t pid;

	if (idle_ms)
		setenv("SOCKTRACE_TEST_IDLE_POLL_MS", idle_ms, 1);
	pid = start_piped(av, dir, epath, sizeof(epath), &rfd);
	unsetenv("SOCKTRACE_TEST_IDLE_POLL_MS");
	if (!ok(pid > 0, "idle %s, closed stdout: started", cmd))
		return;
	ok(read_header(rfd, header), "idle %s, closed stdout: header read from the pipe", cmd);
	/* past two empty polls: the long sleep has begun */
	usleep(500000);
	close(rfd);
	exited = wait_or_kill(pid, 5000, &st);
	err = read_all(epath);
	if (!ok(exited && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		"idle %s%s%s, closed stdout: exits 0 by itself within 5 s, no connection made (%s)",
		cmd, idle_ms ? ", idle sleeps of ms " : "", idle_ms ? idle_ms : "",
		exited ? "exited" : "killed"))
		tap_diag("stderr [%s]", err);
	ok(strstr(err, "summary: events=") && !strstr(err, "socktrace:"),
	   "idle %s, closed stdout: the summary, no error", cmd);
	free(err);
	unlink(epath);
	rmdir(dir);
}

/* ---- one workload, many tracers: text view, filters, escaping ---- */

struct proc {
	const char *comm;
	int family;
	const char *addr;
	uint16_t port;
	int is_server;
	struct barrier go;    /* parent -> child */
	struct barrier ready; /* child -> parent: listening */
	pid_t pid;
};

static int server_main(void *arg)
{
	struct proc *p = arg;
	char buf[16];
	int l, c;

	set_comm(p->comm);
	if (barrier_wait(&p->go, WORKLOAD_WAIT_MS))
		return 10;
	l = tcp_listen_on(p->family, p->addr, p->port, 8, NULL);
	if (l < 0)
		return 11;
	barrier_signal(&p->ready);
	c = accept(l, NULL, NULL);
	if (c < 0)
		return 12;
	/* read until the client's FIN, then close: the client closes first */
	while (read_exact(c, buf, sizeof(buf), 5000) == sizeof(buf))
		;
	close(c);
	close(l);
	return 0;
}

static int client_main(void *arg)
{
	struct proc *p = arg;
	int c;

	set_comm(p->comm);
	if (barrier_wait(&p->go, WORKLOAD_WAIT_MS))
		return 20;
	c = tcp_connect_to(p->family, p->addr, p->port);
	if (p->is_server < 0) /* the refused one */
		return c == -ECONNREFUSED ? 0 : 21;
	if (c < 0)
		return 22;
	if (write_all(c, "ping", 4))
		return 23;
	usleep(20000);
	close(c);
	return 0;
}

enum { P_SRV4, P_CLI4, P_SRV6, P_CLI6, P_EVIL, P_N };

static int start_procs(struct proc *pr, int v6)
{
	int i, err = 0;

	for (i = 0; i < P_N; i++)
		if (barrier_init(&pr[i].go) || barrier_init(&pr[i].ready))
			err = -1;
	for (i = 0; i < P_N && !err; i++) {
		if ((i == P_SRV6 || i == P_CLI6) && !v6)
			continue;
		pr[i].pid = spawn(pr[i].is_server > 0 ? server_main : client_main, &pr[i]);
		if (pr[i].pid < 0)
			err = -1;
	}
	if (err) {
		for (i = 0; i < P_N; i++)
			if (pr[i].pid > 0)
				wait_exit(pr[i].pid, 0);
	}
	return err;
}

static int run_procs(struct proc *pr, int v6)
{
	int rc = 0;

	barrier_signal(&pr[P_SRV4].go);
	if (barrier_wait(&pr[P_SRV4].ready, 5000))
		rc = -1;
	barrier_signal(&pr[P_CLI4].go);
	rc |= wait_exit(pr[P_CLI4].pid, 10000);
	rc |= wait_exit(pr[P_SRV4].pid, 10000);
	if (v6) {
		barrier_signal(&pr[P_SRV6].go);
		if (barrier_wait(&pr[P_SRV6].ready, 5000))
			rc = -1;
		barrier_signal(&pr[P_CLI6].go);
		rc |= wait_exit(pr[P_CLI6].pid, 10000);
		rc |= wait_exit(pr[P_SRV6].pid, 10000);
	}
	barrier_signal(&pr[P_EVIL].go);
	rc |= wait_exit(pr[P_EVIL].pid, 10000);
	return rc;
}

enum filter_kind { F_PORT, F_LPORT, F_RPORT, F_STATE, F_PID, F_COMM, F_V4, F_V6, F_N };

struct ftracer {
	const char *name;
	char arg[32];
	struct tracer t;
	int started;
};

/* Whether one traced line passes filter k; the workload's values are in pr. */
static int line_passes(enum filter_kind k, const struct json_obj *o, const struct proc *pr)
{
	switch (k) {
	case F_PORT:
		return json_int_is(o, "lport", PORT_V4) || json_int_is(o, "rport", PORT_V4);
	case F_LPORT:
		return json_int_is(o, "lport", PORT_V4);
	case F_RPORT:
		return json_int_is(o, "rport", PORT_V4);
	case F_STATE:
		return json_str_is(o, "event", "state") && (json_str_is(o, "old_state", "LISTEN") ||
							    json_str_is(o, "new_state", "LISTEN"));
	case F_PID:
		return json_int_is(o, "pid", pr[P_CLI4].pid);
	case F_COMM:
		return json_str_is(o, "comm", "st_cli4");
	case F_V4:
		return json_str_is(o, "family", "ipv4");
	case F_V6:
		return json_str_is(o, "family", "ipv6");
	default:
		return 0;
	}
}

static void check_filter(struct ftracer *f, enum filter_kind k, const struct proc *pr)
{
	struct json_lines jl = {0};
	size_t i, n = 0, bad = 0, server_side = 0, client_side = 0;

	if (!f->started) {
		ok(0, "filter %s: tracer ran", f->name);
		return;
	}
	if (!ok(json_lines_load(f->t.out_path, &jl) == 0 && jl.bad == 0,
		"filter %s: valid JSON lines", f->name)) {
		json_lines_free(&jl);
		return;
	}
	for (i = 0; i < jl.n; i++) {
		const struct json_obj *o = jl.objs[i];

		if (!is_traced_event(o))
			continue;
		n++;
		if (!line_passes(k, o, pr) && !bad++) {
			long long pid = -1, lp = -1, rp = -1;

			json_int(o, "pid", &pid);
			json_int(o, "lport", &lp);
			json_int(o, "rport", &rp);
			tap_diag(
				"filter %s: unexpected line %zu: %s pid %lld comm %s %s lport %lld "
				"rport %lld %s>%s",
				f->name, i + 1, json_str(o, "event"), pid,
				json_str(o, "comm") ? json_str(o, "comm") : "?",
				json_str(o, "family") ? json_str(o, "family") : "?", lp, rp,
				json_str(o, "old_state") ? json_str(o, "old_state") : "",
				json_str(o, "new_state") ? json_str(o, "new_state") : "");
		}
		server_side += json_int_is(o, "lport", PORT_V4);
		client_side += json_int_is(o, "rport", PORT_V4);
	}
	ok(n > 0 && bad == 0, "filter %s: %zu lines, all match (%zu do not)", f->name, n, bad);
	if (k == F_PORT)
		ok(server_side && client_side, "filter %s: both ends of the connection shown",
		   f->name);
	if (k == F_STATE) {
		const struct json_obj *ev[8];
		size_t m = ev_select(&jl, (struct ev_match){"state", "127.0.0.1", PORT_V4, NULL, 0},
				     ev, 8);

		ok(m >= 1 && json_str_is(ev[0], "new_state", "LISTEN"),
		   "filter %s: the listener's CLOSE -> LISTEN shown", f->name);
	}
	json_lines_free(&jl);
}

/* Split a text line into whitespace-separated fields (modifies it). */
static int fields(char *line, char **f, int max)
{
	int n = 0;
	char *save = NULL, *tok;

	for (tok = strtok_r(line, " \t", &save); tok && n < max; tok = strtok_r(NULL, " \t", &save))
		f[n++] = tok;
	return n;
}

static int is_rfc3339_utc(const char *s)
{
	size_t len = strlen(s), i;

	if (len < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[len - 1] != 'Z')
		return 0;
	for (i = 0; i < 4; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return s[0] == '2';
}

static void check_text(struct tracer *t, const struct proc *pr)
{
	static const char *const cols[] = {"TIME",   "PID", "COMM", "PROTO", "LOCAL",
					   "REMOTE", "OLD", "NEW",  "MS"};
	char *text = read_all(t->out_path), *line, *save = NULL, *f[16], pid[16];
	int n, i, header = 0, first = 1, syn_sent = 0, established = 0;

	if (!ok(text && text[0], "text: output")) {
		free(text);
		return;
	}
	ok(!memchr(text, 0x1b, strlen(text)) && !memchr(text, 0x07, strlen(text)),
	   "text: no raw ESC or BEL byte anywhere");
	ok(strstr(text, "\\x1b[31mevil\\x07") != NULL,
	   "text: the comm shows as \\x1b[31mevil\\x07");
	snprintf(pid, sizeof(pid), "%d", pr[P_CLI4].pid);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		n = fields(line, f, 16);
		if (first) {
			first = 0;
			header = n == 9;
			for (i = 0; header && i < 9; i++)
				header = !strcmp(f[i], cols[i]);
			continue;
		}
		/* TIME PID COMM PROTO LOCAL REMOTE OLD -> NEW MS */
		if (n == 10 && !strcmp(f[1], pid) && !strcmp(f[2], "st_cli4")) {
			syn_sent |= !strcmp(f[6], "CLOSE") && !strcmp(f[8], "SYN_SENT");
			established |= !strcmp(f[6], "SYN_SENT") && !strcmp(f[8], "ESTABLISHED");
		}
	}
	ok(header, "text: header TIME PID COMM PROTO LOCAL REMOTE OLD NEW MS");
	ok(syn_sent, "text: CLOSE -> SYN_SENT line with the client's pid %s", pid);
	ok(established, "text: SYN_SENT -> ESTABLISHED line with the client's pid %s", pid);
	free(text);
}

static void check_text_ht(struct tracer *t)
{
	char *text = read_all(t->out_path), *line, *save = NULL, *f[16];
	int lines = 0, stamped = 0, header = 0;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		int n = fields(line, f, 16);

		if (!n)
			continue;
		lines++;
		header |= !strcmp(f[0], "TIME") || (n > 3 && !strcmp(f[3], "PROTO"));
		stamped += is_rfc3339_utc(f[0]);
	}
	ok(lines > 0 && !header, "-H: no header (%d lines)", lines);
	ok(lines > 0 && stamped == lines, "-T: every line starts with an RFC 3339 UTC time (%d/%d)",
	   stamped, lines);
	free(text);
}

static void check_json_comm(struct tracer *t, const struct proc *pr)
{
	struct json_lines jl = {0};
	size_t i, n = 0, good = 0;

	if (!ok(json_lines_load(t->out_path, &jl) == 0 && jl.bad == 0,
		"json: valid JSON lines (%zu bad)", jl.bad)) {
		if (jl.first_bad)
			tap_diag("first bad line: %s", jl.first_bad);
		json_lines_free(&jl);
		return;
	}
	for (i = 0; i < jl.n; i++) {
		if (!is_traced_event(jl.objs[i]) || !json_int_is(jl.objs[i], "pid", pr[P_EVIL].pid))
			continue;
		n++;
		good += json_str_is(jl.objs[i], "comm", EVIL_COMM);
	}
	ok(n > 0 && good == n, "json: the escape-laden comm decodes to its exact bytes (%zu/%zu)",
	   good, n);
	json_lines_free(&jl);
}

static unsigned long outer_netns;

/*
 * --netns names a namespace as ip netns and container runtimes do: by inode,
 * by ip netns's name (a bind mount under /run/netns) or by a namespace
 * file's path; each finds the test's listener, another namespace's inode
 * does not.
 */
static void netns_forms(const char *netns)
{
	char name[32], mnt[64], proc[64], port_s[16], other[16];
	const char *forms[] = {netns, name, mnt, proc};
	uint16_t port;
	int l = tcp_listen_on(AF_INET, "127.0.0.1", 0, 4, &port), fd;
	size_t i;

	snprintf(name, sizeof(name), "st-cli-%d", (int)getpid());
	snprintf(mnt, sizeof(mnt), "/run/netns/%s", name);
	snprintf(proc, sizeof(proc), "/proc/%d/ns/net", (int)getpid());
	snprintf(port_s, sizeof(port_s), ":%u ", port);
	mkdir("/run/netns", 0755);
	fd = open(mnt, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (!ok(l >= 0 && fd >= 0 && mount(proc, mnt, NULL, MS_BIND, NULL) == 0,
		"--netns forms: a listener, the namespace named %s", name)) {
		if (fd >= 0)
			unlink(mnt);
		if (l >= 0)
			close(l);
		return;
	}
	close(fd);
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct result r;

		run_split((const char *const[]){"table", "-tln", "--netns", forms[i], NULL}, 0,
			  30000, &r);
		if (!ok(r.status == 0 && r.out && strstr(r.out, port_s),
			"--netns %s: the namespace's listener", forms[i]))
			tap_diag("exit %d stdout [%s] stderr [%s]", r.status, r.out ? r.out : "",
				 r.err ? r.err : "");
		result_free(&r);
	}
	/* the namespace the test started in */
	if (ok(outer_netns != 0, "--netns forms: the test's first namespace")) {
		struct result r;

		snprintf(other, sizeof(other), "%lu", outer_netns);
		run_split((const char *const[]){"table", "-tln", "--netns", other, NULL}, 0, 30000,
			  &r);
		ok(r.status == 0 && r.out && !strstr(r.out, port_s),
		   "--netns of another namespace: not the listener");
		result_free(&r);
	}
	umount2(mnt, MNT_DETACH);
	unlink(mnt);
	close(l);
}

static void views_and_filters(const char *netns)
{
	struct proc pr[P_N] = {
		[P_SRV4] = {.comm = "st_srv4",
			    .family = AF_INET,
			    .addr = "127.0.0.1",
			    .port = PORT_V4,
			    .is_server = 1},
		[P_CLI4] = {.comm = "st_cli4",
			    .family = AF_INET,
			    .addr = "127.0.0.1",
			    .port = PORT_V4,
			    .is_server = 0},
		[P_SRV6] = {.comm = "st_srv6",
			    .family = AF_INET6,
			    .addr = "::1",
			    .port = PORT_V6,
			    .is_server = 1},
		[P_CLI6] = {.comm = "st_cli6",
			    .family = AF_INET6,
			    .addr = "::1",
			    .port = PORT_V6,
			    .is_server = 0},
		[P_EVIL] = {.comm = EVIL_COMM,
			    .family = AF_INET,
			    .addr = "127.0.0.1",
			    .port = PORT_REFUSED,
			    .is_server = -1},
	};
	struct ftracer ft[F_N] = {
		[F_PORT] = {.name = "--port"},	 [F_LPORT] = {.name = "--lport"},
		[F_RPORT] = {.name = "--rport"}, [F_STATE] = {.name = "--state"},
		[F_PID] = {.name = "--pid"},	 [F_COMM] = {.name = "--comm"},
		[F_V4] = {.name = "-4"},	 [F_V6] = {.name = "-6"},
	};
	struct tracer text, text_ht, json;
	int v6 = netns_ipv6_ok(), text_ok, ht_ok, json_ok, k, i;

	if (!ok(start_procs(pr, v6) == 0, "workload processes forked"))
		return;
	snprintf(ft[F_PORT].arg, sizeof(ft[F_PORT].arg), "%d", PORT_V4);
	snprintf(ft[F_LPORT].arg, sizeof(ft[F_LPORT].arg), "%d", PORT_V4);
	snprintf(ft[F_RPORT].arg, sizeof(ft[F_RPORT].arg), "%d", PORT_V4);
	snprintf(ft[F_STATE].arg, sizeof(ft[F_STATE].arg), "LISTEN");
	snprintf(ft[F_PID].arg, sizeof(ft[F_PID].arg), "%d", pr[P_CLI4].pid);
	snprintf(ft[F_COMM].arg, sizeof(ft[F_COMM].arg), "st_cli4");

	text_ok = tracer_start(&text, (const char *const[]){"watch", "--netns", netns, NULL},
			       20000) == 0;
	ht_ok = tracer_start(&text_ht,
			     (const char *const[]){"watch", "--netns", netns, "-H", "-T", NULL},
			     20000) == 0;
	json_ok = start_tracer(&json, (const char *const[]){"watch", "--netns", netns, NULL}) == 0;
	for (k = 0; k < F_N; k++) {
		if (k == F_V6 && !v6)
			continue;
		if (k == F_V4 || k == F_V6)
			ft[k].started =
				start_tracer(&ft[k].t,
					     (const char *const[]){"watch", "--netns", netns,
								   ft[k].name, NULL}) == 0;
		else
			ft[k].started =
				start_tracer(&ft[k].t, (const char *const[]){"watch", "--netns",
									     netns, ft[k].name,
									     ft[k].arg, NULL}) == 0;
		if (!ft[k].started)
			tap_diag("%s: %s", ft[k].name, tracer_stderr(&ft[k].t));
	}
	ok(text_ok && ht_ok && json_ok, "text, text -H -T and json tracers started");

	ok(run_procs(pr, v6) == 0, "workload ran");
	usleep(200000);

	ok(tracer_stop(&text, 10000) == 0, "text tracer exits 0");
	ok(tracer_stop(&text_ht, 10000) == 0, "text -H -T tracer exits 0");
	ok(tracer_stop(&json, 10000) == 0, "json tracer exits 0");
	for (k = 0; k < F_N; k++)
		if (ft[k].started)
			ok(tracer_stop(&ft[k].t, 10000) == 0, "filter %s: exits 0", ft[k].name);

	if (text_ok)
		check_text(&text, pr);
	if (ht_ok)
		check_text_ht(&text_ht);
	if (json_ok)
		check_json_comm(&json, pr);
	for (k = 0; k < F_N; k++) {
		if (k == F_V6 && !v6) {
			tap_skip("no IPv6", "filter -6");
			continue;
		}
		check_filter(&ft[k], (enum filter_kind)k, pr);
	}

	tracer_cleanup(&text);
	tracer_cleanup(&text_ht);
	tracer_cleanup(&json);
	for (k = 0; k < F_N; k++)
		tracer_cleanup(&ft[k].t);
	for (i = 0; i < P_N; i++) {
		barrier_destroy(&pr[i].go);
		barrier_destroy(&pr[i].ready);
	}
}

int main(void)
{
	char netns[32];
	long ns;

	usage_errors();
	hostile_arguments();
	unusable_btf();
	help_version();
	unprivileged();

	outer_netns = netns_current_inode();
	ns = netns_enter_new();
	if (ns < 0) {
		ok(0, "enter a new network namespace: %s", strerror((int)-ns));
		return tap_done();
	}
	snprintf(netns, sizeof(netns), "%ld", ns);
	ready_file_missing_dir(netns);
	standard_fds(netns);
	life_store_unavailable(netns);
	refresh_attached(netns);
	duration(netns);
	signals(netns);
	count_limit(netns);
	closed_stdout(netns);
	closed_stdout_idle(netns, "life", NULL, "ROLE", NULL);
	closed_stdout_idle(netns, "watch", "-t", "TIME", "60000");
	stalled_reader(netns);
	netns_forms(netns);
	views_and_filters(netns);
	return tap_done();
}
