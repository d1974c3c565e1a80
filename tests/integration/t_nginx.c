// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * socktrace reuseport against a server no one here wrote: Debian's nginx with
 * WORKERS workers, one server block with `listen ... reuseport` (a listener
 * per worker, each inherited by every worker) and one without (one listener
 * shared by all), under a bounded load from ab. The acceptors of each group
 * must add up to the connections ab made, and every acceptor must be an nginx
 * worker, never the master. ab -c N opens a few connections more than it
 * sends requests (302 for 300 with -c 8), so the connections are counted by
 * the kernel (PassiveOpens of the test's own namespace, where only nginx
 * accepts), and the requests ab completed bound them from below. nginx runs with its own prefix and
 * configuration in the test's temporary directory and network namespace, and is stopped by the
 * test. Where nginx or ab is not installed (the kernel-matrix guest) the test is skipped.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "events.h"
#include "files.h"
#include "groups.h"
#include "netns.h"
#include "tap.h"
#include "tracer.h"
#include "workload.h"

#define WORKERS	 3
#define REQUESTS 300
#define CLIENTS	 "8"

static char dir[64] = "/tmp/socktrace-nginx.XXXXXX";
static char conf[128], errlog[128], nginx_bin[64];
static uint16_t rp_port, shared_port;
static pid_t workers[WORKERS];

static uint16_t free_port(void)
{
	uint16_t port = 0;
	int fd = tcp_listen_on(AF_INET, "127.0.0.1", 0, 1, &port);

	if (fd >= 0)
		close(fd);
	return port;
}

static int write_conf(void)
{
	FILE *f = fopen(conf, "w");

	if (!f)
		return -1;
	fprintf(f,
		"worker_processes %d;\n"
		"daemon off;\n"
		"master_process on;\n"
		"user root root;\n"
		"pid %s/nginx.pid;\n"
		"error_log %s info;\n"
		"events { worker_connections 64; }\n"
		"http {\n"
		"  access_log off;\n"
		"  client_body_temp_path %s/body;\n"
		"  proxy_temp_path %s/proxy;\n"
		"  fastcgi_temp_path %s/fastcgi;\n"
		"  uwsgi_temp_path %s/uwsgi;\n"
		"  scgi_temp_path %s/scgi;\n"
		"  server { listen 127.0.0.1:%u reuseport; location / { return 200 \"ok\\n\"; } }\n"
		"  server { listen 127.0.0.1:%u; location / { return 200 \"ok\\n\"; } }\n"
		"}\n",
		WORKERS, dir, errlog, dir, dir, dir, dir, dir, rp_port, shared_port);
	return fclose(f) ? -1 : 0;
}

static int nginx_main(void *arg)
{
	(void)arg;
	execl(nginx_bin, "nginx", "-p", dir, "-c", conf, "-e", errlog, (char *)NULL);
	return 127;
}

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	long ppid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 1, " %*c %ld", &ppid);
	fclose(f);
	return (pid_t)ppid;
}

/* The master's children, in workers[]; how many. */
static int find_workers(pid_t master)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		pid_t pid = (pid_t)atoi(de->d_name);

		if (pid > 0 && parent_of(pid) == master && n < WORKERS)
			workers[n++] = pid;
	}
	closedir(d);
	return n;
}

/* Listening sockets on 127.0.0.1:port in this namespace, from /proc/net/tcp. */
static int listeners_on(uint16_t port)
{
	char line[256], want[16];
	int n = 0;
	FILE *f = fopen("/proc/self/net/tcp", "r");

	if (!f)
		return 0;
	snprintf(want, sizeof(want), "0100007F:%04X", port);
	while (fgets(line, sizeof(line), f)) {
		char local[32], state[8];

		if (sscanf(line, " %*s %31s %*s %7s", local, state) == 2 && !strcmp(local, want) &&
		    !strcmp(state, "0A"))
			n++;
	}
	fclose(f);
	return n;
}

/* Ready without a probe connection, which nginx would count as accepted. */
static int wait_ready(pid_t master)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (find_workers(master) == WORKERS && listeners_on(rp_port) == WORKERS &&
		    listeners_on(shared_port) == 1)
			return 0;
		usleep(50000);
	}
	return -1;
}

