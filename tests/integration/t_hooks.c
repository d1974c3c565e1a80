// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bind, listen, accept, connect and UDP, through whichever hook family the
 * kernel offers (SOCKTRACE_HOOKS forces one, as the kernel matrix does).
 */
#include <errno.h>
#include <netinet/in.h>
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

#define MAXEV 256

/* ---- workloads ---- */

struct pipe_msg {
	pid_t pid;
	uint16_t port;
};

static int fds[2];

static void report(uint16_t port)
{
	struct pipe_msg m = {getpid(), port};

	if (write(fds[1], &m, sizeof(m)) != sizeof(m))
		_exit(99);
}

static struct pipe_msg receive(void)
{
	struct pipe_msg m = {0, 0};

	if (read(fds[0], &m, sizeof(m)) != sizeof(m))
		m.pid = -1;
	return m;
}

/* Holds 127.0.0.1:port (listening, backlog 7) until its stdin-pipe closes. */
static struct barrier release;

static int binder_main(void *arg)
{
	uint16_t port;
	int fd;

	(void)arg;
	set_comm("st_binder");
	fd = tcp_listen_on(AF_INET, "127.0.0.1", 0, 7, &port);
	if (fd < 0)
		return 1;
	report(port);
	barrier_wait(&release, 10000);
	close(fd);
	return 0;
}

static uint16_t loser_port;

static int loser_main(void *arg)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(loser_port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0), rc;

	(void)arg;
	set_comm("st_loser");
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return rc < 0 && errno == EADDRINUSE ? 0 : 1;
}

static int udp_main(void *arg)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(9)};
	socklen_t len = sizeof(sa);
	int one = 1, fd = socket(AF_INET, SOCK_DGRAM, 0);

	(void)arg;
	set_comm("st_udp");
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len))
		return 1;
	report(ntohs(sa.sin_port));
	if (connect(fd, (struct sockaddr *)&peer, sizeof(peer)))
		return 2;
	close(fd);
	return 0;
}

/* A dual-stack :: listener (V6ONLY off) and a v6-only ::1 listener, and an
 * IPv4 client of the first. */
static int v6_main(void *arg)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
	socklen_t len = sizeof(sa);
	int zero = 0, one = 1, dual = socket(AF_INET6, SOCK_STREAM, 0), only, c, a;
	uint16_t only_port;

	(void)arg;
	set_comm("st_v6");
	setsockopt(dual, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	setsockopt(dual, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(dual, (struct sockaddr *)&sa, sizeof(sa)) || listen(dual, 4) ||
	    getsockname(dual, (struct sockaddr *)&sa, &len))
		return 1;
	report(ntohs(sa.sin6_port));
	only = tcp_listen_on(AF_INET6, "::1", 0, 4, &only_port); /* v6-only by the helper */
	if (only < 0)
		return 2;
	report(only_port);
	c = tcp_connect_to(AF_INET, "127.0.0.1", ntohs(sa.sin6_port));
	if (c < 0)
		return 3;
	report(sock_local_port(c));
	a = accept(dual, NULL, NULL);
	if (a < 0)
		return 4;
	close(c);
	usleep(20000);
	close(a);
	close(only);
	close(dual);
	return 0;
}

/* Three processes share one listener and each accepts three connections. */
#define ACCEPTORS    3
#define PER_ACCEPTOR 3
static int shared_listener;

static int acceptor_main(void *arg)
{
	int i, c;

	(void)arg;
	set_comm("st_acceptor");
	for (i = 0; i < PER_ACCEPTOR; i++) {
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);

		c = accept(shared_listener, (struct sockaddr *)&peer, &len);
		if (c < 0)
			return 1;
		report(ntohs(peer.sin_port)); /* which client this process got */
		close(c);
	}
	return 0;
}

/* ---- checks ---- */

