// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * socktrace life under bursts: 3 x 700 connections (server closes first,
 * client first, server resets) with a known payload. Every connection must
 * appear exactly once per end, with the right PID, role, end, a duration and
 * the payload's byte counts, and nothing may be lost.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "netns.h"
#include "tap.h"

#define CONNS	700
#define PAYLOAD 1000

struct mode {
	const char *name;
	const char *client_end, *server_end;
	int check_tx_server; /* a reset may discard data the client never acked */
};

static const char *connstorm_path(void)
{
	return tool_path("connstorm", "CONNSTORM");
}

/* connstorm's JSON result line, out of its combined output. */
static struct json_obj *storm(const char *mode, char **out)
{
	char n[16], payload[16];
	const char *argv[] = {
		connstorm_path(), "-n",	    n,	 "-t", "2", "-m", mode, "--payload", payload,
		"--fork-server",  "--json", NULL};
	char *line;

	snprintf(n, sizeof(n), "%d", CONNS);
	snprintf(payload, sizeof(payload), "%d", PAYLOAD);
	if (run_capture(argv, out, 120000) != 0 || !*out)
		return NULL;
	for (line = *out; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (*line == '{')
			return json_parse(line, strcspn(line, "\n"));
	return NULL;
}

static void check_mode(const struct json_lines *jl, const struct mode *m, long long client,
		       long long server, long long port)
{
	static unsigned char cli_seen[256][256], srv_seen[256][256];
	size_t i, good_cli = 0, good_srv = 0, dup = 0, bad = 0, dropped_child = 0;
	char why[256] = "";

	memset(cli_seen, 0, sizeof(cli_seen));
	memset(srv_seen, 0, sizeof(srv_seen));
	for (i = 0; i < jl->n; i++) {
		const struct json_obj *o = jl->objs[i];
		const char *la = json_str(o, "laddr"), *ra = json_str(o, "raddr");
		unsigned int a, b, c, d;
		double dur = -1;
		int client_end;

		if (!json_str_is(o, "event", "close") || !la || !ra)
			continue;
		client_end = json_int_is(o, "rport", port) &&
			     sscanf(la, "%u.%u.%u.%u", &a, &b, &c, &d) == 4;
		if (!client_end && !(json_int_is(o, "lport", port) &&
				     sscanf(ra, "%u.%u.%u.%u", &a, &b, &c, &d) == 4))
			continue;
		if (a != 127 || b != 1 || c > 255 || d > 255)
			continue;
		json_num(o, "duration_ms", &dur);
		{
			/* every wrong or repeated line in full: rare ones must be diagnosable */
			long long rx = -1, tx = -1, pid = -1, lport = -1;

			json_int(o, "lport", &lport);
			json_int(o, "rx_bytes", &rx);
			json_int(o, "tx_bytes", &tx);
			json_int(o, "pid", &pid);
			if ((client_end ? cli_seen[c][d] : srv_seen[c][d]) ||
			    !json_str_is(o, "role", client_end ? "active" : "passive") ||
			    !json_str_is(o, "end", client_end ? m->client_end : m->server_end) ||
			    rx != PAYLOAD || pid != (client_end ? client : server))
				tap_diag("%s %s end %s:%lld: time %s duration %.3f ms path %s "
					 "end %s role %s pid %lld tx %lld rx %lld",
					 m->name, client_end ? "client" : "server", la, lport,
					 json_str(o, "time"), dur, json_str(o, "path"),
					 json_str(o, "end"), json_str(o, "role"), pid, tx, rx);
		}
		if (client_end) {
			if (cli_seen[c][d]++)
				dup++;
			else if (json_int_is(o, "pid", client) &&
				 json_str_is(o, "role", "active") &&
				 json_str_is(o, "end", m->client_end) && dur >= 0 &&
				 json_int_is(o, "tx_bytes", PAYLOAD) &&
				 json_int_is(o, "rx_bytes", PAYLOAD))
				good_cli++;
			else if (!bad++)
				snprintf(why, sizeof(why), "client %s: pid %s end %s tx/rx wrong",
					 la, json_str(o, "comm"), json_str(o, "end"));
		} else if (json_str_is(o, "path", "SYN_RECV>CLOSE") &&
			   json_str_is(o, "end", "aborted")) {
			/* a second child for one connection that the kernel
			 * closed in SYN_RECV (once in 9 loaded runs in the 6.1
			 * guest): a real socket, but not the connection */
			dropped_child++;
		} else {
			if (srv_seen[c][d]++)
				dup++;
			else if (json_int_is(o, "pid", server) &&
				 json_str_is(o, "role", "passive") &&
				 json_str_is(o, "end", m->server_end) && dur >= 0 &&
				 json_int_is(o, "rx_bytes", PAYLOAD) &&
				 (!m->check_tx_server || json_int_is(o, "tx_bytes", PAYLOAD)))
				good_srv++;
			else if (!bad++)
				snprintf(why, sizeof(why), "server end for %s: end %s", ra,
					 json_str(o, "end"));
		}
	}
	is_int(good_cli, CONNS, "%s: every client end once: pid, active, %s, %d bytes each way",
	       m->name, m->client_end, PAYLOAD);
	is_int(good_srv, CONNS, "%s: every server end once: pid, passive, %s, payload", m->name,
	       m->server_end);
	if (!is_int(dup + bad, 0, "%s: no duplicate or wrong lines", m->name))
		tap_diag("%s", why);
	ok(dropped_child <= CONNS / 100, "%s: children dropped in SYN_RECV: %zu, at most %d",
	   m->name, dropped_child, CONNS / 100);
}

int main(void)
{
	static const struct mode modes[] = {
		{"server-first", "fin_remote", "fin_local", 1},
		{"client-first", "fin_local", "fin_remote", 1},
		{"rst", "rst_received", "rst_sent", 0},
	};
	struct json_obj *res[3] = {0};
	char *outs[3] = {0};
	struct tracer t;
	struct json_lines jl;
	char netns[32];
	long ns = netns_enter_new();
	long long events, lost = -1, missed = -1, sockets;
	size_t i;

	if (ns < 0) {
		ok(0, "enter a new network namespace: %s", strerror((int)-ns));
		return tap_done();
	}
	if (!ok(access(connstorm_path(), X_OK) == 0, "connstorm at %s", connstorm_path()))
		return tap_done();
	snprintf(netns, sizeof(netns), "%ld", ns);
	if (!ok(start_tracer(&t, (const char *const[]){"life", "--netns", netns, NULL}) == 0,
		"life started")) {
		tap_diag("%s", tracer_stderr(&t));
		tracer_cleanup(&t);
		return tap_done();
	}
	for (i = 0; i < 3; i++) {
		res[i] = storm(modes[i].name, &outs[i]);
		if (!ok(res[i] && json_int_is(res[i], "completed", CONNS),
			"%s: %d connections made", modes[i].name, CONNS))
			tap_diag("%s", outs[i] ? outs[i] : "");
	}
	usleep(300000);
	ok(tracer_stop(&t, 10000) == 0, "life exits 0 (%s)", tracer_status_str(&t));
	if (!ok(json_lines_load(t.out_path, &jl) == 0 && jl.bad == 0, "valid JSON lines"))
		return tap_done();
	for (i = 0; i < 3; i++) {
		long long client, server, port;

		if (!res[i] || json_int(res[i], "client_pid", &client) ||
		    json_int(res[i], "server_pid", &server) || json_int(res[i], "port", &port))
			continue;
		check_mode(&jl, &modes[i], client, server, port);
	}
	ok(tracer_last_summary(&t, &events, &lost, &missed, &sockets) == 0, "summary line");
	is_int(lost, 0, "nothing lost");
	is_int(missed, 0, "no program run skipped without rescue");
	for (i = 0; i < 3; i++) {
		json_free(res[i]);
		free(outs[i]);
	}
	json_lines_free(&jl);
	tracer_cleanup(&t);
	return tap_done();
}
