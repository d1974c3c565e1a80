// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for the metric registry and its exposition, the scrape hand-off,
 * --metrics addresses and --web-config files.
 */
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>

#include "tap.h"
#include "metrics.h"
#include "metrics_http.h"
#include "metrics_pub.h"
#include "web_config.h"

static const double buckets[] = {0.001, 0.1, 1};
static const struct metric_desc d_counter = {.name = "t_conn_total",
					     .help = "Connections.",
					     .type = METRIC_COUNTER,
					     .labels = {"proto", "state", NULL}};
static const struct metric_desc d_capped = {.name = "t_port_total",
					    .help = "Per port.",
					    .type = METRIC_COUNTER,
					    .labels = {"lport", "comm", NULL},
					    .capped = true};
static const struct metric_desc d_gauge = {.name = "t_up", .help = "Up.", .type = METRIC_GAUGE};
static const struct metric_desc d_hist = {.name = "t_life_seconds",
					  .help = "Lifetimes.",
					  .type = METRIC_HISTOGRAM,
					  .labels = {"role", NULL},
					  .buckets = buckets,
					  .nbuckets = 3};

static void test_render(void)
{
	struct metrics *m = metrics_new(2);
	int c = metrics_register(m, &d_counter), g = metrics_register(m, &d_gauge),
	    h = metrics_register(m, &d_hist);
	char *text = NULL;
	size_t len;

	metrics_add(m, c, (const char *const[]){"tcp", "ESTABLISHED"}, 1);
	metrics_add(m, c, (const char *const[]){"tcp", "ESTABLISHED"}, 2);
	metrics_add(m, c, (const char *const[]){"udp", "UNCONN"}, 1);
	metrics_set(m, g, NULL, 0.25);
	metrics_observe(m, h, (const char *const[]){"active"}, 0.0005);
	metrics_observe(m, h, (const char *const[]){"active"}, 0.5);
	metrics_observe(m, h, (const char *const[]){"active"}, 7);
	ok(metrics_render(m, false, &text, &len) == 0 && strlen(text) == len, "render text");
	ok(strstr(text, "# HELP t_conn_total Connections.\n# TYPE t_conn_total counter\n"),
	   "HELP and TYPE, counter named with _total");
	ok(strstr(text, "t_conn_total{proto=\"tcp\",state=\"ESTABLISHED\"} 3\n"),
	   "a series adds up");
	ok(strstr(text, "t_conn_total{proto=\"udp\",state=\"UNCONN\"} 1\n"), "a second series");
	ok(strstr(text, "t_up 0.25\n"), "an unlabelled gauge");
	ok(strstr(text, "t_life_seconds_bucket{role=\"active\",le=\"0.001\"} 1\n") &&
		   strstr(text, "t_life_seconds_bucket{role=\"active\",le=\"0.1\"} 1\n") &&
		   strstr(text, "t_life_seconds_bucket{role=\"active\",le=\"1\"} 2\n") &&
		   strstr(text, "t_life_seconds_bucket{role=\"active\",le=\"+Inf\"} 3\n"),
	   "histogram buckets are cumulative, +Inf is the count");
	ok(strstr(text, "t_life_seconds_count{role=\"active\"} 3\n") &&
		   strstr(text, "t_life_seconds_sum{role=\"active\"} 7.5005"),
	   "histogram sum and count");
	ok(!strstr(text, "# EOF"), "text format has no # EOF");
	free(text);
	ok(metrics_render(m, true, &text, &len) == 0, "render OpenMetrics");
	ok(strstr(text, "# TYPE t_conn counter\n") && strstr(text, "# HELP t_conn Connections.\n"),
	   "OpenMetrics: counter family without _total");
	ok(strstr(text, "t_conn_total{proto=\"tcp\",state=\"ESTABLISHED\"} 3\n"),
	   "OpenMetrics: samples keep _total");
	ok(len >= 6 && !strcmp(text + len - 6, "# EOF\n"), "OpenMetrics ends with # EOF");
	free(text);
	metrics_clear(m, c);
	ok(metrics_render(m, false, &text, &len) == 0 && !strstr(text, "t_conn_total{"),
	   "clear drops a family's series");
	free(text);
	metrics_free(m);
}