static void check_binds(const struct json_lines *jl, pid_t binder, pid_t loser, uint16_t port)
{
	const struct json_obj *ev[MAXEV];
	size_t n = ev_select(jl, (struct ev_match){"bind", "127.0.0.1", port, NULL, -1}, ev, MAXEV),
	       i;
	int won = 0, lost = 0;

	for (i = 0; i < n; i++) {
		if (json_int_is(ev[i], "pid", binder) && json_int_is(ev[i], "errno", 0) &&
		    json_str_is(ev[i], "proto", "tcp") && json_bool_is(ev[i], "reuseaddr", 1))
			won++;
		if (json_int_is(ev[i], "pid", loser) && json_int_is(ev[i], "errno", EADDRINUSE) &&
		    json_str_is(ev[i], "error", "EADDRINUSE"))
			lost++;
	}
	ok(won == 1, "bind: the winner's bind, pid %d, errno 0, SO_REUSEADDR (%d)", binder, won);
	ok(lost == 1, "bind: the loser's bind, pid %d, EADDRINUSE, with the address asked for (%d)",
	   loser, lost);
	n = ev_select(jl, (struct ev_match){"listen", "127.0.0.1", port, NULL, -1}, ev, MAXEV);
	ok(n == 1 && json_int_is(ev[0], "backlog", 7) && json_int_is(ev[0], "pid", binder),
	   "listen: backlog 7 by pid %d", binder);
}

static void check_udp(const struct json_lines *jl, pid_t pid, uint16_t port)
{
	const struct json_obj *ev[MAXEV];
	size_t n = ev_select(jl, (struct ev_match){NULL, "127.0.0.1", port, NULL, -1}, ev, MAXEV);

	ok(n == 3, "udp: three events for the socket (%zu)", n);
	if (n != 3)
		return;
	ok(json_str_is(ev[0], "event", "bind") && json_str_is(ev[0], "proto", "udp") &&
		   json_int_is(ev[0], "pid", pid) && json_bool_is(ev[0], "reuseport", 1),
	   "udp: bind by pid %d with SO_REUSEPORT", pid);
	ok(json_str_is(ev[1], "event", "connect") && json_int_is(ev[1], "errno", 0) &&
		   json_str_is(ev[1], "raddr", "127.0.0.1") && json_int_is(ev[1], "rport", 9) &&
		   json_int_is(ev[1], "pid", pid),
	   "udp: connect to 127.0.0.1:9");
	ok(json_str_is(ev[2], "event", "close") && json_int_is(ev[2], "pid", pid) &&
		   json_int_is(ev[2], "rport", 9),
	   "udp: close, with the tuple carried forward");
}

static void check_v6(const struct json_lines *jl, pid_t pid, uint16_t dual, uint16_t only,
		     uint16_t client)
{
	const struct json_obj *ev[MAXEV];
	size_t n;

	n = ev_select(jl, (struct ev_match){"bind", "::", dual, NULL, -1}, ev, MAXEV);
	ok(n == 1 && json_bool_is(ev[0], "v6only", 0) && json_str_is(ev[0], "proto", "tcp6"),
	   "v6: the :: listener's bind says v6only false");
	n = ev_select(jl, (struct ev_match){"bind", "::1", only, NULL, -1}, ev, MAXEV);
	ok(n == 1 && json_bool_is(ev[0], "v6only", 1),
	   "v6: the ::1 listener's bind says v6only true");
	n = ev_select(
		jl,
		(struct ev_match){"state", "::ffff:127.0.0.1", dual, "::ffff:127.0.0.1", client},
		ev, MAXEV);
	ok(n >= 3 && json_str_is(ev[0], "proto", "tcp6") &&
		   json_str_is(ev[0], "old_state", "LISTEN"),
	   "v6: the IPv4 client shows on the server side as tcp6 ::ffff:127.0.0.1 (%zu lines)", n);
	if (n)
		ok(json_int_is(ev[0], "pid", pid), "v6: with the listener's pid");
	n = ev_select(jl, (struct ev_match){"state", "127.0.0.1", client, "127.0.0.1", dual}, ev,
		      MAXEV);
	ok(n >= 3 && json_str_is(ev[0], "proto", "tcp"), "v6: the client side is plain tcp (%zu)",
	   n);
}

