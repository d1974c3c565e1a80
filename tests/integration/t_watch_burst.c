/*
 * 1,000 back-to-back connections: every one must appear, complete, with the
 * right PID at both ends, and nothing may be lost.
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

#define CONNS 1000

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

int main(void)
{
	/* by socket id: loopback reuses a client port still in TIME_WAIT (tcp_tw_reuse) */
	static struct conn conns[2 * CONNS + 64];
	static unsigned long long ids[2 * CONNS + 64];
	size_t nconns = 0;
	struct burst b = {0};
	struct tracer t;
	struct json_lines jl;
	char netns[32];
	long ns = netns_enter_new();
	pid_t srv, cli;
	size_t i, seen_cli = 0, seen_srv = 0, good_cli = 0, good_srv = 0, bad_pid = 0;
	long long events, lost = -1, missed = -1, sockets;

	if (ns < 0) {
		ok(0, "enter a new network namespace: %s", strerror((int)-ns));
		return tap_done();
	}
	snprintf(netns, sizeof(netns), "%ld", ns);
	if (!ok(start_tracer(&t, (const char *const[]){"watch", "--netns", netns, NULL}) == 0,
		"tracer started")) {
		tap_diag("%s", tracer_stderr(&t));
		tracer_cleanup(&t);
		return tap_done();
	}
	if (pipe(b.port_pipe))
		return 1;
	srv = spawn(server_main, &b);
	if (!ok(read(b.port_pipe[0], &b.port, sizeof(b.port)) == sizeof(b.port), "server listens"))
		return tap_done();
	cli = spawn(client_main, &b);
	ok(wait_exit(cli, 60000) == 0, "client made %d connections", CONNS);
	ok(wait_exit(srv, 60000) == 0, "server accepted %d connections", CONNS);
	usleep(200000);
	ok(tracer_stop(&t, 10000) == 0, "tracer exits 0 (%s)", tracer_status_str(&t));
	ok(json_lines_load(t.out_path, &jl) == 0 && jl.bad == 0, "valid JSON lines");

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
			good_cli += !strcmp(
				c->cli, "CLOSE>SYN_SENT>ESTABLISHED>FIN_WAIT1>FIN_WAIT2>TIME_WAIT");
		}
		if (c->srv[0]) {
			seen_srv++;
			good_srv += !strcmp(
				c->srv, "LISTEN>SYN_RECV>ESTABLISHED>CLOSE_WAIT>LAST_ACK>CLOSE");
		}
		bad_pid += c->cli_bad_pid + c->srv_bad_pid;
		if ((c->cli[0] && strcmp(c->cli, "CLOSE>SYN_SENT>ESTABLISHED>FIN_WAIT1>FIN_WAIT2>"
						 "TIME_WAIT")) &&
		    good_cli + 5 > seen_cli)
			tap_diag("sock %llu client path %s", ids[i], c->cli);
	}
	is_int(seen_cli, CONNS, "every client end appears");
	is_int(good_cli, CONNS, "every client end walks the full path to TIME_WAIT");
	is_int(seen_srv, CONNS, "every server end appears");
	is_int(good_srv, CONNS, "every server end walks the full path to CLOSE");
	is_int(bad_pid, 0, "every line carries its owner's pid");
	ok(tracer_last_summary(&t, &events, &lost, &missed, &sockets) == 0, "summary line");
	is_int(lost, 0, "nothing lost");
	is_int(missed, 0, "no program run skipped by the kernel");
	json_lines_free(&jl);
	tracer_cleanup(&t);
	return tap_done();
}
