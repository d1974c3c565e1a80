// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "metrics_http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "metrics_pub.h"
#include "numparse.h"
#include "web_config.h"

#ifndef SOCKTRACE_NO_HTTP
#include <microhttpd.h>
#endif

/* how long a scrape waits for the tracer to render (it polls every 50 ms) */
#define SCRAPE_WAIT_MS 1000

struct metrics_http {
	int fd;
	struct metrics_addr bound;
	const struct web_config *wc;
	struct metrics_pub *pub;
#ifndef SOCKTRACE_NO_HTTP
	struct MHD_Daemon *d;
#endif
};

static bool is_host_name(const char *s)
{
	if (!*s || *s == '-' || *s == '.')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.')
			return false;
	return true;
}

/*
 * A name listens on one of its addresses, IPv4 first, as Prometheus'
 * exporters do with "localhost:9100". Resolved when parsed, so a name that
 * does not resolve is refused before anything is traced.
 */
static int resolve_host(const char *host, uint16_t port, struct metrics_addr *a)
{
	const struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
	const struct addrinfo *pick = NULL;
	struct addrinfo *res, *ai;

	if (!is_host_name(host))
		return -EINVAL;
	if (getaddrinfo(host, NULL, &hints, &res))
		return -EADDRNOTAVAIL;
	for (ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			pick = ai;
			break;
		}
		if (ai->ai_family == AF_INET6 && !pick)
			pick = ai;
	}
	if (pick && pick->ai_addrlen <= sizeof(a->ss)) {
		memcpy(&a->ss, pick->ai_addr, pick->ai_addrlen);
		a->len = pick->ai_addrlen;
		/* sin_port and sin6_port sit at the same offset */
		((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
	}
	freeaddrinfo(res);
	return pick ? 0 : -EADDRNOTAVAIL;
}

int metrics_addr_parse(const char *s, struct metrics_addr *a)
{
	const char *colon = strrchr(s, ':');
	char host[64];
	const char *port_s = colon ? colon + 1 : s;
	size_t hl = colon ? (size_t)(colon - s) : 0;
	uint64_t port;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;

	memset(a, 0, sizeof(*a));
	if (parse_u64(port_s, 0, 65535, &port) || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = 0;
	if (!hl) {
		strcpy(host, "127.0.0.1");
	} else if (host[0] == '[') {
		if (hl < 3 || host[hl - 1] != ']')
			return -EINVAL;
		host[hl - 1] = 0;
		memmove(host, host + 1, hl - 1);
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return -EINVAL;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		a->len = sizeof(*in6);
		return 0;
	}
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		a->len = sizeof(*in4);
		return 0;
	}
	return resolve_host(host, (uint16_t)port, a);
}

int metrics_http_bind(struct metrics_http **out, const struct metrics_addr *a, char *err,
		      size_t errlen)
{
	struct metrics_http *h;
	int one = 1;

	if (!metrics_http_available()) {
		snprintf(err, errlen,
			 "this socktrace was built without the HTTP server "
			 "(HTTP=0): no metrics endpoint");
		return -1;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	h->fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (h->fd < 0 || setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (a->ss.ss_family == AF_INET6 &&
	     setsockopt(h->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    bind(h->fd, (const struct sockaddr *)&a->ss, a->len) || listen(h->fd, 64)) {
		char addr[INET6_ADDRSTRLEN] = "?";
		const void *ip =
			a->ss.ss_family == AF_INET6
				? (const void *)&((const struct sockaddr_in6 *)&a->ss)->sin6_addr
				: (const void *)&((const struct sockaddr_in *)&a->ss)->sin_addr;

		inet_ntop(a->ss.ss_family, ip, addr, sizeof(addr));
		snprintf(err, errlen, "--metrics %s%s%s:%u: %s",
			 a->ss.ss_family == AF_INET6 ? "[" : "", addr,
			 a->ss.ss_family == AF_INET6 ? "]" : "",
			 ntohs(((const struct sockaddr_in *)&a->ss)->sin_port), strerror(errno));
		if (h->fd >= 0)
			close(h->fd);
		free(h);
		return -1;
	}
	h->bound.len = sizeof(h->bound.ss);
	getsockname(h->fd, (struct sockaddr *)&h->bound.ss, &h->bound.len);
	*out = h;
	return 0;
}

void metrics_http_url(const struct metrics_http *h, bool tls, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	bool v6 = h->bound.ss.ss_family == AF_INET6;
	const void *ip = v6 ? (const void *)&((const struct sockaddr_in6 *)&h->bound.ss)->sin6_addr
			    : (const void *)&((const struct sockaddr_in *)&h->bound.ss)->sin_addr;

	inet_ntop(h->bound.ss.ss_family, ip, addr, sizeof(addr));
	snprintf(buf, len, "%s://%s%s%s:%u/metrics", tls ? "https" : "http", v6 ? "[" : "", addr,
		 v6 ? "]" : "", ntohs(((const struct sockaddr_in *)&h->bound.ss)->sin_port));
}

#ifdef SOCKTRACE_NO_HTTP

bool metrics_http_available(void)
{
	return false;
}

int metrics_http_start(struct metrics_http *h, const struct web_config *wc, struct metrics_pub *pub,
		       char *err, size_t errlen)
{
	(void)h;
	(void)wc;
	(void)pub;
	snprintf(err, errlen, "built without the HTTP server");
	return -1;
}

void metrics_http_stop(struct metrics_http *h)
{
	free(h);
}

#else

bool metrics_http_available(void)
{
	return true;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *type,
			     char *body, size_t len, bool auth_fail)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (auth_fail)
		ret = MHD_queue_basic_auth_fail_response(c, "socktrace", r);
	else
		ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result text_reply(struct MHD_Connection *c, unsigned int status, const char *msg,
				  bool auth_fail)
{
	char *body = strdup(msg);

	if (!body)
		return MHD_NO;
	return reply(c, status, "text/plain; charset=utf-8", body, strlen(body), auth_fail);
}

static bool authorized(const struct metrics_http *h, struct MHD_Connection *c)
{
	char *pass = NULL, *user;
	bool ok;

	if (!h->wc || !h->wc->nusers)
		return true;
	user = MHD_basic_auth_get_username_password(c, &pass);
	ok = user && pass && web_config_check(h->wc, user, pass);
	if (pass) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user)
		MHD_free(user);
	return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	struct metrics_http *h = cls;
	enum metrics_fmt fmt;
	char *body;
	size_t len;
	int err;

	(void)version;
	(void)upload;
	/* the first call is for the headers alone: answer on the second */
	if (!*req_cls) {
		*req_cls = h;
		return MHD_YES;
	}
	if (*upload_size)
		return text_reply(c, MHD_HTTP_BAD_REQUEST, "no request body expected\n", false);
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return text_reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET /metrics\n", false);
	if (!authorized(h, c))
		return text_reply(c, MHD_HTTP_UNAUTHORIZED, "Unauthorized\n", true);
	if (!strcmp(url, "/"))
		return text_reply(c, MHD_HTTP_OK, "socktrace: metrics at /metrics\n", false);
	if (strcmp(url, "/metrics"))
		return text_reply(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n", false);
	fmt = metrics_wants_openmetrics(
		      MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT))
		      ? METRICS_FMT_OPENMETRICS
		      : METRICS_FMT_TEXT;
	err = metrics_pub_get(h->pub, fmt, SCRAPE_WAIT_MS, &body, &len);
	if (err)
		return text_reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no metrics yet\n", false);
	return reply(c, MHD_HTTP_OK,
		     fmt == METRICS_FMT_OPENMETRICS ? METRICS_CT_OPENMETRICS : METRICS_CT_TEXT,
		     body, len, false);
}

int metrics_http_start(struct metrics_http *h, const struct web_config *wc, struct metrics_pub *pub,
		       char *err, size_t errlen)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
	struct MHD_OptionItem ops[] = {
		{MHD_OPTION_LISTEN_SOCKET, h->fd, NULL},
		{MHD_OPTION_CONNECTION_LIMIT, 16, NULL},
		{MHD_OPTION_CONNECTION_TIMEOUT, 10, NULL},
		{MHD_OPTION_END, 0, NULL}, /* TLS: certificate */
		{MHD_OPTION_END, 0, NULL}, /* TLS: key */
		{MHD_OPTION_END, 0, NULL},
	};
	sigset_t all, old;

	h->wc = wc;
	h->pub = pub;
	if (wc && wc->cert_pem) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errlen, "--web-config: libmicrohttpd has no TLS");
			return -1;
		}
		flags |= MHD_USE_TLS;
		ops[3] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, wc->cert_pem};
		ops[4] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, wc->key_pem};
	}
	/* the server's thread takes no signal: SIGINT and SIGTERM must wake the
	 * tracer's poll */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_ARRAY, ops,
				MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!h->d) {
		snprintf(err, errlen, "cannot start the HTTP server%s",
			 flags & MHD_USE_TLS ? " (is the TLS key or certificate valid?)" : "");
		return -1;
	}
	return 0;
}

void metrics_http_stop(struct metrics_http *h)
{
	if (!h)
		return;
	if (h->d)
		MHD_stop_daemon(h->d); /* closes the listening socket too */
	else if (h->fd >= 0)
		close(h->fd);
	free(h);
}

#endif
