// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Every line names its socket's network namespace, and --netns keeps one
 * namespace's sockets only, while two namespaces make connections in turn on
 * one CPU. Each CPU's programs remember the last namespace they read
 * (bpf/sock_read.bpf.h, net_inum()): here every connection's transitions
 * take turns with the other namespace's, so that memory is replaced over
 * and over, and a line that names the namespace before is caught. And a
 * UNIX connection across two namespaces.
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "events.h"
#include "netns.h"
#include "tap.h"
#include "workload.h"

#define CONNS	 150 /* per namespace */
#define PORT_A	 6101
#define PORT_B	 6102
#define MAX_LINE 20000

enum { W_ALL, W_B, L_ALL, L_B, RUNS };

static const char *const run_name[RUNS] = {"watch", "watch --netns B", "life", "life --netns B"};

/* A connection's lines in one tracer's output: how many name which namespace. */
struct tally {
	size_t a_right, a_wrong, b_right, b_wrong;
};

static void count_lines(const struct json_lines *jl, const char *event, long long ns_a,
			long long ns_b, struct tally *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < jl->n; i++) {
		const struct json_obj *o = jl->objs[i];
		long long lport = -1, rport = -1, ns = -1;

		if (!json_str_is(o, "event", event))
			continue;
		json_int(o, "lport", &lport);
		json_int(o, "rport", &rport);
		json_int(o, "netns", &ns);
		if (lport == PORT_A || rport == PORT_A)
			*(ns == ns_a ? &t->a_right : &t->a_wrong) += 1;
		else if (lport == PORT_B || rport == PORT_B)
			*(ns == ns_b ? &t->b_right : &t->b_wrong) += 1;
	}
}

/* One connection in the namespace behind nsfd, to port on listener lfd. */
static int conn_in(int nsfd, uint16_t port, int lfd, int client_first)
{
	return netns_enter_fd(nsfd) ? -1 : tcp_open_close(port, lfd, 1, client_first);
}

/*
 * A --netns tracer that falls behind (stopped) while the other namespace
 * makes connections: their records would fill its small ring many times
 * over, and are never reserved in it, so its own namespace's connection made
 * last is all there. Reserved and discarded, they took its room, and that
 * connection's records were lost.
 */
#define BEHIND_CONNS 100

static void behind(int fd_a, int fd_b, int lfd_a, int lfd_b, const char *b_arg, long long ns_b)
{
	struct tracer t;
	struct json_lines jl;
	struct tally n;
	long long lost = -1;
	int i, made = 0, stopped;

	memset(&t, 0, sizeof(t));
	if (!ok(start_tracer(&t, (const char *const[]){"watch", "--netns", b_arg, "--ringbuf-size",
						       "64K", NULL}) == 0,
		"behind: tracer started")) {
		tracer_cleanup(&t);
		return;
	}
	kill(t.pid, SIGSTOP);
	for (i = 0; i < BEHIND_CONNS; i++)
		made += conn_in(fd_a, PORT_A, lfd_a, 0) == 0;
	made += conn_in(fd_b, PORT_B, lfd_b, 0) == 0;
	netns_enter_fd(fd_a);
	tcp_wait_settled(3000);
	kill(t.pid, SIGCONT);
	ok(made == BEHIND_CONNS + 1, "behind: %d connections in A, then one in B, while stopped",
	   made - 1);
	usleep(200000);
	stopped = tracer_stop(&t, 10000);
	if (!stopped)
		tracer_last_summary(&t, NULL, &lost, NULL, NULL);
	ok(!stopped && lost == 0, "behind: exits 0, nothing lost (%s, lost %lld)",
	   tracer_status_str(&t), lost);
	if (ok(json_lines_load(t.out_path, &jl) == 0, "behind: the output is JSON lines")) {
		count_lines(&jl, "state", 0, ns_b, &n);
		ok(n.b_right >= 10 && n.a_right + n.a_wrong == 0,
		   "behind: B's connection's transitions, and none of A's (%zu, %zu)", n.b_right,
		   n.a_right + n.a_wrong);
		json_lines_free(&jl);
	}
	tracer_cleanup(&t);
}

