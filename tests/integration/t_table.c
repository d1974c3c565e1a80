// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * socktrace table against sockets that exist before it starts, in a network
 * namespace of the test's own: a listener shared by three processes, an
 * established connection with unread bytes, a TIME_WAIT, UDP, IPv6 and
 * dual-stack sockets; then the text columns, -c refreshes that pick up a
 * socket made while the table runs, and watch naming the seeded listener's
 * owner for a connection to it; a one-shot table loads no hooks. The
 * snapshot checks run twice: with the BPF iterators, and with --seed netlink
 * (sock_diag and a /proc fd scan, what kernels without iterators get).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "events.h"
#include "files.h"
#include "netns.h"
#include "seed_iter.h"
#include "tap.h"
#include "workload.h"

/* Fixed ports: the namespace is the test's own. */
#define PORT_L	  7101 /* the shared IPv4 listener */
#define PORT_U	  7102 /* the bound UDP socket */
#define PORT_L6	  7103 /* ::1, v6only */
#define PORT_D	  7104 /* [::], dual stack */
#define PORT_LATE 7105 /* made while table -c runs */
#define BACKLOG	  7
#define UNREAD	  123

static const char *self_path;

/* In a child: close every socket it inherited except keep. */
static void close_sockets_except(int keep)
{
	struct stat st;
	int fd;

	for (fd = 3; fd < 1024; fd++)
		if (fd != keep && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
			close(fd);
}

struct kid {
	const char *comm;
	int keep_fd;		/* inherited socket it keeps holding, or -1 */
	struct barrier release; /* parent -> child: exit now */
	struct barrier done;	/* child -> parent: set up */
	int port_pipe[2];	/* child -> parent: its local port */
	pid_t pid;
};

/* Holds keep_fd (the listener) until released. */
static int holder_main(void *arg)
{
	struct kid *k = arg;

	set_comm(k->comm);
	close_sockets_except(k->keep_fd);
	barrier_signal(&k->done);
	return barrier_wait(&k->release, 60000) ? 1 : 0;
}

/* Connects to the listener, sends UNREAD bytes nobody reads, holds on. */
static int conn_main(void *arg)
{
	struct kid *k = arg;
	char buf[UNREAD];
	uint16_t port;
	int c;

	set_comm(k->comm);
	close_sockets_except(-1);
	c = tcp_connect_to(AF_INET, "127.0.0.1", PORT_L);
	if (c < 0)
		return 10;
	memset(buf, 'x', sizeof(buf));
	port = sock_local_port(c);
	if (write_all(c, buf, sizeof(buf)) ||
	    write(k->port_pipe[1], &port, sizeof(port)) != sizeof(port))
		return 11;
	barrier_signal(&k->done);
	return barrier_wait(&k->release, 60000) ? 1 : 0;
}

/* Listens on PORT_LATE, after the table started. */
static int late_main(void *arg)
{
	struct kid *k = arg;
	int l;

	set_comm(k->comm);
	close_sockets_except(-1);
	if (barrier_wait(&k->release, 60000))
		return 1;
	l = tcp_listen_on(AF_INET, "127.0.0.1", PORT_LATE, 3, NULL);
	if (l < 0)
		return 2;
	barrier_signal(&k->done);
	/* the second release: exit */
	return barrier_wait(&k->release, 60000) ? 1 : 0;
}

static int kid_start(struct kid *k, int (*fn)(void *))
{
	if (barrier_init(&k->release) || barrier_init(&k->done) || pipe(k->port_pipe))
		return -1;
	k->pid = spawn(fn, k);
	return k->pid > 0 ? 0 : -1;
}

static void kid_stop(struct kid *k)
{
	if (k->pid <= 0)
		return;
	barrier_signal(&k->release);
	barrier_signal(&k->release);
	ok(wait_exit(k->pid, 5000) == 0, "%s exits cleanly", k->comm);
	k->pid = 0;
	barrier_destroy(&k->release);
	barrier_destroy(&k->done);
	close(k->port_pipe[0]);
	close(k->port_pipe[1]);
}

/* ---- running the table ---- */

static char netns[32];
static const char *seed = "iter"; /* --seed of this pass */

/* socktrace table ARGS --netns NS --json, to completion. */
static int table_json(const char *what, const char *a1, const char *a2, const char *a3,
		      struct json_lines *jl)
{
	struct tracer t;
	int rc;

	memset(jl, 0, sizeof(*jl));
	rc = start_tracer(&t, (const char *const[]){"table", "--netns", netns, "--seed", seed, a1,
						    a2, a3, NULL});
	if (rc == 0)
		rc = tracer_wait(&t, 15000);
	if (!ok(rc == 0, "%s --seed %s: exits 0 (%s)", what, seed, tracer_status_str(&t)))
		tap_diag("%s", tracer_stderr(&t));
	if (!ok(json_lines_load(t.out_path, jl) == 0 && jl->bad == 0 && jl->n > 0,
		"%s: valid JSON lines (%zu bad)", what, jl->bad) &&
	    jl->first_bad)
		tap_diag("first bad line: %s", jl->first_bad);
	tracer_cleanup(&t);
	return rc;
}

/* socktrace table ARGS --netns NS (text), stdout malloc'd. */
static char *table_text(const char *what, const char *a1, const char *a2)
{
	struct tracer t;
	char *text;
	int rc;

	rc = tracer_start(&t, (const char *const[]){"table", "--netns", netns, a1, a2, NULL},
			  20000);
	if (rc == 0)
		rc = tracer_wait(&t, 15000);
	if (!ok(rc == 0, "%s: exits 0 (%s)", what, tracer_status_str(&t)))
		tap_diag("%s", tracer_stderr(&t));
	text = read_text_file(t.out_path, NULL);
	tracer_cleanup(&t);
	return text;
}

static long long get_int(const struct json_obj *o, const char *key)
{
	long long v = -1;

	json_int(o, key, &v);
	return v;
}

/* The one "socket" row with this tuple (rport -1: any), or NULL. */
static const struct json_obj *row(const struct json_lines *jl, const char *laddr, long lport,
				  const char *raddr, long rport)
{
	const struct json_obj *r[4];
	size_t n = ev_select(jl, (struct ev_match){"socket", laddr, lport, raddr, rport}, r, 4);

	return n == 1 ? r[0] : NULL;
}

static size_t rows_with_proto(const struct json_lines *jl, const char *prefix)
{
	size_t i, n = 0;

	for (i = 0; i < jl->n; i++) {
		const char *p = json_str(jl->objs[i], "proto");

		n += json_str_is(jl->objs[i], "event", "socket") && p &&
		     !strncmp(p, prefix, strlen(prefix));
	}
	return n;
}

/* Every "table" object counts the "socket" rows printed since the previous one. */
static int table_counts_ok(const struct json_lines *jl, size_t *tables)
{
	size_t i, since = 0;
	int good = 1;

	*tables = 0;
	for (i = 0; i < jl->n; i++) {
		if (json_str_is(jl->objs[i], "event", "socket")) {
			since++;
		} else if (json_str_is(jl->objs[i], "event", "table")) {
			good &= json_int_is(jl->objs[i], "rows", (long long)since);
			since = 0;
			(*tables)++;
		}
	}
	return good && *tables && !since;
}

/* The pids array holds exactly these pid/comm pairs, in any order. */
static int pids_are(const struct json_obj *r, const pid_t *pid, const char *const *comm, size_t n,
		    int want_cmdline)
{
	size_t i, j, len = r ? json_array_len(r, "pids") : 0;

	if (!r || len != n)
		return 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < len; j++) {
			const struct json_obj *p = json_array_obj(r, "pids", j);
			const char *cl = p ? json_str(p, "cmdline") : NULL;

			if (p && json_int_is(p, "pid", pid[i]) && json_str_is(p, "comm", comm[i]) &&
			    (!want_cmdline || (cl && strstr(cl, self_path))))
				break;
		}
		if (j == len)
			return 0;
	}
	return 1;
}