/* Each family runs where the kernel has it and fails in one clear line where not. */
static void check_forced_families(void)
{
	static const char *const fams[] = {"fentry", "kprobe", "tracepoint"};
	const char *feat_argv[] = {socktrace_path(), "features", "--json", NULL};
	char *out = NULL;
	struct json_obj *feat = NULL;
	const struct json_obj *avail = NULL;
	size_t i;

	if (run_capture(feat_argv, &out, 20000) == 0 && out)
		feat = json_parse(out, strlen(out));
	if (feat)
		avail = json_get_obj(feat, "available");
	if (!ok(avail != NULL, "features --json reports what is available")) {
		free(out);
		return;
	}
	for (i = 0; i < 3; i++) {
		const char *argv[] = {socktrace_path(), "--hooks", fams[i],
				      "--duration",	"0.2",	   NULL};
		char *res = NULL;
		int have = 0, rc;

		json_bool(avail, fams[i], &have);
		rc = run_capture(argv, &res, 20000);
		if (have) {
			ok(rc == 0, "--hooks %s works where features says it is available",
			   fams[i]);
		} else {
			char want[64];

			snprintf(want, sizeof(want), "--hooks %s:", fams[i]);
			/* exactly one line */
			if (res && strchr(res, '\n') && strchr(res, '\n')[1] == '\0')
				*strchr(res, '\n') = '\0';
			ok(rc == 1 && res && strstr(res, want) && !strchr(res, '\n'),
			   "--hooks %s fails with one clear line where it is not: %s", fams[i],
			   res ? res : "");
		}
		free(res);
	}
	json_free(feat);
	free(out);
}

/* Does the kernel's BTF name bpf_rdonly_cast? Read straight from the file, not
 * through socktrace's loader: the name is in BTF's string table if the kfunc is. */
static int kernel_has_rdonly_cast(void)
{
	size_t len = 0;
	char *btf = read_text_file("/sys/kernel/btf/vmlinux", &len);
	int has = btf && memmem(btf, len, "bpf_rdonly_cast", 16) != NULL;

	free(btf);
	return has;
}

/*
 * The syscall hooks find an fd's socket through bpf_rdonly_cast() where the
 * kernel has it (6.2+), else with probed reads; the other families are
 * handed the socket and report null.
 */
static void check_sock_from_fd(void)
{
	static const char *const fams[] = {"fentry", "kprobe", "tracepoint"};
	const char *want_tp = kernel_has_rdonly_cast() ? "rdonly_cast" : "probe_read";
	size_t i;

	for (i = 0; i < 3; i++) {
		const char *argv[] = {socktrace_path(), "features", "--json",
				      "--hooks",	fams[i],    NULL};
		struct json_obj *feat = NULL;
		const struct json_obj *hooks = NULL;
		char *out = NULL;

		if (run_capture(argv, &out, 20000) == 0 && out)
			feat = json_parse(out, strlen(out));
		if (feat)
			hooks = json_get_obj(feat, "hooks");
		if (!hooks) {
			/* features exits 1 with "hooks":null where the family is missing */
			ok(strcmp(fams[i], "tracepoint") != 0,
			   "features --hooks %s: no hooks (only fentry and kprobe may be missing)",
			   fams[i]);
		} else if (i < 2) {
			ok(json_is_null(hooks, "sock_from_fd"),
			   "features --hooks %s: sock_from_fd is null (the hooks get the socket)",
			   fams[i]);
		} else {
			const struct json_obj *fb = json_get_obj(feat, "fallbacks");
			const char *args = json_str(hooks, "call_args");

			ok(json_str_is(hooks, "sock_from_fd", want_tp),
			   "features --hooks tracepoint: sock_from_fd is %s (got %s)", want_tp,
			   json_str(hooks, "sock_from_fd") ? json_str(hooks, "sock_from_fd") : "?");
			/* before 5.15 the exits cannot read the arguments: saved at entry,
			 * and features says what refused the exits alone */
			ok(args && (strcmp(args, "task_regs") == 0 ||
				    (strcmp(args, "saved_at_entry") == 0 && fb &&
				     json_str(fb, "calls") &&
				     strstr(json_str(fb, "calls"), "prog '"))),
			   "features --hooks tracepoint: call_args %s, with the refused program "
			   "named if saved (%s)",
			   args ? args : "?",
			   fb && json_str(fb, "calls") ? json_str(fb, "calls") : "");
		}
		json_free(feat);
		free(out);
	}
}

