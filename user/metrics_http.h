/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The /metrics endpoint: libmicrohttpd in a thread of its own, TLS and basic
 * auth from --web-config. The socket is bound early (a port in use fails
 * before any BPF is loaded); the server's thread starts after socktrace has
 * dropped its capabilities, so it never holds them.
 *
 * Built with HTTP=0 (the static kernel-matrix binary: Debian ships no static
 * GnuTLS dependencies), metrics_http_available() is false and serve and
 * --metrics fail with one line.
 */
#ifndef SOCKTRACE_METRICS_HTTP_H
#define SOCKTRACE_METRICS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct metrics_pub;
struct web_config;

#define METRICS_DEFAULT_ADDR "127.0.0.1:9476"

struct metrics_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/*
 * "ADDR:PORT", "[V6ADDR]:PORT", "NAME:PORT", ":PORT" or "PORT" (both:
 * loopback, 127.0.0.1). Port 0 asks the kernel for a free one. 0, -EINVAL,
 * or -EADDRNOTAVAIL for a name that does not resolve.
 */
int metrics_addr_parse(const char *s, struct metrics_addr *a);

bool metrics_http_available(void);

struct metrics_http;

/* Bind and listen: 0, or -1 with one line in err. */
int metrics_http_bind(struct metrics_http **out, const struct metrics_addr *a, char *err,
		      size_t errlen);
/* "http://127.0.0.1:9476/metrics" as bound (port 0 resolved). */
void metrics_http_url(const struct metrics_http *h, bool tls, char *buf, size_t len);
/* Start serving: 0, or -1 with one line in err. wc (may be NULL) and pub must
 * outlive the server. */
int metrics_http_start(struct metrics_http *h, const struct web_config *wc, struct metrics_pub *pub,
		       char *err, size_t errlen);
void metrics_http_stop(struct metrics_http *h);

#endif