static void diag_row(const char *what, const struct json_obj *r)
{
	size_t i, n = r ? json_array_len(r, "pids") : 0;

	if (!r) {
		tap_diag("%s: no such row", what);
		return;
	}
	tap_diag("%s: state %s recv_q %lld send_q %lld owner %s, %zu pids", what,
		 json_str(r, "state") ? json_str(r, "state") : "null", get_int(r, "recv_q"),
		 get_int(r, "send_q"), json_str(r, "owner") ? json_str(r, "owner") : "?", n);
	for (i = 0; i < n; i++) {
		const struct json_obj *p = json_array_obj(r, "pids", i);

		if (p)
			tap_diag("  pid %lld comm %s cmdline %s", get_int(p, "pid"),
				 json_str(p, "comm") ? json_str(p, "comm") : "?",
				 json_str(p, "cmdline") ? json_str(p, "cmdline") : "?");
	}
}

static int udp_socket(const char *bind_addr, uint16_t bind_port, const char *peer,
		      uint16_t peer_port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind_addr) {
		sin.sin_port = htons(bind_port);
		inet_pton(AF_INET, bind_addr, &sin.sin_addr);
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
			goto fail;
	}
	if (peer) {
		sin.sin_port = htons(peer_port);
		inet_pton(AF_INET, peer, &sin.sin_addr);
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
			goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static int dual_stack_listener(uint16_t port)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_ANY_INIT};
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), zero = 0, one = 1;

	if (fd < 0)
		return -1;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) || listen(fd, 5)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* What the namespace holds before any socktrace starts. */
