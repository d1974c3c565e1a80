// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 1,000 back-to-back connections: every one must appear, complete, with the
 * right PID at both ends, and nothing may be lost. Twice: as the ring buffer
 * hands records over, and with every record that waits in the ring moved
 * out to socktrace's memory first (SOCKTRACE_TEST_SPILL, user/ring_spill.h),
 * as a consumer that is behind does, which must keep their order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "events.h"
#include "netns.h"
#include "tap.h"
#include "workload.h"

#define CONNS	 1000
#define CLI_PATH "CLOSE>SYN_SENT>ESTABLISHED>FIN_WAIT1>FIN_WAIT2>TIME_WAIT"
/* a run slower than a second reuses client ports still in TIME_WAIT (loopback
 * has tcp_tw_reuse): the reused one then ends with a derived CLOSE */
#define CLI_PATH_REUSED CLI_PATH ">CLOSE"
/*
 * On a loaded machine the kernel sometimes moves an orphaned client on from
 * FIN_WAIT1 without firing inet_sock_set_state at all: bpftrace on the same
 * tracepoint saw nothing either, and the address went to a new socket within
 * milliseconds (6.18, 6 of about 550 runs with the CPUs oversubscribed). Such ends
 * are counted apart; a tracer that lost FIN_WAIT2 records would leave far more.
 */
#define CLI_PATH_UNREPORTED "CLOSE>SYN_SENT>ESTABLISHED>FIN_WAIT1"
/* the same, when the slab gave its address to a later connection before the
 * run ended: that connection's first transition ends it with a derived CLOSE
 * (69 of 1000 in one CI run, 27 of them so, all in one 0.6 ms stretch) */
#define CLI_PATH_UNREPORTED_REUSED CLI_PATH_UNREPORTED ">CLOSE"
#define UNREPORTED_MAX		   (CONNS / 5)
#define SRV_PATH		   "LISTEN>SYN_RECV>ESTABLISHED>CLOSE_WAIT>LAST_ACK>CLOSE"
/*
 * A request socket the kernel drops before it becomes a connection: on 5.10
 * under TCG one came and went within 40 us beside the connection's real
 * request (1 of 1000, CI 2026-12-03). The kernel really ran those
 * transitions, so the tracer is right to show them; they are counted apart
 * from the connections' server ends.
 */
#define SRV_PATH_DROPPED "LISTEN>SYN_RECV>CLOSE"
#define DROPPED_MAX	 (CONNS / 10)

struct burst {
	int port_pipe[2];
	uint16_t port;
};

static int server_main(void *arg)
{
	struct burst *b = arg;
	char c;
	int i, fd, lfd;

	set_comm("burst_srv");
	/* the server listens itself: it owns the listener and every child */
	lfd = tcp_listen_on(AF_INET, "127.0.0.1", 0, 128, &b->port);
	if (lfd < 0 || write(b->port_pipe[1], &b->port, sizeof(b->port)) != sizeof(b->port))
		return 3;
	for (i = 0; i < CONNS; i++) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			return 1;
		/* wait for the client's FIN so that the client closes first */
		if (read_exact(fd, &c, 1, 5000) != 0)
			return 2;
		close(fd);
	}
	close(lfd);
	return 0;
}

static int client_main(void *arg)
{
	struct burst *b = arg;
	int i, fd;

	set_comm("burst_cli");
	for (i = 0; i < CONNS; i++) {
		fd = tcp_connect_to(AF_INET, "127.0.0.1", b->port);
		if (fd < 0)
			return 1;
		close(fd);
	}
	return 0;
}

/* Per client port: the client end's path and the server end's path. */
struct conn {
	char cli[160], srv[160];
	int cli_bad_pid, srv_bad_pid;
};

static void append_state(char *path, size_t len, const struct json_obj *o)
{
	if (!*path) {
		strncat(path, json_str(o, "old_state"), len - 1);
	}
	strncat(path, ">", len - strlen(path) - 1);
	strncat(path, json_str(o, "new_state"), len - strlen(path) - 1);
}

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

/* A wrong path's lines, so that a failure in the kernel-matrix guest shows them. */
static void diag_lines(const struct json_lines *jl, unsigned long long id)
{
	size_t i;

	for (i = 0; i < jl->n; i++) {
		const struct json_obj *o = jl->objs[i];
		long long sock, ts = 0, pid = 0, task_pid = 0;

		if (json_int(o, "sock", &sock) || (unsigned long long)sock != id)
			continue;
		json_int(o, "ts_ns", &ts);
		json_int(o, "pid", &pid);
		json_int(o, "task_pid", &task_pid);
		tap_diag("  line %zu: %s %s>%s ts_ns %lld pid %lld task_pid %lld%s", i + 1,
			 or_dash(json_str(o, "event")), or_dash(json_str(o, "old_state")),
			 or_dash(json_str(o, "new_state")), ts, pid, task_pid,
			 json_has(o, "derived") ? " derived" : "");
	}
}