static int is_worker(long long pid)
{
	int i;

	for (i = 0; i < WORKERS; i++)
		if (workers[i] == pid)
			return 1;
	return 0;
}

/* The namespace's TCP PassiveOpens: connections that reached a listener. */
static long long passive_opens(void)
{
	char head[1024], vals[1024], *hs, *vs, *h, *v;
	long long n = -1;
	FILE *f = fopen("/proc/self/net/snmp", "r");

	if (!f)
		return -1;
	while (fgets(head, sizeof(head), f)) {
		if (strncmp(head, "Tcp:", 4) || !fgets(vals, sizeof(vals), f))
			continue;
		h = strtok_r(head, " \n", &hs);
		v = strtok_r(vals, " \n", &vs);
		while (h && v && strcmp(h, "PassiveOpens")) {
			h = strtok_r(NULL, " \n", &hs);
			v = strtok_r(NULL, " \n", &vs);
		}
		if (h && v)
			n = atoll(v);
		break;
	}
	fclose(f);
	return n;
}

/* ab's count after "label:", -1 if absent. */
static long ab_count(const char *out, const char *label)
{
	const char *p = out ? strstr(out, label) : NULL;

	return p ? strtol(p + strlen(label), NULL, 10) : -1;
}

/* ab against port; the connections it made, -1 on failure. */
static long long load(uint16_t port)
{
	char url[64], n[16];
	const char *argv[] = {"ab", "-q", "-n", n, "-c", CLIENTS, url, NULL};
	char *out = NULL;
	long long before = passive_opens(), conns;
	long done;
	int st;

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", port);
	snprintf(n, sizeof(n), "%d", REQUESTS);
	st = run_capture(argv, &out, 60000);
	done = ab_count(out, "Complete requests:");
	if (!ok(st == 0 && done == REQUESTS && ab_count(out, "Failed requests:") == 0,
		"ab made %d requests to port %u", REQUESTS, port))
		tap_diag("ab: status %d\n%s", st, out ? out : "");
	free(out);
	/* the last connections are queued before ab ends: they are in the count */
	tcp_wait_settled(10000);
	conns = passive_opens() - before;
	ok(before >= 0 && conns >= REQUESTS,
	   "port %u: %lld connections for %d requests (PassiveOpens)", port, conns, REQUESTS);
	return before >= 0 && done == REQUESTS ? conns : -1;
}

/* Every acceptor of group g is a worker; their counts add up to want. */
static void check_group(const struct json_obj *g, long long want, int nlisteners, pid_t master,
			const char *what)
{
	size_t i, k, nl = json_array_len(g, "listeners");
	long long sum = 0, v;
	int bad = 0, multi = 0;

	is_int(nl, nlisteners, "%s: %d listener(s)", what, nlisteners);
	for (i = 0; i < nl; i++) {
		const struct json_obj *l = json_array_obj(g, "listeners", i);
		long long lsum = 0;

		for (k = 0; k < json_array_len(l, "acceptors"); k++) {
			const struct json_obj *a = json_array_obj(l, "acceptors", k);
			long long pid = -1;

			json_int(a, "pid", &pid);
			if (json_int(a, "accepted", &v) == 0)
				lsum += v;
			if (!is_worker(pid) || pid == master || !json_str_is(a, "comm", "nginx")) {
				bad++;
				tap_diag("%s: acceptor %lld is no nginx worker", what, pid);
			}
		}
		multi += json_array_len(l, "acceptors") > 1;
		ok(json_int_is(l, "accepted", lsum),
		   "%s: listener %zu: its acceptors add up to its accepted count (%lld)", what, i,
		   lsum);
		ok(elem_with_pid(l, "acceptors", master) == NULL,
		   "%s: listener %zu: the master accepted nothing", what, i);
		sum += lsum;
	}
	is_int(sum, want, "%s: the workers' accepts add up to the %lld connections", what, want);
	ok(!bad, "%s: every acceptor is an nginx worker", what);
	if (nlisteners > 1)
		ok(!multi, "%s: each reuseport listener is served by one worker", what);
	ok(json_int_is(json_get_obj(g, "process_imbalance"), "processes", WORKERS),
	   "%s: the balance is over the %d workers, not the master", what, WORKERS);
	is_int(json_array_len(g, "stalled_processes"), 0, "%s: nothing flagged after the load",
	       what);
}

