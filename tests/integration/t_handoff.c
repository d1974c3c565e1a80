// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Sockets that change hands. An acceptor passes a connection with
 * SCM_RIGHTS to an unrelated process (a sibling, reached over a UNIX socket)
 * and exits; the receiver sends and closes. A connector forks and exits; the
 * child sends and closes. watch's and life's lines about what the new holder
 * did (and everything after) must name it, with "owner":"holder" and the
 * first owner as origin_pid. And when the peer closes first, the FIN that
 * arrives is named after the receiver too (the exited acceptor cannot be the
 * one that holds it). A listener the child of its listener keeps after the
 * parent exited is closed by the child, the holder.
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "events.h"
#include "files.h"
#include "jsonl.h"
#include "netns.h"
#include "tap.h"
#include "tracer.h"
#include "workload.h"

#define PAYLOAD "handed over"

static uint16_t port;
static int listen_fd;
static int unix_pair[2];	     /* acceptor -> receiver: the connection */
static int pid_pipe[2];		     /* a child -> the test: a pid */
static struct barrier handed, speak; /* the receiver has it; now send and close */

static int send_and_close(int fd)
{
	if (barrier_wait(&speak, 30000))
		return 1;
	if (write_all(fd, PAYLOAD, sizeof(PAYLOAD)))
		return 2;
	close(fd);
	return 0;
}

/* Accepts one connection, passes it on, and exits. */
static int acceptor_main(void *arg)
{
	int c;

	(void)arg;
	set_comm("ho_acceptor");
	c = accept(listen_fd, NULL, NULL);
	if (c < 0 || send_fd(unix_pair[0], c))
		return 1;
	close(c);
	return 0;
}

/* Gets a connection from the acceptor (no relative of it); sends and closes when told. */
static int receiver_main(void *arg)
{
	int fd;

	(void)arg;
	set_comm("ho_receiver");
	close(listen_fd);
	fd = recv_fd(unix_pair[1]);
	if (fd < 0)
		return 1;
	barrier_signal(&handed);
	return send_and_close(fd);
}

/* Connects, forks and exits; the child keeps the connection. */
static int connector_main(void *arg)
{
	int fd;
	pid_t child;
	long pid;

	(void)arg;
	set_comm("ho_connector");
	fd = tcp_connect_to(AF_INET, "127.0.0.1", port);
	if (fd < 0)
		return 1;
	child = fork();
	if (child < 0)
		return 2;
	if (child == 0) {
		set_comm("ho_child");
		pid = getpid();
		if (write(pid_pipe[1], &pid, sizeof(pid)) != sizeof(pid))
			_exit(3);
		_exit(send_and_close(fd));
	}
	close(fd);
	return 0;
}

/*
 * Listens, forks and exits at once: its child keeps the listener until the
 * test says so, then closes it. Sends the child's pid and the port.
 */
static int lparent_main(void *arg)
{
	uint16_t lport;
	long msg[2];
	pid_t child;
	int fd;

	(void)arg;
	set_comm("ho_lparent");
	fd = tcp_listen_on(AF_INET, "127.0.0.1", 0, 8, &lport);
	if (fd < 0)
		return 1;
	child = fork();
	if (child < 0)
		return 2;
	if (child == 0) {
		set_comm("ho_lchild");
		msg[0] = getpid();
		msg[1] = lport;
		if (write(pid_pipe[1], msg, sizeof(msg)) != sizeof(msg) ||
		    barrier_wait(&speak, 30000))
			_exit(3);
		close(fd);
		_exit(0);
	}
	return 0;
}

/* The state lines of the connection with this local and remote port. */
static size_t lines_of(const struct json_lines *jl, const char *event, long lport, long rport,
		       const struct json_obj **out, size_t max)
{
	struct ev_match m = EV_ANY(event);
	size_t n;

	m.lport = lport;
	m.rport = rport;
	n = ev_select(jl, m, out, max);
	return n < max ? n : max;
}

static const struct json_obj *state_line(const struct json_obj *const *ev, size_t n,
					 const char *from, const char *to)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (json_str_is(ev[i], "old_state", from) && json_str_is(ev[i], "new_state", to))
			return ev[i];
	return NULL;
}

