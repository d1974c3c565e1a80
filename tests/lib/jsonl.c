// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "jsonl.h"
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum jtype { JT_NULL, JT_BOOL, JT_NUM, JT_STR, JT_ARR, JT_OBJ };

struct jval {
	enum jtype type;
	union {
		int b;
		struct {
			double d;
			long long i;
			/* 1: integer syntax that fits; -ERANGE: integer syntax too big; 0: not
			 * integer */
			int int_state;
		} num;
		char *s;
		struct {
			struct jval *v;
			size_t n;
		} arr;
		struct json_obj *obj;
	} u;
};

struct jmember {
	char *key;
	struct jval val;
};

struct json_obj {
	struct jmember *m;
	size_t n;
};

struct jparser {
	const char *p;
	const char *end;
	int depth;
};

static void jval_free(struct jval *v);

static void obj_free(struct json_obj *o)
{
	size_t i;

	if (!o)
		return;
	for (i = 0; i < o->n; i++) {
		free(o->m[i].key);
		jval_free(&o->m[i].val);
	}
	free(o->m);
	free(o);
}

static void jval_free(struct jval *v)
{
	size_t i;

	switch (v->type) {
	case JT_STR:
		free(v->u.s);
		break;
	case JT_ARR:
		for (i = 0; i < v->u.arr.n; i++)
			jval_free(&v->u.arr.v[i]);
		free(v->u.arr.v);
		break;
	case JT_OBJ:
		obj_free(v->u.obj);
		break;
	default:
		break;
	}
	v->type = JT_NULL;
}

void json_free(struct json_obj *o)
{
	obj_free(o);
}

static void skip_ws(struct jparser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits after "\u"; -1 if malformed. */
static long read_hex4(const char *p, const char *end)
{
	long v = 0;
	int i, h;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		h = hexval(p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/*
 * Length of the well-formed UTF-8 sequence at p, or 0. Overlong forms,
 * UTF-16 surrogates and code points past U+10FFFF are ill-formed (RFC 3629).
 */
static size_t utf8_seq_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

static size_t utf8_put(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* At the opening quote. On success *out is a malloc'd, NUL-free, decoded string
 * (an escaped NUL becomes C0 80). */
static int parse_string(struct jparser *ps, char **out)
{
	const char *p = ps->p + 1, *end = ps->end, *q;
	char *buf, *w;
	long cp, lo;
	size_t n;

	/* Every escape decodes to fewer bytes than it takes, so the raw span bounds the output. */
	for (q = p; q < end && *q != '"'; q++)
		if (*q == '\\' && ++q >= end)
			break;
	if (q >= end)
		return -1;
	buf = malloc((size_t)(q - p) + 1);
	if (!buf)
		return -1;
	w = buf;
	while (p < q) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20)
			goto bad;
		if (c != '\\') {
			n = utf8_seq_len((const unsigned char *)p, (const unsigned char *)q);
			if (!n)
				goto bad;
			memcpy(w, p, n);
			w += n;
			p += n;
			continue;
		}
		p++;
		switch (*p++) {
		case '"':
			*w++ = '"';
			break;
		case '\\':
			*w++ = '\\';
			break;
		case '/':
			*w++ = '/';
			break;
		case 'b':
			*w++ = '\b';
			break;
		case 'f':
			*w++ = '\f';
			break;
		case 'n':
			*w++ = '\n';
			break;
		case 'r':
			*w++ = '\r';
			break;
		case 't':
			*w++ = '\t';
			break;
		case 'u':
			cp = read_hex4(p, q);
			if (cp < 0)
				goto bad;
			p += 4;
			/*
			 * A C string cannot carry NUL, which a UNIX abstract name
			 * may hold: it decodes as modified UTF-8's C0 80, which no
			 * valid string holds, so a test still sees it.
			 */
			if (cp == 0) {
				*w++ = (char)0xc0;
				*w++ = (char)0x80;
				break;
			}
			if (cp >= 0xdc00 && cp <= 0xdfff)
				goto bad;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (q - p < 6 || p[0] != '\\' || p[1] != 'u')
					goto bad;
				lo = read_hex4(p + 2, q);
				if (lo < 0xdc00 || lo > 0xdfff)
					goto bad;
				p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			w += utf8_put(w, (unsigned long)cp);
			break;
		default:
			goto bad;
		}
	}
	*w = '\0';
	*out = buf;
	ps->p = q + 1;
	return 0;
bad:
	free(buf);
	return -1;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int parse_number(struct jparser *ps, struct jval *v)
{
	const char *start = ps->p, *p = ps->p, *end = ps->end;
	char small[64], *tmp = small;
	int integral = 1;
	size_t len;

	if (p < end && *p == '-')
		p++;
	if (p >= end || !is_digit(*p))
		return -1;
	/* No leading zeros: "01" is not JSON. */
	if (*p == '0')
		p++;
	else
		while (p < end && is_digit(*p))
			p++;
	if (p < end && *p == '.') {
		integral = 0;
		p++;
		if (p >= end || !is_digit(*p))
			return -1;
		while (p < end && is_digit(*p))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		integral = 0;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || !is_digit(*p))
			return -1;
		while (p < end && is_digit(*p))
			p++;
	}
	/* strto* would read past the token ("0x1f") and need a terminator: work on a copy. */
	len = (size_t)(p - start);
	if (len >= sizeof(small)) {
		tmp = malloc(len + 1);
		if (!tmp)
			return -1;
	}
	memcpy(tmp, start, len);
	tmp[len] = '\0';
	v->type = JT_NUM;
	v->u.num.d = strtod(tmp, NULL);
	v->u.num.i = 0;
	v->u.num.int_state = 0;
	if (integral) {
		errno = 0;
		v->u.num.i = strtoll(tmp, NULL, 10);
		v->u.num.int_state = errno == ERANGE ? -ERANGE : 1;
	}
	if (tmp != small)
		free(tmp);
	ps->p = p;
	return 0;
}

static int match_word(struct jparser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return -1;
	ps->p += n;
	return 0;
}

static int parse_value(struct jparser *ps, struct jval *v);

static int parse_array(struct jparser *ps, struct jval *v)
{
	struct jval *items = NULL, *grown;
	size_t n = 0, cap = 0;

	ps->p++; /* '[' */
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		goto done;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4;
			grown = realloc(items, cap * sizeof(*items));
			if (!grown)
				goto bad;
			items = grown;
		}
		skip_ws(ps);
		if (parse_value(ps, &items[n]))
			goto bad;
		n++;
		skip_ws(ps);
		if (ps->p >= ps->end)
			goto bad;
		if (*ps->p == ']') {
			ps->p++;
			break;
		}
		if (*ps->p != ',')
			goto bad;
		ps->p++;
	}
done:
	v->type = JT_ARR;
	v->u.arr.v = items;
	v->u.arr.n = n;
	return 0;
bad:
	while (n)
		jval_free(&items[--n]);
	free(items);
	return -1;
}

