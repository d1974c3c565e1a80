// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * socktrace watch against real TCP connections in a network namespace of the
 * test's own: client and server processes with known PIDs connect, accept
 * and close both ways; every transition must carry the owner's PID and the
 * full tuple, softirq ones included. And a connection made before the
 * tracer: how long it was in the states socktrace found it in is not known.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "events.h"
#include "files.h"
#include "netns.h"
#include "tap.h"
#include "workload.h"

struct scenario {
	const char *name;
	int family;
	const char *addr;
	int server_first;   /* the server closes first */
	int acceptor_child; /* a forked child of the server accepts */
	/* filled in */
	uint16_t port;
	uint16_t client_port;
	pid_t server, acceptor, client;
	long long from_ns, to_ns; /* when it ran: its ports may be an earlier one's */
};

struct shared {
	struct scenario *sc;
	int listen_fd;
	int pid_pipe[2];	 /* acceptor -> parent: its pid */
	struct barrier accepted; /* the connection has been accepted */
	int port_pipe[2];	 /* client -> parent: its local port */
};

static int acceptor_main(void *arg)
{
	struct shared *sh = arg;
	char buf[4];
	pid_t me = getpid();
	int c;

	set_comm("st_acceptor");
	if (write(sh->pid_pipe[1], &me, sizeof(me)) != sizeof(me))
		return 10;
	c = accept(sh->listen_fd, NULL, NULL);
	if (c < 0)
		return 11;
	barrier_signal(&sh->accepted);
	if (read_exact(c, buf, 4, 5000) != 4)
		return 12;
	if (sh->sc->server_first) {
		close(c);
		return 0;
	}
	/* wait for the client's FIN, then close */
	if (read_exact(c, buf, 1, 5000) != 0)
		return 13;
	usleep(20000);
	close(c);
	return 0;
}

static int server_main(void *arg)
{
	struct shared *sh = arg;
	int rc;

	set_comm("st_server");
	/* the server process itself listens: it is the listener's owner */
	sh->listen_fd = tcp_listen_on(sh->sc->family, sh->sc->addr, 0, 16, &sh->sc->port);
	if (sh->listen_fd < 0 ||
	    write(sh->port_pipe[1], &sh->sc->port, sizeof(uint16_t)) != sizeof(uint16_t))
		return 21;
	if (!sh->sc->acceptor_child) {
		pid_t me = getpid();

		if (write(sh->pid_pipe[1], &me, sizeof(me)) != sizeof(me))
			return 20;
		rc = acceptor_main(sh);
		set_comm("st_server");
	} else {
		pid_t a = spawn(acceptor_main, sh);

		rc = wait_exit(a, 10000);
	}
	usleep(20000);
	close(sh->listen_fd);
	return rc;
}

static int client_main(void *arg)
{
	struct shared *sh = arg;
	char buf[4];
	uint16_t port;
	int c;

	set_comm("st_client");
	c = tcp_connect_to(sh->sc->family, sh->sc->addr, sh->sc->port);
	if (c < 0)
		return 30;
	port = sock_local_port(c);
	if (write(sh->port_pipe[1], &port, sizeof(port)) != sizeof(port))
		return 31;
	if (write_all(c, "ping", 4))
		return 32;
	if (barrier_wait(&sh->accepted, 5000))
		return 33;
	if (!sh->sc->server_first) {
		close(c);
		return 0;
	}
	if (read_exact(c, buf, 1, 5000) != 0)
		return 34;
	close(c);
	return 0;
}

