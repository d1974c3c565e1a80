// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * MPTCP: an MPTCP listener (this process) and a client (a child, st_mpcli) in
 * a namespace of the test's own, IPv4 and IPv6. The MPTCP sockets are
 * "mptcp"/"mptcp6" with their owners (listen, connect, accept: never a
 * kernel worker); the accepted one has an id of its own although the kernel
 * gives it its listener's cookie; the TCP subflows name their MPTCP socket
 * ("mptcp_parent" in JSON, "tcp*" in text), in watch and in table. life's
 * lines of the subflows name the MPTCP connection's owners.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
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
#include "tracer.h"
#include "workload.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

#define PORT4 7201
#define PORT6 7202

static char netns[32];

struct fam {
	int family;
	const char *addr; /* loopback, as JSON prints it */
	uint16_t port;
	const char *mptcp, *tcp; /* proto names */
	/* filled by the run */
	pid_t client;
	uint16_t cport; /* the client's port */
};

static int mptcp_socket(int family)
{
	return socket(family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_MPTCP);
}

static socklen_t loopback(const struct fam *f, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (f->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*sin);
	}
	{
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = in6addr_loopback;
		return sizeof(*sin6);
	}
}

/* The client: connects, reports its port, sends a byte, waits, closes. */
static struct fam *client_fam;
static int port_pipe[2];
static struct barrier client_go;

static int client_main(void *arg)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback(client_fam, client_fam->port, &ss);
	int fd = mptcp_socket(client_fam->family);
	uint16_t port;

	(void)arg;
	set_comm("st_mpcli");
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len))
		return 1;
	port = sock_local_port(fd);
	if (write(port_pipe[1], &port, sizeof(port)) != sizeof(port) || write_all(fd, "x", 1))
		return 2;
	barrier_wait(&client_go, 20000);
	close(fd);
	return 0;
}

/* One JSON object of the table's output: the row with this protocol and tuple. */
static const struct json_obj *row(const struct json_lines *jl, const char *proto,
				  const struct fam *f, long lport, long rport)
{
	const struct json_obj *o[8];
	size_t n = ev_select(jl, (struct ev_match){"socket", f->addr, lport, NULL, rport}, o, 8), i;

	for (i = 0; i < n && i < 8; i++)
		if (json_str_is(o[i], "proto", proto))
			return o[i];
	return NULL;
}

static long long get(const struct json_obj *o, const char *key)
{
	long long v;

	return o && json_int(o, key, &v) == 0 ? v : -1;
}

static int first_pid_is(const struct json_obj *r, pid_t pid)
{
	const struct json_obj *p = json_array_obj(r, "pids", 0);

	return p && json_int_is(p, "pid", pid);
}

/* @proto as a word of @line (@end its end): at its start or after a space, a space after */
static bool has_word(const char *line, const char *end, const char *proto)
{
	size_t plen = strlen(proto);
	const char *p;

	for (p = line; p + plen < end; p++)
		if ((p == line || p[-1] == ' ') && !strncmp(p, proto, plen) && p[plen] == ' ')
			return true;
	return false;
}

/*
 * Each line of @text with the word @proto has its column @col_name's value
 * where the header has @col_name: "mptcp6" is wider than netstat's Proto. False
 * also if there is no such line.
 */
static bool proto_rows_aligned(const char *text, const char *col_name, const char *proto)
{
	const char *hdr = strstr(text, col_name), *line, *end;
	size_t col, rows = 0;

	if (!hdr)
		return false;
	for (line = hdr; line > text && line[-1] != '\n'; line--)
		;
	col = (size_t)(hdr - line);
	for (line = text; *line; line = *end ? end + 1 : end) {
		end = strchrnul(line, '\n');
		if ((size_t)(end - line) <= col || !has_word(line, end, proto))
			continue;
		rows++;
		if (line[col - 1] != ' ' || line[col] == ' ') {
			tap_diag("misaligned: %.*s", (int)(end - line), line);
			return false;
		}
	}
	return rows > 0;
}

