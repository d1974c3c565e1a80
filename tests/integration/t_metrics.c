// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * socktrace serve: a known workload in a network namespace of its own
 * (connections accepted on a listener, refused connects, a short-lived
 * burst), then the metrics must equal it: read from /metrics directly,
 * accepted by `promtool check metrics`, and scraped by a real Prometheus at
 * 1 s whose HTTP API must show up == 1 and the same counts. Once more with
 * TLS and basic auth on both sides (socktrace and Prometheus read the same
 * exporter-toolkit web config), where a scrape with a wrong password fails
 * with 401. Bad input: a malformed address, an address in use, an unreadable
 * or invalid web config each give one line and exit 2 or 1.
 *
 * Traffic: the test's own namespace's loopback (socktrace, Prometheus, curl)
 * and the workload's namespace.
 */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "netns.h"
#include "tap.h"
#include "tracer.h"
#include "workload.h"

#define ACCEPTED 5  /* held connections */
#define BURST	 20 /* short-lived ones */
#define REFUSED	 3
#define PASSWORD "tr4ce-me"

static char dir[] = "/tmp/t_metrics.XXXXXX";
static int work_nsfd = -1;
static unsigned long work_ns;

struct workload_result {
	uint16_t port;
};

/* Runs in the workload's namespace: every count the metrics must show. */
static int workload(void *arg)
{
	int *pipefd = arg;
	uint16_t port, closed;
	int l, c, s, i;
	char b;

	if (netns_enter_fd(work_nsfd))
		return 10;
	set_comm("mwork");
	l = tcp_listen_on(AF_INET, "127.0.0.1", 0, 64, &port);
	if (l < 0)
		return 11;
	/* a port nobody listens on: bind it, never listen */
	s = socket(AF_INET, SOCK_STREAM, 0);
	{
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		socklen_t al = sizeof(a);

		if (bind(s, (struct sockaddr *)&a, sizeof(a)) ||
		    getsockname(s, (struct sockaddr *)&a, &al))
			return 12;
		closed = ntohs(a.sin_port);
	}
	int held[ACCEPTED][2];

	for (i = 0; i < ACCEPTED; i++) {
		held[i][0] = tcp_connect_to(AF_INET, "127.0.0.1", port);
		held[i][1] = accept(l, NULL, NULL);
		if (held[i][0] < 0 || held[i][1] < 0)
			return 13;
	}
	for (i = 0; i < REFUSED; i++)
		if (tcp_connect_to(AF_INET, "127.0.0.1", closed) != -ECONNREFUSED)
			return 14;
	for (i = 0; i < BURST; i++) {
		c = tcp_connect_to(AF_INET, "127.0.0.1", port);
		s = accept(l, NULL, NULL);
		if (c < 0 || s < 0)
			return 15;
		close(c); /* the client closes first: fin_local, the server fin_remote */
		if (read(s, &b, 1) != 0)
			return 16;
		close(s);
	}
	usleep(200000);
	for (i = 0; i < ACCEPTED; i++) {
		close(held[i][0]);
		if (read(held[i][1], &b, 1) != 0)
			return 17;
		close(held[i][1]);
	}
	if (tcp_wait_settled(10000))
		return 18;
	if (write(pipefd[1], &port, sizeof(port)) != sizeof(port))
		return 19;
	return 0;
}

/* The workload's listening port, or 0. */
static uint16_t run_workload(void)
{
	int p[2];
	uint16_t port = 0;
	pid_t pid;
	int st;

	if (pipe(p))
		return 0;
	pid = spawn(workload, p);
	close(p[1]);
	st = pid > 0 ? wait_exit(pid, 30000) : -1;
	if (st == 0 && read(p[0], &port, sizeof(port)) != sizeof(port))
		port = 0;
	if (st)
		tap_diag("workload exited with %d", st);
	close(p[0]);
	return port;
}

static uint16_t free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	uint16_t port = 0;

	if (s >= 0 && !bind(s, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(s, (struct sockaddr *)&a, &al))
		port = ntohs(a.sin_port);
	if (s >= 0)
		close(s);
	return port;
}

