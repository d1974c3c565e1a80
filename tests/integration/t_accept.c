// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * socktrace reuseport (alias accept): who accepts from a listener. Processes
 * that share one listening socket (after fork(), or by SCM_RIGHTS) and a
 * SO_REUSEPORT group accept known numbers of connections, one process at a
 * time; each listener's acceptors must name exactly those processes with
 * exactly their counts. A holder that accepts nothing while connections wait
 * is flagged; the parent that only forked the acceptors is not.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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
#include "workload.h"

#define SHARED_N 3
static const int shared_counts[SHARED_N] = {2, 5, 9};
#define RP_CONNS   24
#define SEND_FIRST 3 /* accepted by the process that passes the listener on */
#define RECV_THEN  4 /* accepted by the process that received it */
#define BUSY_N	   2 /* stall: accepted by the busy holder */
#define LEFT_N	   3 /* stall: left waiting */

static struct barrier stop;		  /* everything is reported: children let go */
static int msg_pipe[2];			  /* child -> parent: {pid, value}, one write each */
static int shared_fd = -1, busy_lfd = -1; /* the parent's listeners */

/* A child keeps only its own listener: the others' holders must be exact. */
static void child_start(const char *comm, int keep)
{
	set_comm(comm);
	if (shared_fd >= 0 && shared_fd != keep)
		close(shared_fd);
	if (busy_lfd >= 0 && busy_lfd != keep)
		close(busy_lfd);
}

static void send_msg(long v)
{
	long m[2] = {getpid(), v};

	if (write(msg_pipe[1], m, sizeof(m)) != sizeof(m))
		_exit(3);
}

static int read_msg(long *pid, long *v)
{
	long m[2];

	if (read(msg_pipe[0], m, sizeof(m)) != sizeof(m))
		return -1;
	*pid = m[0];
	*v = m[1];
	return 0;
}

static int accept_n(int fd, int n)
{
	int i, c;

	for (i = 0; i < n; i++) {
		c = accept(fd, NULL, NULL);
		if (c < 0)
			return -1;
		close(c);
	}
	return 0;
}

static int connect_n(uint16_t port, int n, int *fds, int *made)
{
	int i;

	for (i = 0; i < n; i++) {
		fds[*made] = tcp_connect_to(AF_INET, "127.0.0.1", port);
		if (fds[*made] < 0)
			return -1;
		(*made)++;
	}
	return 0;
}

/* A: one listener, inherited by three children that accept in turn. */
struct turn {
	int lfd, count;
	const char *comm;
	struct barrier go, done;
};

static int turn_main(void *arg)
{
	struct turn *t = arg;

	child_start(t->comm, t->lfd);
	if (barrier_wait(&t->go, 60000) || accept_n(t->lfd, t->count))
		return 1;
	barrier_signal(&t->done);
	barrier_wait(&stop, 60000);
	return 0;
}

/* B: two processes, each with its own SO_REUSEPORT listener on one port. */
static uint16_t rp_port;
static struct barrier rp_listening, rp_go;

static int rp_main(void *arg)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(rp_port)};
	int one = 1, n = 0, c, fd;

	child_start(arg, -1);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 64))
		return 1;
	barrier_signal(&rp_listening);
	if (barrier_wait(&rp_go, 60000))
		return 1;
	/* every connection is queued by now: take what the kernel gave this one */
	fcntl(fd, F_SETFL, O_NONBLOCK);
	while ((c = accept(fd, NULL, NULL)) >= 0) {
		n++;
		close(c);
	}
	if (errno != EAGAIN)
		return 1;
	send_msg(n);
	barrier_wait(&stop, 60000);
	return 0;
}

/* C: a process accepts, passes the listener by SCM_RIGHTS, the receiver accepts. */
static int pass_sock[2];
static struct barrier send_go, recv_go, recv_done;

static int sender_main(void *arg)
{
	uint16_t port;
	int fd;

	(void)arg;
	child_start("acc_send", -1);
	fd = tcp_listen_on(AF_INET, "127.0.0.1", 0, 64, &port);
	if (fd < 0)
		return 1;
	send_msg(port);
	if (barrier_wait(&send_go, 60000) || accept_n(fd, SEND_FIRST) || send_fd(pass_sock[0], fd))
		return 1;
	barrier_wait(&stop, 60000);
	close(fd);
	return 0;
}

