// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * UNIX domain sockets, in a network namespace of the test's own (what
 * netstat, ss and socktrace list of UNIX sockets is per namespace): a stream
 * listener at a path with forked clients, a listener shared after fork(), an
 * abstract-namespace datagram socket, a stream socketpair and a seqpacket
 * pair, connects that fail with ENOENT, ECONNREFUSED and EAGAIN, and a
 * listener passed with SCM_RIGHTS to a process that did not inherit it.
 * watch -x and life -x run while the test makes them; then table -xanp is
 * checked against what the test did, and against netstat -xanp and ss -xanp
 * (same sockets, inodes, paths and holders). Last, a real server: Debian's
 * nginx on `listen unix:PATH` under curl --unix-socket (skipped where either
 * is missing, as in the kernel-matrix guest).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "events.h"
#include "files.h"
#include "jsonl.h"
#include "netns.h"
#include "seed_iter.h"
#include "tap.h"
#include "tracer.h"
#include "workload.h"

#define CLIENTS 3

static char dir[64] = "/tmp/socktrace-unix.XXXXXX";
static char path_l[128], path_missing[128], path_idle[128], path_full[128], path_passed[128];
static char abstract[64]; /* without its leading NUL */
static char netns_arg[32];

static socklen_t un_addr(struct sockaddr_un *a, const char *path, int abstract_name)
{
	size_t n = strlen(path);

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (abstract_name) {
		memcpy(a->sun_path + 1, path, n);
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	}
	memcpy(a->sun_path, path, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

static int un_listen(const char *path, int type, int backlog)
{
	struct sockaddr_un a;
	socklen_t len = un_addr(&a, path, 0);
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, len) ||
	    (backlog >= 0 && listen(fd, backlog))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* connect(): 0 or the errno. */
static int un_connect(int fd, const char *path)
{
	struct sockaddr_un a;
	socklen_t len = un_addr(&a, path, 0);

	return connect(fd, (struct sockaddr *)&a, len) ? errno : 0;
}

static unsigned long long ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : (unsigned long long)st.st_ino;
}

/* ---- the workload's other processes ---- */

struct client {
	pid_t pid;
	struct barrier connected, release;
	int ino_pipe[2];
	unsigned long long ino;
};

static struct client clients[CLIENTS];

/* A forked client: connect, say its inode, wait, then close (the last one
 * exits without close(): its close comes from the release hook or a snapshot). */
static int client_main(void *arg)
{
	struct client *c = arg;
	int i = (int)(c - clients), fd;
	char comm[16];
	unsigned long long ino;

	snprintf(comm, sizeof(comm), "uclient%d", i);
	set_comm(comm);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || (errno = un_connect(fd, path_l))) {
		fprintf(stderr, "# client %d: connect %s: %s\n", i, path_l, strerror(errno));
		return 1;
	}
	ino = ino_of(fd);
	if (write(c->ino_pipe[1], &ino, sizeof(ino)) != (ssize_t)sizeof(ino))
		return 1;
	barrier_signal(&c->connected);
	if (barrier_wait(&c->release, 30000))
		return 1;
	if (i != CLIENTS - 1)
		close(fd);
	return 0;
}

/* Holds what it inherited (a listener, after fork) until released. */
struct holder_child {
	const char *comm;
	struct barrier ready, release;
};
static struct holder_child holder = {.comm = "uholder"}, early = {.comm = "uearly"};
static int holder_main(void *arg)
{
	struct holder_child *h = arg;

	set_comm(h->comm);
	barrier_signal(&h->ready);
	return barrier_wait(&h->release, 30000) ? 1 : 0;
}

/*
 * Spawned before the passed listener exists, so it cannot inherit it: it
 * receives the fd over a socketpair with SCM_RIGHTS and holds it.
 */
static int pass_sv[2];
static struct barrier pass_ready, pass_release;
static int receiver_main(void *arg)
{
	(void)arg;
	set_comm("ureceiver");
	close(pass_sv[0]);
	if (recv_fd(pass_sv[1]) < 0)
		return 1;
	barrier_signal(&pass_ready);
	return barrier_wait(&pass_release, 30000) ? 1 : 0;
}

/* ---- what the test made ---- */