/* The URL socktrace printed on stderr: "socktrace: metrics at URL". */
static int metrics_url(struct tracer *t, char *url, size_t len)
{
	const char *e = tracer_stderr(t), *p = strstr(e, "metrics at ");

	if (!p)
		return -1;
	p += strlen("metrics at ");
	snprintf(url, len, "%.*s", (int)strcspn(p, " \n"), p);
	return 0;
}

/* curl; extra arguments before the URL. Body in *out (malloc'd), HTTP code returned. */
static int curl(const char *url, const char *const extra[], char **out)
{
	const char *argv[32] = {"curl", "-sS", "-m", "10", "-w", "\n%{http_code}"};
	size_t n = 6, i;
	char *o = NULL, *nl;
	int code = -1;

	for (i = 0; extra && extra[i] && n < 28; i++)
		argv[n++] = extra[i];
	argv[n++] = url;
	argv[n] = NULL;
	if (run_capture(argv, &o, 20000) == 0 && o && (nl = strrchr(o, '\n'))) {
		code = atoi(nl + 1);
		*nl = 0;
	}
	*out = o;
	return code;
}

/*
 * The value of the first sample of name whose labels contain every one of
 * want[] (e.g. "lport=\"80\""), or -1.
 */
static double sample(const char *text, const char *name, const char *const want[])
{
	size_t nl = strlen(name);
	const char *line;

	for (line = text; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *end = strchr(line, '\n'), *sp;
		size_t i;

		if (strncmp(line, name, nl) || (line[nl] != '{' && line[nl] != ' '))
			continue;
		if (!end)
			end = line + strlen(line);
		sp = memrchr(line, ' ', (size_t)(end - line));
		for (i = 0; want && want[i]; i++) {
			const char *hit = strstr(line, want[i]);

			if (!hit || hit > sp)
				break;
		}
		if (want && want[i])
			continue;
		return sp ? strtod(sp + 1, NULL) : -1;
	}
	return -1;
}

struct expect {
	const char *name;
	const char *labels[4];
	double value;
};

static void expectations(struct expect *e, const char *lport, const char *netns)
{
	/* lport and netns are static strings of the caller */
	struct expect x[] = {
		{"socktrace_listener_accepted_total", {lport, netns}, ACCEPTED + BURST},
		{"socktrace_acceptor_accepted_total", {lport, "comm=\"mwork\""}, ACCEPTED + BURST},
		{"socktrace_connect_failures_total",
		 {"errno=\"ECONNREFUSED\"", "proto=\"tcp\""},
		 REFUSED},
		{"socktrace_tcp_connections_closed_total",
		 {"role=\"active\"", "end=\"fin_local\""},
		 ACCEPTED + BURST},
		{"socktrace_tcp_connections_closed_total",
		 {"role=\"passive\"", "end=\"fin_remote\""},
		 ACCEPTED + BURST},
		{"socktrace_tcp_connections_closed_total",
		 {"role=\"active\"", "end=\"refused\""},
		 REFUSED},
		{"socktrace_tcp_connection_duration_seconds_count",
		 {"role=\"passive\""},
		 ACCEPTED + BURST},
		{"socktrace_tcp_transitions_total",
		 {"old_state=\"SYN_SENT\"", "new_state=\"ESTABLISHED\""},
		 ACCEPTED + BURST},
		{"socktrace_tcp_transitions_total",
		 {"old_state=\"LISTEN\"", "new_state=\"SYN_RECV\""},
		 ACCEPTED + BURST},
		/* --netns: only the workload's sockets; the active closers wait */
		{"socktrace_sockets", {"proto=\"tcp\"", "state=\"TIME_WAIT\""}, ACCEPTED + BURST},
		{NULL, {NULL}, 0},
	};

	memcpy(e, x, sizeof(x));
}

