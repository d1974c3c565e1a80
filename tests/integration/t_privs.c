// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Privileges: socktrace runs with only CAP_BPF and CAP_PERFMON, drops what it
 * no longer needs once attached (and still streams), and names a missing
 * capability in one line.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "events.h"
#include "netns.h"
#include "tap.h"
#include "workload.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef SECBIT_NOROOT
#define SECBIT_NOROOT	     (1 << 0)
#define SECBIT_NOROOT_LOCKED (1 << 1)
#endif

/*
 * Exec socktrace as root, but with only the given capabilities: root keeps
 * its uid (so root-owned files stay readable) and loses the rest.
 */
static pid_t spawn_with_caps(const char *const argv[], uint64_t caps, const char *out,
			     const char *err)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
		struct __user_cap_data_struct data[2];
		int fd, c;

		memset(data, 0, sizeof(data));
		data[0].permitted = data[0].effective = data[0].inheritable = (uint32_t)caps;
		data[1].permitted = data[1].effective = data[1].inheritable =
			(uint32_t)(caps >> 32);
		/* an exec by root would get every capability back unless NOROOT */
		if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED) ||
		    syscall(SYS_capset, &hdr, data))
			_exit(126);
		for (c = 0; c < 64; c++)
			if (caps & (1ull << c))
				prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0);
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
	return buf;
}

static int wait_file(const char *path, int ms)
{
	struct stat st;

	for (; ms > 0; ms -= 10) {
		if (stat(path, &st) == 0)
			return 0;
		usleep(10000);
	}
	return -1;
}