static struct {
	int l, acc[CLIENTS], dgram, pair[2], seq[2], idle, missing_c, refused_c, full_l, passed_l;
	unsigned long long l_ino, acc_ino[CLIENTS], dgram_ino, pair_ino[2], seq_ino[2], passed_ino;
	pid_t holder, receiver;
	int eagain; /* a connect to the full listener failed with EAGAIN */
} w;

/* Which step failed, for the diagnostic. */
static int fail_at(int line)
{
	tap_diag("setting up failed at line %d: %s", line, strerror(errno));
	return -1;
}

static int make_sockets(void)
{
	int i, fd;

	w.l = un_listen(path_l, SOCK_STREAM, 8);
	if (w.l < 0)
		return fail_at(__LINE__);
	w.l_ino = ino_of(w.l);
	/* a listener shared after fork(): the holder inherits it (CLOEXEC does
	 * not matter without exec) */
	if (barrier_init(&holder.ready) || barrier_init(&holder.release))
		return fail_at(__LINE__);
	w.holder = spawn(holder_main, &holder);
	if (w.holder < 0 || barrier_wait(&holder.ready, 10000))
		return fail_at(__LINE__);
	for (i = 0; i < CLIENTS; i++) {
		struct client *c = &clients[i];

		if (barrier_init(&c->connected) || barrier_init(&c->release) || pipe(c->ino_pipe))
			return fail_at(__LINE__);
		c->pid = spawn(client_main, c);
		if (c->pid < 0 || barrier_wait(&c->connected, 10000) ||
		    read_exact(c->ino_pipe[0], &c->ino, sizeof(c->ino), 5000) != sizeof(c->ino))
			return fail_at(__LINE__);
		w.acc[i] = accept4(w.l, NULL, NULL, SOCK_CLOEXEC);
		if (w.acc[i] < 0)
			return fail_at(__LINE__);
		w.acc_ino[i] = ino_of(w.acc[i]);
	}
	/* an abstract datagram socket */
	w.dgram = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	{
		struct sockaddr_un a;
		socklen_t len = un_addr(&a, abstract, 1);

		if (w.dgram < 0 || bind(w.dgram, (struct sockaddr *)&a, len))
			return fail_at(__LINE__);
	}
	w.dgram_ino = ino_of(w.dgram);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, w.pair) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, w.seq))
		return fail_at(__LINE__);
	for (i = 0; i < 2; i++) {
		w.pair_ino[i] = ino_of(w.pair[i]);
		w.seq_ino[i] = ino_of(w.seq[i]);
	}
	/* failed connects: no such path; a path bound but not listening */
	w.missing_c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	w.idle = un_listen(path_idle, SOCK_STREAM, -1);
	w.refused_c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (w.missing_c < 0 || w.idle < 0 || w.refused_c < 0 ||
	    un_connect(w.missing_c, path_missing) != ENOENT ||
	    un_connect(w.refused_c, path_idle) != ECONNREFUSED)
		return fail_at(__LINE__);
	/* a full backlog: non-blocking connects until one fails with EAGAIN */
	w.full_l = un_listen(path_full, SOCK_STREAM, 0);
	if (w.full_l < 0)
		return fail_at(__LINE__);
	for (i = 0; i < 16 && !w.eagain; i++) {
		int err;

		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return fail_at(__LINE__);
		err = un_connect(fd, path_full);
		w.eagain = err == EAGAIN;
		/* the ones that got in stay open: they fill the queue */
		if (w.eagain)
			close(fd);
	}
	/* SCM_RIGHTS to a process that did not inherit the listener */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pass_sv) ||
	    barrier_init(&pass_ready) || barrier_init(&pass_release))
		return fail_at(__LINE__);
	w.receiver = spawn(receiver_main, NULL);
	if (w.receiver < 0)
		return fail_at(__LINE__);
	close(pass_sv[1]);
	w.passed_l = un_listen(path_passed, SOCK_STREAM, 4);
	if (w.passed_l < 0 || send_fd(pass_sv[0], w.passed_l) || barrier_wait(&pass_ready, 10000))
		return fail_at(__LINE__);
	w.passed_ino = ino_of(w.passed_l);
	return 0;
}

/* ---- table -xanp --json ---- */

static const struct json_obj *row_by_ino(const struct json_lines *jl, unsigned long long ino)
{
	size_t i;

	for (i = 0; i < jl->n; i++)
		if (json_str_is(jl->objs[i], "event", "socket") &&
		    json_str_is(jl->objs[i], "family", "unix") &&
		    json_int_is(jl->objs[i], "inode", (long long)ino))
			return jl->objs[i];
	return NULL;
}