/* Poll /metrics until every expectation holds (the tracer is a poll behind). */
static char *scrape_until(const char *url, const char *const extra[], struct expect *e,
			  int timeout_ms)
{
	char *text = NULL;
	int waited;

	for (waited = 0; waited <= timeout_ms; waited += 200) {
		size_t i;

		free(text);
		if (curl(url, extra, &text) != 200)
			continue;
		for (i = 0; e[i].name; i++)
			if (sample(text, e[i].name, e[i].labels) != e[i].value)
				break;
		if (!e[i].name)
			return text;
		usleep(200000);
	}
	return text;
}

static void check_values(const char *what, const char *text, struct expect *e)
{
	size_t i;

	for (i = 0; e[i].name; i++) {
		double got = text ? sample(text, e[i].name, e[i].labels) : -1;

		if (!ok(got == e[i].value, "%s: %s{%s,%s} = %g", what, e[i].name, e[i].labels[0],
			e[i].labels[1] ? e[i].labels[1] : "", e[i].value))
			tap_diag("  got %g", got);
	}
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static void promtool_check(const char *text)
{
	char path[300], cmd[400], *out = NULL;
	int rc;

	snprintf(path, sizeof(path), "%s/scrape.txt", dir);
	write_text(path, text);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", path);
	rc = run_capture((const char *const[]){"sh", "-c", cmd, NULL}, &out, 30000);
	if (!ok(rc == 0 && (!out || !*out), "promtool check metrics: clean"))
		tap_diag("promtool (%d): %s", rc, out ? out : "");
	free(out);
}

struct prom {
	pid_t pid;
	uint16_t port;
	char url[64];
};

static int prom_start(struct prom *p, const char *name, const char *config, const char *webcfg)
{
	char cfg[300], data[300], log[300], flag_cfg[340], flag_data[340], flag_listen[64],
		flag_web[340];

	snprintf(cfg, sizeof(cfg), "%s/%s.yml", dir, name);
	snprintf(data, sizeof(data), "%s/%s-data", dir, name);
	snprintf(log, sizeof(log), "%s/%s.log", dir, name);
	if (write_text(cfg, config))
		return -1;
	p->port = free_port();
	snprintf(flag_cfg, sizeof(flag_cfg), "--config.file=%s", cfg);
	snprintf(flag_data, sizeof(flag_data), "--storage.tsdb.path=%s", data);
	snprintf(flag_listen, sizeof(flag_listen), "--web.listen-address=127.0.0.1:%u", p->port);
	snprintf(flag_web, sizeof(flag_web), "--web.config.file=%s", webcfg ? webcfg : "");
	snprintf(p->url, sizeof(p->url), "%s://127.0.0.1:%u", webcfg ? "https" : "http", p->port);
	p->pid = fork();
	if (p->pid < 0)
		return -1;
	if (p->pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		setpgid(0, 0);
		execlp("prometheus", "prometheus", flag_cfg, flag_data, flag_listen,
		       "--log.level=warn", webcfg ? flag_web : "--web.enable-lifecycle", NULL);
		_exit(127);
	}
	return 0;
}

static void prom_stop(struct prom *p)
{
	if (p->pid <= 0)
		return;
	kill(p->pid, SIGTERM);
	if (wait_exit(p->pid, 20000) < 0)
		tap_diag("prometheus did not stop on SIGTERM: killed");
	p->pid = 0;
}

/* The first result's value of an instant query, or -1. */
static double prom_query(struct prom *p, const char *const auth[], const char *query)
{
	char url[128], q[512], *out = NULL, *v;
	const char *extra[12];
	size_t n = 0;
	double val = -1;

	for (; auth && auth[n]; n++)
		extra[n] = auth[n];
	snprintf(q, sizeof(q), "query=%s", query);
	extra[n++] = "-G";
	extra[n++] = "--data-urlencode";
	extra[n++] = q;
	extra[n] = NULL;
	snprintf(url, sizeof(url), "%s/api/v1/query", p->url);
	if (curl(url, extra, &out) == 200 && out && (v = strstr(out, "\"value\":[")) &&
	    (v = strchr(v, ',')) && v[1] == '"')
		val = strtod(v + 2, NULL);
	free(out);
	return val;
}

/* Wait until query gives want; the last value seen. */
static double prom_wait(struct prom *p, const char *const auth[], const char *query, double want,
			int timeout_ms)
{
	double got = -1;
	int waited;

	for (waited = 0; waited <= timeout_ms; waited += 500) {
		got = prom_query(p, auth, query);
		if (got == want)
			break;
		usleep(500000);
	}
	return got;
}

/* cmd: "serve", or a view that takes --metrics beside its output */
static int start_with_metrics(struct tracer *t, const char *cmd, const char *webcfg, char *url,
			      size_t len)
{
	char ns[32];
	const char *hooks = getenv("SOCKTRACE_HOOKS");
	const char *argv[16] = {cmd, "--metrics", "127.0.0.1:0", "--netns", ns};
	size_t n = 5;

	snprintf(ns, sizeof(ns), "%lu", work_ns);
	if (webcfg) {
		argv[n++] = "--web-config";
		argv[n++] = webcfg;
	}
	if (hooks && *hooks) {
		argv[n++] = "--hooks";
		argv[n++] = hooks;
	}
	if (strcmp(cmd, "serve"))
		argv[n++] = "--json";
	argv[n] = NULL;
	if (tracer_start(t, argv, 60000) || metrics_url(t, url, len)) {
		tap_diag("%s", tracer_stderr(t));
		return -1;
	}
	return 0;
}

static void round_plain(void)
{
	static char lport[32], netns[40];
	struct expect e[16];
	struct tracer t;
	struct prom p = {0};
	char url[128], cfg[1024], q[256], *text;
	uint16_t port;

	if (!ok(start_with_metrics(&t, "serve", NULL, url, sizeof(url)) == 0,
		"serve started, URL on stderr")) {
		tracer_cleanup(&t);
		return;
	}
	port = run_workload();
	if (!ok(port, "workload ran")) {
		tracer_cleanup(&t);
		return;
	}
	snprintf(lport, sizeof(lport), "lport=\"%u\"", port);
	snprintf(netns, sizeof(netns), "netns=\"%lu\"", work_ns);
	expectations(e, lport, netns);
	text = scrape_until(url, NULL, e, 10000);
	check_values("/metrics", text, e);
	if (text) {
		ok(strstr(text, "# TYPE socktrace_listener_accepted_total counter") != NULL,
		   "text format: a counter's TYPE names it with _total");
		promtool_check(text);
	}
	free(text);
	{
		const char *om[] = {"-H", "Accept: application/openmetrics-text; version=1.0.0",
				    NULL};
		size_t len;

		if (curl(url, om, &text) == 200 && text) {
			len = strlen(text);
			/* curl's -w took the last newline */
			ok(len >= 6 && !strcmp(text + len - 6, "# EOF\n"),
			   "OpenMetrics when asked: ends with # EOF");
			ok(strstr(text, "# TYPE socktrace_listener_accepted counter") != NULL,
			   "OpenMetrics: counter family named without _total");
		} else {
			ok(0, "OpenMetrics scrape");
		}
		free(text);
	}

	/* a real Prometheus, scraping every second */
	snprintf(cfg, sizeof(cfg),
		 "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
		 "scrape_configs:\n  - job_name: socktrace\n    static_configs:\n"
		 "      - targets: ['%.*s']\n",
		 (int)strcspn(url + 7, "/"), url + 7);
	if (!ok(prom_start(&p, "prom", cfg, NULL) == 0, "prometheus started")) {
		tracer_cleanup(&t);
		return;
	}
	is_int((long long)prom_wait(&p, NULL, "up{job=\"socktrace\"}", 1, 40000), 1,
	       "prometheus: up == 1");
	snprintf(q, sizeof(q), "socktrace_listener_accepted_total{%s}", lport);
	is_int((long long)prom_wait(&p, NULL, q, ACCEPTED + BURST, 10000), ACCEPTED + BURST,
	       "prometheus: accepted connections equal the workload");
	is_int((long long)prom_wait(&p, NULL,
				    "socktrace_connect_failures_total{errno=\"ECONNREFUSED\"}",
				    REFUSED, 5000),
	       REFUSED, "prometheus: refused connects equal the workload");
	is_int((long long)prom_wait(&p, NULL,
				    "socktrace_tcp_connections_closed_total{role=\"passive\","
				    "end=\"fin_remote\"}",
				    ACCEPTED + BURST, 5000),
	       ACCEPTED + BURST, "prometheus: passive closes equal the workload");
	prom_stop(&p);
	ok(tracer_stop(&t, 10000) == 0, "serve exits 0 on SIGINT (%s)", tracer_status_str(&t));
	tracer_cleanup(&t);
}

static int make_web_config(char *path, size_t len)
{
	struct crypt_data cd;
	char salt[64], cmd[1024], text[1024], *out = NULL;
	const char *hash;
	int rc;

	memset(&cd, 0, sizeof(cd));
	if (!crypt_gensalt_rn("$2b$", 6, NULL, 0, salt, sizeof(salt)) ||
	    !(hash = crypt_rn(PASSWORD, salt, &cd, sizeof(cd))) || hash[0] != '$')
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
		 "-keyout %s/key.pem -out %s/cert.pem -days 2 -subj /CN=localhost "
		 "-addext subjectAltName=IP:127.0.0.1",
		 dir, dir);
	rc = run_capture((const char *const[]){"sh", "-c", cmd, NULL}, &out, 30000);
	free(out);
	if (rc)
		return -1;
	/* relative paths: from the config file's directory, for both readers */
	snprintf(text, sizeof(text),
		 "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n"
		 "basic_auth_users:\n  alice: '%s'\n",
		 hash);
	snprintf(path, len, "%s/web.yml", dir);
	return write_text(path, text);
}

