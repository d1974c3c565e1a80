// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * socktrace reuseport: four workers share a port with SO_REUSEPORT, three
 * count what they accept and one never accepts. socktrace's per-listener
 * counts must equal the workers' own, and the idle worker's queue must hold
 * exactly what was left in it. Also a fork-shared listener and a plain one,
 * a worker that restarts, and a whole group that closes. And the records it
 * took: its accepts and its listeners', none of each connection's transitions.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "events.h"
#include "files.h"
#include "netns.h"
#include "tap.h"
#include "workload.h"

#define WORKERS 4
#define IDLE	(WORKERS - 1)
#define CONNS	120
#define BACKLOG 200

static int result_pipe[2]; /* worker -> parent: pid, accepted */
static struct barrier stop;
static struct barrier go; /* the connections are made: start accepting */
static uint16_t port;

static int reuseport_listener(uint16_t want, uint16_t *got)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(want)};
	socklen_t len = sizeof(sa);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, BACKLOG) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len))
		return -1;
	if (got)
		*got = ntohs(sa.sin_port);
	return fd;
}

struct worker_arg {
	int index;
	struct barrier listening;
};

static int worker_main(void *arg)
{
	struct worker_arg *w = arg;
	int fd = reuseport_listener(port, NULL), n = 0, c;
	long msg[2];

	set_comm(w->index == IDLE ? "rp_idle" : "rp_worker");
	if (fd < 0)
		return 1;
	barrier_signal(&w->listening);
	/* the connections wait in the queues; a slow start (QEMU) must not end the
	 * workers' patience before they come */
	barrier_wait(&go, 60000);
	if (w->index != IDLE) {
		/* accept until nothing comes for a while */
		struct pollfd p = {.fd = fd, .events = POLLIN};

		while (poll(&p, 1, 1500) == 1 && (c = accept(fd, NULL, NULL)) >= 0) {
			n++;
			close(c);
		}
	}
	msg[0] = getpid();
	msg[1] = n;
	if (write(result_pipe[1], msg, sizeof(msg)) != sizeof(msg))
		return 2;
	/* keep the listener until the report is taken */
	barrier_wait(&stop, 30000);
	close(fd);
	return 0;
}

static int shared_child(void *arg)
{
	(void)arg;
	set_comm("rp_shared");
	barrier_wait(&stop, 30000);
	return 0;
}

static const struct json_obj *find_group(const struct json_lines *jl, long long lport, int final)
{
	const struct json_obj *last = NULL;
	size_t i;

	for (i = 0; i < jl->n; i++) {
		const char *ev = json_str(jl->objs[i], "event");
		long long p;
		int f = 0;

		if (!ev || strcmp(ev, "reuseport") || json_int(jl->objs[i], "lport", &p) ||
		    p != lport)
			continue;
		json_bool(jl->objs[i], "final", &f);
		if (!final || f)
			last = jl->objs[i];
	}
	return last;
}

static const struct json_obj *member_of(const struct json_obj *g, long long pid)
{
	size_t i, n = json_array_len(g, "listeners");

	for (i = 0; i < n; i++) {
		const struct json_obj *l = json_array_obj(g, "listeners", i);
		long long p;

		if (l && json_int(l, "pid", &p) == 0 && p == pid)
			return l;
	}
	return NULL;
}

/* A group member that listens until its barrier is signalled. */
static struct barrier member_stop[3];

static int member_main(void *arg)
{
	int idx = (int)(long)arg, fd = reuseport_listener(port, NULL);

	set_comm("rp_member");
	if (fd < 0)
		return 1;
	barrier_wait(&member_stop[idx], 30000);
	close(fd);
	return 0;
}

/* Does any report show this pid's listener with this status? */
static int status_seen(const struct json_lines *jl, long long pid, const char *status)
{
	size_t i, k;

	for (i = 0; i < jl->n; i++) {
		const char *ev = json_str(jl->objs[i], "event");
		long long p;

		if (!ev || strcmp(ev, "reuseport") || json_int(jl->objs[i], "lport", &p) ||
		    p != port)
			continue;
		for (k = 0; k < json_array_len(jl->objs[i], "listeners"); k++) {
			const struct json_obj *l = json_array_obj(jl->objs[i], "listeners", k);
			const char *st = l ? json_str(l, "status") : NULL;

			if (st && !strcmp(st, status) && json_int(l, "pid", &p) == 0 && p == pid)
				return 1;
		}
	}
	return 0;
}

/*
 * Wait (up to 10 s) until the reports so far show pid with status and, if
 * pid2 is not 0, pid2 with status2. A fixed sleep was too short on a loaded
 * machine, where the first report can come after the worker already left.
 */