/* Wait (up to 10 s) until watch's output has this transition of the connection. */
static bool await_state(const char *path, long lport, long rport, const char *from, const char *to)
{
	const struct json_obj *ev[64];
	int waited;

	for (waited = 0; waited < 10000; waited += 50) {
		struct json_lines jl;
		bool seen = false;

		if (json_lines_load(path, &jl) == 0) {
			size_t n = lines_of(&jl, "state", lport, rport, ev, 64);

			seen = state_line(ev, n, from, to) != NULL;
			json_lines_free(&jl);
		}
		if (seen)
			return true;
		usleep(50000);
	}
	return false;
}

/*
 * Whether a socket's holders can be found after its owner exited. The /proc
 * holder scan matches sockets by cookie; where the state hook cannot ask for
 * one (raw_tp on 5.10; the classic tracepoint) and holders come from /proc
 * (no task_file iterator usable), nothing matches and a line keeps its owner.
 */
static bool holders_findable(void)
{
	static int findable = -1;
	const char *argv[] = {socktrace_path(), "features", "--json", NULL};
	struct json_obj *feat = NULL;
	const struct json_obj *hooks = NULL, *seed = NULL;
	char *out = NULL;

	if (findable >= 0)
		return findable;
	if (run_capture(argv, &out, 20000) == 0 && out)
		feat = json_parse(out, strlen(out));
	if (feat) {
		hooks = json_get_obj(feat, "hooks");
		seed = json_get_obj(feat, "seed");
	}
	findable = !(hooks && seed && json_str_is(seed, "holders", "procfs") &&
		     (json_str_is(hooks, "state", "raw_tp") ||
		      json_str_is(hooks, "state", "tracepoint")));
	json_free(feat);
	free(out);
	return findable;
}

/* A line names the holder, says so, and keeps the origin. */
static void check_holder(const struct json_obj *o, const char *what, long long holder,
			 long long origin)
{
	long long pid = -1, opid = -1;
	const char *owner = o ? json_str(o, "owner") : NULL;

	if (!ok(o != NULL, "%s: the line is there", what))
		return;
	json_int(o, "pid", &pid);
	json_int(o, "origin_pid", &opid);
	is_int(pid, holder, "%s: pid is the process that holds it now", what);
	ok(owner && !strcmp(owner, "holder"), "%s: owner \"holder\" (got %s)", what,
	   owner ? owner : "none");
	is_int(opid, origin, "%s: origin_pid is the first owner", what);
}

/* watch -w: the FIN_WAIT1 line names the receiver and, at its end, the acceptor. */
static void check_text(const char *path, pid_t receiver, pid_t acceptor)
{
	char *text = read_text_file(path, NULL), *line, *save = NULL, want[64], who[64];
	bool seen = false;

	snprintf(want, sizeof(want), "[origin %d ho_acceptor]", acceptor);
	snprintf(who, sizeof(who), " %d ", receiver);
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line && !seen;
	     line = strtok_r(NULL, "\n", &save))
		seen = strstr(line, "ESTABLISHED -> FIN_WAIT1") && strstr(line, who) &&
		       strstr(line, "ho_receiver") && strstr(line, want);
	if (!ok(seen, "passed: watch -w names the receiver, and the acceptor as origin") && text)
		tap_diag("%s", text);
	free(text);
}

struct tracers {
	struct tracer watch, life, text; /* text: watch -w */
};

static int tracers_start(struct tracers *t, const char *netns)
{
	int w = start_tracer(&t->watch, (const char *const[]){"watch", "--netns", netns, NULL});
	int l = start_tracer(&t->life, (const char *const[]){"life", "--netns", netns, NULL});
	int x = tracer_start(&t->text, (const char *const[]){"watch", "-w", "--netns", netns, NULL},
			     20000);

	if (w || l || x)
		tap_diag("%s", tracer_stderr(w ? &t->watch : l ? &t->life : &t->text));
	return w || l || x ? -1 : 0;
}

static int tracers_stop(struct tracers *t, struct json_lines *watch, struct json_lines *life)
{
	int w = tracer_stop(&t->watch, 10000), l = tracer_stop(&t->life, 10000);
	int x = tracer_stop(&t->text, 10000);

	if (w || l || x || json_lines_load(t->watch.out_path, watch) ||
	    json_lines_load(t->life.out_path, life))
		return -1;
	return 0;
}