struct world {
	ino_t lino; /* the shared listener's inode */
	pid_t h1, h2, conn;
	uint16_t conn_port, tw_port, u_conn_port, d4_port;
	int v6;
};

/* The table views of every socket that predates socktrace. */
static void check_snapshot(const struct world *w)
{
	const uint16_t conn_port = w->conn_port, tw_port = w->tw_port, u_conn_port = w->u_conn_port,
		       d4_port = w->d4_port;
	const int v6 = w->v6;
	struct json_lines jl;

	/* -tlp: listeners only */
	if (table_json("table -tlp", "-tlp", NULL, NULL, &jl) == 0) {
		const struct json_obj *r = row(&jl, "127.0.0.1", PORT_L, "0.0.0.0", 0);
		const pid_t pids[] = {getpid(), w->h1, w->h2};
		const char *const comms[] = {"st_tparent", "st_hold1", "st_hold2"};
		size_t tables = 0;
		int counts;

		if (!ok(r && json_str_is(r, "state", "LISTEN") && json_str_is(r, "proto", "tcp") &&
				json_str_is(r, "family", "ipv4"),
			"-tlp: the listener's row, state LISTEN"))
			diag_row("listener", r);
		ok(r && json_int_is(r, "recv_q", 0) && json_int_is(r, "send_q", BACKLOG),
		   "-tlp: recv_q 0, send_q %d (the backlog)", BACKLOG);
		ok(r && json_int_is(r, "inode", (long long)w->lino), "-tlp: inode %llu",
		   (unsigned long long)w->lino);
		ok(r && json_bool_is(r, "reuseaddr", 1) && json_bool_is(r, "reuseport", 0),
		   "-tlp: SO_REUSEADDR set, SO_REUSEPORT not (--seed %s)", seed);
		if (!ok(pids_are(r, pids, comms, 3, 0), "-tlp: pids are the three holders"))
			diag_row("listener", r);
		ok(pids_are(r, pids, comms, 3, 1), "-tlp: each cmdline contains %s", self_path);
		ok(!row(&jl, "127.0.0.1", PORT_L, "127.0.0.1", conn_port) &&
			   !row(&jl, "127.0.0.1", conn_port, "127.0.0.1", PORT_L) &&
			   !row(&jl, "127.0.0.1", tw_port, "127.0.0.1", PORT_L),
		   "-tlp: no established or TIME_WAIT rows");
		ok(rows_with_proto(&jl, "udp") == 0, "-tlp: no UDP rows");
		counts = table_counts_ok(&jl, &tables);
		ok(counts && tables == 1, "-tlp: one table object counting the rows (%zu)", tables);
		if (v6) {
			r = row(&jl, "::1", PORT_L6, "::", 0);
			ok(r && json_str_is(r, "proto", "tcp6") &&
				   json_str_is(r, "family", "ipv6") &&
				   json_bool_is(r, "v6only", 1) &&
				   json_str_is(r, "state", "LISTEN"),
			   "-tlp: [::1]:%d is tcp6, ipv6, v6only", PORT_L6);
			r = row(&jl, "::", PORT_D, "::", 0);
			ok(r && json_str_is(r, "proto", "tcp6") && json_bool_is(r, "v6only", 0),
			   "-tlp: [::]:%d is dual stack (v6only false)", PORT_D);
		} else {
			tap_skip("no IPv6", "-tlp: IPv6 listener");
			tap_skip("no IPv6", "-tlp: dual-stack listener");
		}
	}
	json_lines_free(&jl);

	/* --pid and --comm: a holder after fork() is matched as the owner is */
	{
		struct {
			const char *what, *opt;
			char arg[24];
			bool has;
		} sel[] = {
			{"--pid of a forked holder", "--pid", "", true},
			{"--comm of a forked holder", "--comm", "st_hold2", true},
			{"--pid of the owner", "--pid", "", true},
			{"--pid of a process not holding it", "--pid", "", false},
		};
		size_t i;

		snprintf(sel[0].arg, sizeof(sel[0].arg), "%d", (int)w->h1);
		snprintf(sel[2].arg, sizeof(sel[2].arg), "%d", (int)getpid());
		snprintf(sel[3].arg, sizeof(sel[3].arg), "%d", (int)w->conn);
		for (i = 0; i < sizeof(sel) / sizeof(sel[0]); i++) {
			if (table_json(sel[i].what, "-tlp", sel[i].opt, sel[i].arg, &jl) == 0)
				ok(!row(&jl, "127.0.0.1", PORT_L, "0.0.0.0", 0) == !sel[i].has,
				   "-tlp %s %s: the shared listener's row %s", sel[i].opt,
				   sel[i].arg, sel[i].has ? "shown" : "left out");
			json_lines_free(&jl);
		}
	}

	/* -ta: everything TCP */
	if (table_json("table -ta", "-ta", NULL, NULL, &jl) == 0) {
		const struct json_obj *srv = row(&jl, "127.0.0.1", PORT_L, "127.0.0.1", conn_port);
		const struct json_obj *cli = row(&jl, "127.0.0.1", conn_port, "127.0.0.1", PORT_L);
		const struct json_obj *tw = row(&jl, "127.0.0.1", tw_port, "127.0.0.1", PORT_L);
		const pid_t me = getpid();
		const char *const me_comm = "st_tparent", *const conn_comm = "st_conn";

		if (!ok(srv && json_str_is(srv, "state", "ESTABLISHED") &&
				json_int_is(srv, "recv_q", UNREAD),
			"-ta: server side ESTABLISHED with recv_q %d", UNREAD))
			diag_row("server side", srv);
		if (!ok(pids_are(srv, &me, &me_comm, 1, 1), "-ta: server side held by the parent"))
			diag_row("server side", srv);
		if (!ok(cli && json_str_is(cli, "state", "ESTABLISHED") &&
				json_int_is(cli, "recv_q", 0) &&
				pids_are(cli, &w->conn, &conn_comm, 1, 1),
			"-ta: client side ESTABLISHED, held by st_conn (%d)", w->conn))
			diag_row("client side", cli);
		if (!ok(tw && json_str_is(tw, "state", "TIME_WAIT") &&
				json_array_len(tw, "pids") == 0 && json_has(tw, "pids"),
			"-ta: TIME_WAIT row with \"pids\":[]"))
			diag_row("TIME_WAIT", tw);
		ok(row(&jl, "127.0.0.1", PORT_L, "0.0.0.0", 0) != NULL, "-ta: the listener too");
		ok(rows_with_proto(&jl, "udp") == 0, "-ta: no UDP rows");
		if (v6) {
			const struct json_obj *d =
				row(&jl, "::ffff:127.0.0.1", PORT_D, "::ffff:127.0.0.1", d4_port);

			if (!ok(d && json_str_is(d, "family", "ipv6") &&
					json_str_is(d, "state", "ESTABLISHED") &&
					pids_are(d, &me, &me_comm, 1, 0),
				"-ta: dual-stack server side, raddr ::ffff:127.0.0.1"))
				diag_row("dual-stack server side", d);
		} else {
			tap_skip("no IPv6", "-ta: dual-stack server side");
		}
	}
	json_lines_free(&jl);

	/* a state asked for by name, with neither -l nor -a: listeners too, as ss */
	if (table_json("table --state LISTEN", "--state", "LISTEN", NULL, &jl) == 0) {
		size_t n = 0, others = 0, k;

		for (k = 0; k < jl.n; k++) {
			const char *ev = json_str(jl.objs[k], "event");

			if (!ev || strcmp(ev, "socket"))
				continue;
			if (json_str_is(jl.objs[k], "state", "LISTEN"))
				n++;
			else
				others++;
		}
		ok(row(&jl, "127.0.0.1", PORT_L, "0.0.0.0", 0) && n && !others,
		   "--state LISTEN: the listener's row, %zu LISTEN rows, %zu others", n, others);
	}
	json_lines_free(&jl);

	/* -4 -6: both families, as netstat */
	if (table_json("table -ta -4 -6", "-ta", "-4", "-6", &jl) == 0) {
		ok(row(&jl, "127.0.0.1", conn_port, "127.0.0.1", PORT_L) != NULL,
		   "-ta -4 -6: the IPv4 client");
		if (v6)
			ok(row(&jl, "::", PORT_D, "::", 0) != NULL,
			   "-ta -4 -6: the IPv6 dual-stack listener");
		else
			tap_skip("no IPv6", "-ta -4 -6: the IPv6 listener");
		ok(rows_with_proto(&jl, "udp") == 0 && rows_with_proto(&jl, "unix") == 0,
		   "-ta -4 -6: no UDP or UNIX rows");
	}
	json_lines_free(&jl);

	/* UDP */
	if (table_json("table -ul", "-ul", NULL, NULL, &jl) == 0) {
		const struct json_obj *r = row(&jl, "127.0.0.1", PORT_U, "0.0.0.0", 0);

		if (!ok(r && json_str_is(r, "proto", "udp") && json_is_null(r, "state"),
			"-ul: the bound UDP socket, state null"))
			diag_row("bound udp", r);
		/* the iterator read sk_wmem_alloc raw, its bias of 1 included */
		if (!ok(r && json_int_is(r, "send_q", 0) && json_int_is(r, "recv_q", 0),
			"-ul: the idle bound UDP socket: send_q 0 and recv_q 0, as ss says"))
			diag_row("bound udp", r);
		ok(!row(&jl, "127.0.0.1", u_conn_port, "127.0.0.1", PORT_U),
		   "-ul: not the connected one");
		ok(rows_with_proto(&jl, "tcp") == 0, "-ul: no TCP rows");
	}
	json_lines_free(&jl);
	if (table_json("table -u", "-u", NULL, NULL, &jl) == 0) {
		const struct json_obj *r = row(&jl, "127.0.0.1", u_conn_port, "127.0.0.1", PORT_U);

		if (!ok(r && json_str_is(r, "proto", "udp") &&
				json_str_is(r, "state", "ESTABLISHED"),
			"-u: the connected UDP socket, state ESTABLISHED"))
			diag_row("connected udp", r);
		ok(!row(&jl, "127.0.0.1", PORT_U, "0.0.0.0", 0), "-u: not the bound one");
		ok(rows_with_proto(&jl, "tcp") == 0, "-u: no TCP rows");
	}
	json_lines_free(&jl);
}