static void burst(bool spill)
{
	/* by socket id: loopback reuses a client port still in TIME_WAIT (tcp_tw_reuse) */
	static struct conn conns[2 * CONNS + 64];
	static unsigned long long ids[2 * CONNS + 64];
	const char *run = spill ? "spilled" : "from the ring";
	size_t nconns = 0;
	struct burst b = {0};
	struct tracer t;
	struct json_lines jl;
	char netns[32];
	long ns = netns_enter_new();
	pid_t srv, cli;
	size_t i, seen_cli = 0, seen_srv = 0, good_cli = 0, good_srv = 0, bad_pid = 0;
	size_t unreported = 0, dropped = 0;
	long long events, lost = -1, missed = -1, sockets;
	int rc;

	memset(conns, 0, sizeof(conns));
	if (ns < 0) {
		ok(0, "%s: enter a new network namespace: %s", run, strerror((int)-ns));
		return;
	}
	snprintf(netns, sizeof(netns), "%ld", ns);
	if (spill)
		setenv("SOCKTRACE_TEST_SPILL", "1", 1);
	rc = start_tracer(&t, (const char *const[]){"watch", "--netns", netns, NULL});
	unsetenv("SOCKTRACE_TEST_SPILL");
	if (!ok(rc == 0, "%s: tracer started", run)) {
		tap_diag("%s", tracer_stderr(&t));
		tracer_cleanup(&t);
		return;
	}
	if (pipe(b.port_pipe)) {
		ok(0, "%s: pipe: %s", run, strerror(errno));
		tracer_cleanup(&t);
		return;
	}
	srv = spawn(server_main, &b);
	if (!ok(read(b.port_pipe[0], &b.port, sizeof(b.port)) == sizeof(b.port),
		"%s: server listens", run)) {
		tracer_cleanup(&t);
		return;
	}
	cli = spawn(client_main, &b);
	ok(wait_exit(cli, 60000) == 0, "%s: client made %d connections", run, CONNS);
	ok(wait_exit(srv, 60000) == 0, "%s: server accepted %d connections", run, CONNS);
	/* the last server close ends with the client's ACK, in softirq */
	ok(tcp_wait_settled(10000) == 0, "%s: every connection finished in the kernel", run);
	ok(tracer_stop(&t, 10000) == 0, "%s: tracer exits 0 (%s)", run, tracer_status_str(&t));
	ok(json_lines_load(t.out_path, &jl) == 0 && jl.bad == 0, "%s: valid JSON lines", run);

	for (i = 0; i < jl.n; i++) {
		const struct json_obj *o = jl.objs[i];
		const char *ev = json_str(o, "event");
		long long lport, rport, pid;
		struct conn *c;

		if (!ev || strcmp(ev, "state") || json_int(o, "lport", &lport) ||
		    json_int(o, "rport", &rport) || json_int(o, "pid", &pid))
			continue;
		{
			long long id;
			size_t k;

			if (json_int(o, "sock", &id))
				continue;
			for (k = 0; k < nconns && ids[k] != (unsigned long long)id; k++)
				;
			if (k == nconns) {
				if (nconns == sizeof(ids) / sizeof(ids[0]))
					continue;
				ids[nconns++] = id;
			}
			c = &conns[k];
		}
		if (rport == b.port && lport > 0) {
			append_state(c->cli, sizeof(c->cli), o);
			c->cli_bad_pid |= pid != cli;
		} else if (lport == b.port && rport > 0) {
			append_state(c->srv, sizeof(c->srv), o);
			c->srv_bad_pid |= pid != srv;
		}
	}
	for (i = 0; i < nconns; i++) {
		struct conn *c = &conns[i];

		if (c->cli[0]) {
			seen_cli++;
			if (!strcmp(c->cli, CLI_PATH) || !strcmp(c->cli, CLI_PATH_REUSED))
				good_cli++;
			else if (!strcmp(c->cli, CLI_PATH_UNREPORTED) ||
				 !strcmp(c->cli, CLI_PATH_UNREPORTED_REUSED))
				unreported++;
			else if (seen_cli - good_cli - unreported <= 5) {
				tap_diag("sock %llu client path %s", ids[i], c->cli);
				diag_lines(&jl, ids[i]);
			}
		}
		if (!strcmp(c->srv, SRV_PATH_DROPPED)) {
			dropped++;
		} else if (c->srv[0]) {
			seen_srv++;
			if (!strcmp(c->srv, SRV_PATH))
				good_srv++;
			else if (seen_srv - good_srv <= 5) {
				tap_diag("sock %llu server path %s", ids[i], c->srv);
				diag_lines(&jl, ids[i]);
			}
		}
		bad_pid += c->cli_bad_pid + c->srv_bad_pid;
	}
	is_int(seen_cli, CONNS, "%s: every client end appears", run);
	if (unreported)
		tap_diag("%zu client ends: nothing reported after FIN_WAIT1", unreported);
	is_int(good_cli + unreported, CONNS,
	       "%s: every client end walks the full path to TIME_WAIT", run);
	ok(unreported <= UNREPORTED_MAX, "%s: at most %d client ends stop at FIN_WAIT1 (%zu)", run,
	   UNREPORTED_MAX, unreported);
	if (dropped)
		tap_diag("%zu request sockets dropped before they became connections", dropped);
	ok(dropped <= DROPPED_MAX, "%s: at most %d dropped request sockets (%zu)", run, DROPPED_MAX,
	   dropped);
	is_int(seen_srv, CONNS, "%s: every server end appears", run);
	is_int(good_srv, CONNS, "%s: every server end walks the full path to CLOSE", run);
	is_int(bad_pid, 0, "%s: every line carries its owner's pid", run);
	ok(tracer_last_summary(&t, &events, &lost, &missed, &sockets) == 0, "%s: summary line",
	   run);
	is_int(lost, 0, "%s: nothing lost", run);
	is_int(missed, 0, "%s: no program run skipped by the kernel", run);
	if (spill)
		ok(strstr(tracer_stderr(&t), " spilled=") != NULL,
		   "%s: the summary counts the records spilled", run);
	json_lines_free(&jl);
	tracer_cleanup(&t);
}

int main(void)
{
	burst(false);
	burst(true);
	return tap_done();
}