/*
 * Without --hooks the loader skips a family that a quick probe says the kernel
 * cannot run (user/hook_probe.c). A wrong "cannot" would quietly cost the
 * better family: where features' own load-and-attach probe says fentry (or
 * else kprobe) works, the calls must use it, and the UNIX release too.
 */
static void check_auto_family(void)
{
	const char *argv[] = {socktrace_path(), "features", "--json", NULL};
	const struct json_obj *avail = NULL, *hooks = NULL, *unx = NULL, *fb = NULL;
	struct json_obj *feat = NULL;
	const char *want = "tracepoint", *bind = NULL, *close = NULL;
	char *out = NULL;
	int fentry = 0, kprobe = 0;
	int close_ok;

	if (run_capture(argv, &out, 20000) == 0 && out)
		feat = json_parse(out, strlen(out));
	if (feat) {
		avail = json_get_obj(feat, "available");
		hooks = json_get_obj(feat, "hooks");
		unx = json_get_obj(feat, "unix");
		fb = json_get_obj(feat, "fallbacks");
	}
	if (avail) {
		json_bool(avail, "fentry", &fentry);
		json_bool(avail, "kprobe", &kprobe);
	}
	if (fentry)
		want = "fentry";
	else if (kprobe)
		want = "kprobe";
	if (hooks)
		bind = json_str(hooks, "bind");
	if (unx)
		close = json_str(unx, "close");
	ok(bind && strcmp(bind, want) == 0,
	   "features without --hooks: calls through %s where the kernel offers it (got %s%s%s)",
	   want, bind ? bind : "?", fb && json_str(fb, "calls") ? "; " : "",
	   fb && json_str(fb, "calls") ? json_str(fb, "calls") : "");
	if (strcmp(want, "tracepoint") == 0)
		close_ok = close && strcmp(close, "fentry") != 0 && strcmp(close, "kprobe") != 0;
	else
		close_ok = close && strcmp(close, want) == 0;
	ok(close_ok,
	   "features without --hooks: UNIX release through %s where the kernel offers it (got %s)",
	   strcmp(want, "tracepoint") == 0 ? "neither fentry nor kprobe" : want,
	   close ? close : "?");
	json_free(feat);
	free(out);
}

/*
 * Where tp_btf attaches but the state program cannot load there (5.10: no
 * bpf_get_socket_cookie() for tracing programs before 5.12), the raw
 * tracepoint serves, and features names the program and the verifier's reason.
 */
static void check_state_fallback(void)
{
	const char *argv[] = {socktrace_path(), "features", "--json", NULL};
	const struct json_obj *avail = NULL, *hooks = NULL, *fb = NULL;
	struct json_obj *feat = NULL;
	const char *state = NULL, *why = NULL;
	char *out = NULL;
	int tp_btf = 0;

	if (run_capture(argv, &out, 20000) == 0 && out)
		feat = json_parse(out, strlen(out));
	if (feat) {
		avail = json_get_obj(feat, "available");
		hooks = json_get_obj(feat, "hooks");
		fb = json_get_obj(feat, "fallbacks");
	}
	if (avail)
		json_bool(avail, "tp_btf", &tp_btf);
	if (hooks)
		state = json_str(hooks, "state");
	if (fb)
		why = json_str(fb, "state");
	ok(state && (strcmp(state, tp_btf ? "tp_btf" : "raw_tp") == 0 ||
		     (tp_btf && strcmp(state, "raw_tp") == 0 && why && strstr(why, "prog '"))),
	   "features: state hook %s (tp_btf %s%s%s)", state ? state : "?", tp_btf ? "yes" : "no",
	   why ? "; " : "", why ? why : "");
	json_free(feat);
	free(out);
}