static int run_scenario(struct scenario *sc)
{
	struct shared sh = {.sc = sc};

	if (pipe(sh.pid_pipe) || pipe(sh.port_pipe) || barrier_init(&sh.accepted))
		return -1;
	sc->from_ns = ev_now_ns();
	sc->server = spawn(server_main, &sh);
	if (read(sh.port_pipe[0], &sc->port, sizeof(uint16_t)) != sizeof(uint16_t))
		return -1;
	if (read(sh.pid_pipe[0], &sc->acceptor, sizeof(pid_t)) != sizeof(pid_t))
		return -1;
	sc->client = spawn(client_main, &sh);
	if (read(sh.port_pipe[0], &sc->client_port, sizeof(uint16_t)) != sizeof(uint16_t))
		return -1;
	if (wait_exit(sc->client, 10000) != 0 || wait_exit(sc->server, 10000) != 0)
		return -1;
	sc->to_ns = ev_now_ns();
	close(sh.pid_pipe[0]);
	close(sh.pid_pipe[1]);
	close(sh.port_pipe[0]);
	close(sh.port_pipe[1]);
	barrier_destroy(&sh.accepted);
	return 0;
}

#define MAXEV 64

static void check_scenario(const struct json_lines *jl, struct scenario *sc)
{
	const struct json_obj *cli[MAXEV], *srv[MAXEV], *lst[MAXEV], *acc[4];
	size_t nc, ns, nl, na, i, before_accept = 0;
	char why[512] = "";
	long long v, listener_id = -1, lid;
	const char *cli_path = sc->server_first
				       ? "CLOSE>SYN_SENT>ESTABLISHED>CLOSE_WAIT>LAST_ACK>CLOSE"
				       : "CLOSE>SYN_SENT>ESTABLISHED>FIN_WAIT1>FIN_WAIT2>TIME_WAIT";
	const char *srv_path = sc->server_first
				       ? "LISTEN>SYN_RECV>ESTABLISHED>FIN_WAIT1>FIN_WAIT2>TIME_WAIT"
				       : "LISTEN>SYN_RECV>ESTABLISHED>CLOSE_WAIT>LAST_ACK>CLOSE";
	int softirq_seen = 0;

	nc = ev_select_sock(
		jl, (struct ev_match){"state", sc->addr, sc->client_port, sc->addr, sc->port},
		sc->from_ns, sc->to_ns, cli, MAXEV);
	ns = ev_select_sock(
		jl, (struct ev_match){"state", sc->addr, sc->port, sc->addr, sc->client_port},
		sc->from_ns, sc->to_ns, srv, MAXEV);
	nl = ev_select_sock(jl, (struct ev_match){"state", sc->addr, sc->port, NULL, 0},
			    sc->from_ns, sc->to_ns, lst, MAXEV);
	na = ev_select_during(
		jl, (struct ev_match){"accept", sc->addr, sc->port, sc->addr, sc->client_port},
		sc->from_ns, sc->to_ns, acc, 4);

	ok(ev_path_is(cli, nc, cli_path, why, sizeof(why)), "%s: client transitions (%s)", sc->name,
	   why);
	ok(ev_all_pid(cli, nc, sc->client, why, sizeof(why)), "%s: client lines carry pid %d (%s)",
	   sc->name, sc->client, why);
	ok(ev_no_zero_port(cli, nc, why, sizeof(why)), "%s: client lines have both ports (%s)",
	   sc->name, why);
	ok(ev_path_is(srv, ns, srv_path, why, sizeof(why)), "%s: server transitions (%s)", sc->name,
	   why);
	ok(ev_no_zero_port(srv, ns, why, sizeof(why)), "%s: server lines have both ports (%s)",
	   sc->name, why);
	ok(ev_path_is(lst, nl, "CLOSE>LISTEN>CLOSE", why, sizeof(why)),
	   "%s: listener transitions (%s)", sc->name, why);
	ok(ev_all_pid(lst, nl, sc->server, why, sizeof(why)),
	   "%s: listener lines carry pid %d (%s)", sc->name, sc->server, why);
	if (nl)
		json_int(lst[0], "sock", &listener_id);

	if (!is_int(na, 1, "%s: one accept event", sc->name))
		return;
	ok(json_int(acc[0], "pid", &v) == 0 && v == sc->acceptor, "%s: accept by pid %d", sc->name,
	   sc->acceptor);
	ok(json_int(acc[0], "listener", &lid) == 0 && lid == listener_id,
	   "%s: accept names the listener (%lld)", sc->name, listener_id);

	/* before accept() the child is the listener owner's; after, the acceptor's */
	for (i = 0; i < ns; i++) {
		long long ts_ev, ts_acc, task;

		json_int(srv[i], "ts_ns", &ts_ev);
		json_int(acc[0], "ts_ns", &ts_acc);
		if (ts_ev < ts_acc)
			before_accept++;
		json_int(srv[i], "pid", &v);
		if (v != (ts_ev < ts_acc ? sc->server : sc->acceptor)) {
			snprintf(why, sizeof(why), "%s>%s has pid %lld",
				 json_str(srv[i], "old_state"), json_str(srv[i], "new_state"), v);
			break;
		}
		/* transitions the kernel ran in the client's context say so */
		if (json_int(srv[i], "task_pid", &task) == 0 && task != v)
			softirq_seen++;
	}
	ok(i == ns && before_accept >= 2, "%s: server lines carry the owner's pid (%s)", sc->name,
	   i == ns ? "ok" : why);
	ok(softirq_seen > 0, "%s: lines run in another task carry task_pid too (%d)", sc->name,
	   softirq_seen);
	if (nc && ns) {
		const struct json_obj *tw = sc->server_first ? srv[ns - 1] : cli[nc - 1];
		int derived = 0;

		ok(json_bool(tw, "derived", &derived) == 0 && derived,
		   "%s: -> TIME_WAIT is marked derived", sc->name);
	}
}