static void test_cap_and_escape(void)
{
	struct metrics *m = metrics_new(3);
	int c = metrics_register(m, &d_capped);
	char *text = NULL, port[8];
	size_t len;
	int i;

	for (i = 0; i < 10; i++) {
		snprintf(port, sizeof(port), "%d", 1000 + i);
		metrics_add(m, c, (const char *const[]){port, "srv"}, 1);
	}
	/* a folded label set seen again is still one folded series */
	metrics_add(m, c, (const char *const[]){"1009", "srv"}, 1);
	metrics_add(m, c, (const char *const[]){"80", "a\"b\\c\nd\x01\xff"}, 0);
	ok(metrics_render(m, false, &text, &len) == 0, "render capped family");
	ok(strstr(text, "t_port_total{lport=\"1000\",comm=\"srv\"} 1\n") &&
		   strstr(text, "t_port_total{lport=\"1002\",comm=\"srv\"} 1\n") &&
		   !strstr(text, "lport=\"1003\""),
	   "the first max_series label sets keep their series");
	ok(strstr(text, "t_port_total{lport=\"~other\",comm=\"~other\"} 8\n") != NULL,
	   "the rest add up in the overflow series");
	ok(strstr(text, "socktrace_metrics_folded_series{metric=\"t_port_total\"} 8\n") != NULL,
	   "folded series counted once each");
	ok(strstr(text, "socktrace_metrics_max_series 3\n") != NULL, "the cap is shown");
	free(text);
	metrics_free(m);

	m = metrics_new(10);
	c = metrics_register(m, &d_capped);
	metrics_add(m, c, (const char *const[]){"80", "a\"b\\c\nd\x01\xff"}, 1);
	ok(metrics_render(m, false, &text, &len) == 0 &&
		   strstr(text, "comm=\"a\\\"b\\\\c\\nd\\\\x01\\\\xff\"} 1\n"),
	   "label values: \\ \" newline escaped, other bytes as \\xNN");
	free(text);
	metrics_free(m);
}

static void test_accept(void)
{
	ok(!metrics_wants_openmetrics(NULL), "no Accept: text");
	ok(!metrics_wants_openmetrics("text/plain;version=0.0.4"), "text/plain: text");
	ok(metrics_wants_openmetrics("application/openmetrics-text;version=1.0.0,application/"
				     "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0."
				     "0.4;q=0.5,*/*;q=0.1"),
	   "Prometheus' Accept: OpenMetrics");
	ok(!metrics_wants_openmetrics("application/openmetrics-text;q=0,text/plain"),
	   "q=0 refuses OpenMetrics");
}

static void test_pub(void)
{
	struct metrics_pub *p = metrics_pub_new();
	char *text = NULL, *mine = strdup("a 1\n");
	size_t len = 0;

	is_int(metrics_pub_get(p, METRICS_FMT_TEXT, 10, &text, &len), -EAGAIN,
	       "nothing published: -EAGAIN after the wait");
	ok(metrics_pub_wanted(p) == 1u << METRICS_FMT_TEXT, "the wait asked for text");
	metrics_pub_put(p, METRICS_FMT_TEXT, mine, 4);
	ok(metrics_pub_wanted(p) == 0, "publishing answers the request");
	ok(metrics_pub_get(p, METRICS_FMT_TEXT, 10, &text, &len) == 0 && len == 4 &&
		   !strcmp(text, "a 1\n"),
	   "a fresh publication is copied at once");
	free(text);
	usleep((METRICS_FRESH_NS / 1000) + 20000);
	ok(metrics_pub_get(p, METRICS_FMT_TEXT, 10, &text, &len) == 0 && !strcmp(text, "a 1\n"),
	   "a stale one is still served when the tracer does not answer");
	free(text);
	ok(metrics_pub_wanted(p) == 1u << METRICS_FMT_TEXT, "and a fresh one was asked for");
	metrics_pub_free(p);
}