/* While connected: the table, JSON and text. */
static void check_table(const struct fam *f)
{
	const char *const args[] = {"table", "-tanp", "--netns", netns, NULL};
	struct json_lines jl = {0};
	struct tracer t;
	char *text = NULL;
	const pid_t me = getpid();

	if (start_tracer(&t, args) == 0 && tracer_wait(&t, 15000) == 0)
		json_lines_load(t.out_path, &jl);
	else
		tap_diag("table: %s", tracer_stderr(&t));
	tracer_cleanup(&t);
	if (tracer_start(&t, args, 20000) == 0 && tracer_wait(&t, 15000) == 0)
		text = read_text_file(t.out_path, NULL);
	tracer_cleanup(&t);

	{
		const struct json_obj *ml = row(&jl, f->mptcp, f, f->port, 0),
				      *tl = row(&jl, f->tcp, f, f->port, 0),
				      *mc = row(&jl, f->mptcp, f, f->cport, f->port),
				      *tc = row(&jl, f->tcp, f, f->cport, f->port),
				      *ms = row(&jl, f->mptcp, f, f->port, f->cport),
				      *ts = row(&jl, f->tcp, f, f->port, f->cport);

		if (!ok(ml && json_str_is(ml, "state", "LISTEN") && first_pid_is(ml, me),
			"table: the %s listener, held by the test (%d)", f->mptcp, (int)me))
			tap_diag("table output: %zu rows", jl.n);
		ok(mc && json_str_is(mc, "state", "ESTABLISHED") && first_pid_is(mc, f->client),
		   "table: the %s client side, held by st_mpcli (%d)", f->mptcp, (int)f->client);
		ok(ms && json_str_is(ms, "state", "ESTABLISHED") && first_pid_is(ms, me),
		   "table: the %s accepted side, held by the test", f->mptcp);
		ok(ms && ml && get(ms, "sock") != get(ml, "sock"),
		   "table: the accepted %s socket's id is not its listener's (%lld, %lld)",
		   f->mptcp, get(ms, "sock"), get(ml, "sock"));
		ok(tl && ml && get(tl, "mptcp_parent") == get(ml, "sock"),
		   "table: the listening subflow names the %s listener", f->mptcp);
		ok(tc && mc && get(tc, "mptcp_parent") == get(mc, "sock") &&
			   first_pid_is(tc, f->client),
		   "table: the client's subflow names its %s socket, held by st_mpcli", f->mptcp);
		ok(ts && ms && get(ts, "mptcp_parent") == get(ms, "sock"),
		   "table: the accepted subflow names its %s socket", f->mptcp);
		ok(!json_has(ml, "mptcp_parent") && !json_has(mc, "mptcp_parent"),
		   "table: MPTCP sockets have no mptcp_parent");
	}
	{
		char star[16];

		snprintf(star, sizeof(star), "\n%s* ", f->tcp);
		if (!ok(text && strstr(text, star) && strstr(text, f->mptcp),
			"table text: %s rows and subflows marked %s*", f->mptcp, f->tcp))
			tap_diag("table:\n%s", text ? text : "");
		ok(text && proto_rows_aligned(text, "Local Address", f->mptcp),
		   "table text: %s rows keep Local Address under its header", f->mptcp);
	}
	free(text);
	json_lines_free(&jl);
}

/* The state lines of one socket, by protocol and ports. */
static size_t lines_of(const struct json_lines *jl, const char *event, const char *proto,
		       const struct fam *f, long lport, long rport, const struct json_obj **out,
		       size_t max)
{
	const struct json_obj *all[64];
	/* a listener's remote end is the wildcard */
	const char *raddr = rport ? f->addr : NULL;
	size_t n = ev_select(jl, (struct ev_match){event, f->addr, lport, raddr, rport}, all, 64),
	       i, k = 0;

	for (i = 0; i < n && i < 64; i++)
		if (json_str_is(all[i], "proto", proto) && k < max)
			out[k++] = all[i];
	return k;
}

/* Every line has mptcp_parent == parent (or, where allowed, none). */
static int all_parent(const struct json_obj *const *ev, size_t n, long long parent, size_t *linked)
{
	size_t i;

	*linked = 0;
	for (i = 0; i < n; i++) {
		if (!json_has(ev[i], "mptcp_parent"))
			continue;
		if (get(ev[i], "mptcp_parent") != parent)
			return 0;
		(*linked)++;
	}
	return 1;
}

