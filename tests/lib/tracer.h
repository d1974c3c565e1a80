/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Run the tracer under test ($SOCKTRACE, else "socktrace" from PATH) as a
 * child process with its output captured in files.
 *
 * The child runs in its own process group (a terminal ^C aimed at the test
 * does not reach it first) and gets PR_SET_PDEATHSIG SIGTERM, so a test that
 * crashes does not leave it attached. The death signal follows the *thread*
 * that forked: call these from the main thread.
 */
#ifndef SOCKTRACE_TEST_TRACER_H
#define SOCKTRACE_TEST_TRACER_H
#include <sys/types.h>

struct tracer {
	pid_t pid;	    /* 0 before tracer_start and after tracer_cleanup */
	char out_path[256]; /* stdout */
	char err_path[256]; /* stderr */
	char ready_path[256];
	char dir[256]; /* the mkdtemp directory holding the three */
	int status;    /* wait status once it exited; -1 before */
	int running;
};

/*
 * argv excludes argv[0], e.g. {"watch", "--json", NULL}; "--ready-file PATH"
 * is appended. Returns 0 once the ready file exists (it may have ended
 * since, as a one-shot table does); -ETIMEDOUT (still running: stop or clean
 * it up) or -ECHILD (it exited without getting ready: see tracer_stderr()
 * and t->status), or another -errno if it could not be started. Call
 * tracer_cleanup() in every case.
 */
int tracer_start(struct tracer *t, const char *const argv[], int timeout_ms);
/*
 * SIGINT, then wait up to timeout_ms; past that SIGKILL (-ETIMEDOUT). 0 when
 * it exited with status 0, -1 for any other exit (see t->status).
 */
int tracer_stop(struct tracer *t, int timeout_ms);
/* Wait for it to exit on its own: 0 on exit status 0, -1 other exit, -ETIMEDOUT (left running). */
int tracer_wait(struct tracer *t, int timeout_ms);
/* "running", "exited 0", "killed by signal 9", ...: for diagnostics. Static buffer. */
const char *tracer_status_str(const struct tracer *t);
/* Its stderr so far, head and tail if long. Static buffer, overwritten by the next call. */
const char *tracer_stderr(struct tracer *t);
/*
 * Parse the last stderr line that starts with "summary:". Any pointer may be
 * NULL. 0 ok; -ENOENT no such line; -EINVAL a wanted field missing or malformed.
 */
int tracer_last_summary(struct tracer *t, long long *events, long long *lost,
			long long *kernel_missed, long long *sockets);
/* Kill it if running, remove its files (kept and listed when $KEEP_TEST_FILES is set). */
void tracer_cleanup(struct tracer *t);

/*
 * Run argv (argv[0] included, searched in PATH) to completion with stdin from
 * /dev/null; *output (if output is not NULL) gets its stdout and stderr
 * interleaved, malloc'd and NUL-terminated, even on failure. Returns the exit
 * status; 127 if it could not be executed; -1 if killed by a signal or past
 * timeout_ms (then it is killed).
 */
int run_capture(const char *const argv[], char **output, int timeout_ms);
/* $SOCKTRACE if set and non-empty, else "socktrace". */
const char *socktrace_path(void);
/*
 * A tool built beside the tracer: $env if that is set and non-empty (env may
 * be NULL), else socktrace_path()'s directory + "/tools/" + name
 * (build/tools/connstorm, or /opt/socktrace/tools/ in the guest). Static
 * buffer, overwritten by the next call.
 */
const char *tool_path(const char *name, const char *env);
#endif