/* The nth line of text (from 0), cut out in place; NULL past the end. */
static char *nth_line(char *text, int nth)
{
	char *line = text, *nl;

	while (line && nth-- > 0)
		line = (nl = strchr(line, '\n')) ? nl + 1 : NULL;
	if (line && (nl = strchr(line, '\n')))
		*nl = '\0';
	return line && *line ? line : NULL;
}

static void check_text(void)
{
	/* netstat's titles over its headers; -H leaves rows only */
	static const char *const titles[][3] = {
		{"-t", "Active Internet connections (w/o servers)"},
		{"-tl", "Active Internet connections (only servers)"},
		{"-ta", "Active Internet connections (servers and established)"},
		{"-xl", "Active UNIX domain sockets (only servers)"},
		{"-xa", "Active UNIX domain sockets (servers and established)"},
	};
	size_t i;

	for (i = 0; i < sizeof(titles) / sizeof(titles[0]); i++) {
		char what[32], *text, *line;

		snprintf(what, sizeof(what), "table %s", titles[i][0]);
		text = table_text(what, titles[i][0], NULL);
		line = text ? nth_line(text, 0) : NULL;
		if (!ok(line && !strcmp(line, titles[i][1]), "%s: the title '%s'", what,
			titles[i][1]))
			tap_diag("first line [%s]", line ? line : "");
		free(text);
	}
	{
		char *text = table_text("table -l -H", "-l", "-H"), *line, *save = NULL;
		int rows = 0, other = 0;

		for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
		     line = strtok_r(NULL, "\n", &save))
			if (!strncmp(line, "Active ", 7) || !strncmp(line, "Proto ", 6) ||
			    !line[strspn(line, " ")])
				other++;
			else
				rows++;
		ok(rows > 0 && !other, "table -l -H: %d rows, %d titles, headers or blank lines",
		   rows, other);
		free(text);
	}
	/* text columns */
	{
		char *text = table_text("table -tle", "-tle", NULL);
		char *line = text ? nth_line(text, 1) : NULL;

		if (!ok(line && !strncmp(line, "Proto", 5) && strstr(line, " User ") &&
				strstr(line, " Inode "),
			"-e: header has User and Inode"))
			tap_diag("header [%s]", line ? line : "");
		free(text);
	}
	{
		char *text = table_text("table -xlpe", "-xlpe", NULL);
		char *line = text ? nth_line(text, 1) : NULL;

		if (!ok(line && !strncmp(line, "Proto", 5) && strstr(line, "  Command line"),
			"-xpe: the UNIX header names the command line its rows end with"))
			tap_diag("header [%s]", line ? line : "");
		free(text);
	}
	{
		char *text = table_text("table -tlp", "-tlp", NULL), *line, *save = NULL, want[64],
		     addr[32];
		int header = 0, found = 0;

		snprintf(want, sizeof(want), " %d/st_tparent", (int)getpid());
		snprintf(addr, sizeof(addr), "127.0.0.1:%d ", PORT_L);
		for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
		     line = strtok_r(NULL, "\n", &save)) {
			header |= strstr(line, "PID/Program name") != NULL;
			if (strstr(line, addr) && strstr(line, "LISTEN"))
				found |= strstr(line, want) != NULL ? 1 : 2;
		}
		ok(header, "-p: header has PID/Program name");
		ok(found == 1, "-p: the listener's row shows%s", want);
		free(text);
	}
}