static uint64_t cap_eff(pid_t pid)
{
	char path[64], line[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

static int one_connection_main(void *arg)
{
	uint16_t port;
	int l = tcp_listen_on(AF_INET, "127.0.0.1", 0, 4, &port), c, a;

	(void)arg;
	set_comm("privs_conn");
	c = tcp_connect_to(AF_INET, "127.0.0.1", port);
	a = accept(l, NULL, NULL);
	close(c);
	usleep(10000);
	close(a);
	close(l);
	return c < 0 || a < 0;
}

/* Run socktrace with caps, make a connection, check it streamed with the pid. */
static void streams_with(const char *what, uint64_t caps, const char *netns, bool check_drop)
{
	char dir[] = "/tmp/socktrace-privs.XXXXXX", out[128], err[128], ready[128];
	const char *argv[] = {socktrace_path(), "watch", "--json", "--netns", netns,
			      "--ready-file",	ready,	 NULL};
	struct json_lines jl = {0};
	pid_t tracer, worker;
	int status = -1, seen = 0;
	size_t i;

	if (!mkdtemp(dir))
		return;
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(err, sizeof(err), "%s/err", dir);
	snprintf(ready, sizeof(ready), "%s/ready", dir);
	tracer = spawn_with_caps(argv, caps, out, err);
	if (!ok(wait_file(ready, 20000) == 0, "%s: ready", what)) {
		tap_diag("%s", slurp(err));
		kill(tracer, SIGKILL);
		waitpid(tracer, NULL, 0);
		return;
	}
	if (check_drop) {
		uint64_t eff = cap_eff(tracer);

		ok(!(eff & (1ull << CAP_BPF)) && !(eff & (1ull << CAP_PERFMON)) &&
			   !(eff & (1ull << CAP_NET_ADMIN)),
		   "%s: CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN dropped once attached (CapEff %llx)",
		   what, (unsigned long long)eff);
	}
	worker = spawn(one_connection_main, NULL);
	ok(wait_exit(worker, 5000) == 0, "%s: a connection made", what);
	usleep(100000);
	kill(tracer, SIGINT);
	waitpid(tracer, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: exits 0", what);
	if (json_lines_load(out, &jl) == 0) {
		for (i = 0; i < jl.n; i++) {
			long long pid;
			const char *ev = json_str(jl.objs[i], "event");

			seen += ev && !strcmp(ev, "state") &&
				json_int(jl.objs[i], "pid", &pid) == 0 && pid == worker;
		}
		json_lines_free(&jl);
	}
	ok(seen >= 8, "%s: it streamed the connection's transitions with its pid (%d)", what, seen);
	unlink(out);
	unlink(err);
	unlink(ready);
	rmdir(dir);
}

/*
 * `watch --duration 1` with only caps: whether it exited 1 with exactly one
 * line on stderr, which err gets (without its newline).
 */
static bool refused_with(uint64_t caps, char *err, size_t len)
{
	char dir[] = "/tmp/socktrace-privs.XXXXXX", out_path[128], err_path[128];
	const char *argv[] = {socktrace_path(), "watch", "--duration", "1", NULL};
	int status = -1;
	const char *text, *nl;
	bool one_line;

	err[0] = '\0';
	if (!mkdtemp(dir))
		return false;
	snprintf(out_path, sizeof(out_path), "%s/out", dir);
	snprintf(err_path, sizeof(err_path), "%s/err", dir);
	waitpid(spawn_with_caps(argv, caps, out_path, err_path), &status, 0);
	text = slurp(err_path);
	nl = strchr(text, '\n');
	one_line = nl && nl[1] == '\0';
	snprintf(err, len, "%.*s", (int)strcspn(text, "\n"), text);
	unlink(out_path);
	unlink(err_path);
	rmdir(dir);
	return WIFEXITED(status) && WEXITSTATUS(status) == 1 && one_line;
}

/* Whether the hooks socktrace picks here include a classic tracepoint. */
static bool hooks_need_tracefs(void)
{
	const char *argv[] = {socktrace_path(), "features", "--json", NULL};
	struct json_obj *feat = NULL;
	const struct json_obj *hooks = NULL;
	char *out = NULL;
	bool need = false;

	if (run_capture(argv, &out, 20000) == 0 && out)
		feat = json_parse(out, strlen(out));
	if (feat)
		hooks = json_get_obj(feat, "hooks");
	if (hooks)
		need = json_str_is(hooks, "state", "tracepoint") ||
		       json_str_is(hooks, "bind", "tracepoint");
	json_free(feat);
	free(out);
	return need;
}

/*
 * CAP_BPF and CAP_PERFMON load and attach everything but a classic
 * tracepoint where nobody mounted tracefs: mounting it takes CAP_SYS_ADMIN.
 * Where the hooks include one (5.10's state hook is the classic tracepoint;
 * the syscall family is) and tracefs is not mounted, the run must fail with
 * one line that says so; with tracefs mounted, as an administrator would,
 * it must stream.
 */
static void bpf_perfmon_only(const char *netns)
{
	const uint64_t caps = (1ull << CAP_BPF) | (1ull << CAP_PERFMON);
	struct stat st;
	bool mounted_here = false;

	if (hooks_need_tracefs() && stat("/sys/kernel/tracing/events", &st) != 0 &&
	    stat("/sys/kernel/debug/tracing/events", &st) != 0) {
		char err[512];

		ok(refused_with(caps, err, sizeof(err)) && strstr(err, "tracefs"),
		   "CAP_BPF+CAP_PERFMON only, tracefs not mounted: exit status 1, one line "
		   "naming tracefs: %s",
		   err);
		mounted_here = mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) == 0;
		ok(mounted_here, "tracefs mounted for the next run");
	}
	streams_with("CAP_BPF+CAP_PERFMON only", caps, netns, false);
	if (mounted_here)
		umount2("/sys/kernel/tracing", 0);
}

int main(void)
{
	const char *feat[] = {socktrace_path(), "features", NULL};
	char netns[32], *res = NULL;
	long ns;
	int rc;

	/* a full run first: socktrace mounts tracefs where nothing has */
	rc = run_capture(feat, &res, 20000);
	ok(rc == 0, "features as root");
	free(res);
	ns = netns_enter_new();
	if (ns < 0) {
		ok(0, "network namespace");
		return tap_done();
	}
	snprintf(netns, sizeof(netns), "%ld", ns);

	{
		struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
		struct __user_cap_data_struct data[2];

		memset(data, 0, sizeof(data));
		syscall(SYS_capget, &hdr, data);
		/* everything root has here */
		streams_with("root", (uint64_t)data[1].effective << 32 | data[0].effective, netns,
			     true);
	}
	bpf_perfmon_only(netns);
	{
		char err[512];

		ok(refused_with(1ull << CAP_BPF, err, sizeof(err)) && strstr(err, "CAP_PERFMON"),
		   "CAP_BPF alone: exit status 1, one line naming CAP_PERFMON: %s", err);
	}
	return tap_done();
}