static void await_status(const char *path, long long pid, const char *status, long long pid2,
			 const char *status2)
{
	int waited;

	for (waited = 0; waited < 10000; waited += 50) {
		struct json_lines jl;
		int seen;

		if (json_lines_load(path, &jl) == 0) {
			seen = status_seen(&jl, pid, status) &&
			       (!pid2 || status_seen(&jl, pid2, status2));
			json_lines_free(&jl);
			if (seen)
				return;
		}
		usleep(50000);
	}
}

/* A worker restarts: its old listener leaves the group, the new one joins. */
static void restart(const char *netns)
{
	struct tracer t;
	struct json_lines jl;
	pid_t a, b, b2;
	int i, fd;

	fd = reuseport_listener(0, &port); /* a fresh port for this group */
	close(fd);
	for (i = 0; i < 3; i++)
		barrier_init(&member_stop[i]);
	a = spawn(member_main, (void *)0L);
	b = spawn(member_main, (void *)1L);
	usleep(200000);
	if (!ok(start_tracer(&t, (const char *const[]){"reuseport", "--interval", "0.3", "--netns",
						       netns, NULL}) == 0,
		"restart: reuseport started"))
		return;
	await_status(t.out_path, a, "active", b, "active");
	barrier_signal(&member_stop[1]); /* worker b goes ... */
	wait_exit(b, 5000);
	b2 = spawn(member_main, (void *)2L); /* ... and comes back */
	await_status(t.out_path, b, "left", b2, "joined");
	i = tracer_stop(&t, 10000);
	ok(i == 0, "restart: reuseport exits 0");
	if (ok(json_lines_load(t.out_path, &jl) == 0, "restart: valid JSON")) {
		ok(status_seen(&jl, b, "left"),
		   "restart: the old listener (pid %d) is reported as left", b);
		ok(status_seen(&jl, b2, "joined"),
		   "restart: the new listener (pid %d) is reported as joined", b2);
		ok(status_seen(&jl, a, "active"), "restart: the other one stays active");
		json_lines_free(&jl);
	}
	barrier_signal(&member_stop[0]);
	barrier_signal(&member_stop[2]);
	wait_exit(a, 5000);
	wait_exit(b2, 5000);
	tracer_cleanup(&t);
}

/* The report objects of the group on port: how many, and whether one was gone with n "left". */
/*
 * Whether the group was reported gone after its nleft listeners were all
 * reported left, and their accepts then, summed. A listener that left is
 * reported once, in the first report after it closed: the two closes may
 * fall on either side of a report, so the one before the group is gone may
 * have gone out with the other still present.
 */
static int gone_seen(const struct json_lines *jl, size_t nleft, long long *accepted)
{
	long long sock[8], acc[8];
	size_t i, k, j, n = 0;

	*accepted = 0;
	for (i = 0; i < jl->n; i++) {
		const char *ev = json_str(jl->objs[i], "event");
		long long p;
		int gone = 0;

		if (!ev || strcmp(ev, "reuseport") || json_int(jl->objs[i], "lport", &p) ||
		    p != port || json_bool(jl->objs[i], "gone", &gone))
			continue;
		for (k = 0; k < json_array_len(jl->objs[i], "listeners"); k++) {
			const struct json_obj *l = json_array_obj(jl->objs[i], "listeners", k);
			const char *st = l ? json_str(l, "status") : NULL;
			long long id = -1, a = -1;

			if (!st || strcmp(st, "left") || json_int(l, "sock", &id) ||
			    json_int(l, "accepted", &a))
				continue;
			for (j = 0; j < n && sock[j] != id; j++)
				;
			if (j == n && n == sizeof(sock) / sizeof(sock[0]))
				return 0;
			sock[j] = id;
			acc[j] = a;
			n += j == n;
		}
		if (gone) {
			for (j = 0; j < n; j++)
				*accepted += acc[j];
			return n == nleft;
		}
	}
	return 0;
}

#define GONE_CONNS 20

/*
 * Two SO_REUSEPORT listeners take 20 connections and both close while
 * reuseport runs: the group is reported gone once both listeners are
 * reported left, with their counts (in one report, or in two where a report
 * fell between the closes: the 5.10 VM once did), and every run ends with
 * its final report, in JSON (an "reuseport_end" object with "final": true)
 * and in text (never an empty "--- final").
 */