/*
 * A one-shot table prints one snapshot: it loads the iterators' object and
 * none of the hooks (whose loading took a third of its start-up), and its
 * rows are those of a table with hooks. -vv shows libbpf's object loads.
 */
static void check_one_shot_hookless(void)
{
	char *out = NULL, addr[32];
	int rc = run_capture((const char *const[]){socktrace_path(), "table", "-tl", "-vv",
						   "--netns", netns, NULL},
			     &out, 20000);

	snprintf(addr, sizeof(addr), "127.0.0.1:%d ", PORT_L);
	ok(rc == 0, "table -tl -vv: exits 0 (%d)", rc);
	ok(out && strstr(out, addr) && strstr(out, "LISTEN"), "table -tl -vv: the listener's row");
	if (!ok(out && strstr(out, "loading object 'snapshot_bpf'") &&
			!strstr(out, "loading object 'trace_bpf'"),
		"one-shot table: the snapshot's object loaded, the hooks' not"))
		tap_diag("%.2000s", out ? out : "");
	free(out);
}

/*
 * A listener held by more processes than a row shows (128), one of them with
 * a command line longer than the 1 KiB shown: the row says that both were
 * cut, in JSON and in text (before, nothing did, and the schema promised
 * "every process").
 */
#define PORT_CUT 7106
#define CUT_KIDS 140
#define LONG_ARG 1500
static void check_cut(void)
{
	static char arg[LONG_ARG + 1];
	pid_t kids[CUT_KIDS + 1];
	int lfd, hold[2], i, n = 0;
	struct json_lines jl;
	const struct json_obj *r;
	char *text, want[32];

	memset(arg, 'A', LONG_ARG);
	lfd = tcp_listen_on(AF_INET, "127.0.0.1", PORT_CUT, 4, NULL);
	if (!ok(lfd >= 0 && pipe2(hold, O_CLOEXEC) == 0, "cut: listener on %d", PORT_CUT))
		return;
	fflush(NULL);
	/* first (a low pid, among the shown): a shell with a long command line,
	 * holding the listener as fd 3, reading a pipe that stays open */
	kids[n] = fork();
	if (kids[n] == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (dup2(hold[0], 0) < 0 || dup2(lfd, 3) < 0)
			_exit(126);
		execl("/bin/sh", "sh", "-c", "read x", "sh", arg, (char *)NULL);
		_exit(127);
	}
	n += kids[n] > 0;
	for (i = 0; i < CUT_KIDS; i++) {
		kids[n] = fork();
		if (kids[n] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;)
				pause();
		}
		n += kids[n] > 0;
	}
	ok(n == CUT_KIDS + 1, "cut: %d processes hold the listener", n);
	usleep(200000); /* the shell is past its exec */

	table_json("table -tl --json (cut)", "-tl", "--json", NULL, &jl);
	r = row(&jl, "127.0.0.1", PORT_CUT, "0.0.0.0", 0);
	if (ok(r != NULL, "cut: the listener's row")) {
		size_t k, np = json_array_len(r, "pids"), cut = 0, whole = 0;

		ok(np == 128, "cut: 128 pids shown (%zu)", np);
		ok(json_bool_is(r, "holders_truncated", 1), "cut: holders_truncated is true");
		for (k = 0; k < np; k++) {
			const struct json_obj *p = json_array_obj(r, "pids", k);

			cut += json_bool_is(p, "cmdline_truncated", 1);
			whole += json_bool_is(p, "cmdline_truncated", 0);
		}
		ok(cut == 1 && whole == np - 1,
		   "cut: the long command line says cmdline_truncated, the others not (%zu, %zu)",
		   cut, whole);
	}
	json_lines_free(&jl);

	text = table_text("table -tlpe (cut)", "-tlpe", NULL);
	snprintf(want, sizeof(want), "127.0.0.1:%d ", PORT_CUT);
	{
		char *line = text ? strstr(text, want) : NULL,
		     *nl = line ? strchr(line, '\n') : NULL;

		if (nl)
			*nl = '\0';
		snprintf(want, sizeof(want), ",(+%d more)", CUT_KIDS + 2 - 128);
		ok(line && strstr(line, want), "cut: the text row ends its holders with %s", want);
		ok(line && strstr(line, "AAAA [truncated]"),
		   "cut: the text row marks the long command line [truncated]");
	}
	free(text);

	for (i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	close(hold[0]);
	close(hold[1]);
	close(lfd);
}