static int has_pid(const struct json_obj *o, const char *key, pid_t pid)
{
	size_t i, n = json_array_len(o, key);

	for (i = 0; i < n; i++)
		if (json_int_is(json_array_obj(o, key, i), "pid", pid))
			return 1;
	return 0;
}

static char *run_to_file(const char *const argv[], const char *name)
{
	static char path[256];
	char *out = NULL;
	FILE *f;
	int st = run_capture(argv, &out, 30000);

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(out ? out : "", f);
		fclose(f);
	}
	if (st != 0)
		tap_diag("%s exited %d: %.300s", argv[0], st, out ? out : "");
	free(out);
	return st == 0 ? path : NULL;
}

/* seed: "iter" (iter/unix, iter/task_file) or "netlink" (UNIX_DIAG, /proc) */
static void check_table_json(const char *seed)
{
	const char *argv[] = {socktrace_path(), "table",  "-xanp", "--json", "--netns",
			      netns_arg,	"--seed", seed,	   NULL};
	const char *path = run_to_file(argv, "table.json");
	struct json_lines jl;
	const struct json_obj *r;
	int i, good;

	tap_diag("table -xanp --seed %s", seed);
	if (!ok(path && json_lines_load(path, &jl) == 0, "table -xanp --json ran")) {
		return;
	}
	r = row_by_ino(&jl, w.l_ino);
	ok(r && json_str_is(r, "state", "LISTENING") && json_str_is(r, "path", path_l) &&
		   json_str_is(r, "type", "stream") && json_str_is(r, "proto", "unix") &&
		   json_array_len(r, "flags") == 1,
	   "listener: LISTENING at its path with ACC");
	ok(r && has_pid(r, "pids", getpid()) && has_pid(r, "pids", w.holder),
	   "listener: held by the test and the child that inherited it after fork()");
	for (i = 0, good = 0; i < CLIENTS; i++) {
		const struct json_obj *a = row_by_ino(&jl, w.acc_ino[i]);
		const struct json_obj *c = row_by_ino(&jl, clients[i].ino);

		good += a && c && json_str_is(a, "state", "CONNECTED") &&
			json_int_is(a, "peer", (long long)clients[i].ino) &&
			json_int_is(c, "peer", (long long)w.acc_ino[i]) &&
			json_str_is(a, "path", path_l) && json_str_is(c, "path", "") &&
			has_pid(a, "pids", getpid()) && has_pid(a, "peer_pids", clients[i].pid) &&
			has_pid(c, "pids", clients[i].pid) && has_pid(c, "peer_pids", getpid());
	}
	is_int(good, CLIENTS, "accepted connections: peers, paths, holders both ends");
	r = row_by_ino(&jl, w.dgram_ino);
	{
		char want[80];

		snprintf(want, sizeof(want), "@%s", abstract);
		ok(r && json_str_is(r, "path", want) && json_str_is(r, "type", "dgram") &&
			   json_is_null(r, "state") && json_is_null(r, "peer"),
		   "abstract datagram socket: @name, no state, no peer");
	}
	for (i = 0, good = 0; i < 2; i++) {
		const struct json_obj *p = row_by_ino(&jl, w.pair_ino[i]);
		const struct json_obj *q = row_by_ino(&jl, w.seq_ino[i]);

		good += p && json_int_is(p, "peer", (long long)w.pair_ino[!i]) &&
			json_str_is(p, "type", "stream") && json_str_is(p, "state", "CONNECTED");
		good += q && json_int_is(q, "peer", (long long)w.seq_ino[!i]) &&
			json_str_is(q, "type", "seqpacket") && json_str_is(q, "state", "CONNECTED");
	}
	is_int(good, 4, "socketpair and seqpacket pair: connected to each other");
	r = row_by_ino(&jl, w.passed_ino);
	ok(r && has_pid(r, "pids", getpid()) && has_pid(r, "pids", w.receiver),
	   "listener passed with SCM_RIGHTS: the receiver is a holder");
	json_lines_free(&jl);
}

/* ---- against netstat and ss ---- */