/*
 * bind() and listen() are the MPTCP socket's, with the address bound: MPTCP
 * copies it from its first subflow only after the subflow's call returns
 * (fexit and kprobes on inet_bind saw it unset on 6.1; on 6.12 MPTCP's bind
 * and listen reach no inet_* function we hooked). The subflow's own calls
 * (MPTCP's inner ones) are no process's: no tcp bind, listen or connect line.
 */
static void check_calls(const struct json_lines *jl, const struct fam *f)
{
	static const char *const calls[] = {"bind", "listen", "connect"};
	const struct json_obj *b[4], *l[4], *sub[16];
	const pid_t me = getpid();
	size_t nb = lines_of(jl, "bind", f->mptcp, f, f->port, 0, b, 4),
	       nl = lines_of(jl, "listen", f->mptcp, f, f->port, 0, l, 4), i, nsub = 0;

	if (!ok(nb == 1 && json_int_is(b[0], "pid", me) && json_int_is(b[0], "errno", 0),
		"watch: one %s bind() to %s port %u by the test", f->mptcp, f->addr, f->port))
		tap_diag("%zu bind lines with that address", nb);
	if (!ok(nl == 1 && json_int_is(l[0], "pid", me) && json_int_is(l[0], "backlog", 5),
		"watch: one %s listen() on port %u by the test, backlog 5", f->mptcp, f->port))
		tap_diag("%zu listen lines on that port", nl);
	for (i = 0; i < 3; i++) {
		size_t n = ev_select(jl, EV_ANY(calls[i]), sub, 16), k;

		for (k = 0; k < n && k < 16; k++)
			nsub += json_str_is(sub[k], "proto", f->tcp);
	}
	ok(nsub == 0, "watch: no %s bind, listen or connect line for a subflow", f->tcp);
}

static void check_watch(const struct json_lines *jl, const struct fam *f)
{
	const struct json_obj *ml[8], *mc[8], *acc[4], *tc[16], *ts[16];
	const pid_t me = getpid();
	size_t nml = lines_of(jl, "state", f->mptcp, f, f->port, 0, ml, 8);
	size_t nmc = lines_of(jl, "state", f->mptcp, f, f->cport, f->port, mc, 8);
	size_t nacc = lines_of(jl, "accept", f->mptcp, f, f->port, f->cport, acc, 4);
	size_t ntc = lines_of(jl, "state", f->tcp, f, f->cport, f->port, tc, 16);
	size_t nts = lines_of(jl, "state", f->tcp, f, f->port, f->cport, ts, 16);
	size_t linked;
	char why[256] = "no lines";

	ok(nml >= 1 && json_str_is(ml[0], "new_state", "LISTEN") &&
		   json_str_is(ml[0], "owner", "listen") && json_int_is(ml[0], "pid", me),
	   "watch: %s CLOSE -> LISTEN by the test, owner listen", f->mptcp);
	check_calls(jl, f);
	/* selected by the client's port: a CLOSE -> SYN_SENT line without it
	 * (a connect record read before MPTCP copied its subflow's addresses)
	 * is missed, and the first line is then ESTABLISHED */
	if (nmc && !json_str_is(mc[0], "new_state", "SYN_SENT"))
		snprintf(why, sizeof(why), "the first line is -> %s, not -> SYN_SENT",
			 json_str(mc[0], "new_state") ? json_str(mc[0], "new_state") : "?");
	if (!ok(nmc >= 2 && json_str_is(mc[0], "new_state", "SYN_SENT") &&
			ev_all_pid(mc, nmc, f->client, why, sizeof(why)),
		"watch: the %s client's %zu lines from SYN_SENT on all name st_mpcli (%d)",
		f->mptcp, nmc, (int)f->client))
		tap_diag("%s", why);
	ok(nmc >= 1 && json_str_is(mc[0], "owner", "connect"), "watch: its owner is connect");
	if (!ok(nacc == 1 && json_int_is(acc[0], "pid", me) &&
			json_str_is(acc[0], "owner", "accept") && nml >= 1 &&
			get(acc[0], "listener") == get(ml[0], "sock") &&
			get(acc[0], "sock") != get(ml[0], "sock"),
		"watch: one %s accept() by the test, naming its listener, an id of its own",
		f->mptcp))
		tap_diag("%zu accept lines; sock %lld listener %lld, listener's sock %lld", nacc,
			 nacc ? get(acc[0], "sock") : -1, nacc ? get(acc[0], "listener") : -1,
			 nml ? get(ml[0], "sock") : -1);

	/* subflows: each line that names a parent names the right one; the
	 * client's from its first line, the accepted one from ESTABLISHED */
	ok(ntc >= 2 && nmc >= 1 && all_parent(tc, ntc, get(mc[0], "sock"), &linked) &&
		   linked == ntc,
	   "watch: the client's subflow: all %zu lines name its %s socket", ntc, f->mptcp);
	ok(nts >= 2 && nacc == 1 && all_parent(ts, nts, get(acc[0], "sock"), &linked) &&
		   linked >= 1,
	   "watch: the accepted subflow: %zu of %zu lines name its %s socket", linked, nts,
	   f->mptcp);
	if (!ok(ntc && ev_all_pid(tc, ntc, f->client, why, sizeof(why)),
		"watch: the client's subflow lines name st_mpcli"))
		tap_diag("%s", why);
	if (!ok(nts && ev_all_pid(ts, nts, me, why, sizeof(why)),
		"watch: the accepted subflow's lines name the test"))
		tap_diag("%s", why);
}