/* a listener's accepts, by the accepted socket's namespace, and its listen lines */
struct unix_tally {
	size_t listens, accepts, accepts_in;
};

static void count_unix(const char *out, const char *path, long long ns, struct unix_tally *u)
{
	struct json_lines jl;
	size_t i;

	memset(u, 0, sizeof(*u));
	if (json_lines_load(out, &jl))
		return;
	for (i = 0; i < jl.n; i++) {
		const struct json_obj *o = jl.objs[i];

		if (!json_str_is(o, "path", path))
			continue;
		if (json_str_is(o, "event", "listen")) {
			u->listens++;
		} else if (json_str_is(o, "event", "accept")) {
			u->accepts++;
			u->accepts_in += json_int_is(o, "netns", ns);
		}
	}
	json_lines_free(&jl);
}

/*
 * The kernel makes a UNIX connection's accepted socket in the connecting
 * socket's namespace: a listener in B that A connects to shows its accept
 * under --netns A, none under --netns B (docs/socktrace.8.md, --netns).
 */
static void unix_across(int fd_a, int fd_b, long long ns_a, const char *b_arg)
{
	char dir[] = "/tmp/t_netns.XXXXXX", path[64], a_arg[32];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct tracer ta, tb;
	struct unix_tally ua, ub;
	int lfd = -1, cfd = -1, afd = -1, done = 0;

	memset(&ta, 0, sizeof(ta));
	memset(&tb, 0, sizeof(tb));
	snprintf(a_arg, sizeof(a_arg), "%lld", ns_a);
	if (!ok(mkdtemp(dir) != NULL, "unix: a directory for the socket"))
		return;
	snprintf(path, sizeof(path), "%s/l.sock", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (!ok(start_tracer(&ta, (const char *const[]){"watch", "-x", "--netns", a_arg, NULL}) ==
				0 &&
			start_tracer(&tb, (const char *const[]){"watch", "-x", "--netns", b_arg,
								NULL}) == 0,
		"unix: a tracer for each namespace"))
		goto out;
	if (netns_enter_fd(fd_b) == 0)
		lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd >= 0 && (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 8))) {
		close(lfd);
		lfd = -1;
	}
	if (netns_enter_fd(fd_a) == 0 && lfd >= 0)
		cfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cfd >= 0 && connect(cfd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		afd = accept(lfd, NULL, NULL);
	done = ok(afd >= 0, "unix: a listener in B, a connection from A, accepted");
	if (afd >= 0)
		close(afd);
	if (cfd >= 0)
		close(cfd);
	if (lfd >= 0)
		close(lfd);
	usleep(300000);
	ok(tracer_stop(&ta, 10000) == 0 && tracer_stop(&tb, 10000) == 0,
	   "unix: both tracers exit 0");
	if (!done)
		goto out;
	count_unix(ta.out_path, path, ns_a, &ua);
	count_unix(tb.out_path, path, ns_a, &ub);
	ok(ua.accepts == 1 && ua.accepts_in == 1 && ua.listens == 0,
	   "unix: --netns A has the accept, in A, and not B's listener (%zu, %zu in A, %zu listen)",
	   ua.accepts, ua.accepts_in, ua.listens);
	ok(ub.accepts == 0 && ub.listens == 1,
	   "unix: --netns B has its listener, and not the accept (%zu listen, %zu accepts)",
	   ub.listens, ub.accepts);
out:
	tracer_cleanup(&ta);
	tracer_cleanup(&tb);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	struct tracer tr[RUNS];
	struct netns_veth v = {.peer_nsfd = -1};
	struct json_lines jl;
	struct tally t;
	char b_arg[32];
	long ns_a = netns_enter_new();
	int fd_a = -1, lfd_a = -1, lfd_b = -1, i, made = 0, started = 0;
	cpu_set_t one;

	memset(tr, 0, sizeof(tr));
	if (ns_a < 0) {
		ok(0, "enter a new network namespace: %s", strerror((int)-ns_a));
		return tap_done();
	}
	/* the loopback's softirqs run on the CPU that sends: all on one */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
	sched_setaffinity(0, sizeof(one), &one);
	fd_a = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	made = fd_a >= 0 && netns_veth_create(&v, "10.61.0.1", "10.61.0.2", 24) == 0;
	if (!ok(made, "a second namespace, B (%lu), besides A (%ld)", v.peer_inode, ns_a))
		goto out;
	made = 0;
	lfd_a = tcp_listen_on(AF_INET, "127.0.0.1", PORT_A, 256, NULL);
	if (netns_enter_fd(v.peer_nsfd) == 0)
		lfd_b = tcp_listen_on(AF_INET, "127.0.0.1", PORT_B, 256, NULL);
	if (!ok(lfd_a >= 0 && lfd_b >= 0, "a listener in each namespace") || netns_enter_fd(fd_a))
		goto out;
	snprintf(b_arg, sizeof(b_arg), "%lu", v.peer_inode);
	started =
		start_tracer(&tr[W_ALL], (const char *const[]){"watch", "-t", NULL}) == 0 &&
		start_tracer(&tr[W_B], (const char *const[]){"watch", "--netns", b_arg, NULL}) ==
			0 &&
		start_tracer(&tr[L_ALL], (const char *const[]){"life", "-t", NULL}) == 0 &&
		start_tracer(&tr[L_B], (const char *const[]){"life", "--netns", b_arg, NULL}) == 0;
	if (!ok(started, "four tracers started"))
		goto out;
	for (i = 0; i < CONNS; i++) {
		if (conn_in(fd_a, PORT_A, lfd_a, i & 1) ||
		    conn_in(v.peer_nsfd, PORT_B, lfd_b, i & 1))
			break;
		made++;
	}
	netns_enter_fd(fd_a);
	ok(made == CONNS, "%d connections in each namespace, in turns", made);
	tcp_wait_settled(3000);
	usleep(300000);
	for (i = 0; i < RUNS; i++) {
		long long lost = -1;
		int stopped = tracer_stop(&tr[i], 10000);

		if (!stopped)
			tracer_last_summary(&tr[i], NULL, &lost, NULL, NULL);
		ok(!stopped && lost == 0, "%s: exits 0, nothing lost (%s, lost %lld)", run_name[i],
		   tracer_status_str(&tr[i]), lost);
	}
	for (i = 0; i < RUNS; i++) {
		bool life = i == L_ALL || i == L_B, only_b = i == W_B || i == L_B;
		/* life: a line per end; watch: a connection's ten transitions, and more */
		size_t want = life ? 2 * CONNS : 10 * CONNS;

		if (!ok(json_lines_load(tr[i].out_path, &jl) == 0 && jl.bad == 0,
			"%s: the output is JSON lines", run_name[i]))
			continue;
		count_lines(&jl, life ? "close" : "state", ns_a, (long long)v.peer_inode, &t);
		ok(t.a_wrong == 0 && t.b_wrong == 0,
		   "%s: every line names its namespace (A %zu right, %zu wrong; B %zu right, %zu "
		   "wrong)",
		   run_name[i], t.a_right, t.a_wrong, t.b_right, t.b_wrong);
		ok(t.b_right >= want && (only_b ? t.a_right == 0 : t.a_right >= want),
		   "%s: %s (A %zu, B %zu lines, at least %zu each)", run_name[i],
		   only_b ? "B's connections only, all of them" : "both namespaces' connections",
		   t.a_right, t.b_right, want);
		json_lines_free(&jl);
	}
	behind(fd_a, v.peer_nsfd, lfd_a, lfd_b, b_arg, (long long)v.peer_inode);
	unix_across(fd_a, v.peer_nsfd, ns_a, b_arg);
out:
	for (i = 0; i < RUNS; i++)
		tracer_cleanup(&tr[i]);
	if (lfd_a >= 0)
		close(lfd_a);
	if (lfd_b >= 0)
		close(lfd_b);
	if (fd_a >= 0)
		close(fd_a);
	netns_veth_destroy(&v);
	return tap_done();
}