static int add_member(struct json_obj *o, size_t *cap, char *key, struct jval *val)
{
	struct jmember *grown;
	size_t i;

	for (i = 0; i < o->n; i++)
		if (strcmp(o->m[i].key, key) == 0)
			return -1;
	if (o->n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		grown = realloc(o->m, *cap * sizeof(*o->m));
		if (!grown)
			return -1;
		o->m = grown;
	}
	o->m[o->n].key = key;
	o->m[o->n].val = *val;
	o->n++;
	return 0;
}

/* At the opening brace. */
static struct json_obj *parse_object(struct jparser *ps)
{
	struct json_obj *o;
	struct jval val;
	size_t cap = 0;
	char *key;

	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	ps->p++; /* '{' */
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		return o;
	}
	for (;;) {
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != '"')
			goto bad;
		if (parse_string(ps, &key))
			goto bad;
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != ':') {
			free(key);
			goto bad;
		}
		ps->p++;
		skip_ws(ps);
		if (parse_value(ps, &val)) {
			free(key);
			goto bad;
		}
		if (add_member(o, &cap, key, &val)) {
			free(key);
			jval_free(&val);
			goto bad;
		}
		skip_ws(ps);
		if (ps->p >= ps->end)
			goto bad;
		if (*ps->p == '}') {
			ps->p++;
			return o;
		}
		if (*ps->p != ',')
			goto bad;
		ps->p++;
	}
bad:
	obj_free(o);
	return NULL;
}

/* At the first byte of a value (whitespace already skipped). */
static int parse_value(struct jparser *ps, struct jval *v)
{
	int rc = -1;

	if (ps->p >= ps->end)
		return -1;
	if (++ps->depth > JSON_MAX_DEPTH)
		goto out;
	switch (*ps->p) {
	case '{':
		v->u.obj = parse_object(ps);
		if (v->u.obj) {
			v->type = JT_OBJ;
			rc = 0;
		}
		break;
	case '[':
		rc = parse_array(ps, v);
		break;
	case '"':
		rc = parse_string(ps, &v->u.s);
		if (!rc)
			v->type = JT_STR;
		break;
	case 't':
		rc = match_word(ps, "true");
		v->type = JT_BOOL;
		v->u.b = 1;
		break;
	case 'f':
		rc = match_word(ps, "false");
		v->type = JT_BOOL;
		v->u.b = 0;
		break;
	case 'n':
		rc = match_word(ps, "null");
		v->type = JT_NULL;
		break;
	default:
		rc = parse_number(ps, v);
		break;
	}
out:
	ps->depth--;
	return rc;
}

struct json_obj *json_parse(const char *line, size_t len)
{
	struct jparser ps = {.p = line, .end = line + len, .depth = 0};
	struct json_obj *o;