static void round_tls(void)
{
	static char lport[32], netns[40];
	char webcfg[300], url[128], cfg[2048], q[256], ca[320], up[64], *text = NULL;
	const char *good[] = {"--cacert", ca, "-u", "alice:" PASSWORD, NULL};
	const char *bad[] = {"--cacert", ca, "-u", "alice:wrong", NULL};
	const char *none[] = {"--cacert", ca, NULL};
	struct expect e[16];
	struct tracer t;
	struct prom p = {0};
	uint16_t port;
	int code;

	if (!ok(make_web_config(webcfg, sizeof(webcfg)) == 0, "web config with TLS and bcrypt"))
		return;
	snprintf(ca, sizeof(ca), "%s/cert.pem", dir);
	if (!ok(start_with_metrics(&t, "serve", webcfg, url, sizeof(url)) == 0 &&
			!strncmp(url, "https://", 8),
		"serve with --web-config: https")) {
		tracer_cleanup(&t);
		return;
	}
	port = run_workload();
	snprintf(lport, sizeof(lport), "lport=\"%u\"", port);
	snprintf(netns, sizeof(netns), "netns=\"%lu\"", work_ns);
	expectations(e, lport, netns);
	text = scrape_until(url, good, e, 10000);
	check_values("TLS /metrics", text, e);
	free(text);
	code = curl(url, bad, &text);
	free(text);
	is_int(code, 401, "a wrong password: 401");
	code = curl(url, none, &text);
	free(text);
	is_int(code, 401, "no credentials: 401");

	snprintf(up, sizeof(up), "%.*s", (int)strcspn(url + 8, "/"), url + 8);
	snprintf(cfg, sizeof(cfg),
		 "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
		 "scrape_configs:\n"
		 "  - job_name: good\n    scheme: https\n    tls_config:\n      ca_file: %s\n"
		 "    basic_auth:\n      username: alice\n      password: '%s'\n"
		 "    static_configs:\n      - targets: ['%s']\n"
		 "  - job_name: bad\n    scheme: https\n    tls_config:\n      ca_file: %s\n"
		 "    basic_auth:\n      username: alice\n      password: wrong\n"
		 "    static_configs:\n      - targets: ['%s']\n",
		 ca, PASSWORD, up, ca, up);
	if (!ok(prom_start(&p, "prom-tls", cfg, webcfg) == 0, "prometheus with TLS started")) {
		tracer_cleanup(&t);
		return;
	}
	is_int((long long)prom_wait(&p, good, "up{job=\"good\"}", 1, 40000), 1,
	       "prometheus over TLS with basic auth: up == 1 for the right password");
	is_int((long long)prom_wait(&p, good, "up{job=\"bad\"}", 0, 10000), 0,
	       "prometheus: up == 0 for the wrong password");
	{
		char turl[128], *out = NULL;

		snprintf(turl, sizeof(turl), "%s/api/v1/targets", p.url);
		ok(curl(turl, good, &out) == 200 && out && strstr(out, "401"),
		   "prometheus: the wrong password's scrape failed with 401");
		free(out);
		ok(curl(turl, bad, &out) == 401, "prometheus' own API refuses the wrong password");
		free(out);
	}
	snprintf(q, sizeof(q), "socktrace_listener_accepted_total{%s}", lport);
	is_int((long long)prom_wait(&p, good, q, ACCEPTED + BURST, 10000), ACCEPTED + BURST,
	       "prometheus over TLS: accepted connections equal the workload");
	prom_stop(&p);
	ok(tracer_stop(&t, 10000) == 0, "serve exits 0 (%s)", tracer_status_str(&t));
	tracer_cleanup(&t);
}