/*
 * The state hooks below tp_btf, forced: each streams a connection's whole
 * path on both ends (raw_tp is 5.10's; the classic tracepoint the last
 * resort). Every kernel we run on has both.
 */
static void check_state_hooks(const char *netns)
{
	static const char *const hooks[] = {"raw_tp", "tracepoint"};
	size_t h;

	for (h = 0; h < 2; h++) {
		const char *args[] = {"watch", "--netns", netns, "--state-hook", hooks[h], NULL};
		const struct json_obj *ev[MAXEV];
		struct json_lines jl = {0};
		struct tracer t;
		uint16_t port = 0, cport = 0;
		int l, c = -1, a = -1;
		size_t n = 0;
		char why[160] = "";

		if (!ok(start_tracer(&t, args) == 0, "--state-hook %s: started", hooks[h])) {
			tap_diag("%s", tracer_stderr(&t));
			tracer_cleanup(&t);
			continue;
		}
		l = tcp_listen_on(AF_INET, "127.0.0.1", 0, 4, &port);
		if (l >= 0)
			c = tcp_connect_to(AF_INET, "127.0.0.1", port);
		if (c >= 0) {
			cport = sock_local_port(c);
			a = accept(l, NULL, NULL);
			close(c);
		}
		usleep(50000);
		if (a >= 0)
			close(a);
		if (l >= 0)
			close(l);
		usleep(200000);
		if (tracer_stop(&t, 10000) == 0 && json_lines_load(t.out_path, &jl) == 0)
			n = ev_select(
				&jl,
				(struct ev_match){"state", "127.0.0.1", port, "127.0.0.1", cport},
				ev, MAXEV);
		ok(n > 0 && ev_path_is(ev, n,
				       "LISTEN>SYN_RECV>ESTABLISHED>CLOSE_WAIT>LAST_ACK>CLOSE", why,
				       sizeof(why)),
		   "--state-hook %s: the server end's whole path (%s)", hooks[h], why);
		json_lines_free(&jl);
		tracer_cleanup(&t);
	}
}

/* Where pre-existing sockets come from: iterators where the kernel has them, else and
 * when forced, sock_diag and /proc. */
static void check_seed_sources(void)
{
	static const char *const seeds[] = {"auto", "netlink"};
	size_t i;

	for (i = 0; i < 2; i++) {
		const char *argv[] = {socktrace_path(), "features", "--json",
				      "--seed",		seeds[i],   NULL};
		struct json_obj *feat = NULL;
		const struct json_obj *avail = NULL, *seed = NULL;
		const char *sockets = NULL, *holders = NULL, *why = NULL;
		char *out = NULL;
		int iter = 0;

		if (run_capture(argv, &out, 20000) == 0 && out)
			feat = json_parse(out, strlen(out));
		if (feat) {
			avail = json_get_obj(feat, "available");
			seed = json_get_obj(feat, "seed");
		}
		if (avail)
			json_bool(avail, "iter", &iter);
		if (seed) {
			sockets = json_str(seed, "sockets");
			holders = json_str(seed, "holders");
		}
		if (feat && json_get_obj(feat, "fallbacks"))
			why = json_str(json_get_obj(feat, "fallbacks"), "seed");
		/* 5.10 has iter/tcp but its socket iterators cannot ask for a cookie
		 * (5.12): sock_diag and /proc serve, and features says why */
		if (i == 0)
			ok(sockets && holders &&
				   ((strcmp(sockets, iter ? "iter" : "sock_diag") == 0 &&
				     strcmp(holders, iter ? "iter" : "procfs") == 0) ||
				    (iter && strcmp(sockets, "sock_diag") == 0 &&
				     strcmp(holders, "procfs") == 0 && why &&
				     strstr(why, "prog '"))),
			   "features --seed auto: sockets from %s, holders from %s (iterators "
			   "%s%s%s)",
			   sockets ? sockets : "?", holders ? holders : "?", iter ? "yes" : "no",
			   why ? "; " : "", why ? why : "");
		else
			ok(sockets && holders && strcmp(sockets, "sock_diag") == 0 &&
				   strcmp(holders, "procfs") == 0,
			   "features --seed netlink: sockets from sock_diag, holders from procfs");
		json_free(feat);
		free(out);
	}
}