/* -c: refreshes, and a socket made after the start */
static void check_refresh(void)
{
	struct kid late = {.comm = "st_late", .keep_fd = -1};
	struct json_lines jl;

	{
		struct tracer t;
		size_t i, tables = 0, last_from = 0, n_late = 0;
		const struct json_obj *r = NULL;
		const char *const late_comm = "st_late";
		int rc;

		ok(kid_start(&late, late_main) == 0, "st_late forked");
		rc = start_tracer(&t, (const char *const[]){"table", "-ta", "-c", "1", "--duration",
							    "2.5", "--netns", netns, "--seed", seed,
							    NULL});
		ok(rc == 0, "table -c 1 --duration 2.5: started");
		barrier_signal(&late.release);
		ok(barrier_wait(&late.done, 5000) == 0, "st_late listens on %d", PORT_LATE);
		if (rc == 0)
			rc = tracer_wait(&t, 10000);
		ok(rc == 0, "table -c: exits 0 by itself (%s)", tracer_status_str(&t));
		if (ok(json_lines_load(t.out_path, &jl) == 0 && jl.bad == 0,
		       "table -c: valid JSON lines")) {
			int counts = table_counts_ok(&jl, &tables);

			ok(counts && tables >= 2,
			   "table -c: printed %zu tables (>= 2), each counting its rows", tables);
			/* the last table */
			for (i = 0; i + 1 < jl.n; i++)
				if (json_str_is(jl.objs[i], "event", "table"))
					last_from = i + 1;
			for (i = last_from; i < jl.n; i++) {
				const struct json_obj *o = jl.objs[i];

				if (json_str_is(o, "event", "socket") &&
				    json_int_is(o, "lport", PORT_LATE)) {
					r = o;
					n_late++;
				}
			}
			if (!ok(n_late == 1 && json_str_is(r, "state", "LISTEN") &&
					pids_are(r, &late.pid, &late_comm, 1, 1),
				"table -c: the late listener in the last table, pid %d", late.pid))
				diag_row("late listener", r);
			/* the table learnt it from the listen() event, not only from the snapshot
			 */
			ok(r && json_str_is(r, "owner", "listen"),
			   "table -c: its owner came from events (\"owner\":\"listen\")");
		}
		json_lines_free(&jl);
		tracer_cleanup(&t);
	}
	kid_stop(&late);
}