/* --metrics beside life: the lines and the metrics both there, and equal */
static void round_life(void)
{
	static char lport[32], netns[40];
	struct expect e[16];
	struct tracer t;
	char url[128], *text, *out, *p;
	uint16_t port;
	int closes = 0, rc;

	/* every record that waits in the ring goes through the spill first
	 * (user/ring_spill.h): its metrics count it, and no line is lost */
	setenv("SOCKTRACE_TEST_SPILL", "1", 1);
	rc = start_with_metrics(&t, "life", NULL, url, sizeof(url));
	unsetenv("SOCKTRACE_TEST_SPILL");
	if (!ok(rc == 0, "life --metrics started")) {
		tracer_cleanup(&t);
		return;
	}
	port = run_workload();
	snprintf(lport, sizeof(lport), "lport=\"%u\"", port);
	snprintf(netns, sizeof(netns), "netns=\"%lu\"", work_ns);
	expectations(e, lport, netns);
	text = scrape_until(url, NULL, e, 10000);
	check_values("life --metrics", text, e);
	ok(sample(text, "socktrace_ringbuf_spilled_total", NULL) > 0,
	   "life --metrics: records spilled are counted (%g)",
	   sample(text, "socktrace_ringbuf_spilled_total", NULL));
	ok(sample(text, "socktrace_ringbuf_spill_max_bytes", NULL) >= 0,
	   "life --metrics: the spill's most bytes are shown");
	is_int((long long)sample(text, "socktrace_ringbuf_size_bytes", NULL), 8 << 20,
	       "life --metrics: the ring buffer is 8M by default");
	free(text);
	ok(tracer_stop(&t, 10000) == 0, "life exits 0 (%s)", tracer_status_str(&t));
	out = NULL;
	{
		FILE *f = fopen(t.out_path, "r");
		size_t cap = 0;

		if (f && getdelim(&out, &cap, 0, f) < 0) {
			free(out);
			out = NULL;
		}
		if (f)
			fclose(f);
	}
	for (p = out; p && (p = strstr(p, "\"event\":\"close\"")); p++)
		closes++;
	is_int(closes, 2 * (ACCEPTED + BURST) + REFUSED,
	       "life printed its lines beside the metrics: one per connection end");
	free(out);
	tracer_cleanup(&t);
}