/* One socket as a tool lists it: inode, path, and holders (sorted pids). */
struct listed {
	unsigned long long ino;
	char path[128];
	int pids[8], npids;
};

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* "12/a,34/b" or "-": pids into l */
static void parse_pids(struct listed *l, const char *s)
{
	while (*s && *s != ' ' && l->npids < 8) {
		char *end;
		long pid = strtol(s, &end, 10);

		if (end == s)
			break;
		l->pids[l->npids++] = (int)pid;
		s = strchr(end, ',');
		if (!s)
			break;
		s++;
	}
	qsort(l->pids, l->npids, sizeof(int), cmp_int);
}

/*
 * netstat -xanp and socktrace table -xanp lines: "unix RefCnt [ flags ] Type
 * State I-Node PID/Program Path". The state may be empty: the inode is the
 * first number after the "]" and the type.
 */
static size_t parse_netstat_like(char *text, struct listed *out, size_t max, int all_pids)
{
	size_t n = 0;
	char *line, *save;

	for (line = strtok_r(text, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		struct listed *l = &out[n];
		char *p = strchr(line, ']'), *tok, *s2;
		char copy[512];

		if (strncmp(line, "unix ", 5) || !p)
			continue;
		memset(l, 0, sizeof(*l));
		snprintf(copy, sizeof(copy), "%s", p + 1);
		tok = strtok_r(copy, " ", &s2); /* type */
		tok = strtok_r(NULL, " ", &s2);
		if (tok && tok[0] >= 'A' && tok[0] <= 'Z')
			tok = strtok_r(NULL, " ", &s2); /* the state, when there is one */
		if (!tok)
			continue;
		l->ino = strtoull(tok, NULL, 10);
		tok = strtok_r(NULL, " ", &s2); /* PID/Program */
		if (tok && strcmp(tok, "-"))
			parse_pids(l, tok);
		if (!all_pids && l->npids > 1)
			l->npids = 1;
		tok = strtok_r(NULL, " ", &s2);
		if (tok && strcmp(tok, "<->"))
			snprintf(l->path, sizeof(l->path), "%s", tok);
		n++;
	}
	return n;
}

/* ss -xanp: "u_str STATE RQ SQ PATH INO PEERPATH PEERINO users:((...),(...))" */
static size_t parse_ss(char *text, struct listed *out, size_t max)
{
	size_t n = 0;
	char *line, *save;

	for (line = strtok_r(text, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		struct listed *l = &out[n];
		char *f[8], *s2, *u;
		int i;

		if (strncmp(line, "u_", 2))
			continue;
		memset(l, 0, sizeof(*l));
		u = strstr(line, "users:");
		for (u = u ? strstr(u, "pid=") : NULL; u && l->npids < 8; u = strstr(u + 4, "pid="))
			l->pids[l->npids++] = atoi(u + 4);
		qsort(l->pids, l->npids, sizeof(int), cmp_int);
		for (i = 0, f[0] = strtok_r(line, " ", &s2); i < 7 && f[i];)
			f[++i] = strtok_r(NULL, " ", &s2);
		if (i < 6)
			continue;
		l->ino = strtoull(f[5], NULL, 10);
		if (strcmp(f[4], "*"))
			snprintf(l->path, sizeof(l->path), "%s", f[4]);
		n++;
	}
	return n;
}

static const struct listed *find_listed(const struct listed *v, size_t n, unsigned long long ino)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].ino == ino)
			return &v[i];
	return NULL;
}

/*
 * Every socket the other tool lists, socktrace lists with the same path and
 * holders (netstat shows one holder: it must be one of socktrace's), and the
 * other way round.
 */
static void compare(const char *tool, const struct listed *ours, size_t n_ours,
		    const struct listed *theirs, size_t n_theirs, int one_pid)
{
	size_t i, bad = 0;

	for (i = 0; i < n_theirs; i++) {
		const struct listed *o = find_listed(ours, n_ours, theirs[i].ino);
		int same = o && !strcmp(o->path, theirs[i].path);

		if (!theirs[i].ino)
			continue; /* connections not yet accepted: no inode to match by */

		if (same && one_pid)
			same = theirs[i].npids == 0 ? o->npids == 0
						    : !!bsearch(&theirs[i].pids[0], o->pids,
								o->npids, sizeof(int), cmp_int);
		else if (same)
			same = o->npids == theirs[i].npids &&
			       !memcmp(o->pids, theirs[i].pids, sizeof(int) * o->npids);
		if (!same && bad++ < 5)
			tap_diag("%s: inode %llu path '%s' (%d holders): socktrace %s", tool,
				 theirs[i].ino, theirs[i].path, theirs[i].npids,
				 o ? "differs" : "lacks it");
	}
	for (i = 0; i < n_ours; i++)
		if (ours[i].ino && !find_listed(theirs, n_theirs, ours[i].ino) && bad++ < 5)
			tap_diag("%s lacks inode %llu '%s'", tool, ours[i].ino, ours[i].path);
	ok(n_theirs > 0 && !bad, "table -xanp and %s -xanp: the same %zu sockets, paths, holders",
	   tool, n_theirs);
}

