// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A connect() that fails before SYN_SENT leaves the socket without its remote
 * end (IPv4), or with its address and no port (IPv6): the line must show the
 * address and port connect() was given, and its errno. In a namespace of the
 * test's own with lo up and no other route (ENETUNREACH), and blackhole routes
 * (EINVAL); TCP and UDP, IPv4 and IPv6; watch --json and the text view.
 */
#include <arpa/inet.h>
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
#include "tracer.h"

struct attempt {
	int family;
	int type;
	const char *addr;
	uint16_t port;
	int err; /* what connect() said */
};

static struct attempt attempts[] = {
	{AF_INET, SOCK_STREAM, "10.9.9.9", 4242, 0},	   /* no route */
	{AF_INET, SOCK_DGRAM, "10.9.9.9", 4243, 0},	   /* no route */
	{AF_INET, SOCK_STREAM, "10.8.8.8", 4244, 0},	   /* blackhole */
	{AF_INET6, SOCK_STREAM, "2001:db8::1", 4245, 0},   /* no route */
	{AF_INET6, SOCK_DGRAM, "2001:db8::1", 4246, 0},	   /* no route */
	{AF_INET6, SOCK_STREAM, "2001:db8:9::1", 4247, 0}, /* blackhole */
};
#define N_ATTEMPTS (sizeof(attempts) / sizeof(attempts[0]))

static const char *err_name(int err)
{
	switch (err) {
	case ENETUNREACH:
		return "ENETUNREACH";
	case EHOSTUNREACH:
		return "EHOSTUNREACH";
	case EINVAL:
		return "EINVAL";
	case EPERM:
		return "EPERM";
	default:
		return NULL;
	}
}

/* connect() once; the errno it failed with, 0 if it did not fail. */
static int try_connect(const struct attempt *a)
{
	struct sockaddr_storage ss = {0};
	socklen_t len;
	int fd = socket(a->family, a->type | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -1;
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		inet_pton(AF_INET, a->addr, &sin->sin_addr);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(a->port);
		inet_pton(AF_INET6, a->addr, &sin6->sin6_addr);
		len = sizeof(*sin6);
	}
	if (connect(fd, (struct sockaddr *)&ss, len) < 0)
		err = errno;
	close(fd);
	return err;
}

static const char *proto_name(const struct attempt *a)
{
	if (a->type == SOCK_STREAM)
		return a->family == AF_INET ? "tcp" : "tcp6";
	return a->family == AF_INET ? "udp" : "udp6";
}

static void check_json(const struct json_lines *jl, const struct attempt *a)
{
	const struct json_obj *ev[8];
	size_t n = ev_select(jl, (struct ev_match){"connect", NULL, -1, a->addr, a->port}, ev, 8);

	if (!ok(n == 1 && json_int_is(ev[0], "errno", a->err) &&
			json_str_is(ev[0], "proto", proto_name(a)) &&
			json_int_is(ev[0], "pid", getpid()) &&
			json_str_is(ev[0], "owner", "connect"),
		"json: %s connect to %s port %u: one line, errno %d, pid %d", proto_name(a),
		a->addr, a->port, a->err, (int)getpid())) {
		size_t i;
		long long rport;

		tap_diag("%zu lines matched; connect lines seen:", n);
		for (i = 0; i < jl->n; i++) {
			const struct json_obj *o = jl->objs[i];

			if (!json_str_is(o, "event", "connect"))
				continue;
			if (json_int(o, "rport", &rport))
				rport = -1;
			tap_diag("  raddr %s rport %lld",
				 json_str(o, "raddr") ? json_str(o, "raddr") : "?", rport);
		}
		return;
	}
	if (err_name(a->err))
		ok(json_str_is(ev[0], "error", err_name(a->err)), "json: error %s",
		   err_name(a->err));
	else
		tap_skip("errno without a name here", "json: error name");
}

/* The text line naming the destination (as the view prints it) and the error. */
static void check_text(const char *text, const struct attempt *a)
{
	char dest[80], want[64];
	const char *line = NULL, *p = text;

	if (a->family == AF_INET)
		snprintf(dest, sizeof(dest), " %s:%u ", a->addr, a->port);
	else
		snprintf(dest, sizeof(dest), " [%s]:%u ", a->addr, a->port);
	snprintf(want, sizeof(want), "connect() failed: %s",
		 err_name(a->err) ? err_name(a->err) : "");
	while (p && (p = strstr(p, dest))) {
		const char *bol = p, *eol = strchr(p, '\n');

		while (bol > text && bol[-1] != '\n')
			bol--;
		if (eol && memmem(bol, (size_t)(eol - bol), want, strlen(want)) &&
		    memmem(bol, (size_t)(eol - bol), proto_name(a), strlen(proto_name(a)))) {
			line = bol;
			break;
		}
		p = eol;
	}
	ok(line != NULL, "text: a %s line with%s and \"%s\"", proto_name(a), dest, want);
}

int main(void)
{
	struct watch_pair w;
	struct json_lines jl;
	char netns[32], *text;
	int v6, err;
	size_t i;
	long ns;

	ns = netns_enter_new();
	if (ns < 0) {
		ok(0, "enter a new network namespace: %s", strerror((int)-ns));
		return tap_done();
	}
	snprintf(netns, sizeof(netns), "%ld", ns);
	v6 = netns_ipv6_ok();
	err = netns_blackhole_route("10.8.8.0", 24);
	ok(err == 0, "blackhole route 10.8.8.0/24: %s", strerror(-err));
	if (v6) {
		err = netns_blackhole_route("2001:db8:9::", 48);
		ok(err == 0, "blackhole route 2001:db8:9::/48: %s", strerror(-err));
	}

	watch_pair_start(&w, netns, "-w");

	for (i = 0; i < N_ATTEMPTS; i++) {
		struct attempt *a = &attempts[i];

		if (a->family == AF_INET6 && !v6)
			continue;
		a->err = try_connect(a);
		ok(a->err > 0, "%s connect to %s port %u failed at once: %s", proto_name(a),
		   a->addr, a->port, a->err > 0 ? strerror(a->err) : "it did not");
	}
	usleep(300000);
	watch_pair_stop(&w, &jl, &text);
	for (i = 0; i < N_ATTEMPTS; i++) {
		const struct attempt *a = &attempts[i];

		if (a->family == AF_INET6 && !v6) {
			tap_skip("no IPv6", "%s connect to %s", proto_name(a), a->addr);
			continue;
		}
		if (a->err <= 0)
			continue;
		check_json(&jl, a);
		check_text(text ? text : "", a);
	}
	if (tap_failed)
		tap_diag("watch:\n%s", text ? text : "");
	free(text);
	json_lines_free(&jl);
	watch_pair_cleanup(&w);
	return tap_done();
}