static void gone_group(const char *netns)
{
	const char *const text_args[] = {"reuseport", "--interval", "0.3", "--netns", netns, NULL};
	struct tracer t, tt;
	struct json_lines jl;
	int fd[2], i, made = 0, taken = 0, c[GONE_CONNS];
	long long me = getpid(), accepted = -1;
	char *text, needle[32];

	fd[0] = reuseport_listener(0, &port);
	fd[1] = reuseport_listener(port, NULL);
	if (!ok(fd[0] >= 0 && fd[1] >= 0, "gone: two SO_REUSEPORT listeners"))
		return;
	if (!ok(start_tracer(&t, (const char *const[]){"reuseport", "--interval", "0.3", "--netns",
						       netns, NULL}) == 0,
		"gone: reuseport --json started") ||
	    !ok(tracer_start(&tt, text_args, 20000) == 0, "gone: reuseport (text) started")) {
		tracer_cleanup(&t);
		tracer_cleanup(&tt);
		return;
	}
	/* both have reported the group: it is known, to be missed */
	await_status(t.out_path, me, "active", 0, NULL);
	snprintf(needle, sizeof(needle), ":%u  netns", port);
	for (i = 0; i < 200 && (text = read_text_file(tt.out_path, NULL)); i++, usleep(50000)) {
		bool seen = strstr(text, needle) != NULL;

		free(text);
		if (seen)
			break;
	}
	for (i = 0; i < GONE_CONNS; i++) {
		c[i] = tcp_connect_to(AF_INET, "127.0.0.1", port);
		made += c[i] >= 0;
	}
	/* take every connection, from whichever listener has it */
	for (i = 0; taken < made && i < 200; i++) {
		struct pollfd p[2] = {{.fd = fd[0], .events = POLLIN},
				      {.fd = fd[1], .events = POLLIN}};
		int k, a;

		if (poll(p, 2, 100) <= 0)
			continue;
		for (k = 0; k < 2; k++)
			if ((p[k].revents & POLLIN) && (a = accept(fd[k], NULL, NULL)) >= 0) {
				taken++;
				close(a);
			}
	}
	is_int(taken, GONE_CONNS, "gone: %d connections accepted", GONE_CONNS);
	for (i = 0; i < GONE_CONNS; i++)
		if (c[i] >= 0)
			close(c[i]);
	/* closed before any report counts the accepts: the last counts come with the close */
	close(fd[0]);
	close(fd[1]);
	await_status(t.out_path, me, "left", 0, NULL);
	ok(tracer_stop(&t, 10000) == 0, "gone: reuseport --json exits 0");
	ok(tracer_stop(&tt, 10000) == 0, "gone: reuseport (text) exits 0");
	if (ok(json_lines_load(t.out_path, &jl) == 0 && jl.bad == 0, "gone: valid JSON")) {
		const char *ev = jl.n ? json_str(jl.objs[jl.n - 1], "event") : NULL;
		int final = 0;

		ok(gone_seen(&jl, 2, &accepted),
		   "gone: the group is reported gone, its two listeners left");
		is_int(accepted, GONE_CONNS, "gone: with its final count of accepts");
		ok(ev && !strcmp(ev, "reuseport_end") &&
			   json_bool(jl.objs[jl.n - 1], "final", &final) == 0 && final,
		   "gone: the output ends with the final report's end");
		json_lines_free(&jl);
	}
	text = read_text_file(tt.out_path, NULL);
	if (ok(text != NULL, "gone: text output read")) {
		const char *fin = strstr(text, "--- final\n");

		/* with both listeners, or with the one that closed last */
		ok(strstr(text, "gone: 2 listeners left") || strstr(text, "gone: 1 listener left"),
		   "gone: the text report says the group is gone");
		ok(fin && fin[strlen("--- final\n")] != '\0',
		   "gone: the text's final report is not empty");
		if (!fin || !fin[strlen("--- final\n")] || !strstr(text, "gone: 2 listeners left"))
			tap_diag("%s", text);
	}
	free(text);
	tracer_cleanup(&t);
	tracer_cleanup(&tt);
}

