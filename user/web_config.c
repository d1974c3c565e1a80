// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "web_config.h"

#include <crypt.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define PEM_MAX (1 << 20)

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
						      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *scalar(yaml_document_t *doc, yaml_node_t *n)
{
	(void)doc;
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A relative path is taken from the config file's directory, as exporter-toolkit does. */
static char *resolve(const char *cfg, const char *file)
{
	const char *slash = strrchr(cfg, '/');
	char *out;

	if (file[0] == '/' || !slash)
		return strdup(file);
	if (asprintf(&out, "%.*s/%s", (int)(slash - cfg), cfg, file) < 0)
		return NULL;
	return out;
}

static int read_file(const char *path, char **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	size_t n;
	char *buf;

	if (!f)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	buf = malloc(PEM_MAX + 1);
	if (!buf) {
		fclose(f);
		return fail(err, errlen, "%s: out of memory", path);
	}
	n = fread(buf, 1, PEM_MAX + 1, f);
	if (ferror(f) || n > PEM_MAX) {
		int e = ferror(f) ? errno : EFBIG;

		fclose(f);
		free(buf);
		return fail(err, errlen, "%s: %s", path, strerror(e));
	}
	fclose(f);
	buf[n] = 0;
	*out = buf;
	return 0;
}

static int parse_tls(yaml_document_t *doc, yaml_node_t *map, const char *path,
		     struct web_config *wc, char *err, size_t errlen)
{
	yaml_node_pair_t *p;

	if (map->type != YAML_MAPPING_NODE)
		return fail(err, errlen, "%s: tls_server_config is not a mapping", path);
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const char *k = scalar(doc, yaml_document_get_node(doc, p->key));
		const char *v = scalar(doc, yaml_document_get_node(doc, p->value));
		char **dst;

		if (!k || !v)
			return fail(err, errlen,
				    "%s: tls_server_config: keys and values must be "
				    "plain strings",
				    path);
		if (!strcmp(k, "cert_file"))
			dst = &wc->cert_file;
		else if (!strcmp(k, "key_file"))
			dst = &wc->key_file;
		else
			return fail(err, errlen, "%s: tls_server_config.%s is not supported", path,
				    k);
		free(*dst);
		if (!(*dst = resolve(path, v)))
			return fail(err, errlen, "%s: out of memory", path);
	}
	if (!wc->cert_file != !wc->key_file || !wc->cert_file)
		return fail(err, errlen, "%s: tls_server_config needs cert_file and key_file",
			    path);
	return 0;
}

static bool is_bcrypt(const char *h)
{
	return strlen(h) == 60 && h[0] == '$' && h[1] == '2' &&
	       (h[2] == 'a' || h[2] == 'b' || h[2] == 'y') && h[3] == '$';
}

static int parse_users(yaml_document_t *doc, yaml_node_t *map, const char *path,
		       struct web_config *wc, char *err, size_t errlen)
{
	size_t n;
	yaml_node_pair_t *p;

	if (map->type != YAML_MAPPING_NODE)
		return fail(err, errlen, "%s: basic_auth_users is not a mapping", path);
	n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
	wc->users = calloc(n ? n : 1, sizeof(*wc->users));
	if (!wc->users)
		return fail(err, errlen, "%s: out of memory", path);
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const char *k = scalar(doc, yaml_document_get_node(doc, p->key));
		const char *v = scalar(doc, yaml_document_get_node(doc, p->value));
		struct web_user *u = &wc->users[wc->nusers];

		if (!k || !v || !*k)
			return fail(err, errlen, "%s: basic_auth_users: a user is not name: hash",
				    path);
		if (!is_bcrypt(v))
			return fail(err, errlen,
				    "%s: basic_auth_users.%s is not a bcrypt hash "
				    "($2y$...)",
				    path, k);
		u->name = strdup(k);
		u->hash = strdup(v);
		wc->nusers++;
		if (!u->name || !u->hash)
			return fail(err, errlen, "%s: out of memory", path);
	}
	return 0;
}

static int parse_root(yaml_document_t *doc, const char *path, struct web_config *wc, char *err,
		      size_t errlen)
{
	yaml_node_t *root = yaml_document_get_root_node(doc);
	yaml_node_pair_t *p;

	if (!root) /* an empty file: no TLS, no users, as exporter-toolkit takes it */
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return fail(err, errlen, "%s: not a YAML mapping", path);
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		const char *k = scalar(doc, yaml_document_get_node(doc, p->key));
		yaml_node_t *v = yaml_document_get_node(doc, p->value);

		if (!k)
			return fail(err, errlen, "%s: a key is not a string", path);
		if (!strcmp(k, "tls_server_config")) {
			if (parse_tls(doc, v, path, wc, err, errlen))
				return -1;
		} else if (!strcmp(k, "basic_auth_users")) {
			if (parse_users(doc, v, path, wc, err, errlen))
				return -1;
		} else {
			return fail(err, errlen,
				    "%s: '%s' is not supported (only "
				    "tls_server_config and basic_auth_users)",
				    path, k);
		}
	}
	return 0;
}

int web_config_load(const char *path, struct web_config *wc, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	FILE *f;
	int ret = -1;

	memset(wc, 0, sizeof(*wc));
	f = fopen(path, "re");
	if (!f)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return fail(err, errlen, "%s: out of memory", path);
	}
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		fail(err, errlen, "%s:%zu: %s", path, parser.problem_mark.line + 1,
		     parser.problem ? parser.problem : "not YAML");
		goto out;
	}
	ret = parse_root(&doc, path, wc, err, errlen);
	yaml_document_delete(&doc);
	if (!ret && wc->cert_file &&
	    (read_file(wc->cert_file, &wc->cert_pem, err, errlen) ||
	     read_file(wc->key_file, &wc->key_pem, err, errlen)))
		ret = -1;
out:
	yaml_parser_delete(&parser);
	fclose(f);
	if (ret)
		web_config_free(wc);
	return ret;
}

void web_config_free(struct web_config *wc)
{
	size_t i;

	for (i = 0; i < wc->nusers; i++) {
		free(wc->users[i].name);
		free(wc->users[i].hash);
	}
	free(wc->users);
	free(wc->cert_file);
	free(wc->key_file);
	free(wc->cert_pem);
	if (wc->key_pem) {
		explicit_bzero(wc->key_pem, strlen(wc->key_pem));
		free(wc->key_pem);
	}
	memset(wc, 0, sizeof(*wc));
}

static bool same(const char *a, const char *b)
{
	size_t n = strlen(a), i;
	unsigned char d = n != strlen(b);

	for (i = 0; i < n && b[i]; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return !d;
}

bool web_config_check(const struct web_config *wc, const char *user, const char *pass)
{
	/* an unknown user still costs one bcrypt, so timing does not tell names */
	static const char dummy[] = "$2y$10$C6UzMDM.H6dfI/f/IKxGhu7OYu5sFqX3sJ1dD9i1rT7HSGrdtJqPu";
	const char *hash = dummy;
	struct crypt_data *cd;
	bool known = false, ok = false;
	const char *h;
	size_t i;

	for (i = 0; i < wc->nusers; i++) {
		if (!strcmp(wc->users[i].name, user)) {
			hash = wc->users[i].hash;
			known = true;
			break;
		}
	}
	cd = calloc(1, sizeof(*cd)); /* 32 KiB: not on a server thread's stack */
	if (!cd)
		return false;
	h = crypt_rn(pass, hash, cd, sizeof(*cd));
	ok = known && h && same(h, hash);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}