/* life: each subflow's end, owned as its MPTCP connection is (connect, accept). */
static void check_life(const struct json_lines *jl, const struct fam *f)
{
	const struct json_obj *c[4], *a[4];
	size_t nc = lines_of(jl, "close", f->tcp, f, f->cport, f->port, c, 4);
	size_t na = lines_of(jl, "close", f->tcp, f, f->port, f->cport, a, 4);

	ok(nc == 1 && json_int_is(c[0], "pid", f->client) && json_str_is(c[0], "owner", "mptcp") &&
		   json_str_is(c[0], "role", "active"),
	   "life: the client's %s subflow, one line, st_mpcli (%d), owner mptcp (%zu lines)",
	   f->tcp, (int)f->client, nc);
	ok(na == 1 && json_int_is(a[0], "pid", getpid()) && json_str_is(a[0], "owner", "mptcp") &&
		   json_str_is(a[0], "role", "passive"),
	   "life: the accepted %s subflow, one line, the test, owner mptcp (%zu lines)", f->tcp,
	   na);
}

/*
 * features says what reports MPTCP's bind, listen and connect: the family in
 * use (its hooks on MPTCP's own functions, for fentry and kprobes), never a
 * failed attach.
 */
static void check_features(void)
{
	const char *argv[] = {socktrace_path(), "features", "--json", NULL};
	struct json_obj *feat = NULL;
	const struct json_obj *hooks = NULL, *fb = NULL;
	char *out = NULL;

	if (run_capture(argv, &out, 20000) == 0 && out)
		feat = json_parse(out, strlen(out));
	if (feat) {
		hooks = json_get_obj(feat, "hooks");
		fb = json_get_obj(feat, "fallbacks");
	}
	if (!ok(hooks && json_str(hooks, "bind") &&
			json_str_is(hooks, "mptcp", json_str(hooks, "bind")) && fb &&
			!json_has(fb, "mptcp"),
		"features: MPTCP's calls are hooked by the call family, %s",
		hooks && json_str(hooks, "bind") ? json_str(hooks, "bind") : "?"))
		tap_diag("features: %s", out ? out : "");
	json_free(feat);
	free(out);
}