int main(void)
{
	struct worker_arg wa[WORKERS];
	pid_t workers[WORKERS], shared[2];
	long long pids[WORKERS] = {0}, counts[WORKERS] = {0}, sum = 0, v;
	struct tracer t;
	struct json_lines jl;
	const struct json_obj *g, *m;
	char netns[32];
	long ns = netns_enter_new();
	uint16_t shared_port, plain_port;
	int shared_fd, plain_fd, i, made = 0, fds[CONNS];

	if (ns < 0 || pipe(result_pipe) || barrier_init(&stop) || barrier_init(&go)) {
		ok(0, "set up a network namespace and pipes");
		return tap_done();
	}
	snprintf(netns, sizeof(netns), "%ld", ns);

	/* the group, the shared and the plain listener all predate socktrace */
	close(reuseport_listener(0, &port)); /* find a free port */
	for (i = 0; i < WORKERS; i++) {
		wa[i].index = i;
		barrier_init(&wa[i].listening);
		workers[i] = spawn(worker_main, &wa[i]);
		barrier_wait(&wa[i].listening, 5000);
	}
	shared_fd = reuseport_listener(0, &shared_port);
	for (i = 0; i < 2; i++)
		shared[i] = spawn(shared_child, NULL);
	plain_fd = tcp_listen_on(AF_INET, "127.0.0.1", 0, 8, &plain_port);
	if (!ok(start_tracer(&t, (const char *const[]){"reuseport", "--interval", "0.5", "--netns",
						       netns, NULL}) == 0,
		"reuseport started")) {
		tap_diag("%s", tracer_stderr(&t));
		return tap_done();
	}

	for (i = 0; i < CONNS; i++) {
		fds[i] = tcp_connect_to(AF_INET, "127.0.0.1", port);
		made += fds[i] >= 0;
	}
	is_int(made, CONNS, "%d connections to the group", CONNS);
	for (i = 0; i < WORKERS; i++)
		barrier_signal(&go);
	for (i = 0; i < WORKERS; i++) {
		long msg[2];

		if (read(result_pipe[0], msg, sizeof(msg)) == sizeof(msg)) {
			int w;

			for (w = 0; w < WORKERS && workers[w] != msg[0]; w++)
				;
			if (w < WORKERS) {
				pids[w] = msg[0];
				counts[w] = msg[1];
				sum += msg[1];
			}
		}
	}
	tap_diag("workers accepted %lld %lld %lld, idle kept %lld", counts[0], counts[1], counts[2],
		 CONNS - sum);
	usleep(1200000); /* two reports with everything settled */
	i = tracer_stop(&t, 10000);
	ok(i == 0, "reuseport exits 0 (%s)", tracer_status_str(&t));
	{
		long long events = -1, lost = -1, missed = -1;

		/* an accept() a connection, a queueing where a queue hook
		 * loaded, and the listeners' own transitions: every transition
		 * of every connection would be 6 or more a connection */
		if (!i)
			tracer_last_summary(&t, &events, &lost, &missed, NULL);
		ok(events >= sum && events <= sum + CONNS + 20 && lost == 0,
		   "listeners' records only: %lld records for %lld accepts of %d connections "
		   "(lost %lld)",
		   events, sum, CONNS, lost);
	}
	barrier_signal(&stop);
	for (i = 0; i < CONNS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (!ok(json_lines_load(t.out_path, &jl) == 0 && jl.bad == 0, "valid JSON lines"))
		return tap_done();

	g = find_group(&jl, port, 1);
	if (ok(g != NULL, "a final report of the group on port %u", port)) {
		is_int(json_array_len(g, "listeners"), WORKERS, "the group has %d listeners",
		       WORKERS);
		for (i = 0; i < WORKERS; i++) {
			m = member_of(g, pids[i]);
			if (!ok(m != NULL, "worker %d (pid %lld) is a member", i, pids[i]))
				continue;
			ok(json_int(m, "accepted", &v) == 0 && v == counts[i],
			   "worker %d: accepted equals its own count, %lld", i, counts[i]);
			if (i == IDLE) {
				int st = 0;

				ok(json_int(m, "queue", &v) == 0 && v == CONNS - sum,
				   "idle worker: its queue holds the %lld connections left in it",
				   CONNS - sum);
				ok(json_int(m, "queued_total", &v) == 0 && v == CONNS - sum,
				   "idle worker: %lld handed to it", CONNS - sum);
				ok(json_bool(m, "stalled", &st) == 0 && st,
				   "idle worker: stalled (accepts nothing, connections wait)");
				ok(json_int(m, "backlog", &v) == 0 && v == BACKLOG, "backlog %d",
				   BACKLOG);
			} else {
				ok(json_int(m, "queued_total", &v) == 0 && v == counts[i],
				   "worker %d: %lld handed to it", i, counts[i]);
			}
			ok(json_str(m, "counts_since") &&
				   !strcmp(json_str(m, "counts_since"), "socktrace_start"),
			   "worker %d: counts marked as since socktrace started", i);
		}
		ok(json_int(g, "accepted_total", &v) == 0 && v == sum, "group total %lld", sum);
		ok(json_get_obj(g, "imbalance") != NULL, "imbalance reported");
	}
	g = find_group(&jl, shared_port, 1);
	if (ok(g != NULL, "the fork-shared SO_REUSEPORT listener is reported") &&
	    json_array_len(g, "listeners") == 1) {
		m = json_array_obj(g, "listeners", 0);
		ok(m && json_array_len(m, "pids") == 3,
		   "one listener, held by the parent and its two children");
	}
	ok(find_group(&jl, plain_port, 0) == NULL, "a plain listener is not a group");

	for (i = 0; i < WORKERS; i++)
		wait_exit(workers[i], 5000);
	for (i = 0; i < 2; i++)
		wait_exit(shared[i], 5000);
	close(shared_fd);
	close(plain_fd);
	json_lines_free(&jl);
	tracer_cleanup(&t);
	restart(netns);
	gone_group(netns);
	return tap_done();
}