static void refused(const struct json_lines *jl, uint16_t port, pid_t client, long long from_ns,
		    long long to_ns)
{
	const struct json_obj *ev[MAXEV], *conn[4];
	char why[512] = "";
	size_t n =
		ev_select_sock(jl, (struct ev_match){"state", "127.0.0.1", -1, "127.0.0.1", port},
			       from_ns, to_ns, ev, MAXEV);
	size_t nconn =
		ev_select_during(jl, (struct ev_match){"connect", "127.0.0.1", -1, NULL, port},
				 from_ns, to_ns, conn, 4);
	long long v;

	ok(ev_path_is(ev, n, "CLOSE>SYN_SENT>CLOSE", why, sizeof(why)),
	   "refused: SYN_SENT -> CLOSE (%s)", why);
	ok(ev_all_pid(ev, n, client, why, sizeof(why)), "refused: pid %d (%s)", client, why);
	ok(ev_no_zero_port(ev, n, why, sizeof(why)), "refused: source port known (%s)", why);
	ok(n && json_str(ev[n - 1], "error") &&
		   !strcmp(json_str(ev[n - 1], "error"), "ECONNREFUSED"),
	   "refused: the close says ECONNREFUSED");
	ok(nconn == 1 && json_int(conn[0], "errno", &v) == 0 && v == ECONNREFUSED &&
		   json_int(conn[0], "pid", &v) == 0 && v == client,
	   "refused: a connect event with errno 111 for the caller");
}

/* The line of this transition of the socket at lport -> rport, or NULL. */
static const struct json_obj *transition(const struct json_lines *jl, long lport, long rport,
					 const char *from, const char *to)
{
	const struct json_obj *ev[MAXEV];
	size_t n = ev_select(jl, (struct ev_match){"state", "127.0.0.1", lport, NULL, rport}, ev,
			     MAXEV),
	       i;

	for (i = 0; i < n; i++)
		if (json_str_is(ev[i], "old_state", from) && json_str_is(ev[i], "new_state", to))
			return ev[i];
	return NULL;
}

/*
 * Sockets that predate the tracer: how long one was in the state socktrace
 * found it in is not known (null), how long in a state it saw begin is.
 */