static int receiver_main(void *arg)
{
	int fd;

	(void)arg;
	child_start("acc_recv", -1);
	fd = recv_fd(pass_sock[1]);
	if (fd < 0)
		return 1;
	barrier_signal(&recv_go); /* ready: the parent may connect */
	if (barrier_wait(&recv_done, 60000) || accept_n(fd, RECV_THEN))
		return 1;
	/* the sender stays the only holder: the receiver is known by its accepts */
	close(fd);
	barrier_signal(&recv_go);
	barrier_wait(&stop, 60000);
	return 0;
}

/* D: a listener forked to a busy child and an idle one; connections wait. */
static struct barrier busy_go, busy_done;

static int busy_main(void *arg)
{
	(void)arg;
	child_start("acc_busy", busy_lfd);
	if (barrier_wait(&busy_go, 60000) || accept_n(busy_lfd, BUSY_N))
		return 1;
	barrier_signal(&busy_done);
	barrier_wait(&stop, 60000);
	return 0;
}

static int idle_main(void *arg)
{
	(void)arg;
	child_start("acc_idle", busy_lfd);
	barrier_wait(&stop, 60000);
	return 0;
}

static int start_text(struct tracer *t, const char *netns)
{
	const char *hooks = getenv("SOCKTRACE_HOOKS");
	const char *argv[] = {"accept",
			      "--interval",
			      "0.5",
			      "--netns",
			      netns,
			      "-e",
			      hooks && *hooks ? "--hooks" : NULL,
			      hooks,
			      NULL};

	return tracer_start(t, argv, 20000);
}

/* The acceptor pid of listener l: it accepted exactly want, under comm. */
static void check_acceptor(const struct json_obj *l, long long pid, const char *comm,
			   long long want, const char *what)
{
	const struct json_obj *a = elem_with_pid(l, "acceptors", pid);
	const char *last;

	if (!ok(a != NULL, "%s: pid %lld is an acceptor", what, pid))
		return;
	is_str(json_str(a, "comm"), comm, "%s: comm %s", what, comm);
	is_int(json_int_is(a, "accepted", want), 1, "%s: accepted exactly %lld", what, want);
	last = json_str(a, "last_accept");
	ok(last && strlen(last) == 27 && last[10] == 'T' && last[26] == 'Z',
	   "%s: last_accept is RFC 3339 (%s)", what, last ? last : "none");
}

static void check_shared(const struct json_lines *jl, uint16_t port, pid_t *pids)
{
	const struct json_obj *g = group_report(jl, port, 1), *l, *pi;
	long long total = 0;
	double share;
	int i;

	if (!ok(g != NULL, "A: a listener shared by fork() without SO_REUSEPORT is reported"))
		return;
	if (!is_int(json_array_len(g, "listeners"), 1, "A: a group of one listener"))
		return;
	l = json_array_obj(g, "listeners", 0);
	is_int(json_array_len(l, "pids"), SHARED_N + 1, "A: held by the parent and %d children",
	       SHARED_N);
	is_int(json_array_len(l, "acceptors"), SHARED_N, "A: %d acceptors", SHARED_N);
	for (i = 0; i < SHARED_N; i++) {
		char what[32], comm[16];

		snprintf(what, sizeof(what), "A: child %d", i);
		snprintf(comm, sizeof(comm), "acc_turn%d", i);
		check_acceptor(l, pids[i], comm, shared_counts[i], what);
		total += shared_counts[i];
	}
	ok(json_int_is(l, "accepted", total), "A: the listener accepted %lld", total);
	/* busiest first: the last child accepted most */
	ok(json_int_is(json_array_obj(l, "acceptors", 0), "pid", pids[SHARED_N - 1]),
	   "A: acceptors come busiest first");
	ok(json_num(json_array_obj(l, "acceptors", 0), "share", &share) == 0 &&
		   share > 100.0 * shared_counts[SHARED_N - 1] / total - 0.1 &&
		   share < 100.0 * shared_counts[SHARED_N - 1] / total + 0.1,
	   "A: share of the busiest is its part of the listener's accepts");
	pi = json_get_obj(g, "process_imbalance");
	ok(json_int_is(pi, "processes", SHARED_N),
	   "A: the imbalance counts the %d acceptors, not the parent that forked them", SHARED_N);
	is_int(json_array_len(g, "stalled_processes"), 0, "A: no stalled process");
	ok(elem_with_pid(l, "acceptors", getpid()) == NULL, "A: the parent accepted nothing");
}