static void tracers_cleanup(struct tracers *t, struct json_lines *watch, struct json_lines *life)
{
	json_lines_free(watch);
	json_lines_free(life);
	tracer_cleanup(&t->watch);
	tracer_cleanup(&t->life);
	tracer_cleanup(&t->text);
}

/* The forked phases: a pipe for the child's pid, a go, and the tracers. */
static int fork_phase_start(struct tracers *t, const char *netns, const char *what)
{
	if (pipe(pid_pipe) || barrier_init(&speak) || tracers_start(t, netns)) {
		ok(0, "%s: set up", what);
		return -1;
	}
	return 0;
}

static void fork_phase_end(struct tracers *t, struct json_lines *watch, struct json_lines *life)
{
	tracers_cleanup(t, watch, life);
	close(pid_pipe[0]);
	close(pid_pipe[1]);
	barrier_destroy(&speak);
}

/*
 * SCM_RIGHTS to a sibling. peer_first: the client closes first, and the
 * server's ESTABLISHED -> CLOSE_WAIT arrives while only the receiver holds it.
 */
static void passed(const char *netns, bool peer_first)
{
	const char *name = peer_first ? "passed, peer closes first" : "passed";
	struct json_lines jw = {0}, jl = {0};
	const struct json_obj *ev[64];
	struct tracers t;
	char buf[sizeof(PAYLOAD) + 1];
	pid_t acceptor, receiver;
	int client;
	long cport;
	size_t n;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, unix_pair) || barrier_init(&handed) ||
	    barrier_init(&speak)) {
		ok(0, "%s: set up", name);
		return;
	}
	if (tracers_start(&t, netns)) {
		ok(0, "%s: tracers started", name);
		goto out;
	}
	receiver = spawn(receiver_main, NULL);
	acceptor = spawn(acceptor_main, NULL);
	client = tcp_connect_to(AF_INET, "127.0.0.1", port);
	cport = client >= 0 ? sock_local_port(client) : -1;
	ok(barrier_wait(&handed, 10000) == 0, "%s: the receiver (pid %d) has the connection", name,
	   receiver);
	is_int(wait_exit(acceptor, 10000), 0, "%s: the acceptor (pid %d) exited", name, acceptor);
	if (peer_first) {
		shutdown(client, SHUT_WR);
		/* the holder is asked for when the line is made: while it holds it */
		ok(await_state(t.watch.out_path, port, cport, "ESTABLISHED", "CLOSE_WAIT"),
		   "%s: watch saw the peer's FIN", name);
	}
	barrier_signal(&speak);
	/* to its end: the receiver closes first (unless the client did) */
	is_int(read_exact(client, buf, sizeof(buf), 10000), (long long)sizeof(PAYLOAD),
	       "%s: the client got the receiver's bytes and its FIN", name);
	close(client);
	is_int(wait_exit(receiver, 10000), 0, "%s: the receiver exited", name);
	tcp_wait_settled(5000);
	if (!ok(tracers_stop(&t, &jw, &jl) == 0, "%s: tracers exit 0, valid JSON", name))
		goto out_t;

	n = lines_of(&jw, "state", port, cport, ev, 64);
	if (peer_first && !holders_findable()) {
		tap_skip("holders come from /proc by cookie and this state hook has no cookies",
			 "passed: watch's ESTABLISHED -> CLOSE_WAIT (the peer's FIN) names the "
			 "holder");
	} else if (peer_first) {
		check_holder(state_line(ev, n, "ESTABLISHED", "CLOSE_WAIT"),
			     "passed: watch's ESTABLISHED -> CLOSE_WAIT (the peer's FIN)", receiver,
			     acceptor);
	}
	if (peer_first) {
		check_holder(state_line(ev, n, "CLOSE_WAIT", "LAST_ACK"),
			     "passed: watch's CLOSE_WAIT -> LAST_ACK", receiver, acceptor);
	} else {
		check_holder(state_line(ev, n, "ESTABLISHED", "FIN_WAIT1"),
			     "passed: watch's ESTABLISHED -> FIN_WAIT1", receiver, acceptor);
		check_holder(state_line(ev, n, "FIN_WAIT1", "FIN_WAIT2"),
			     "passed: watch's FIN_WAIT1 -> FIN_WAIT2", receiver, acceptor);
	}
	n = lines_of(&jl, "close", port, cport, ev, 64);
	check_holder(n == 1 ? ev[0] : NULL, "passed: life's close line", receiver, acceptor);
	if (!peer_first)
		check_text(t.text.out_path, receiver, acceptor);