/* A worker of ours still running (its pid not yet someone else's)? */
static int still_worker(pid_t pid)
{
	char path[64], *cmd;
	int yes;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	cmd = read_text_file(path, NULL);
	yes = cmd && !strncmp(cmd, "nginx: worker", 13);
	free(cmd);
	return yes;
}

static void stop_nginx(pid_t master)
{
	kill(master, SIGTERM); /* fast shutdown: the workers go first */
	ok(wait_exit(master, 10000) == 0, "nginx stopped");
}

int main(void)
{
	char ab_bin[64], netns[32];
	struct tracer t;
	struct json_lines jl;
	pid_t master;
	long long done_rp, done_shared;
	long ns;
	int i;

	if (find_program("nginx", nginx_bin, sizeof(nginx_bin)) ||
	    find_program("ab", ab_bin, sizeof(ab_bin))) {
		tap_skip("nginx or ab (apache2-utils) is not installed here",
			 "nginx under ab: needs both programs (make deps installs them)");
		return tap_done();
	}
	ns = netns_enter_new();
	if (ns < 0 || !mkdtemp(dir)) {
		ok(0, "a network namespace and a temporary directory");
		return tap_done();
	}
	snprintf(netns, sizeof(netns), "%ld", ns);
	snprintf(conf, sizeof(conf), "%s/nginx.conf", dir);
	snprintf(errlog, sizeof(errlog), "%s/error.log", dir);
	rp_port = free_port();
	do
		shared_port = free_port();
	while (shared_port == rp_port);
	if (!ok(rp_port && shared_port && write_conf() == 0, "nginx configuration written")) {
		return tap_done();
	}
	if (!ok(start_tracer(&t, (const char *const[]){"reuseport", "--interval", "0.5", "--netns",
						       netns, NULL}) == 0,
		"reuseport started")) {
		tap_diag("%s", tracer_stderr(&t));
		tracer_cleanup(&t);
		return tap_done();
	}
	master = spawn(nginx_main, NULL);
	if (!ok(master > 0 && wait_ready(master) == 0,
		"nginx runs with %d workers on ports %u (reuseport) and %u (shared)", WORKERS,
		rp_port, shared_port)) {
		char *log = read_text_file(errlog, NULL);

		tap_diag("nginx error log: %s", log ? log : "(none)");
		free(log);
		if (master > 0)
			stop_nginx(master);
		tracer_cleanup(&t);
		return tap_done();
	}
	done_rp = load(rp_port);
	done_shared = load(shared_port);
	usleep(700000); /* a report after the load */
	ok(tracer_stop(&t, 15000) == 0, "reuseport exits 0 (%s)", tracer_status_str(&t));
	stop_nginx(master);

	if (ok(json_lines_load(t.out_path, &jl) == 0 && jl.bad == 0, "valid JSON lines")) {
		const struct json_obj *g = group_report(&jl, rp_port, 1);

		if (ok(g != NULL, "the reuseport group is reported"))
			check_group(g, done_rp, WORKERS, master, "reuseport");
		g = group_report(&jl, shared_port, 1);
		if (ok(g != NULL, "the shared listener is reported although it has no reuseport"))
			check_group(g, done_shared, 1, master, "shared");
		json_lines_free(&jl);
	}
	if (tap_failed)
		tap_diag("%s", tracer_stderr(&t));
	tracer_cleanup(&t);
	for (i = 0; i < WORKERS; i++)
		if (still_worker(workers[i])) {
			ok(0, "worker %d outlived its master", workers[i]);
			kill(workers[i], SIGKILL);
		}
	{
		const char *rm[] = {"rm", "-rf", dir, NULL};

		run_capture(rm, NULL, 10000);
	}
	return tap_done();
}