static void check_against_tools(void)
{
	static struct listed ours[256], ns[256], ss[256];
	const char *st_argv[] = {socktrace_path(), "table",   "-xanp", "-w",
				 "--netns",	   netns_arg, NULL};
	const char *ns_argv[] = {"netstat", "-xanp", NULL};
	const char *ss_argv[] = {"ss", "-xanp", NULL};
	char *text = NULL;
	size_t n_ours, n_ns, n_ss;

	/* the three read the same moment only if nothing changes: nothing does now */
	if (!ok(run_capture(st_argv, &text, 30000) == 0, "table -xanp ran")) {
		free(text);
		return;
	}
	n_ours = parse_netstat_like(text, ours, 256, 1);
	free(text);
	text = NULL;
	if (run_capture(ns_argv, &text, 30000) == 0) {
		n_ns = parse_netstat_like(text, ns, 256, 0);
		compare("netstat", ours, n_ours, ns, n_ns, 1);
	} else {
		tap_skip("netstat (net-tools) is not installed here", "compare with netstat");
	}
	free(text);
	text = NULL;
	if (run_capture(ss_argv, &text, 30000) == 0) {
		n_ss = parse_ss(text, ss, 256);
		compare("ss", ours, n_ours, ss, n_ss, 0);
	} else {
		tap_skip("ss is not installed here", "compare with ss");
	}
	free(text);
}

/* ---- watch and life ---- */

static const struct json_obj *find_ev(const struct json_lines *jl, const char *event,
				      const char *path, long long err, pid_t pid)
{
	size_t i;

	for (i = 0; i < jl->n; i++) {
		const struct json_obj *o = jl->objs[i];

		if (json_str_is(o, "event", event) && json_str_is(o, "family", "unix") &&
		    (!path || json_str_is(o, "path", path)) &&
		    (err < 0 || json_int_is(o, "errno", err)) &&
		    (!pid || json_int_is(o, "pid", pid)))
			return o;
	}
	return NULL;
}

static void check_watch(const char *file)
{
	struct json_lines jl;
	const struct json_obj *o;
	int i, good;

	if (!ok(json_lines_load(file, &jl) == 0 && jl.bad == 0, "watch -x: JSON lines parse"))
		return;
	o = find_ev(&jl, "bind", path_l, 0, getpid());
	ok(o && json_str_is(o, "type", "stream") && json_int_is(o, "inode", (long long)w.l_ino),
	   "bind() of the listener: path, inode, pid");
	o = find_ev(&jl, "listen", path_l, 0, getpid());
	ok(o && json_int_is(o, "backlog", 8), "listen() with its backlog");
	for (i = 0, good = 0; i < CLIENTS; i++) {
		const struct json_obj *c = find_ev(&jl, "connect", path_l, 0, clients[i].pid);

		good += c && json_int_is(c, "inode", (long long)clients[i].ino) &&
			has_pid(c, "peer_pids", getpid());
	}
	is_int(good, CLIENTS, "connect() of each client, with the listener's owner as peer");
	for (i = 0, good = 0; i < CLIENTS; i++) {
		size_t k;

		for (k = 0; k < jl.n; k++) {
			o = jl.objs[k];
			if (json_str_is(o, "event", "accept") &&
			    json_int_is(o, "inode", (long long)w.acc_ino[i]))
				break;
		}
		good += k < jl.n && json_int_is(o, "pid", getpid()) &&
			json_int_is(o, "peer", (long long)clients[i].ino) &&
			has_pid(o, "peer_pids", clients[i].pid) && json_str_is(o, "path", path_l);
	}
	is_int(good, CLIENTS, "accept() of each connection, the connecting client as peer");
	o = find_ev(&jl, "connect", path_missing, ENOENT, getpid());
	ok(o && json_str_is(o, "error", "ENOENT"), "connect() to a missing path: ENOENT");
	o = find_ev(&jl, "connect", path_idle, ECONNREFUSED, getpid());
	ok(o && json_str_is(o, "error", "ECONNREFUSED"),
	   "connect() to a socket not listening: ECONNREFUSED");
	if (w.eagain)
		ok(find_ev(&jl, "connect", path_full, EAGAIN, getpid()) != NULL,
		   "connect() to a full backlog: EAGAIN");
	else
		tap_skip("no connect failed with EAGAIN", "EAGAIN on a full backlog");
	o = find_ev(&jl, "socketpair", NULL, -1, getpid());
	ok(o != NULL, "socketpair()");
	{
		char want[80];

		snprintf(want, sizeof(want), "@%s", abstract);
		o = find_ev(&jl, "bind", want, 0, getpid());
		ok(o && json_str_is(o, "type", "dgram"), "bind() of the abstract name");
	}
	for (i = 0, good = 0; i < CLIENTS; i++) {
		size_t k;

		for (k = 0; k < jl.n; k++) {
			o = jl.objs[k];
			if (json_str_is(o, "event", "close") &&
			    json_int_is(o, "inode", (long long)clients[i].ino))
				break;
		}
		if (k < jl.n)
			good++;
		else
			tap_diag("no close for client %d (inode %llu)", i, clients[i].ino);
		/* the last client exited with it open: no close() said so */
		if (k < jl.n && i == CLIENTS - 1 && !json_str_is(o, "source", "fentry") &&
		    !json_str_is(o, "source", "kprobe") &&
		    !(json_str_is(o, "source", "snapshot") && json_bool_is(o, "derived", 1)))
			tap_diag("client %d's close: source %s", i, json_str(o, "source"));
	}
	is_int(good, CLIENTS, "close of each client (close(), or its exit)");
	json_lines_free(&jl);
}

