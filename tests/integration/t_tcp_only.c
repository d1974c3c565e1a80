// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * watch -t shows no UDP socket, so the kernel sends none of theirs: no UDP
 * release hook (cg_sock_release runs twice for each TCP connection too), and
 * no record of a UDP socket's bind or connect (the filter in record.bpf.h).
 * A watch without -t beside it, on the same workload, is the control: it
 * holds the release hook where cgroup hooks attach, and gets UDP's records.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bpf_maps.h"
#include "capture_file.h"
#include "events.h"
#include "netns.h"
#include "socktrace_abi.h"
#include "tap.h"
#include "tracer.h"
#include "workload.h"

struct proto_count {
	long tcp, udp; /* records of each protocol's sockets */
};

static void count_protos(const void *rec, uint32_t len, void *ctx)
{
	const struct st_hdr *h = rec;
	struct proto_count *c = ctx;
	const struct st_tuple *t;

	if (len < sizeof(*h))
		return;
	if (st_rec_is_call(h->type) && len >= sizeof(struct st_call_rec))
		t = &((const struct st_call_rec *)rec)->t;
	else if (h->type == ST_REC_STATE && len >= sizeof(struct st_state_rec))
		t = &((const struct st_state_rec *)rec)->t;
	else
		return;
	if (t->protocol == IPPROTO_UDP)
		c->udp++;
	else if (t->protocol == IPPROTO_TCP)
		c->tcp++;
}

/* A UDP socket bound and connected to another, both closed; 0 or -1. */
static int udp_pair(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sin);
	int a = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int b = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int err = a < 0 || b < 0 || bind(a, (struct sockaddr *)&sin, sizeof(sin)) ||
		  getsockname(a, (struct sockaddr *)&sin, &len) ||
		  bind(b,
		       (struct sockaddr *)&(struct sockaddr_in){
			       .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)},
		       sizeof(sin)) ||
		  connect(b, (struct sockaddr *)&sin, sizeof(sin)) || send(b, "x", 1, 0) != 1;

	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	return err ? -1 : 0;
}

/* How many lines of the run are of UDP sockets, and of TCP ones. */
static void count_lines(const struct json_lines *jl, long *udp, long *tcp)
{
	size_t i;

	*udp = *tcp = 0;
	for (i = 0; i < jl->n; i++) {
		if (json_str_is(jl->objs[i], "proto", "udp"))
			(*udp)++;
		else if (json_str_is(jl->objs[i], "proto", "tcp"))
			(*tcp)++;
	}
}

int main(void)
{
	char dir[] = "/tmp/t_tcp_only.XXXXXX", cap[2][PATH_MAX], *features = NULL;
	static const char *const names[2] = {"watch -t", "watch"};
	struct tracer t[2];
	struct json_lines jl[2] = {{0}};
	struct proto_count c[2] = {{0}};
	long udp_lines[2], tcp_lines[2];
	bool release[2];
	int cgroup, lfd, i;
	uint16_t port;

	if (!mkdtemp(dir) || netns_enter_new() < 0) {
		ok(0, "a temporary directory and a network namespace: %s", strerror(errno));
		return tap_done();
	}
	run_capture((const char *const[]){socktrace_path(), "features", NULL}, &features, 30000);
	cgroup = features && strstr(features, "udp_close=cgroup");
	tap_diag("cgroup hooks: %s", cgroup ? "yes" : "no");
	free(features);

	for (i = 0; i < 2; i++) {
		snprintf(cap[i], sizeof(cap[i]), "%s/%d.cap", dir, i);
		setenv("SOCKTRACE_CAPTURE", cap[i], 1);
		if (!ok(start_tracer(&t[i], i ? (const char *const[]){"watch", NULL}
					      : (const char *const[]){"watch", "-t", NULL}) == 0,
			"%s started", names[i])) {
			tap_diag("%s", tracer_stderr(&t[i]));
			return tap_done();
		}
		release[i] = prog_of_process(t[i].pid, "cg_sock_release");
	}
	unsetenv("SOCKTRACE_CAPTURE");
	ok(!release[0], "watch -t loaded no UDP release hook");
	if (cgroup)
		ok(release[1], "watch without -t has it");

	lfd = tcp_listen_on(AF_INET, "127.0.0.1", 0, 16, &port);
	ok(lfd >= 0 && tcp_open_close(port, lfd, 3, 1) == 0 && udp_pair() == 0 && udp_pair() == 0,
	   "3 TCP connections and 2 pairs of UDP sockets came and went");
	if (lfd >= 0)
		close(lfd);
	usleep(300 * 1000);

	for (i = 0; i < 2; i++) {
		ok(tracer_stop(&t[i], 10000) == 0 && json_lines_load(t[i].out_path, &jl[i]) == 0 &&
			   !jl[i].bad,
		   "%s exits 0, every line valid", names[i]);
		count_lines(&jl[i], &udp_lines[i], &tcp_lines[i]);
		ok(capture_each(cap[i], count_protos, &c[i]) > 0, "%s: the capture was written",
		   names[i]);
	}
	ok(tcp_lines[0] >= 3 * 10 && tcp_lines[0] == tcp_lines[1],
	   "watch -t has every TCP line of the control (%ld, %ld)", tcp_lines[0], tcp_lines[1]);
	ok(udp_lines[0] == 0, "watch -t printed no UDP line (%ld)", udp_lines[0]);
	ok(udp_lines[1] >= 4, "the control printed the UDP binds (%ld lines)", udp_lines[1]);
	ok(c[0].udp == 0 && c[0].tcp > 0, "watch -t got no UDP record (%ld), and TCP ones (%ld)",
	   c[0].udp, c[0].tcp);
	ok(c[1].udp >= 4, "the control got UDP records (%ld)", c[1].udp);

	for (i = 0; i < 2; i++) {
		json_lines_free(&jl[i]);
		tracer_cleanup(&t[i]);
		unlink(cap[i]);
	}
	rmdir(dir);
	return tap_done();
}