static void predating(const struct json_lines *jl, uint16_t port, uint16_t cport)
{
	static const struct {
		bool client;
		const char *from, *to;
		bool known;
	} want[] = {
		{true, "ESTABLISHED", "FIN_WAIT1", false},
		{true, "FIN_WAIT1", "FIN_WAIT2", true},
		{false, "ESTABLISHED", "CLOSE_WAIT", false},
		{false, "CLOSE_WAIT", "LAST_ACK", true},
		{false, "LISTEN", "CLOSE", false},
	};
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		bool listener = !strcmp(want[i].from, "LISTEN");
		const struct json_obj *o = transition(jl, want[i].client ? cport : port,
						      want[i].client ? port
						      : listener     ? 0
								     : cport,
						      want[i].from, want[i].to);
		double ms = -1;

		if (!ok(o != NULL, "predating: the %s's %s -> %s line",
			want[i].client ? "client"
			: listener     ? "listener"
				       : "server",
			want[i].from, want[i].to))
			continue;
		if (want[i].known) {
			int got = json_num(o, "prev_state_ms", &ms) == 0;

			ok(got && ms >= 0, "predating: %s -> %s: prev_state_ms %.3f, seen begin",
			   want[i].from, want[i].to, ms);
		} else {
			ok(json_is_null(o, "prev_state_ms"),
			   "predating: %s -> %s: prev_state_ms null, begun before socktrace",
			   want[i].from, want[i].to);
		}
	}
}

/* Every line of the output that names port (as text), for a failure's diagnosis. */
static void diag_port_lines(const char *path, uint16_t port)
{
	char *text = read_text_file(path, NULL), *line, *save = NULL, needle[16];

	if (!text)
		return;
	snprintf(needle, sizeof(needle), ":%u,", port);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, needle))
			tap_diag("%s", line);
	free(text);
}

/* A thread with a name of its own connects, and closes. */
static void *thread_connect(void *arg)
{
	int c;

	set_comm("st_thr_conn");
	c = tcp_connect_to(AF_INET, "127.0.0.1", *(uint16_t *)arg);
	if (c < 0)
		return (void *)1;
	close(c);
	return NULL;
}

static int threaded_main(void *arg)
{
	pthread_t th;
	void *ret = NULL;

	set_comm("st_threaded");
	if (pthread_create(&th, NULL, thread_connect, arg) || pthread_join(th, &ret))
		return 1;
	return ret ? 2 : 0;
}

/*
 * The lines of a connection a thread made name its process and the
 * process's name, as the table, netstat and ss do, not the thread's own.
 */
static void threaded(const struct json_lines *jl, uint16_t port, uint16_t cport, pid_t pid)
{
	const struct json_obj *ev[MAXEV];
	size_t n = ev_select(jl, (struct ev_match){"state", "127.0.0.1", cport, NULL, port}, ev,
			     MAXEV),
	       i, named = 0;
	char why[512] = "";

	for (i = 0; i < n; i++)
		named += json_str_is(ev[i], "comm", "st_threaded");
	ok(n >= 3 && ev_all_pid(ev, n, pid, why, sizeof(why)),
	   "threaded: %zu lines, pid %d, the process (%s)", n, pid, why);
	ok(n >= 3 && named == n, "threaded: %zu of %zu lines name st_threaded, not the thread",
	   named, n);
}

static int refuse_main(void *arg)
{
	uint16_t port = *(uint16_t *)arg;

	set_comm("st_refused");
	return tcp_connect_to(AF_INET, "127.0.0.1", port) == -ECONNREFUSED ? 0 : 1;
}