/*
 * watch, started after the listener: a connection to it is the listener's
 * owner's (a holder's), not the connecting process's, in whose softirq the
 * kernel makes the child; accept() names the seeded listener.
 */
static void check_watch_seeded(int lfd, const struct world *w)
{
	struct kid dial = {.comm = "st_dial", .keep_fd = -1};
	const struct json_obj *ev[8];
	struct json_lines jl = {0};
	struct tracer t;
	uint16_t port = 0;
	size_t n, i;
	long long pid = 0;
	int rc, a = -1;

	rc = start_tracer(&t,
			  (const char *const[]){"watch", "--netns", netns, "--seed", seed, NULL});
	ok(rc == 0, "watch --seed %s: started", seed);
	if (rc == 0 && kid_start(&dial, conn_main) == 0 && barrier_wait(&dial.done, 5000) == 0 &&
	    read(dial.port_pipe[0], &port, sizeof(port)) == sizeof(port))
		a = accept(lfd, NULL, NULL);
	ok(a >= 0, "watch --seed %s: st_dial (%d) connected from port %d, accepted", seed, dial.pid,
	   port);
	if (a >= 0)
		close(a);
	kid_stop(&dial);
	usleep(100000);
	if (rc == 0)
		rc = tracer_stop(&t, 5000);
	if (!ok(rc == 0 && json_lines_load(t.out_path, &jl) == 0 && jl.bad == 0,
		"watch --seed %s: exits 0, valid JSON lines", seed))
		tap_diag("%s", tracer_stderr(&t));

	n = ev_select(&jl, (struct ev_match){"state", "127.0.0.1", PORT_L, "127.0.0.1", (long)port},
		      ev, 8);
	for (i = 0; i < n && !json_str_is(ev[i], "old_state", "LISTEN"); i++)
		;
	if (i < n)
		pid = get_int(ev[i], "pid");
	if (!ok(i < n && json_str_is(ev[i], "new_state", "SYN_RECV") &&
			json_str_is(ev[i], "owner", "listener") &&
			(pid == getpid() || pid == w->h1 || pid == w->h2),
		"watch --seed %s: LISTEN -> SYN_RECV is the listener's holder's (pid %lld), "
		"not st_dial's",
		seed, pid))
		diag_row("child", i < n ? ev[i] : NULL);
	n = ev_select(&jl,
		      (struct ev_match){"accept", "127.0.0.1", PORT_L, "127.0.0.1", (long)port}, ev,
		      8);
	ok(n == 1 && json_int_is(ev[0], "pid", getpid()) && get_int(ev[0], "listener") > 0,
	   "watch --seed %s: accept by the parent names the listener", seed);
	json_lines_free(&jl);
	tracer_cleanup(&t);
}