static void check_life(const char *file)
{
	struct json_lines jl;
	int i, good = 0;

	if (!ok(json_lines_load(file, &jl) == 0 && jl.bad == 0, "life -x: JSON lines parse"))
		return;
	for (i = 0; i < CLIENTS; i++) {
		size_t k;

		for (k = 0; k < jl.n; k++) {
			const struct json_obj *o = jl.objs[k];
			const struct json_obj *c = json_get_obj(o, "connector");
			const struct json_obj *a = json_get_obj(o, "acceptor");

			if (json_str_is(o, "event", "close") && json_str_is(o, "family", "unix") &&
			    c && json_int_is(c, "pid", clients[i].pid) && a &&
			    json_int_is(a, "pid", getpid()) && json_str_is(o, "path", path_l) &&
			    json_has(o, "duration_ms"))
				break;
		}
		good += k < jl.n;
	}
	is_int(good, CLIENTS, "life: one line per connection, connector, acceptor and path");
	/* a connection ends once, whichever end closes first and however
	 * socktrace learns it (the last client exits without close()) */
	for (i = 0, good = 0; i < (int)jl.n; i++)
		good += json_str_is(jl.objs[i], "family", "unix") &&
			json_str_is(jl.objs[i], "path", path_l);
	is_int(good, CLIENTS, "life: no connection has a second line");
	json_lines_free(&jl);
}

/* ---- nginx ---- */

static char nginx_bin[64], nginx_sock[128];

static int nginx_main(void *arg)
{
	char conf[160], errlog[160];

	(void)arg;
	snprintf(conf, sizeof(conf), "%s/nginx.conf", dir);
	snprintf(errlog, sizeof(errlog), "%s/error.log", dir);
	execl(nginx_bin, "nginx", "-p", dir, "-c", conf, "-e", errlog, (char *)NULL);
	return 127;
}