int main(void)
{
	struct scenario sc[] = {
		{.name = "v4 client-first", .family = AF_INET, .addr = "127.0.0.1"},
		{.name = "v4 server-first",
		 .family = AF_INET,
		 .addr = "127.0.0.1",
		 .server_first = 1},
		{.name = "v4 forked acceptor",
		 .family = AF_INET,
		 .addr = "127.0.0.1",
		 .acceptor_child = 1},
		{.name = "v6 client-first", .family = AF_INET6, .addr = "::1"},
		{.name = "v6 server-first, forked acceptor",
		 .family = AF_INET6,
		 .addr = "::1",
		 .server_first = 1,
		 .acceptor_child = 1},
	};
	const size_t nsc = sizeof(sc) / sizeof(sc[0]);
	struct tracer t;
	struct json_lines jl;
	char netns[32];
	long ns = netns_enter_new();
	uint16_t closed_port, pre_port = 0, pre_cport;
	struct sockaddr_in sin = {0};
	socklen_t slen = sizeof(sin);
	int pre_l, pre_c, pre_s, thr_l, thr_s;
	uint16_t thr_port = 0, thr_cport;
	pid_t refuser, thr_pid;
	long long refused_from, refused_to;
	size_t i;
	int fd;

	if (ns < 0) {
		ok(0, "enter a new network namespace: %s", strerror((int)-ns));
		return tap_done();
	}
	snprintf(netns, sizeof(netns), "%ld", ns);
	/* a connection and its listener made before the tracer starts */
	pre_l = tcp_listen_on(AF_INET, "127.0.0.1", 0, 1, &pre_port);
	pre_c = tcp_connect_to(AF_INET, "127.0.0.1", pre_port);
	pre_s = pre_l >= 0 ? accept(pre_l, NULL, NULL) : -1;
	ok(pre_s >= 0 && pre_c >= 0 && !getsockname(pre_c, (struct sockaddr *)&sin, &slen),
	   "predating: a connection before the tracer");
	pre_cport = ntohs(sin.sin_port);
	if (!ok(start_tracer(&t, (const char *const[]){"watch", "-v", "--netns", netns, NULL}) == 0,
		"tracer started")) {
		tap_diag("%s", tracer_stderr(&t));
		tracer_cleanup(&t);
		return tap_done();
	}
	for (i = 0; i < nsc; i++)
		ok(run_scenario(&sc[i]) == 0, "%s: workload ran", sc[i].name);

	/* a port that nobody listens on: bind and close to find one */
	fd = tcp_listen_on(AF_INET, "127.0.0.1", 0, 1, &closed_port);
	close(fd);
	refused_from = ev_now_ns();
	refuser = spawn(refuse_main, &closed_port);
	ok(wait_exit(refuser, 5000) == 0, "refused connect made");
	refused_to = ev_now_ns();

	/* a thread of its own name connects */
	thr_l = tcp_listen_on(AF_INET, "127.0.0.1", 0, 4, &thr_port);
	thr_pid = spawn(threaded_main, &thr_port);
	ok(wait_exit(thr_pid, 10000) == 0, "threaded: connected and closed");
	thr_s = thr_l >= 0 ? accept(thr_l, (struct sockaddr *)&sin, &slen) : -1;
	thr_cport = thr_s >= 0 ? ntohs(sin.sin_port) : 0;
	close(thr_s);
	close(thr_l);

	close(pre_c);
	usleep(100000);
	close(pre_s);
	close(pre_l);
	tcp_wait_settled(5000);

	usleep(100000);
	ok(tracer_stop(&t, 10000) == 0, "tracer exits 0 on SIGINT (%s)", tracer_status_str(&t));
	if (!ok(json_lines_load(t.out_path, &jl) == 0 && jl.bad == 0,
		"output is valid JSON lines (%zu bad)", jl.bad))
		tap_diag("first bad line: %s", jl.first_bad ? jl.first_bad : "");
	for (i = 0; i < nsc; i++)
		check_scenario(&jl, &sc[i]);
	refused(&jl, closed_port, refuser, refused_from, refused_to);
	{
		int before = tap_failed;

		predating(&jl, pre_port, pre_cport);
		/* a missing line: what the tracer said of that connection */
		if (tap_failed != before)
			diag_port_lines(t.out_path, pre_cport);
	}
	threaded(&jl, thr_port, thr_cport, thr_pid);
	{
		long long events, lost, missed, sockets;

		int got = tracer_last_summary(&t, &events, &lost, &missed, &sockets) == 0;

		ok(got && events > 0 && lost == 0, "summary line: events=%lld lost=%lld",
		   got ? events : -1, got ? lost : -1);
		if (tap_failed)
			tap_diag("kernel_missed=%lld; stderr: %s", got ? missed : -1,
				 tracer_stderr(&t));
	}
	json_lines_free(&jl);
	tracer_cleanup(&t);
	return tap_done();
}