static void test_addr(void)
{
	struct metrics_addr a;
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)&a.ss;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&a.ss;

	ok(metrics_addr_parse("9476", &a) == 0 && in4->sin_family == AF_INET &&
		   in4->sin_addr.s_addr == htonl(INADDR_LOOPBACK) && ntohs(in4->sin_port) == 9476,
	   "PORT alone: loopback");
	ok(metrics_addr_parse(":9476", &a) == 0 && in4->sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	   ":PORT: loopback");
	ok(metrics_addr_parse("0.0.0.0:80", &a) == 0 && in4->sin_addr.s_addr == 0,
	   "any address when given");
	ok(metrics_addr_parse("[::1]:9476", &a) == 0 && in6->sin6_family == AF_INET6 &&
		   ntohs(in6->sin6_port) == 9476,
	   "[::1]:PORT");
	ok(metrics_addr_parse("127.0.0.1:0", &a) == 0, "port 0: the kernel picks");
	ok(metrics_addr_parse("::1:80", &a) == -EINVAL, "IPv6 without brackets refused");
	ok(metrics_addr_parse("127.0.0.1:65536", &a) == -EINVAL, "port out of range");
	ok(metrics_addr_parse("localhost:80", &a) == 0 &&
		   ((in4->sin_family == AF_INET && in4->sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
		     ntohs(in4->sin_port) == 80) ||
		    (in6->sin6_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) &&
		     ntohs(in6->sin6_port) == 80)),
	   "a name: one of its addresses (localhost: loopback)");
	ok(metrics_addr_parse("local host:80", &a) == -EINVAL, "not a name");
	ok(metrics_addr_parse("-x:80", &a) == -EINVAL, "not a name: a leading dash");
	ok(metrics_addr_parse("127.0.0.1:", &a) == -EINVAL, "empty port");
	ok(metrics_addr_parse("[::1:80", &a) == -EINVAL, "unclosed bracket");
}

static char dir[] = "/tmp/test_metrics.XXXXXX";

static const char *file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

static void test_web_config(void)
{
	struct web_config wc;
	struct crypt_data cd;
	char salt[64], text[512], err[512];
	const char *hash = NULL, *path;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	memset(&cd, 0, sizeof(cd));
	ok(crypt_gensalt_rn("$2y$", 4, NULL, 0, salt, sizeof(salt)) &&
		   (hash = crypt_rn("pw", salt, &cd, sizeof(cd))) && hash[0] == '$',
	   "libcrypt makes bcrypt hashes");
	file("c.pem", "CERT");
	file("k.pem", "KEY");
	snprintf(text, sizeof(text),
		 "tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n"
		 "basic_auth_users:\n  alice: %s\n  bob: \"%s\"\n",
		 hash, hash);
	path = file("web.yml", text);
	ok(web_config_load(path, &wc, err, sizeof(err)) == 0, "load a web config");
	ok(wc.cert_pem && !strcmp(wc.cert_pem, "CERT") && wc.key_pem && !strcmp(wc.key_pem, "KEY"),
	   "relative cert and key paths from the file's directory");
	is_int(wc.nusers, 2, "two users");
	ok(web_config_check(&wc, "alice", "pw"), "right password");
	ok(!web_config_check(&wc, "alice", "pW"), "wrong password");
	ok(!web_config_check(&wc, "carol", "pw"), "unknown user");
	ok(!web_config_check(&wc, "alice", ""), "empty password");
	web_config_free(&wc);

	path = file("empty.yml", "");
	ok(web_config_load(path, &wc, err, sizeof(err)) == 0 && !wc.cert_file && !wc.nusers,
	   "an empty file: no TLS, no auth");
	web_config_free(&wc);

	path = file("md5.yml", "basic_auth_users:\n  alice: $1$abc$def\n");
	ok(web_config_load(path, &wc, err, sizeof(err)) && strstr(err, "bcrypt"),
	   "a hash that is not bcrypt is refused");
	path = file("half.yml", "tls_server_config:\n  cert_file: c.pem\n");
	ok(web_config_load(path, &wc, err, sizeof(err)) && strstr(err, "key_file"),
	   "cert without key refused");
	path = file("unknown.yml", "http_server_config:\n  http2: false\n");
	ok(web_config_load(path, &wc, err, sizeof(err)) && strstr(err, "http_server_config"),
	   "an unsupported key is an error, not ignored");
	path = file("bad.yml", "tls_server_config: [\n");
	ok(web_config_load(path, &wc, err, sizeof(err)) && strstr(err, "bad.yml:"),
	   "broken YAML: file and line");
	path = file("nokey.yml", "tls_server_config:\n  cert_file: c.pem\n  key_file: none.pem\n");
	ok(web_config_load(path, &wc, err, sizeof(err)) && strstr(err, "none.pem"),
	   "a missing key file is named");
	ok(web_config_load("/nonexistent.yml", &wc, err, sizeof(err)) &&
		   strstr(err, "/nonexistent.yml"),
	   "a missing config is named");
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			tap_diag("could not remove %s", dir);
	}
}

int main(void)
{
	test_render();
	test_cap_and_escape();
	test_accept();
	test_pub();
	test_addr();
	test_web_config();
	return tap_done();
}