static void check_nginx(void)
{
	char curl_bin[64], conf[160], url_out[4096];
	struct tracer t;
	struct json_lines jl;
	pid_t master;
	char *out = NULL;
	FILE *f;
	int i, up = 0;
	const struct json_obj *o;

	if (find_program("nginx", nginx_bin, sizeof(nginx_bin)) ||
	    find_program("curl", curl_bin, sizeof(curl_bin))) {
		tap_skip("nginx or curl is not installed here",
			 "nginx on a UNIX socket under curl");
		return;
	}
	snprintf(nginx_sock, sizeof(nginx_sock), "%s/nginx.sock", dir);
	snprintf(conf, sizeof(conf), "%s/nginx.conf", dir);
	f = fopen(conf, "w");
	if (!f)
		return;
	fprintf(f,
		"worker_processes 1;\ndaemon off;\nmaster_process on;\nuser root root;\n"
		"pid %s/nginx.pid;\nevents { worker_connections 16; }\n"
		"http {\n  access_log off;\n  client_body_temp_path %s/body;\n"
		"  proxy_temp_path %s/proxy;\n  fastcgi_temp_path %s/fastcgi;\n"
		"  uwsgi_temp_path %s/uwsgi;\n  scgi_temp_path %s/scgi;\n"
		"  server { listen unix:%s; location / { return 200 \"unix ok\\n\"; } }\n}\n",
		dir, dir, dir, dir, dir, dir, nginx_sock);
	fclose(f);
	{
		const char *args[] = {"watch", "-x", "--path", nginx_sock, NULL};

		if (!ok(start_tracer(&t, args) == 0, "watch -x --path for nginx started")) {
			tap_diag("%s", tracer_stderr(&t));
			tracer_cleanup(&t);
			return;
		}
	}
	master = spawn(nginx_main, NULL);
	for (i = 0; i < 100 && master > 0 && !up; i++) {
		struct stat st;

		up = stat(nginx_sock, &st) == 0;
		usleep(50000);
	}
	if (ok(up, "nginx listens on %s", nginx_sock)) {
		const char *argv[] = {curl_bin,	       "-s",	   "--max-time",	"10",
				      "--unix-socket", nginx_sock, "http://localhost/", NULL};

		ok(run_capture(argv, &out, 20000) == 0 && out && strstr(out, "unix ok"),
		   "curl --unix-socket got nginx's answer");
		snprintf(url_out, sizeof(url_out), "%s", out ? out : "");
		free(out);
	}
	if (master > 0) {
		kill(master, SIGQUIT);
		ok(wait_exit(master, 10000) == 0, "nginx stopped");
	}
	ok(tracer_stop(&t, 10000) == 0, "watch stopped cleanly");
	if (ok(json_lines_load(t.out_path, &jl) == 0, "nginx watch output parses")) {
		o = find_ev(&jl, "listen", nginx_sock, 0, master);
		ok(o && json_str_is(o, "comm", "nginx"), "nginx's master: bind and listen");
		o = find_ev(&jl, "connect", nginx_sock, 0, 0);
		ok(o && json_str_is(o, "comm", "curl") && json_array_len(o, "peer_pids") > 0,
		   "curl's connect, with nginx as its peer");
		o = find_ev(&jl, "accept", nginx_sock, -1, 0);
		if (!ok(o && json_str_is(o, "comm", "nginx") &&
				json_array_len(o, "peer_pids") == 1 &&
				json_str_is(json_array_obj(o, "peer_pids", 0), "comm", "curl"),
			"an nginx worker's accept, with curl as its peer")) {
			char *text = read_text_file(t.out_path, NULL);

			tap_diag("watch's output:\n%s", text ? text : "(unreadable)");
			free(text);
		}
		json_lines_free(&jl);
	}
	tracer_cleanup(&t);
}

/* Until the stream has a close of inode ino, or timeout_ms. */
/*
 * A listener shared after fork() before watch starts: its holders come from
 * the start-up pass alone, and a connect to it names both processes. watch
 * keeps the start-up holders of UNIX sockets, and only those.
 */
static void check_early_holders(void)
{
	const char *args[] = {"watch", "--netns", netns_arg, NULL};
	char path[160];
	struct tracer t;
	struct json_lines jl;
	const struct json_obj *o;
	pid_t child = -1;
	int l, c = -1;

	snprintf(path, sizeof(path), "%s/early.sock", dir);
	l = un_listen(path, SOCK_STREAM, 8);
	if (!ok(l >= 0 && !barrier_init(&early.ready) && !barrier_init(&early.release),
		"early listener: made")) {
		if (l >= 0)
			close(l);
		return;
	}
	child = spawn(holder_main, &early);
	if (!ok(child > 0 && !barrier_wait(&early.ready, 10000), "early listener: fork()ed")) {
		close(l);
		return;
	}
	if (ok(start_tracer(&t, args) == 0, "early listener: watch started after it")) {
		c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ok(c >= 0 && un_connect(c, path) == 0, "early listener: a client connects");
		ok(tracer_stop(&t, 10000) == 0, "early listener: watch stopped cleanly");
		if (ok(json_lines_load(t.out_path, &jl) == 0, "early listener: output parses")) {
			o = find_ev(&jl, "connect", path, 0, getpid());
			ok(o && has_pid(o, "peer_pids", getpid()) && has_pid(o, "peer_pids", child),
			   "early listener: the connect names both holders from start-up");
			json_lines_free(&jl);
		}
	} else {
		tap_diag("%s", tracer_stderr(&t));
	}
	tracer_cleanup(&t);
	barrier_signal(&early.release);
	wait_exit(child, 10000);
	if (c >= 0)
		close(c);
	close(l);
}