static void check_reuseport(const struct json_lines *jl, const long *pids, const long *counts)
{
	const struct json_obj *g = group_report(jl, rp_port, 1);
	int i;

	if (!ok(g != NULL, "B: the SO_REUSEPORT group is reported"))
		return;
	is_int(json_array_len(g, "listeners"), 2, "B: two listeners");
	for (i = 0; i < 2; i++) {
		const struct json_obj *l = elem_with_pid(g, "listeners", pids[i]);
		char what[32];

		snprintf(what, sizeof(what), "B: process %ld", pids[i]);
		if (!ok(l != NULL, "%s owns a listener", what))
			continue;
		is_int(json_array_len(l, "acceptors"), counts[i] ? 1 : 0,
		       "%s: its listener has only it as acceptor", what);
		if (counts[i])
			check_acceptor(l, pids[i], i ? "acc_rp1" : "acc_rp0", counts[i], what);
	}
	is_int(group_acceptor_total(g), RP_CONNS, "B: acceptors add up to the %d connections",
	       RP_CONNS);
}

static void check_passed(const struct json_lines *jl, uint16_t port, pid_t sender, pid_t receiver)
{
	const struct json_obj *g = group_report(jl, port, 1), *l;

	if (!ok(g != NULL, "C: a listener passed by SCM_RIGHTS is reported") ||
	    !is_int(json_array_len(g, "listeners"), 1, "C: one listener"))
		return;
	l = json_array_obj(g, "listeners", 0);
	is_int(json_array_len(l, "acceptors"), 2, "C: two acceptors");
	check_acceptor(l, sender, "acc_send", SEND_FIRST, "C: the sender");
	check_acceptor(l, receiver, "acc_recv", RECV_THEN, "C: the receiver");
	ok(elem_with_pid(l, "pids", receiver) == NULL,
	   "C: the receiver, which closed its fd, is no holder");
}

static void check_stalled(const struct json_lines *jl, uint16_t port, pid_t busy, pid_t idle)
{
	const struct json_obj *g = group_report(jl, port, 1), *l;

	if (!ok(g != NULL, "D: the shared listener with waiting connections is reported"))
		return;
	l = json_array_obj(g, "listeners", 0);
	ok(json_int_is(l, "queue", LEFT_N), "D: %d connections wait", LEFT_N);
	check_acceptor(l, busy, "acc_busy", BUSY_N, "D: the busy child");
	ok(elem_with_pid(g, "stalled_processes", idle) != NULL,
	   "D: the idle holder is flagged as stalled");
	ok(elem_with_pid(g, "stalled_processes", getpid()) == NULL,
	   "D: the parent that forked them is not");
	is_int(json_array_len(g, "stalled_processes"), 1, "D: one stalled process");
	ok(json_int_is(json_get_obj(g, "process_imbalance"), "processes", 2),
	   "D: two processes in the imbalance (busy and idle)");
}

/*
 * Whether every member row ends its ACCEPTED and SHARE cells where the header
 * above ends those names: a PID/PROGRAM cell wider than its column pushed
 * the numbers right.
 */
static bool numbers_aligned(const char *text)
{
	size_t accepted = 0, share = 0, rows = 0;
	const char *line, *nl, *h;

	for (line = text; *line; line = nl ? nl + 1 : line + strlen(line)) {
		size_t len;

		nl = strchr(line, '\n');
		len = nl ? (size_t)(nl - line) : strlen(line);
		if (!strncmp(line, "  SOCK ", 7)) {
			h = strstr(line, "ACCEPTED");
			accepted = h && h < line + len ? (size_t)(h - line) + 8 : 0;
			h = strstr(line, "SHARE");
			share = h && h < line + len ? (size_t)(h - line) + 5 : 0;
			continue;
		}
		if (len < 3 || strncmp(line, "  ", 2) || !isdigit((unsigned char)line[2]))
			continue;
		rows++;
		if (!accepted || !share || len <= share ||
		    !isdigit((unsigned char)line[accepted - 1]) || line[accepted] != ' ' ||
		    line[share - 1] != '%')
			return false;
	}
	return rows > 0;
}

