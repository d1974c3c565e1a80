// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "tracer.h"
#include "files.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS	    10
#define CAPTURE_MAX (4u << 20)

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

const char *socktrace_path(void)
{
	const char *p = getenv("SOCKTRACE");

	return p && *p ? p : "socktrace";
}

const char *tool_path(const char *name, const char *env)
{
	static char path[PATH_MAX];
	char dir[PATH_MAX];
	const char *e = env ? getenv(env) : NULL;

	if (e && *e)
		return e;
	snprintf(dir, sizeof(dir), "%s", socktrace_path());
	snprintf(path, sizeof(path), "%s/tools/%s", dirname(dir), name);
	return path;
}

/* Only async-signal-safe calls from here to exec: the test may have threads. */
static void put_err(const char *s)
{
	ssize_t r = write(STDERR_FILENO, s, strlen(s));

	(void)r;
}

static void close_from(int lowfd)
{
	struct rlimit rl;
	long fd, max = 65536;

	/*
	 * A socket fd the test still holds must not stay open in the tracer, or
	 * the test's close() would not close the socket and its events would be
	 * missing. close_range needs Linux 5.9; older kernels get the loop.
	 */
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned int)lowfd, ~0u, 0u) == 0)
		return;
#endif
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (long)rl.rlim_cur < max)
		max = (long)rl.rlim_cur;
	for (fd = lowfd; fd < max; fd++)
		close((int)fd);
}

/* In the child right after fork: own process group, dies with the parent, clean signal state. */
static void child_prepare(pid_t parent, int deathsig)
{
	struct sigaction sa;
	sigset_t none;
	int s;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, deathsig);
	/* The parent may have died before prctl took effect. */
	if (getppid() != parent)
		_exit(127);
	/* Ignored signals survive exec; a tracer that cannot see SIGINT cannot stop cleanly. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (s = 1; s < NSIG; s++)
		sigaction(s, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void child_exec(const char *const argv[])
{
	char num[16];
	int e, i;

	execvp(argv[0], (char *const *)argv);
	e = errno;
	i = sizeof(num) - 1;
	num[i] = '\0';
	do {
		num[--i] = (char)('0' + e % 10);
		e /= 10;
	} while (e && i > 0);
	put_err("exec ");
	put_err(argv[0]);
	put_err(" failed: errno ");
	put_err(num + i);
	put_err(errno == ENOENT ? " (not found)\n" : "\n");
	_exit(127);
}

/* 1 if the child has been reaped (t->status set), 0 if still running. */
static int tracer_reap(struct tracer *t, int flags)
{
	int st;
	pid_t r;

	if (!t->running)
		return 1;
	do
		r = waitpid(t->pid, &st, flags);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return 0;
	/* r < 0: someone else reaped it (SIGCHLD ignored?); its status is lost. */
	t->status = r > 0 ? st : -1;
	t->running = 0;
	return 1;
}

static int exit_result(const struct tracer *t)
{
	return t->status != -1 && WIFEXITED(t->status) && WEXITSTATUS(t->status) == 0 ? 0 : -1;
}