/* argv fails with status want and exactly one line on stderr containing has. */
static void bad_input(const char *what, const char *const argv[], int want, const char *has)
{
	const char *full[16] = {socktrace_path()};
	char *out = NULL;
	size_t i, lines = 0;
	int rc;

	for (i = 0; argv[i] && i < 14; i++)
		full[i + 1] = argv[i];
	full[i + 1] = NULL;
	rc = run_capture(full, &out, 60000);
	for (i = 0; out && out[i]; i++)
		lines += out[i] == '\n';
	if (!ok(rc == want && lines == 1 && out && strstr(out, has), "%s: exit %d, one line", what,
		want))
		tap_diag("exit %d, output: %s", rc, out ? out : "");
	free(out);
}

/* A host name listens on its IPv4 address, as Prometheus' exporters do. */
static void host_name(void)
{
	const char *argv[] = {socktrace_path(), "serve",      "--metrics",
			      "localhost:0",	"--duration", "0.2",
			      "--max-sockets",	"64",	      NULL};
	char *out = NULL;
	int rc = run_capture(argv, &out, 60000);

	if (!ok(rc == 0 && out && strstr(out, "metrics at http://127.0.0.1:"),
		"--metrics localhost:0 serves on 127.0.0.1"))
		tap_diag("exit %d, output: %s", rc, out ? out : "");
	free(out);
}