static int wait_for_close(const char *file, unsigned long long ino, int timeout_ms)
{
	char want[48];
	int waited;

	snprintf(want, sizeof(want), "\"inode\":%llu,", ino);
	for (waited = 0; waited < timeout_ms; waited += 100) {
		char *text = read_text_file(file, NULL), *line, *save;
		int found = 0;

		for (line = text ? strtok_r(text, "\n", &save) : NULL; line && !found;
		     line = strtok_r(NULL, "\n", &save))
			found = strstr(line, "\"event\":\"close\"") && strstr(line, want);
		free(text);
		if (found)
			return 0;
		usleep(100000);
	}
	return -ETIMEDOUT;
}

int main(void)
{
	struct tracer watch, life;
	long ns;
	int i, started;

	ns = netns_enter_new();
	if (ns < 0 || !mkdtemp(dir)) {
		ok(0, "a network namespace and a temporary directory");
		return tap_done();
	}
	snprintf(netns_arg, sizeof(netns_arg), "%ld", ns);
	snprintf(path_l, sizeof(path_l), "%s/l.sock", dir);
	snprintf(path_missing, sizeof(path_missing), "%s/missing.sock", dir);
	snprintf(path_idle, sizeof(path_idle), "%s/idle.sock", dir);
	snprintf(path_full, sizeof(path_full), "%s/full.sock", dir);
	snprintf(path_passed, sizeof(path_passed), "%s/passed.sock", dir);
	snprintf(abstract, sizeof(abstract), "socktrace-t_unix-%d", (int)getpid());
	{
		const char *wargs[] = {"watch", "-x", "--netns", netns_arg, NULL};
		const char *largs[] = {"life", "-x", "--netns", netns_arg, NULL};

		started = start_tracer(&watch, wargs) == 0;
		started = start_tracer(&life, largs) == 0 && started;
	}
	if (!ok(started, "watch -x and life -x started")) {
		tap_diag("watch: %s", tracer_stderr(&watch));
		tap_diag("life: %s", tracer_stderr(&life));
		tracer_cleanup(&watch);
		tracer_cleanup(&life);
		return tap_done();
	}
	if (!ok(make_sockets() == 0, "the sockets are made")) {
		tracer_cleanup(&watch);
		tracer_cleanup(&life);
		return tap_done();
	}
	/* 5.10: the socket iterators cannot load, and --seed iter refuses */
	if (seed_iter_usable())
		check_table_json("iter");
	else
		check_seed_iter_refused(netns_arg);
	check_table_json("netlink");
	check_against_tools();
	/* the clients end: two close(), the last exits with its socket open */
	for (i = 0; i < CLIENTS; i++)
		barrier_signal(&clients[i].release);
	for (i = 0; i < CLIENTS; i++)
		wait_exit(clients[i].pid, 10000);
	barrier_signal(&holder.release);
	barrier_signal(&pass_release);
	wait_exit(w.holder, 10000);
	wait_exit(w.receiver, 10000);
	/* a close no hook reports shows up after two snapshots, 2 s apart */
	ok(wait_for_close(watch.out_path, clients[CLIENTS - 1].ino, 20000) == 0,
	   "the exited client's close is in watch's stream");
	ok(wait_for_close(life.out_path, clients[CLIENTS - 1].ino, 20000) == 0,
	   "the exited client's connection is in life's");
	ok(tracer_stop(&watch, 10000) == 0, "watch stopped cleanly");
	ok(tracer_stop(&life, 10000) == 0, "life stopped cleanly");
	check_watch(watch.out_path);
	check_life(life.out_path);
	tracer_cleanup(&watch);
	tracer_cleanup(&life);
	check_early_holders();
	check_nginx();
	return tap_done();
}