static int set_path(char *dst, size_t size, const char *dir, const char *name)
{
	int n = snprintf(dst, size, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int tracer_start(struct tracer *t, const char *const argv[], int timeout_ms)
{
	const char **av = NULL;
	int ofd = -1, efd = -1, err;
	size_t n = 0, i;
	long long deadline;
	pid_t parent, pid;

	memset(t, 0, sizeof(*t));
	t->status = -1;
	strcpy(t->dir, "/tmp/socktrace-test.XXXXXX");
	if (!mkdtemp(t->dir)) {
		err = -errno;
		t->dir[0] = '\0';
		return err;
	}
	if (set_path(t->out_path, sizeof(t->out_path), t->dir, "stdout") ||
	    set_path(t->err_path, sizeof(t->err_path), t->dir, "stderr") ||
	    set_path(t->ready_path, sizeof(t->ready_path), t->dir, "ready"))
		return -ENAMETOOLONG;

	while (argv && argv[n])
		n++;
	av = calloc(n + 4, sizeof(*av));
	if (!av)
		return -ENOMEM;
	av[0] = socktrace_path();
	for (i = 0; i < n; i++)
		av[i + 1] = argv[i];
	av[n + 1] = "--ready-file";
	av[n + 2] = t->ready_path;

	ofd = open(t->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	efd = open(t->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (ofd < 0 || efd < 0) {
		err = -errno;
		goto out;
	}
	/* Unflushed stdio would otherwise be written twice. */
	fflush(NULL);
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		err = -errno;
		goto out;
	}
	if (pid == 0) {
		int nullfd = open("/dev/null", O_RDONLY);

		child_prepare(parent, SIGTERM);
		if (nullfd < 0 || dup2(nullfd, STDIN_FILENO) < 0 || dup2(ofd, STDOUT_FILENO) < 0 ||
		    dup2(efd, STDERR_FILENO) < 0)
			_exit(127);
		close_from(3);
		child_exec(av);
	}
	/* Also here, so kill(-pid) works before the child got to run. */
	setpgid(pid, pid);
	t->pid = pid;
	t->running = 1;

	deadline = mono_ms() + timeout_ms;
	for (;;) {
		if (access(t->ready_path, F_OK) == 0) {
			err = 0;
			break;
		}
		if (tracer_reap(t, WNOHANG)) {
			/* a one-shot table gets ready and ends within one poll */
			err = access(t->ready_path, F_OK) == 0 ? 0 : -ECHILD;
			break;
		}
		if (mono_ms() >= deadline) {
			err = -ETIMEDOUT;
			break;
		}
		sleep_ms(POLL_MS);
	}
out:
	if (ofd >= 0)
		close(ofd);
	if (efd >= 0)
		close(efd);
	free(av);
	return err;
}

static int wait_until(struct tracer *t, long long deadline)
{
	for (;;) {
		if (tracer_reap(t, WNOHANG))
			return 1;
		if (mono_ms() >= deadline)
			return 0;
		sleep_ms(POLL_MS);
	}
}

static void kill_and_reap(struct tracer *t)
{
	if (!t->running)
		return;
	kill(-t->pid, SIGKILL);
	kill(t->pid, SIGKILL);
	tracer_reap(t, 0);
}

int tracer_stop(struct tracer *t, int timeout_ms)
{
	if (!t->pid)
		return -ESRCH;
	if (t->running) {
		kill(t->pid, SIGINT);
		if (!wait_until(t, mono_ms() + timeout_ms)) {
			kill_and_reap(t);
			return -ETIMEDOUT;
		}
	}
	return exit_result(t);
}

int tracer_wait(struct tracer *t, int timeout_ms)
{
	if (!t->pid)
		return -ESRCH;
	if (!wait_until(t, mono_ms() + timeout_ms))
		return -ETIMEDOUT;
	return exit_result(t);
}

const char *tracer_status_str(const struct tracer *t)
{
	static char buf[64];

	if (!t->pid)
		return "not started";
	if (t->running)
		return "running";
	if (t->status == -1)
		return "exited (status unknown)";
	if (WIFEXITED(t->status))
		snprintf(buf, sizeof(buf), "exited %d", WEXITSTATUS(t->status));
	else if (WIFSIGNALED(t->status))
		snprintf(buf, sizeof(buf), "killed by signal %d%s", WTERMSIG(t->status),
			 WCOREDUMP(t->status) ? " (core dumped)" : "");
	else
		snprintf(buf, sizeof(buf), "wait status 0x%x", t->status);
	return buf;
}

static ssize_t pread_full(int fd, char *buf, size_t len, off_t off)
{
	size_t got = 0;
	ssize_t r;

	while (got < len) {
		r = pread(fd, buf + got, len - got, off + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

const char *tracer_stderr(struct tracer *t)
{
	enum { HEAD = 2048, MARK = 64 };
	static char buf[8192];
	struct stat st;
	size_t size, tail;
	ssize_t r;
	int fd, m;

	buf[0] = '\0';
	if (!t->err_path[0])
		return buf;
	fd = open(t->err_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(buf, sizeof(buf), "(cannot read %s: %s)", t->err_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return buf;
	}
	size = (size_t)st.st_size;
	if (size < sizeof(buf)) {
		r = pread_full(fd, buf, size, 0);
		buf[r > 0 ? r : 0] = '\0';
	} else {
		/* The cause of a failure is usually near one end: keep both. */
		tail = sizeof(buf) - 1 - HEAD - MARK;
		r = pread_full(fd, buf, HEAD, 0);
		m = snprintf(buf + r, MARK, "\n[... %zu bytes skipped ...]\n", size - HEAD - tail);
		r += m > 0 && m < MARK ? m : 0;
		r += pread_full(fd, buf + r, tail, (off_t)(size - tail));
		buf[r] = '\0';
	}
	close(fd);
	return buf;
}

int tracer_last_summary(struct tracer *t, long long *events, long long *lost,
			long long *kernel_missed, long long *sockets)
{
	static const char *const names[] = {"events", "lost", "kernel_missed", "sockets"};
	long long *outs[] = {events, lost, kernel_missed, sockets};
	int found[4] = {0}, i, err = 0;
	char *text, *line, *last = NULL, *save, *tok, *eq, *end;
	long long v;

	if (!t->err_path[0])
		return -ENOENT;
	text = read_text_file(t->err_path, NULL);
	if (!text)
		return -ENOENT;
	for (line = text; line && *line;) {
		char *nl = strchr(line, '\n');

		if (nl)
			*nl = '\0';
		if (strncmp(line, "summary:", 8) == 0)
			last = line;
		line = nl ? nl + 1 : NULL;
	}
	if (!last) {
		free(text);
		return -ENOENT;
	}
	for (tok = strtok_r(last + 8, " \t\r", &save); tok; tok = strtok_r(NULL, " \t\r", &save)) {
		eq = strchr(tok, '=');
		if (!eq)
			continue;
		*eq = '\0';
		for (i = 0; i < 4; i++) {
			if (strcmp(tok, names[i]) != 0)
				continue;
			errno = 0;
			v = strtoll(eq + 1, &end, 10);
			if (end == eq + 1 || *end || errno || found[i]) {
				err = -EINVAL;
				break;
			}
			found[i] = 1;
			if (outs[i])
				*outs[i] = v;
		}
	}
	for (i = 0; i < 4; i++)
		if (outs[i] && !found[i])
			err = -EINVAL;
	free(text);
	return err;
}

static void remove_dir(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	d = opendir(dir);
	if (d) {
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

void tracer_cleanup(struct tracer *t)
{
	const char *keep = getenv("KEEP_TEST_FILES");

	kill_and_reap(t);
	t->pid = 0;
	if (!t->dir[0])
		return;
	/* where files cannot be kept (the kernel-matrix guest), show the output */
	if (tap_failed && getenv("DUMP_ON_FAIL")) {
		FILE *f = fopen(t->out_path, "r");
		char line[1024];
		int n = 0, max = atoi(getenv("DUMP_ON_FAIL"));

		/* DUMP_ON_FAIL=N: the first N lines (1 means the default, 300) */
		if (max <= 1)
			max = 300;
		while (f && fgets(line, sizeof(line), f) && n++ < max) {
			line[strcspn(line, "\n")] = '\0';
			tap_diag("out: %s", line);
		}
		if (f)
			fclose(f);
	}
	if (keep && *keep)
		tap_diag("kept tracer files: %s %s", t->out_path, t->err_path);
	else
		remove_dir(t->dir);
	t->dir[0] = '\0';
}

int run_capture(const char *const argv[], char **output, int timeout_ms)
{
	size_t len = 0, cap = 4096;
	int pfd[2], st, rc = -1, exited = 0;
	char *buf, *g, chunk[4096];
	long long deadline;
	pid_t parent, pid, r;
	ssize_t n;

	buf = malloc(cap);
	if (output)
		*output = NULL;
	if (!buf)
		return -1;
	buf[0] = '\0';
	if (!argv || !argv[0] || pipe2(pfd, O_CLOEXEC) < 0)
		goto out;
	fflush(NULL);
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		goto out;
	}
	if (pid == 0) {
		int nullfd = open("/dev/null", O_RDONLY);

		child_prepare(parent, SIGKILL);
		if (nullfd < 0 || dup2(nullfd, STDIN_FILENO) < 0 ||
		    dup2(pfd[1], STDOUT_FILENO) < 0 || dup2(pfd[1], STDERR_FILENO) < 0)
			_exit(127);
		close_from(3);
		child_exec(argv);
	}
	setpgid(pid, pid);
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	deadline = mono_ms() + timeout_ms;
	for (;;) {
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		long long left = deadline - mono_ms();

		if (!exited) {
			r = waitpid(pid, &st, WNOHANG);
			if (r == pid || (r < 0 && errno != EINTR))
				exited = r == pid ? 1 : -1;
		}
		if (left <= 0)
			break;
		/*
		 * Once it exited, take what is already in the pipe and stop: a
		 * background grandchild may hold the write end open for good.
		 */
		if (!exited && poll(&p, 1, left < POLL_MS ? (int)left : POLL_MS) <= 0)
			continue;
		n = read(pfd[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (exited)
				break;
			/* EOF before exit: keep waiting for the status, without spinning. */
			if (n == 0)
				sleep_ms(POLL_MS);
			continue;
		}
		if (len + (size_t)n >= CAPTURE_MAX)
			continue;
		while (cap - len <= (size_t)n) {
			g = realloc(buf, cap * 2);
			if (!g)
				break;
			buf = g;
			cap *= 2;
		}
		if (cap - len > (size_t)n) {
			memcpy(buf + len, chunk, (size_t)n);
			len += (size_t)n;
			buf[len] = '\0';
		}
	}
	close(pfd[0]);
	if (!exited) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	} else if (exited > 0 && WIFEXITED(st)) {
		rc = WEXITSTATUS(st);
	}
out:
	if (output)
		*output = buf;
	else
		free(buf);
	return rc;
}
