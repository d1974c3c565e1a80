/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Strict parser for socktrace's JSON-lines output, one object per line.
 *
 * Strict on purpose: anything a real JSON consumer could choke on (bad
 * escapes, lone surrogates, invalid UTF-8, raw control characters, duplicate
 * keys, trailing garbage) makes the whole line fail, so the tests catch the
 * writer emitting it. Nesting deeper than JSON_MAX_DEPTH is refused as well.
 */
#ifndef SOCKTRACE_TEST_JSONL_H
#define SOCKTRACE_TEST_JSONL_H
#include <stddef.h>

#define JSON_MAX_DEPTH 64

struct json_obj; /* one parsed object */

/* NULL if line[0..len) is not exactly one JSON object (whitespace around it is fine). */
struct json_obj *json_parse(const char *line, size_t len);
void json_free(struct json_obj *o);

int json_has(const struct json_obj *o, const char *key);
/* Decoded string (escapes resolved); NULL if absent or not a string. */
const char *json_str(const struct json_obj *o, const char *key);
/* 0 ok; -ENOENT absent; -EINVAL not a number without fraction or exponent; -ERANGE too big. */
int json_int(const struct json_obj *o, const char *key, long long *out);
/* 0 ok; -ENOENT absent; -EINVAL not a number. */
int json_num(const struct json_obj *o, const char *key, double *out);
/* 0 ok (*out is 0 or 1); -ENOENT absent; -EINVAL not true/false. */
int json_bool(const struct json_obj *o, const char *key, int *out);
/* Whether key is there with exactly this value (false for a NULL object). */
int json_str_is(const struct json_obj *o, const char *key, const char *want);
int json_int_is(const struct json_obj *o, const char *key, long long want);
int json_bool_is(const struct json_obj *o, const char *key, int want);
/* 1 if present and null, else 0. */
int json_is_null(const struct json_obj *o, const char *key);
/* 0 if absent or not an array. */
size_t json_array_len(const struct json_obj *o, const char *key);
/* The i-th element when it is an object; NULL otherwise. */
const struct json_obj *json_array_obj(const struct json_obj *o, const char *key, size_t i);
/* The value of key when it is an object; NULL otherwise. */
const struct json_obj *json_get_obj(const struct json_obj *o, const char *key);
/* Members in input order, so a test can check that no unknown key slipped in. */
size_t json_nkeys(const struct json_obj *o);
const char *json_key_at(const struct json_obj *o, size_t i);

/* A whole output file. */
struct json_lines {
	struct json_obj **objs; /* the lines that parsed, in file order */
	size_t n;
	size_t bad;		 /* non-empty lines that failed to parse */
	char *first_bad;	 /* copy of the first such line, NUL-terminated, or NULL */
	size_t first_bad_lineno; /* its 1-based line number */
	int unterminated;	 /* the file did not end with '\n' (torn last write) */
};

/* Parse every non-empty line of path. 0 ok (even with bad lines), -errno if unreadable. */
int json_lines_load(const char *path, struct json_lines *out);
void json_lines_free(struct json_lines *jl);
#endif