	if (!line)
		return NULL;
	skip_ws(&ps);
	if (ps.p >= ps.end || *ps.p != '{')
		return NULL;
	ps.depth = 1;
	o = parse_object(&ps);
	if (!o)
		return NULL;
	skip_ws(&ps);
	if (ps.p != ps.end) {
		obj_free(o);
		return NULL;
	}
	return o;
}

static const struct jval *lookup(const struct json_obj *o, const char *key)
{
	size_t i;

	if (!o || !key)
		return NULL;
	for (i = 0; i < o->n; i++)
		if (strcmp(o->m[i].key, key) == 0)
			return &o->m[i].val;
	return NULL;
}

int json_has(const struct json_obj *o, const char *key)
{
	return lookup(o, key) != NULL;
}

const char *json_str(const struct json_obj *o, const char *key)
{
	const struct jval *v = lookup(o, key);

	return v && v->type == JT_STR ? v->u.s : NULL;
}

int json_int(const struct json_obj *o, const char *key, long long *out)
{
	const struct jval *v = lookup(o, key);

	if (!v)
		return -ENOENT;
	if (v->type != JT_NUM || v->u.num.int_state == 0)
		return -EINVAL;
	if (v->u.num.int_state < 0)
		return v->u.num.int_state;
	if (out)
		*out = v->u.num.i;
	return 0;
}

int json_num(const struct json_obj *o, const char *key, double *out)
{
	const struct jval *v = lookup(o, key);

	if (!v)
		return -ENOENT;
	if (v->type != JT_NUM)
		return -EINVAL;
	if (out)
		*out = v->u.num.d;
	return 0;
}

int json_bool(const struct json_obj *o, const char *key, int *out)
{
	const struct jval *v = lookup(o, key);

	if (!v)
		return -ENOENT;
	if (v->type != JT_BOOL)
		return -EINVAL;
	if (out)
		*out = v->u.b;
	return 0;
}

int json_is_null(const struct json_obj *o, const char *key)
{
	const struct jval *v = lookup(o, key);

	return v && v->type == JT_NULL;
}

size_t json_array_len(const struct json_obj *o, const char *key)
{
	const struct jval *v = lookup(o, key);

	return v && v->type == JT_ARR ? v->u.arr.n : 0;
}

const struct json_obj *json_array_obj(const struct json_obj *o, const char *key, size_t i)
{
	const struct jval *v = lookup(o, key);

	if (!v || v->type != JT_ARR || i >= v->u.arr.n || v->u.arr.v[i].type != JT_OBJ)
		return NULL;
	return v->u.arr.v[i].u.obj;
}

const struct json_obj *json_get_obj(const struct json_obj *o, const char *key)
{
	const struct jval *v = lookup(o, key);

	return v && v->type == JT_OBJ ? v->u.obj : NULL;
}

size_t json_nkeys(const struct json_obj *o)
{
	return o ? o->n : 0;
}

const char *json_key_at(const struct json_obj *o, size_t i)
{
	return o && i < o->n ? o->m[i].key : NULL;
}

int json_lines_load(const char *path, struct json_lines *out)
{
	struct json_obj **grown, *o;
	size_t len = 0, cap = 0, lineno = 0;
	char *buf = NULL, *p, *end, *nl;

	memset(out, 0, sizeof(*out));
	buf = read_text_file(path, &len);
	if (!buf)
		return -errno;
	p = buf;
	end = buf + len;
	out->unterminated = len > 0 && buf[len - 1] != '\n';
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		lineno++;
		if (nl == p) {
			p = nl + 1;
			continue;
		}
		o = json_parse(p, (size_t)(nl - p));
		if (!o) {
			if (!out->bad) {
				out->first_bad = strndup(p, (size_t)(nl - p));
				out->first_bad_lineno = lineno;
			}
			out->bad++;
		} else {
			if (out->n == cap) {
				cap = cap ? cap * 2 : 64;
				grown = realloc(out->objs, cap * sizeof(*out->objs));
				if (!grown) {
					json_free(o);
					free(buf);
					json_lines_free(out);
					return -ENOMEM;
				}
				out->objs = grown;
			}
			out->objs[out->n++] = o;
		}
		p = nl + 1;
	}
	free(buf);
	return 0;
}

void json_lines_free(struct json_lines *jl)
{
	size_t i;

	if (!jl)
		return;
	for (i = 0; i < jl->n; i++)
		json_free(jl->objs[i]);
	free(jl->objs);
	free(jl->first_bad);
	memset(jl, 0, sizeof(*jl));
}

int json_str_is(const struct json_obj *o, const char *key, const char *want)
{
	const char *got = json_str(o, key);

	return got && strcmp(got, want) == 0;
}

int json_int_is(const struct json_obj *o, const char *key, long long want)
{
	long long got;

	return json_int(o, key, &got) == 0 && got == want;
}

int json_bool_is(const struct json_obj *o, const char *key, int want)
{
	int got;

	return json_bool(o, key, &got) == 0 && !!got == !!want;
}