static int run_family(struct fam *f)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback(f, f->port, &ss);
	int one = 1, l = mptcp_socket(f->family), a = -1, rc;
	char buf[1];

	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (struct sockaddr *)&ss, len) || listen(l, 5)) {
		ok(0, "%s listener on port %u: %s", f->mptcp, f->port, strerror(errno));
		return -1;
	}
	client_fam = f;
	if (pipe(port_pipe) || barrier_init(&client_go))
		return -1;
	f->client = spawn(client_main, NULL);
	rc = read(port_pipe[0], &f->cport, sizeof(f->cport)) == sizeof(f->cport) ? 0 : -1;
	if (!rc)
		a = accept(l, NULL, NULL);
	if (!ok(a >= 0 && read_exact(a, buf, 1, 5000) == 1, "%s: st_mpcli (%d) connected from %u",
		f->mptcp, (int)f->client, f->cport))
		rc = -1;
	if (!rc)
		check_table(f);
	barrier_signal(&client_go);
	ok(wait_exit(f->client, 10000) == 0, "%s: st_mpcli exits 0", f->mptcp);
	if (a >= 0)
		close(a);
	close(l);
	close(port_pipe[0]);
	close(port_pipe[1]);
	barrier_destroy(&client_go);
	return rc;
}

int main(void)
{
	struct fam fams[] = {
		{AF_INET, "127.0.0.1", PORT4, "mptcp", "tcp", 0, 0},
		{AF_INET6, "::1", PORT6, "mptcp6", "tcp6", 0, 0},
	};
	/* -t: TCP only, so life loads no connect hooks, and the owners must
	 * come from the transitions */
	const char *const life_args[] = {"life", "-t", "--netns", netns, NULL};
	struct watch_pair w;
	struct tracer life;
	struct json_lines jl, ll = {0};
	long long lost = -1, missed = -1;
	char *text;
	int fd, v6;
	size_t i;
	long ns;

	set_comm("st_mptest");
	ns = netns_enter_new();
	if (ns < 0) {
		ok(0, "enter a new network namespace: %s", strerror((int)-ns));
		return tap_done();
	}
	snprintf(netns, sizeof(netns), "%ld", ns);
	fd = mptcp_socket(AF_INET);
	if (fd < 0) {
		/* no CONFIG_MPTCP, or net.mptcp.enabled=0 */
		tap_skip(strerror(errno), "MPTCP sockets");
		return tap_done();
	}
	close(fd);
	v6 = netns_ipv6_ok();
	check_features();

	watch_pair_start(&w, netns, NULL);
	if (!ok(start_tracer(&life, life_args) == 0, "life -t started"))
		tap_diag("life: %s", tracer_stderr(&life));

	for (i = 0; i < 2; i++)
		if (i == 0 || v6)
			run_family(&fams[i]);
	tcp_wait_settled(5000);
	usleep(300000);
	watch_pair_stop(&w, &jl, &text);
	/* kprobes: MPTCP's inner calls must not take the outer call's saved
	 * arguments, nor leave them behind (kernel_missed) */
	tracer_last_summary(&w.json, NULL, &lost, &missed, NULL);
	ok(lost == 0 && missed == 0, "watch: nothing lost, nothing missed (%lld, %lld)", lost,
	   missed);
	lost = missed = -1;
	if (!tracer_stop(&life, 10000))
		tracer_last_summary(&life, NULL, &lost, &missed, NULL);
	ok(lost == 0 && missed == 0, "life: exits 0, nothing lost, nothing missed (%lld, %lld)",
	   lost, missed);
	json_lines_load(life.out_path, &ll);
	for (i = 0; i < 2; i++) {
		char star[16];

		if (i == 1 && !v6) {
			tap_skip("no IPv6", "mptcp6");
			continue;
		}
		if (!fams[i].cport)
			continue;
		check_watch(&jl, &fams[i]);
		check_life(&ll, &fams[i]);
		snprintf(star, sizeof(star), " %s* ", fams[i].tcp);
		ok(text && strstr(text, star) && strstr(text, fams[i].mptcp),
		   "watch text: %s lines and subflow lines marked %s*", fams[i].mptcp, fams[i].tcp);
		ok(text && proto_rows_aligned(text, "LOCAL", fams[i].mptcp),
		   "watch text: %s lines keep LOCAL under its header", fams[i].mptcp);
	}
	if (tap_failed)
		tap_diag("watch:\n%s", text ? text : "");
	free(text);
	json_lines_free(&jl);
	json_lines_free(&ll);
	watch_pair_cleanup(&w);
	tracer_cleanup(&life);
	return tap_done();
}
