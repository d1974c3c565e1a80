/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * --web-config FILE: the YAML of Prometheus' exporter-toolkit, the part
 * socktrace implements:
 *
 *   tls_server_config:
 *     cert_file: server.crt      # relative paths: from the file's directory
 *     key_file: server.key
 *   basic_auth_users:
 *     alice: $2y$10$...          # bcrypt hashes only
 *
 * Any other key is an error rather than a setting silently ignored.
 */
#ifndef SOCKTRACE_WEB_CONFIG_H
#define SOCKTRACE_WEB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct web_user {
	char *name;
	char *hash;
};

struct web_config {
	char *cert_file, *key_file; /* both or neither */
	char *cert_pem, *key_pem;   /* their contents, read at load */
	struct web_user *users;
	size_t nusers;
};

/* 0, or -1 with one line (no newline) in err. wc is zeroed first. */
int web_config_load(const char *path, struct web_config *wc, char *err, size_t errlen);
void web_config_free(struct web_config *wc);
/* Whether user and password match an entry (bcrypt via libcrypt). Takes
 * as long for an unknown user as for a wrong password. */
bool web_config_check(const struct web_config *wc, const char *user, const char *pass);

#endif