static void bad_inputs(void)
{
	char addr[32], path[300];
	uint16_t port;
	int l = tcp_listen_on(AF_INET, "127.0.0.1", 0, 4, &port);

	bad_input("malformed address",
		  (const char *const[]){"serve", "--metrics", "127.0.0.1:http", NULL}, 2,
		  "--metrics");
	bad_input("malformed IPv6 address",
		  (const char *const[]){"serve", "--metrics", "::1:80", NULL}, 2, "--metrics");
	bad_input("not a host name",
		  (const char *const[]){"serve", "--metrics", "local_host:80", NULL}, 2,
		  "--metrics");
	bad_input("--metrics on table", (const char *const[]){"table", "--metrics", "9000", NULL},
		  2, "--metrics");
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	bad_input("address in use",
		  (const char *const[]){"serve", "--metrics", addr, "--duration", "5", NULL}, 1,
		  "in use");
	close(l);
	bad_input("unreadable web config",
		  (const char *const[]){"serve", "--metrics", "127.0.0.1:0", "--web-config",
					"/nonexistent/web.yml", "--duration", "5", NULL},
		  1, "/nonexistent/web.yml");
	snprintf(path, sizeof(path), "%s/bad.yml", dir);
	write_text(path, "tls_server_config:\n  cert_file: c.pem\nbasic_auth_users: [1, 2]\n");
	bad_input("invalid web config",
		  (const char *const[]){"serve", "--metrics", "127.0.0.1:0", "--web-config", path,
					"--duration", "5", NULL},
		  1, "web-config");
}

static int tool_missing(const char *tool)
{
	char cmd[128], *out = NULL;
	int rc;

	snprintf(cmd, sizeof(cmd), "command -v %s", tool);
	rc = run_capture((const char *const[]){"sh", "-c", cmd, NULL}, &out, 5000);
	free(out);
	return rc != 0;
}

int main(void)
{
	char *out = NULL;
	long ns;
	int test_ns;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	/* the test's namespace for socktrace, Prometheus and curl; the workload's apart */
	if (netns_enter_new() < 0 || (test_ns = open("/proc/self/ns/net", O_RDONLY)) < 0 ||
	    (ns = netns_enter_new()) < 0 || (work_nsfd = open("/proc/self/ns/net", O_RDONLY)) < 0 ||
	    netns_enter_fd(test_ns)) {
		ok(0, "network namespaces");
		return tap_done();
	}
	work_ns = (unsigned long)ns;
	{
		/* a static build without the HTTP server (the kernel matrix): nothing to test */
		const char *argv[] = {socktrace_path(), "serve",      "--metrics",
				      "127.0.0.1:0",	"--duration", "0.001",
				      "--max-sockets",	"64",	      NULL};

		run_capture(argv, &out, 60000);
		if (out && strstr(out, "without the HTTP server")) {
			tap_skip("socktrace built with HTTP=0", "metrics");
			free(out);
			return tap_done();
		}
		free(out);
	}
	if (tool_missing("promtool") || tool_missing("prometheus") || tool_missing("curl") ||
	    tool_missing("openssl")) {
		ok(0, "promtool, prometheus, curl and openssl are installed (make deps)");
		return tap_done();
	}
	bad_inputs();
	host_name();
	round_plain();
	round_tls();
	round_life();
	if (!getenv("KEEP_TEST_FILES")) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			tap_diag("could not remove %s", dir);
	}
	return tap_done();
}