out_t:
	tracers_cleanup(&t, &jw, &jl);
out:
	close(unix_pair[0]);
	close(unix_pair[1]);
	barrier_destroy(&handed);
	barrier_destroy(&speak);
}

/* fork() and the parent exits: the child keeps the connection, sends and closes. */
static void forked(const char *netns)
{
	struct json_lines jw = {0}, jl = {0};
	const struct json_obj *ev[64];
	struct tracers t;
	char buf[sizeof(PAYLOAD) + 1];
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	pid_t connector;
	long child = -1;
	int server;
	long cport;
	size_t n;

	if (fork_phase_start(&t, netns, "forked"))
		return;
	connector = spawn(connector_main, NULL);
	server = accept(listen_fd, NULL, NULL);
	ok(read(pid_pipe[0], &child, sizeof(child)) == sizeof(child), "forked: the child is %ld",
	   child);
	is_int(wait_exit(connector, 10000), 0, "forked: the connector (pid %d) exited", connector);
	cport = server >= 0 && !getpeername(server, (struct sockaddr *)&sa, &len)
			? ntohs(sa.sin_port)
			: -1;
	barrier_signal(&speak);
	is_int(read_exact(server, buf, sizeof(buf), 10000), (long long)sizeof(PAYLOAD),
	       "forked: the server got the child's bytes and its FIN");
	close(server);
	tcp_wait_settled(5000);
	if (!ok(tracers_stop(&t, &jw, &jl) == 0, "forked: tracers exit 0, valid JSON"))
		goto out;
	/* the connector's side: local port cport, remote port the listener's */
	n = lines_of(&jw, "state", cport, port, ev, 64);
	check_holder(state_line(ev, n, "ESTABLISHED", "FIN_WAIT1"),
		     "forked: watch's ESTABLISHED -> FIN_WAIT1", child, connector);
	n = lines_of(&jl, "close", cport, port, ev, 64);
	check_holder(n == 1 ? ev[0] : NULL, "forked: life's close line", child, connector);
out:
	fork_phase_end(&t, &jw, &jl);
}

/*
 * A listener kept by the child after its parent exited: the child's close
 * is the child's, the holder now, with the parent as origin.
 */
static void forked_listener(const char *netns)
{
	struct json_lines jw = {0}, jl = {0};
	const struct json_obj *ev[64];
	struct tracers t;
	long msg[2] = {-1, -1};
	pid_t parent;
	size_t n;

	if (fork_phase_start(&t, netns, "forked listener"))
		return;
	parent = spawn(lparent_main, NULL);
	n = (size_t)read(pid_pipe[0], msg, sizeof(msg));
	ok(n == sizeof(msg), "forked listener: the child is %ld, the port %ld", msg[0], msg[1]);
	is_int(wait_exit(parent, 10000), 0, "forked listener: the parent (pid %d) exited", parent);
	ok(await_state(t.watch.out_path, msg[1], 0, "CLOSE", "LISTEN"),
	   "forked listener: watch saw it listen");
	barrier_signal(&speak);
	ok(await_state(t.watch.out_path, msg[1], 0, "LISTEN", "CLOSE"),
	   "forked listener: watch saw the child close it");
	if (!ok(tracers_stop(&t, &jw, &jl) == 0, "forked listener: tracers exit 0, valid JSON"))
		goto out;
	n = lines_of(&jw, "state", msg[1], 0, ev, 64);
	check_holder(state_line(ev, n, "LISTEN", "CLOSE"), "forked listener: LISTEN -> CLOSE",
		     msg[0], parent);
out:
	fork_phase_end(&t, &jw, &jl);
}

int main(void)
{
	char netns[32];
	long ns = netns_enter_new();

	if (ns < 0) {
		ok(0, "a network namespace of our own");
		return tap_done();
	}
	snprintf(netns, sizeof(netns), "%ld", ns);
	listen_fd = tcp_listen_on(AF_INET, "127.0.0.1", 0, 8, &port);
	if (!ok(listen_fd >= 0, "a listener on port %u", port))
		return tap_done();
	passed(netns, false);
	passed(netns, true);
	forked(netns);
	forked_listener(netns);
	close(listen_fd);
	return tap_done();
}
