// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Link-local IPv6 addresses print with their scope, as ss prints them:
 * [fe80::a%veth0]:6005. A veth pair with fe80::a on our end and fe80::b on
 * the peer's (a namespace of its own, where the server listens); the client
 * binds fe80::a and connects. The scope is the socket's bound device, from the
 * kernel's records: the state hook, the iterators and sock_diag.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "events.h"
#include "files.h"
#include "netns.h"
#include "seed_iter.h"
#include "tap.h"
#include "workload.h"

#define PORT 6005

static char netns[32];

static int ll_socket(const char *addr, int ifindex, uint16_t port, struct sockaddr_in6 *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin6_family = AF_INET6;
	sa->sin6_port = htons(port);
	sa->sin6_scope_id = (uint32_t)ifindex;
	if (inet_pton(AF_INET6, addr, &sa->sin6_addr) != 1)
		return -EINVAL;
	return socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

/* In the peer's namespace: a listener on [::]:PORT. */
static int peer_listener(const struct netns_veth *v)
{
	int own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), l = -1;

	if (own < 0 || netns_enter_fd(v->peer_nsfd) == 0) {
		l = tcp_listen_on(AF_INET6, "::", PORT, 4, NULL);
		if (netns_enter_fd(own)) {
			/* stranded in the peer's namespace: nothing after means anything */
			fprintf(stderr, "cannot return to the test's namespace\n");
			exit(1);
		}
	}
	if (own >= 0)
		close(own);
	return l;
}

static char *table_text(const char *seed)
{
	const char *const args[] = {"table", "-tn", "--netns", netns, "--seed", seed, NULL};
	struct tracer t;
	char *text = NULL;

	if (tracer_start(&t, args, 20000) == 0 && tracer_wait(&t, 15000) == 0)
		text = read_text_file(t.out_path, NULL);
	else
		tap_diag("table --seed %s: %s", seed, tracer_stderr(&t));
	tracer_cleanup(&t);
	return text;
}

int main(void)
{
	char local[64], remote[64], ll_a[48], ll_b[48], *text;
	struct tracer jt, tt;
	struct json_lines jl = {0};
	struct netns_veth v;
	struct sockaddr_in6 sa;
	int l, c = -1, s = -1, err, jok, tok, k;
	long ns;

	ns = netns_enter_new();
	if (ns < 0) {
		ok(0, "enter a new network namespace: %s", strerror((int)-ns));
		return tap_done();
	}
	snprintf(netns, sizeof(netns), "%ld", ns);
	err = netns_veth_create(&v, "fe80::a", "fe80::b", 64);
	if (err == -EOPNOTSUPP) {
		tap_skip("no veth in this kernel", "link-local scope");
		return tap_done();
	}
	if (!ok(err == 0, "veth pair with fe80::a and fe80::b: %s", strerror(-err)))
		return tap_done();
	snprintf(ll_a, sizeof(ll_a), "fe80::a%%%s", v.local_if);
	snprintf(ll_b, sizeof(ll_b), "fe80::b%%%s", v.local_if);
	l = peer_listener(&v);
	ok(l >= 0, "listener on [::]:%d in the peer's namespace", PORT);

	jok = start_tracer(&jt, (const char *const[]){"watch", "--netns", netns, NULL}) == 0;
	tok = tracer_start(&tt, (const char *const[]){"watch", "--netns", netns, "-w", NULL},
			   20000) == 0;
	ok(jok && tok, "watch --json and text watch started");

	c = ll_socket("fe80::a", v.local_ifindex, 0, &sa);
	if (c >= 0 && bind(c, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		ll_socket("fe80::b", v.local_ifindex, PORT, &sa);
		if (connect(c, (struct sockaddr *)&sa, sizeof(sa)) == 0 && l >= 0)
			s = accept(l, NULL, NULL);
	}
	if (!ok(s >= 0, "connected from [fe80::a%%%s] to [fe80::b%%%s]:%d", v.local_if, v.local_if,
		PORT))
		tap_diag("errno: %s", strerror(errno));
	snprintf(local, sizeof(local), "[%s]:%d", ll_a, c >= 0 ? sock_local_port(c) : 0);
	snprintf(remote, sizeof(remote), "[%s]:%d", ll_b, PORT);

	/* the connection as the iterators and as sock_diag see it */
	/* where the socket iterators cannot load (5.10), --seed auto's
	 * fallback (sock_diag and /proc) in their place */
	if (!seed_iter_usable())
		check_seed_iter_refused(netns);
	for (k = 0; k < 2; k++) {
		const char *seed = k ? "netlink" : seed_iter_usable() ? "iter" : "auto";

		text = table_text(seed);
		if (!ok(text && strstr(text, local) && strstr(text, remote),
			"table --seed %s: the row shows %s and %s", seed, local, remote))
			tap_diag("table:\n%s", text ? text : "");
		free(text);
	}

	if (c >= 0)
		close(c);
	if (s >= 0)
		close(s);
	usleep(300000);
	ok(!jok || tracer_stop(&jt, 10000) == 0, "watch --json exits 0");
	ok(!tok || tracer_stop(&tt, 10000) == 0, "text watch exits 0");

	if (jok && json_lines_load(jt.out_path, &jl) == 0) {
		const struct json_obj *ev[16];
		size_t n = ev_select(&jl, (struct ev_match){"state", ll_a, -1, ll_b, PORT}, ev, 16);

		if (!ok(n >= 3, "json: %zu state lines with laddr %s and raddr %s", n, ll_a, ll_b))
			tap_diag("first line: %s", jl.n ? json_str(jl.objs[0], "laddr") : "none");
	} else {
		ok(0, "json: output read");
	}
	json_lines_free(&jl);
	text = tok ? read_text_file(tt.out_path, NULL) : NULL;
	if (!ok(text && strstr(text, local) && strstr(text, remote), "text: lines show %s and %s",
		local, remote))
		tap_diag("watch:\n%s", text ? text : "");
	free(text);

	tracer_cleanup(&jt);
	tracer_cleanup(&tt);
	if (l >= 0)
		close(l);
	netns_veth_destroy(&v);
	return tap_done();
}