int main(void)
{
	struct tracer t;
	struct json_lines jl;
	char netns[32];
	long ns = netns_enter_new();
	struct pipe_msg m;
	pid_t binder, loser, udp, v6, acc[ACCEPTORS];
	uint16_t port, udp_port, dual, only, v6client, lport;
	struct pipe_msg got[ACCEPTORS * PER_ACCEPTOR];
	int i, nget = 0, c, matched = 0;

	if (ns < 0 || pipe(fds) || barrier_init(&release)) {
		ok(0, "set up a network namespace and pipes");
		return tap_done();
	}
	snprintf(netns, sizeof(netns), "%ld", ns);
	if (!ok(start_tracer(&t, (const char *const[]){"watch", "--netns", netns, NULL}) == 0,
		"tracer started (%s)",
		getenv("SOCKTRACE_HOOKS") ? getenv("SOCKTRACE_HOOKS") : "auto")) {
		tap_diag("%s", tracer_stderr(&t));
		tracer_cleanup(&t);
		return tap_done();
	}

	binder = spawn(binder_main, NULL);
	m = receive();
	port = m.port;
	loser_port = port;
	loser = spawn(loser_main, NULL);
	ok(wait_exit(loser, 5000) == 0, "the second bind failed with EADDRINUSE");
	barrier_signal(&release);
	wait_exit(binder, 5000);

	udp = spawn(udp_main, NULL);
	udp_port = receive().port;
	ok(wait_exit(udp, 5000) == 0, "udp bind, connect, close");

	v6 = spawn(v6_main, NULL);
	dual = receive().port;
	only = receive().port;
	v6client = receive().port;
	ok(wait_exit(v6, 5000) == 0, "dual-stack and v6-only listeners");

	shared_listener = tcp_listen_on(AF_INET, "127.0.0.1", 0, 16, &lport);
	for (i = 0; i < ACCEPTORS; i++)
		acc[i] = spawn(acceptor_main, NULL);
	for (i = 0; i < ACCEPTORS * PER_ACCEPTOR; i++) {
		c = tcp_connect_to(AF_INET, "127.0.0.1", lport);
		if (c >= 0) {
			got[nget++] = receive();
			close(c);
		}
	}
	for (i = 0; i < ACCEPTORS; i++)
		wait_exit(acc[i], 5000);
	close(shared_listener);
	usleep(100000);

	ok(tracer_stop(&t, 10000) == 0, "tracer exits 0 (%s)", tracer_status_str(&t));
	if (!ok(json_lines_load(t.out_path, &jl) == 0 && jl.bad == 0, "valid JSON lines"))
		return tap_done();
	check_binds(&jl, binder, loser, port);
	check_udp(&jl, udp, udp_port);
	check_v6(&jl, v6, dual, only, v6client);
	for (i = 0; i < nget; i++) {
		const struct json_obj *ev[4];
		size_t n = ev_select(
			&jl,
			(struct ev_match){"accept", "127.0.0.1", lport, "127.0.0.1", got[i].port},
			ev, 4);

		matched += n == 1 && json_int_is(ev[0], "pid", got[i].pid);
	}
	is_int(matched, ACCEPTORS * PER_ACCEPTOR,
	       "accept: each of %d connections names the process that accepted it",
	       ACCEPTORS * PER_ACCEPTOR);
	json_lines_free(&jl);
	tracer_cleanup(&t);
	check_forced_families();
	check_sock_from_fd();
	check_seed_sources();
	check_state_fallback();
	check_auto_family();
	check_state_hooks(netns);
	return tap_done();
}