static void check_text(struct tracer *t, pid_t *pids)
{
	char *text = read_text_file(t->out_path, NULL), want[96];
	int i;

	if (!ok(text != NULL, "text: output readable"))
		return;
	for (i = 0; i < SHARED_N; i++) {
		snprintf(want, sizeof(want), "    accepted by %d/acc_turn%d %d (", pids[i], i,
			 shared_counts[i]);
		ok(strstr(text, want) != NULL, "text: '%s...' under the listener", want);
	}
	ok(strstr(text, " last ") != NULL, "text: -e shows the time of the last accept");
	ok(strstr(text, "STALLED process ") != NULL, "text: the stalled process is flagged");
	ok(numbers_aligned(text), "text: -e's holder lists keep the numbers under their headers");
	if (tap_failed)
		tap_diag("%s", text);
	free(text);
}

static void check_compact(const char *netns, uint16_t port, pid_t *pids)
{
	const char *argv[] = {"reuseport", "--port",	 NULL,	"--netns",
			      netns,	   "--duration", "0.5", NULL};
	char *text = NULL, want[64], sport[8];
	struct tracer t;

	snprintf(sport, sizeof(sport), "%u", port);
	argv[2] = sport;
	if (!ok(tracer_start(&t, argv, 20000) == 0, "compact: reuseport started") ||
	    !ok(tracer_wait(&t, 20000) == 0, "compact: ends after --duration")) {
		tracer_cleanup(&t);
		return;
	}
	/* parent and children are consecutive pids only by luck: check the shape */
	snprintf(want, sizeof(want), "%d holders: ", SHARED_N + 1);
	if ((text = read_text_file(t.out_path, NULL))) {
		ok(strstr(text, want) != NULL, "compact: the holders column says '%s...'", want);
		snprintf(want, sizeof(want), "acc_turn0 %d", pids[0]);
		ok(strstr(text, want) != NULL, "compact: names and pids follow");
		ok(numbers_aligned(text), "compact: the numbers stay under their headers");
		if (tap_failed)
			tap_diag("%s", text);
		free(text);
	}
	tracer_cleanup(&t);
}

/* The alias is in the help; -e belongs to table and reuseport alone. */
static void cli(void)
{
	const char *help[] = {socktrace_path(), "help", NULL};
	const char *bad[] = {socktrace_path(), "watch", "-e", NULL};
	char *out = NULL;

	ok(run_capture(help, &out, 10000) == 0 && out && strstr(out, "(or accept)"),
	   "help names 'accept' as the reuseport view's alias");
	free(out);
	out = NULL;
	is_int(run_capture(bad, &out, 10000), 2, "watch -e is a usage error");
	free(out);
}