int main(int argc, char **argv)
{
	struct kid h1 = {.comm = "st_hold1"}, h2 = {.comm = "st_hold2"},
		   conn = {.comm = "st_conn", .keep_fd = -1};
	int lfd, afd, twc, tws, u_bound, u_conn, l6 = -1, dfd = -1, d4 = -1, dacc = -1, unread = 0;
	uint16_t conn_port = 0, tw_port, u_conn_port, d4_port = 0;
	struct world w;
	struct stat lst;
	int v6 = 0, pass;
	long ns;
	char buf[8];

	(void)argc;
	self_path = argv[0];
	ns = netns_enter_new();
	if (ns < 0) {
		ok(0, "enter a new network namespace: %s", strerror((int)-ns));
		return tap_done();
	}
	snprintf(netns, sizeof(netns), "%ld", ns);
	v6 = netns_ipv6_ok();
	set_comm("st_tparent");

	/* one listener, three holders */
	lfd = tcp_listen_on(AF_INET, "127.0.0.1", PORT_L, BACKLOG, NULL);
	if (!ok(lfd >= 0 && fstat(lfd, &lst) == 0, "listener on 127.0.0.1:%d", PORT_L))
		return tap_done();
	h1.keep_fd = h2.keep_fd = lfd;
	ok(kid_start(&h1, holder_main) == 0 && kid_start(&h2, holder_main) == 0 &&
		   barrier_wait(&h1.done, 5000) == 0 && barrier_wait(&h2.done, 5000) == 0,
	   "two children hold the listener too");

	/* an established connection with unread bytes on the server side */
	ok(kid_start(&conn, conn_main) == 0 && barrier_wait(&conn.done, 5000) == 0 &&
		   read(conn.port_pipe[0], &conn_port, sizeof(conn_port)) == sizeof(conn_port),
	   "a child connected and sent %d bytes", UNREAD);
	afd = accept(lfd, NULL, NULL);
	if (afd < 0 || ioctl(afd, FIONREAD, &unread))
		unread = -1;
	ok(unread == UNREAD, "accepted; %d bytes unread", unread);

	/* a TIME_WAIT: the client closes first */
	twc = tcp_connect_to(AF_INET, "127.0.0.1", PORT_L);
	tw_port = twc >= 0 ? sock_local_port(twc) : 0;
	tws = accept(lfd, NULL, NULL);
	if (twc >= 0)
		close(twc);
	ok(tws >= 0 && read_exact(tws, buf, 1, 5000) == 0, "TIME_WAIT connection: FIN received");
	if (tws >= 0)
		close(tws);

	/* UDP: one bound, one connected to it */
	u_bound = udp_socket("127.0.0.1", PORT_U, NULL, 0);
	u_conn = udp_socket(NULL, 0, "127.0.0.1", PORT_U);
	u_conn_port = u_conn >= 0 ? sock_local_port(u_conn) : 0;
	ok(u_bound >= 0 && u_conn >= 0, "UDP sockets: bound and connected");

	if (v6) {
		l6 = tcp_listen_on(AF_INET6, "::1", PORT_L6, 5, NULL);
		dfd = dual_stack_listener(PORT_D);
		d4 = tcp_connect_to(AF_INET, "127.0.0.1", PORT_D);
		d4_port = d4 >= 0 ? sock_local_port(d4) : 0;
		dacc = dfd >= 0 ? accept(dfd, NULL, NULL) : -1;
		ok(l6 >= 0 && dfd >= 0 && d4 >= 0 && dacc >= 0,
		   "IPv6 listeners; IPv4 client on the dual-stack one");
	}
	usleep(50000);

	w = (struct world){.lino = lst.st_ino,
			   .h1 = h1.pid,
			   .h2 = h2.pid,
			   .conn = conn.pid,
			   .conn_port = conn_port,
			   .tw_port = tw_port,
			   .u_conn_port = u_conn_port,
			   .d4_port = d4_port,
			   .v6 = v6};
	/* where the socket iterators cannot load (5.10), --seed auto's
	 * fallback (sock_diag and /proc) in their place */
	if (!seed_iter_usable())
		check_seed_iter_refused(netns);
	for (pass = 0; pass < 2; pass++) {
		seed = pass ? "netlink" : seed_iter_usable() ? "iter" : "auto";
		tap_diag("snapshots from --seed %s", seed);
		check_snapshot(&w);
		check_refresh();
		check_watch_seeded(lfd, &w);
	}
	check_text();
	check_one_shot_hookless();

	kid_stop(&conn);
	kid_stop(&h1);
	kid_stop(&h2);
	/* after: the kids above wait a minute at most, and 141 forks take a while */
	check_cut();
	close(lfd);
	if (afd >= 0)
		close(afd);
	if (u_bound >= 0)
		close(u_bound);
	if (u_conn >= 0)
		close(u_conn);
	if (l6 >= 0)
		close(l6);
	if (dfd >= 0)
		close(dfd);
	if (d4 >= 0)
		close(d4);
	if (dacc >= 0)
		close(dacc);
	return tap_done();
}