int main(void)
{
	struct turn turns[SHARED_N];
	pid_t tpids[SHARED_N], rp[2], sender, receiver, busy, idle;
	long rp_pids[2] = {0}, rp_counts[2] = {0}, pid, v;
	int fds[128], made = 0, i;
	uint16_t shared_port, passed_port, busy_port;
	struct tracer t, tt;
	struct json_lines jl;
	char netns[32];
	long ns = netns_enter_new();

	if (ns < 0 || pipe(msg_pipe) || barrier_init(&stop) || barrier_init(&rp_listening) ||
	    barrier_init(&rp_go) || barrier_init(&send_go) || barrier_init(&recv_go) ||
	    barrier_init(&recv_done) || barrier_init(&busy_go) || barrier_init(&busy_done) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, pass_sock)) {
		ok(0, "set up a network namespace, pipes and barriers");
		return tap_done();
	}
	snprintf(netns, sizeof(netns), "%ld", ns);
	cli();
	if (!ok(start_tracer(&t, (const char *const[]){"reuseport", "--interval", "0.5", "--netns",
						       netns, NULL}) == 0,
		"reuseport --json started") ||
	    !ok(start_text(&tt, netns) == 0, "accept (text, -e) started")) {
		tap_diag("%s", tracer_stderr(&t));
		return tap_done();
	}

	/* A */
	shared_fd = tcp_listen_on(AF_INET, "127.0.0.1", 0, 64, &shared_port);
	/* the children share it; a tracer started later must not hold it */
	fcntl(shared_fd, F_SETFD, FD_CLOEXEC);
	for (i = 0; i < SHARED_N; i++) {
		static char comms[SHARED_N][16];

		snprintf(comms[i], sizeof(comms[i]), "acc_turn%d", i);
		turns[i] = (struct turn){
			.lfd = shared_fd, .count = shared_counts[i], .comm = comms[i]};
		barrier_init(&turns[i].go);
		barrier_init(&turns[i].done);
		tpids[i] = spawn(turn_main, &turns[i]);
	}
	for (i = 0; i < SHARED_N; i++) {
		ok(connect_n(shared_port, shared_counts[i], fds, &made) == 0,
		   "A: %d connections for child %d", shared_counts[i], i);
		barrier_signal(&turns[i].go);
		ok(barrier_wait(&turns[i].done, 30000) == 0, "A: child %d accepted its share", i);
	}

	/* B */
	close(tcp_listen_on(AF_INET, "127.0.0.1", 0, 1, &rp_port)); /* a free port */
	rp[0] = spawn(rp_main, "acc_rp0");
	rp[1] = spawn(rp_main, "acc_rp1");
	barrier_wait(&rp_listening, 10000);
	barrier_wait(&rp_listening, 10000);
	ok(connect_n(rp_port, RP_CONNS, fds, &made) == 0, "B: %d connections", RP_CONNS);
	tcp_wait_settled(10000);
	barrier_signal(&rp_go);
	barrier_signal(&rp_go);
	/* in the order they were spawned (acc_rp0, acc_rp1), whichever wrote first */
	for (i = 0; i < 2; i++)
		if (read_msg(&pid, &v) == 0 && (pid == rp[0] || pid == rp[1])) {
			rp_pids[pid == rp[1]] = pid;
			rp_counts[pid == rp[1]] = v;
		}
	ok(rp_pids[0] == rp[0] && rp_pids[1] == rp[1],
	   "B: both processes reported their counts (%ld, %ld)", rp_counts[0], rp_counts[1]);
	is_int(rp_counts[0] + rp_counts[1], RP_CONNS, "B: together they took all %d", RP_CONNS);

	/* C */
	receiver = spawn(receiver_main, NULL);
	sender = spawn(sender_main, NULL);
	passed_port = read_msg(&pid, &v) == 0 && pid == sender ? (uint16_t)v : 0;
	ok(connect_n(passed_port, SEND_FIRST, fds, &made) == 0, "C: %d connections for the sender",
	   SEND_FIRST);
	barrier_signal(&send_go);
	ok(barrier_wait(&recv_go, 30000) == 0, "C: the receiver has the listener");
	ok(connect_n(passed_port, RECV_THEN, fds, &made) == 0, "C: %d connections for the receiver",
	   RECV_THEN);
	barrier_signal(&recv_done);
	ok(barrier_wait(&recv_go, 30000) == 0, "C: the receiver accepted and closed its fd");

	/* D */
	busy_lfd = tcp_listen_on(AF_INET, "127.0.0.1", 0, 64, &busy_port);
	fcntl(busy_lfd, F_SETFD, FD_CLOEXEC);
	busy = spawn(busy_main, NULL);
	idle = spawn(idle_main, NULL);
	ok(connect_n(busy_port, BUSY_N, fds, &made) == 0, "D: %d connections", BUSY_N);
	barrier_signal(&busy_go);
	barrier_wait(&busy_done, 30000);
	ok(connect_n(busy_port, LEFT_N, fds, &made) == 0, "D: %d more left waiting", LEFT_N);
	tcp_wait_settled(10000);

	check_compact(netns, shared_port, tpids);
	usleep(1100000); /* a report with everything settled */
	ok(tracer_stop(&t, 15000) == 0, "reuseport exits 0 (%s)", tracer_status_str(&t));
	ok(tracer_stop(&tt, 15000) == 0, "accept exits 0 (%s)", tracer_status_str(&tt));
	for (i = 0; i < SHARED_N + 5; i++)
		barrier_signal(&stop);

	if (ok(json_lines_load(t.out_path, &jl) == 0 && jl.bad == 0, "valid JSON lines")) {
		check_shared(&jl, shared_port, tpids);
		check_reuseport(&jl, rp_pids, rp_counts);
		check_passed(&jl, passed_port, sender, receiver);
		check_stalled(&jl, busy_port, busy, idle);
		json_lines_free(&jl);
	}
	check_text(&tt, tpids);

	for (i = 0; i < SHARED_N; i++)
		wait_exit(tpids[i], 5000);
	wait_exit(rp[0], 5000);
	wait_exit(rp[1], 5000);
	wait_exit(sender, 5000);
	wait_exit(receiver, 5000);
	wait_exit(busy, 5000);
	wait_exit(idle, 5000);
	for (i = 0; i < made; i++)
		close(fds[i]);
	close(shared_fd);
	close(busy_lfd);
	tracer_cleanup(&t);
	tracer_cleanup(&tt);
	return tap_done();
}
