// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for the output helpers: sbuf, escaping, parsing, addresses, names, time. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>

#include "tap.h"
#include "sbuf.h"
#include "escape.h"
#include "numparse.h"
#include "addr.h"
#include "addr_literal.h"
#include "zone.h"
#include "states.h"
#include "timefmt.h"
#include "json_memo.h"
#include "sock_format.h"

static char storage[512];
static struct sbuf sb;

/* A fresh buffer for each check; the tests compare its text. */
static struct sbuf *fresh(void)
{
	sb_init(&sb, storage, sizeof(storage));
	return &sb;
}

static const char *text(const char *s, size_t maxlen)
{
	sb_put_text_escaped(fresh(), s, maxlen);
	return sb_str(&sb);
}

static const char *json(const char *s, size_t maxlen)
{
	sb_put_json_string(fresh(), s, maxlen);
	return sb_str(&sb);
}

#define TEXT(lit)     text(lit, sizeof(lit) - 1)
#define JSON(lit)     json(lit, sizeof(lit) - 1)
#define CMD_TEXT(lit) (sb_put_cmdline_text(fresh(), lit, sizeof(lit) - 1), sb_str(&sb))
#define CMD_JSON(lit) (sb_put_cmdline_json(fresh(), lit, sizeof(lit) - 1), sb_str(&sb))

static void test_sbuf(void)
{
	char small[8];
	struct sbuf s;

	fresh();
	sb_puts(&sb, "ab");
	sb_putc(&sb, 'c');
	sb_putn(&sb, "de\0f", 2);
	is_str(sb_str(&sb), "abcde", "sbuf: puts/putc/putn");
	sb_printf(&sb, "-%d-%s", 42, "x");
	is_str(sb_str(&sb), "abcde-42-x", "sbuf: printf appends");
	ok(!sb.truncated, "sbuf: not truncated");
	sb_reset(&sb);
	is_str(sb_str(&sb), "", "sbuf: reset empties");

	fresh();
	sb_put_u64(&sb, 0);
	sb_putc(&sb, ' ');
	sb_put_u64(&sb, 7);
	sb_putc(&sb, ' ');
	sb_put_u64(&sb, 10);
	sb_putc(&sb, ' ');
	sb_put_u64(&sb, 1234567);
	sb_putc(&sb, ' ');
	sb_put_u64(&sb, UINT64_MAX);
	is_str(sb_str(&sb), "0 7 10 1234567 18446744073709551615", "sbuf: u64");
	{
		/* each digit count's first and last number, as printf writes them */
		uint64_t p10 = 1;
		char want[24];
		int d, bad = 0;

		for (d = 1; d <= 20; d++) {
			uint64_t lo = p10, hi = d == 20 ? UINT64_MAX : p10 * 10 - 1;

			fresh();
			sb_put_u64(&sb, lo);
			snprintf(want, sizeof(want), "%llu", (unsigned long long)lo);
			bad += strcmp(sb_str(&sb), want) != 0;
			fresh();
			sb_put_u64(&sb, hi);
			snprintf(want, sizeof(want), "%llu", (unsigned long long)hi);
			bad += strcmp(sb_str(&sb), want) != 0;
			if (d < 20)
				p10 *= 10;
		}
		is_int(bad, 0, "sbuf: u64 at every digit count's ends");
	}
	fresh();
	sb_put_i64(&sb, -1);
	sb_putc(&sb, ' ');
	sb_put_i64(&sb, INT64_MIN);
	sb_putc(&sb, ' ');
	sb_put_i64(&sb, INT64_MAX);
	sb_putc(&sb, ' ');
	sb_put_i64(&sb, 0);
	is_str(sb_str(&sb), "-1 -9223372036854775808 9223372036854775807 0", "sbuf: i64");

	fresh();
	sb_puts(&sb, "x|");
	sb_puts(&sb, "ab");
	sb_pad(&sb, 2, 5);
	sb_putc(&sb, '|');
	sb_pad(&sb, 0, 3); /* already wider */
	is_str(sb_str(&sb), "x|ab   |", "sbuf: pad to width, no-op when wider");
	fresh();
	sb_pad(&sb, 0, 100);
	is_int(sb.len, 100, "sbuf: pad longer than its space table");
	fresh();
	sb_puts(&sb, "x|");
	sb_put_u64(&sb, 42);
	sb_pad_left(&sb, 2, 6);
	sb_putc(&sb, '|');
	sb_pad_left(&sb, 0, 3); /* already wider */
	is_str(sb_str(&sb), "x|    42|", "sbuf: right-align to width, no-op when wider");

	/* Truncation: never past cap - 1, always NUL-terminated, flagged. */
	memset(small, 'Z', sizeof(small));
	sb_init(&s, small, sizeof(small));
	sb_puts(&s, "0123456789");
	is_str(sb_str(&s), "0123456", "sbuf: puts truncated to cap-1");
	ok(s.truncated, "sbuf: truncated flag set");
	sb_putc(&s, 'x');
	sb_put_u64(&s, 99);
	is_int(s.len, 7, "sbuf: full buffer stays full");
	sb_reset(&s);
	ok(!s.truncated, "sbuf: reset clears truncated");
	sb_puts(&s, "0123");
	sb_put_u64(&s, 456789);
	is_str(sb_str(&s), "0123456", "sbuf: a number cut at the end keeps its first digits");
	ok(s.truncated, "sbuf: and is flagged");
	sb_reset(&s);
	sb_printf(&s, "%s", "abcdefghij");
	is_str(sb_str(&s), "abcdefg", "sbuf: printf truncated");
	ok(s.truncated && s.len == 7, "sbuf: printf truncation keeps len = cap-1");
	sb_reset(&s);
	sb_puts(&s, "ab");
	sb_pad(&s, 0, 1000);
	ok(s.len == 7 && s.truncated, "sbuf: pad stops at capacity");
	/* right-aligned and cut as snprintf("%*s") would: spaces first */
	sb_reset(&s);
	sb_puts(&s, "abcd");
	sb_puts(&s, "xyz");
	sb_pad_left(&s, 4, 5);
	is_str(sb_str(&s), "abcd  x", "sbuf: right-align cut at capacity, as printf");
	ok(s.truncated && s.len == 7, "sbuf: right-align cut is flagged");
	sb_reset(&s);
	sb_puts(&s, "ab");
	sb_pad_left(&s, 2, 1000);
	is_str(sb_str(&s), "ab     ", "sbuf: right-align of nothing pads to capacity");
	sb_reset(&s);
	sb_put_i64(&s, INT64_MIN);
	is_str(sb_str(&s), "-922337", "sbuf: number truncated");
	sb_init(&s, small, 1);
	sb_puts(&s, "abc");
	is_str(sb_str(&s), "", "sbuf: cap 1 holds only the NUL");
	sb_init(&s, NULL, 0);
	sb_puts(&s, "abc");
	sb_printf(&s, "%d", 5);
	ok(s.len == 0 && s.truncated, "sbuf: cap 0 is safe");
	is_str(sb_str(&s), "", "sbuf: cap 0 sb_str is empty");
}

static void test_text_escape(void)
{
	is_str(TEXT("curl"), "curl", "text: plain ascii");
	is_str(TEXT("\x1b]0;evil\x07"), "\\x1b]0;evil\\x07", "text: ESC and BEL");
	is_str(TEXT("a\\b"), "a\\\\b", "text: backslash doubled");
	is_str(TEXT("a\tb\nc\x7f"), "a\\x09b\\x0ac\\x7f", "text: tab, newline, DEL");
	is_str(text("abc\0def", 7), "abc", "text: stops at NUL");
	is_str(text("abcdef", 3), "abc", "text: stops at maxlen");
	is_str(text("\x1b", 0), "", "text: maxlen 0");
	is_str(TEXT("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80"),
	       "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80", "text: UTF-8 passes");
	is_str(TEXT("a\xc2\x9b"
		    "b"),
	       "a\\xc2\\x9bb", "text: C1 CSI escaped byte-wise");
	is_str(TEXT("\xc2\x80\xc2\x9f\xc2\xa0"), "\\xc2\\x80\\xc2\\x9f\xc2\xa0",
	       "text: C1 bounds; U+00A0 passes");
	is_str(TEXT("x\xe2\x80\xaey"), "x\\xe2\\x80\\xaey", "text: RLO U+202E escaped");
	is_str(TEXT("\xe2\x80\xaa\xe2\x81\xa6\xe2\x81\xa9"),
	       "\\xe2\\x80\\xaa\\xe2\\x81\\xa6\\xe2\\x81\\xa9", "text: LRE, LRI, PDI escaped");
	is_str(TEXT("\xe2\x80\xa8\xe2\x80\xa9"), "\\xe2\\x80\\xa8\\xe2\\x80\\xa9",
	       "text: LS and PS escaped");
	is_str(TEXT("\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xaa"),
	       "\\xe2\\x80\\xa9\xe2\x80\xaf\xe2\x81\xaa", "text: U+202F and U+206A pass");
	is_str(TEXT("\xff\xfe"), "\\xff\\xfe", "text: invalid bytes");
	is_str(TEXT("\xc0\xaf"), "\\xc0\\xaf", "text: overlong '/'");
	is_str(TEXT("\xe0\x80\xaf"), "\\xe0\\x80\\xaf", "text: overlong 3-byte");
	is_str(TEXT("\xed\xa0\x80"), "\\xed\\xa0\\x80", "text: surrogate");
	is_str(TEXT("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80", "text: above U+10FFFF");
	is_str(TEXT("ab\xe6\x97"), "ab\\xe6\\x97", "text: truncated sequence at end");
	is_str(text("\xe6\x97\xa5", 2), "\\xe6\\x97", "text: sequence cut by maxlen");
	is_str(TEXT("\xe6"
		    "a\x97"),
	       "\\xe6a\\x97", "text: resyncs after a bad lead");
	is_str(TEXT("\x80"), "\\x80", "text: lone continuation byte");
}

static void test_json_escape(void)
{
	is_str(JSON("nginx"), "\"nginx\"", "json: plain");
	is_str(JSON(""), "\"\"", "json: empty");
	is_str(JSON("a\"b\\c"), "\"a\\\"b\\\\c\"", "json: quote and backslash");
	is_str(JSON("\n\t\r\b\f"), "\"\\n\\t\\r\\b\\f\"", "json: short escapes");
	is_str(JSON("\x1b]0;x\x07\x01\x1f\x7f"), "\"\\u001b]0;x\\u0007\\u0001\\u001f\\u007f\"",
	       "json: other controls and DEL");
	is_str(json("ab\0cd", 5), "\"ab\"", "json: stops at NUL");
	is_str(json("abcd", 2), "\"ab\"", "json: stops at maxlen");
	is_str(JSON("caf\xc3\xa9\xf0\x9f\x98\x80"), "\"caf\xc3\xa9\xf0\x9f\x98\x80\"",
	       "json: UTF-8 passes");
	is_str(JSON("\xff"
		    "a\xc3"),
	       "\"\\u00ffa\\u00c3\"", "json: malformed bytes as Latin-1");
	is_str(JSON("\xc0\xaf"), "\"\\u00c0\\u00af\"", "json: overlong");
	is_str(JSON("\xc2\x9b\xe2\x80\xae\xe2\x80\xa8"), "\"\\u009b\\u202e\\u2028\"",
	       "json: C1, bidi, LS as \\u escapes of the code point");
}

static void test_cmdline(void)
{
	is_str(CMD_TEXT("nc\0-l\0"
			"80\0"),
	       "nc -l 80", "cmdline text: trailing NUL dropped");
	is_str(CMD_TEXT("nc\0-l\0"
			"80"),
	       "nc -l 80", "cmdline text: no trailing NUL");
	is_str(CMD_TEXT("a\0\0b\0"), "a  b", "cmdline text: embedded empty arg");
	is_str(CMD_TEXT("a\0\0"), "a ", "cmdline text: trailing empty arg");
	is_str(CMD_TEXT("sh\0-c\0echo \x1b[2J\\"), "sh -c echo \\x1b[2J\\\\",
	       "cmdline text: args escaped, spaces kept");
	is_str((sb_put_cmdline_text(fresh(), "", 0), sb_str(&sb)), "", "cmdline text: empty");
	is_str(CMD_JSON("nc\0-l\0"
			"80\0"),
	       "\"nc -l 80\"", "cmdline json: one string");
	is_str(CMD_JSON("a\"\0\n\0\xff"), "\"a\\\" \\n \\u00ff\"", "cmdline json: escaped");
	is_str((sb_put_cmdline_json(fresh(), "", 0), sb_str(&sb)), "\"\"", "cmdline json: empty");
}

/* One number through cur_u64(), against printf, with the bytes around it untouched. */
static int cur_u64_wrong(uint64_t v)
{
	char buf[64], want[24], *end;
	int n = snprintf(want, sizeof(want), "%llu", (unsigned long long)v), i;

	memset(buf, '#', sizeof(buf));
	end = cur_u64(buf + 16, v);
	if (end != buf + 16 + n || memcmp(buf + 16, want, (size_t)n))
		return 1;
	for (i = 0; i < 16; i++)
		if (buf[i] != '#' || end[i] != '#')
			return 1;
	return 0;
}

static int cur_zpad_wrong(uint32_t v, unsigned int width)
{
	char buf[64], want[24], *end;
	int i;

	snprintf(want, sizeof(want), "%0*u", (int)width, v);
	memset(buf, '#', sizeof(buf));
	end = cur_zpad(buf + 16, v, width);
	if (end != buf + 16 + width || memcmp(buf + 16, want, width))
		return 1;
	for (i = 0; i < 16; i++)
		if (buf[i] != '#' || end[i] != '#')
			return 1;
	return 0;
}

/*
 * The digit writers, which every line's numbers go through: every value up
 * to 2,000,000, each power of ten's neighbours, and a million random values
 * of every length, each checked against printf and for bytes written outside
 * the number.
 */
static void test_cur_digits(void)
{
	uint64_t v, p10 = 1, x = 0x9e3779b97f4a7c15ull;
	unsigned int w, d;
	int bad = 0, i;

	for (v = 0; v < 2000000; v++)
		bad += cur_u64_wrong(v);
	is_int(bad, 0, "cur_u64: every value below 2,000,000");
	bad = 0;
	for (d = 1; d <= 19; d++) {
		p10 *= 10;
		for (i = -3; i <= 3; i++)
			bad += cur_u64_wrong(p10 + (uint64_t)(int64_t)i);
	}
	for (i = 0; i < 4; i++)
		bad += cur_u64_wrong(UINT64_MAX - (uint64_t)i);
	is_int(bad, 0, "cur_u64: around every power of ten, and the largest");
	bad = 0;
	for (i = 0; i < 1000000; i++) {
		/* xorshift, cut to a random length so that every digit count comes up */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		bad += cur_u64_wrong(x >> (x % 64));
	}
	is_int(bad, 0, "cur_u64: a million random values of every length");
	bad = 0;
	for (w = 1; w <= 9; w++) {
		uint32_t lim = w == 9 ? 1000000000u : 1;

		for (d = 0; d < w && w < 9; d++)
			lim *= 10;
		for (v = 0; v < lim && v < 1000000; v++)
			bad += cur_zpad_wrong((uint32_t)v, w);
		bad += cur_zpad_wrong(lim - 1, w);
	}
	is_int(bad, 0, "cur_zpad: every width from 1 to 9, zero-padded");
}

static void test_parse_u64(void)
{
	uint64_t v = 0;
	uint16_t p = 0;

	ok(parse_u64("0", 0, 10, &v) == 0 && v == 0, "u64: 0");
	ok(parse_u64("42", 0, UINT64_MAX, &v) == 0 && v == 42, "u64: 42");
	ok(parse_u64("007", 0, 10, &v) == 0 && v == 7, "u64: leading zeros are decimal");
	ok(parse_u64("18446744073709551615", 0, UINT64_MAX, &v) == 0 && v == UINT64_MAX,
	   "u64: UINT64_MAX");
	is_int(parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE, "u64: overflow");
	is_int(parse_u64("99999999999999999999999", 0, UINT64_MAX, &v), -ERANGE,
	       "u64: long overflow");
	is_int(parse_u64("", 0, 10, &v), -EINVAL, "u64: empty");
	is_int(parse_u64(NULL, 0, 10, &v), -EINVAL, "u64: NULL");
	is_int(parse_u64("-1", 0, 10, &v), -EINVAL, "u64: sign");
	is_int(parse_u64("+1", 0, 10, &v), -EINVAL, "u64: plus");
	is_int(parse_u64(" 1", 0, 10, &v), -EINVAL, "u64: leading space");
	is_int(parse_u64("1 ", 0, 10, &v), -EINVAL, "u64: trailing space");
	is_int(parse_u64("0x10", 0, 100, &v), -EINVAL, "u64: hex");
	is_int(parse_u64("1.0", 0, 10, &v), -EINVAL, "u64: decimal point");
	is_int(parse_u64("99999999999999999999x", 0, UINT64_MAX, &v), -EINVAL,
	       "u64: junk wins over overflow");
	is_int(parse_u64("11", 0, 10, &v), -ERANGE, "u64: above max");
	is_int(parse_u64("4", 5, 10, &v), -ERANGE, "u64: below min");
	v = 123;
	parse_u64("x", 0, 10, &v);
	is_int(v, 123, "u64: output untouched on error");

	ok(parse_port("1", &p) == 0 && p == 1, "port: 1");
	ok(parse_port("65535", &p) == 0 && p == 65535, "port: 65535");
	is_int(parse_port("0", &p), -ERANGE, "port: 0");
	is_int(parse_port("65536", &p), -ERANGE, "port: 65536");
	is_int(parse_port("80x", &p), -EINVAL, "port: 80x");
	is_int(parse_port(" 80", &p), -EINVAL, "port: leading space");
	is_int(parse_port("", &p), -EINVAL, "port: empty");
	is_int(parse_port("-80", &p), -EINVAL, "port: negative");
}

static void test_parse_seconds(void)
{
	uint64_t ns = 0;

	ok(parse_seconds("5", 0, 100, &ns) == 0 && ns == 5000000000ULL, "seconds: 5");
	ok(parse_seconds("0.5", 0, 100, &ns) == 0 && ns == 500000000ULL, "seconds: 0.5");
	ok(parse_seconds("2.25", 0, 100, &ns) == 0 && ns == 2250000000ULL, "seconds: 2.25");
	ok(parse_seconds("0.1", 0.1, 1, &ns) == 0 && ns == 100000000ULL,
	   "seconds: 0.1 exact and meets min 0.1");
	ok(parse_seconds("0.000000001", 0, 1, &ns) == 0 && ns == 1, "seconds: 1 ns");
	ok(parse_seconds("1.1234567899", 0, 2, &ns) == 0 && ns == 1123456789ULL,
	   "seconds: past nanoseconds truncated");
	ok(parse_seconds("0", 0, 1, &ns) == 0 && ns == 0, "seconds: 0 within [0,1]");
	is_int(parse_seconds("1e3", 0, 1e6, &ns), -EINVAL, "seconds: exponent");
	is_int(parse_seconds("nan", 0, 1e6, &ns), -EINVAL, "seconds: nan");
	is_int(parse_seconds("inf", 0, 1e6, &ns), -EINVAL, "seconds: inf");
	is_int(parse_seconds("-1", -10, 1e6, &ns), -EINVAL, "seconds: negative");
	is_int(parse_seconds("", 0, 1e6, &ns), -EINVAL, "seconds: empty");
	is_int(parse_seconds("1s", 0, 1e6, &ns), -EINVAL, "seconds: unit");
	is_int(parse_seconds(".5", 0, 1e6, &ns), -EINVAL, "seconds: no integer part");
	is_int(parse_seconds("5.", 0, 1e6, &ns), -EINVAL, "seconds: no fraction digits");
	is_int(parse_seconds("1.2.3", 0, 1e6, &ns), -EINVAL, "seconds: two points");
	is_int(parse_seconds(" 1", 0, 1e6, &ns), -EINVAL, "seconds: leading space");
	is_int(parse_seconds("0x10", 0, 1e6, &ns), -EINVAL, "seconds: hex");
	is_int(parse_seconds("0.05", 0.1, 10, &ns), -ERANGE, "seconds: below min");
	is_int(parse_seconds("10.5", 0.1, 10, &ns), -ERANGE, "seconds: above max");
	is_int(parse_seconds("18446744074", 0, 1e30, &ns), -ERANGE, "seconds: ns overflow");
	is_int(parse_seconds("99999999999999999999", 0, 1e30, &ns), -ERANGE,
	       "seconds: integer overflow");
}

static void test_parse_size(void)
{
	uint64_t v = 0;

	ok(parse_size("4096", 0, UINT64_MAX, &v) == 0 && v == 4096, "size: plain");
	ok(parse_size("4K", 0, UINT64_MAX, &v) == 0 && v == 4096, "size: K");
	ok(parse_size("4k", 0, UINT64_MAX, &v) == 0 && v == 4096, "size: k");
	ok(parse_size("2M", 0, UINT64_MAX, &v) == 0 && v == 2ULL << 20, "size: M");
	ok(parse_size("3m", 0, UINT64_MAX, &v) == 0 && v == 3ULL << 20, "size: m");
	ok(parse_size("1G", 0, UINT64_MAX, &v) == 0 && v == 1ULL << 30, "size: G");
	ok(parse_size("5g", 0, UINT64_MAX, &v) == 0 && v == 5ULL << 30, "size: g");
	is_int(parse_size("K", 0, UINT64_MAX, &v), -EINVAL, "size: suffix alone");
	is_int(parse_size("4KB", 0, UINT64_MAX, &v), -EINVAL, "size: KB");
	is_int(parse_size("4T", 0, UINT64_MAX, &v), -EINVAL, "size: unknown suffix");
	is_int(parse_size("4 K", 0, UINT64_MAX, &v), -EINVAL, "size: space before suffix");
	is_int(parse_size("", 0, UINT64_MAX, &v), -EINVAL, "size: empty");
	is_int(parse_size("-4K", 0, UINT64_MAX, &v), -EINVAL, "size: negative");
	is_int(parse_size("17179869184G", 0, UINT64_MAX, &v), -ERANGE, "size: shift overflow");
	ok(parse_size("17179869183G", 0, UINT64_MAX, &v) == 0 && v == 17179869183ULL << 30,
	   "size: largest G");
	is_int(parse_size("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE,
	       "size: digits overflow");
	is_int(parse_size("1M", 0, 1024, &v), -ERANGE, "size: above max after suffix");
	is_int(parse_size("1", 4096, 1 << 30, &v), -ERANGE, "size: below min");
}

static const char *addr_text(uint16_t family, const uint8_t *a)
{
	sb_put_addr(fresh(), family, a);
	return sb_str(&sb);
}

/* parse_addr then sb_put_addr: the round trip the views rely on. */
static const char *canon(const char *in)
{
	static char out[64];
	uint8_t a[16];
	uint16_t fam;

	if (parse_addr(in, &fam, a))
		return "(parse error)";
	snprintf(out, sizeof(out), "%s", addr_text(fam, a));
	return out;
}

static void test_addr(void)
{
	uint8_t a[16] = {0}, b[16];
	uint16_t fam = 0;

	a[0] = 127, a[3] = 1;
	is_str(addr_text(AF_INET, a), "127.0.0.1", "addr: v4");
	memset(a, 0xff, 4);
	is_str(addr_text(AF_INET, a), "255.255.255.255", "addr: v4 broadcast");
	is_str(addr_text(99, a), "?", "addr: unknown family");
	{
		char want[INET_ADDRSTRLEN];
		unsigned int v, pos, bad = 0;

		/* every octet in every place, against the C library's own */
		for (v = 0; v < 256; v++)
			for (pos = 0; pos < 4; pos++) {
				memset(a, 0, sizeof(a));
				a[pos] = (uint8_t)v;
				a[(pos + 1) % 4] = (uint8_t)(255 - v);
				inet_ntop(AF_INET, a, want, sizeof(want));
				bad += strcmp(addr_text(AF_INET, a), want) != 0;
			}
		is_int(bad, 0, "addr: every octet in every place as inet_ntop writes it");
	}

	is_str(canon("::"), "::", "addr: ::");
	is_str(canon("::1"), "::1", "addr: ::1");
	is_str(canon("2001:db8::1"), "2001:db8::1", "addr: 2001:db8::1");
	is_str(canon("2001:0DB8:0:0:0:0:0:0001"), "2001:db8::1", "addr: lower case, no zeros");
	is_str(canon("1:0:0:1:0:0:0:1"), "1:0:0:1::1", "addr: longest run compressed");
	is_str(canon("1:0:0:1:1:0:0:1"), "1::1:1:0:0:1", "addr: first run on a tie");
	is_str(canon("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1", "addr: single 0 kept");
	is_str(canon("1::"), "1::", "addr: trailing run");
	is_str(canon("fe80::1:0:0:0"), "fe80::1:0:0:0", "addr: equal runs, first compressed");
	is_str(canon("1:2:3:4:5:6:7:8"), "1:2:3:4:5:6:7:8", "addr: no zeros");
	is_str(canon("::ffff:10.1.2.3"), "::ffff:10.1.2.3", "addr: v4-mapped");
	is_str(canon("::ffff:a01:203"), "::ffff:10.1.2.3", "addr: v4-mapped from hex");
	is_str(canon("[::1]"), "::1", "addr: bracketed v6");
	is_str(canon("10.0.0.1"), "10.0.0.1", "addr: v4 round trip");

	ok(parse_addr("192.168.1.2", &fam, b) == 0 && fam == AF_INET && b[0] == 192 && b[3] == 2 &&
		   b[4] == 0 && b[15] == 0,
	   "parse_addr: v4 zero-filled");
	ok(parse_addr("::1", &fam, b) == 0 && fam == AF_INET6 && b[15] == 1, "parse_addr: v6");
	is_int(parse_addr("", &fam, b), -EINVAL, "parse_addr: empty");
	is_int(parse_addr("1.2.3", &fam, b), -EINVAL, "parse_addr: short v4");
	is_int(parse_addr("1.2.3.256", &fam, b), -EINVAL, "parse_addr: octet > 255");
	is_int(parse_addr("1.2.3.4 ", &fam, b), -EINVAL, "parse_addr: trailing space");
	is_int(parse_addr("[1.2.3.4]", &fam, b), -EINVAL, "parse_addr: bracketed v4");
	is_int(parse_addr("[::1", &fam, b), -EINVAL, "parse_addr: open bracket");
	is_int(parse_addr("[]", &fam, b), -EINVAL, "parse_addr: empty brackets");
	is_int(parse_addr("::1:", &fam, b), -EINVAL, "parse_addr: dangling colon");
	is_int(parse_addr("1:2:3:4:5:6:7:8:9", &fam, b), -EINVAL, "parse_addr: 9 groups");
	is_int(parse_addr("localhost", &fam, b), -EINVAL, "parse_addr: name");
	is_int(parse_addr("[0000:0000:0000:0000:0000:ffff:255.255.255.255x]", &fam, b), -EINVAL,
	       "parse_addr: too long in brackets");
}

static const char *ep(uint16_t family, const char *addr, uint16_t port)
{
	uint8_t a[16];
	uint16_t fam;

	if (parse_addr(addr, &fam, a))
		return "(parse error)";
	sb_put_endpoint(fresh(), family ? family : fam, a, port);
	return sb_str(&sb);
}

static void test_endpoint(void)
{
	is_str(ep(0, "127.0.0.1", 80), "127.0.0.1:80", "endpoint: v4");
	is_str(ep(0, "::1", 80), "[::1]:80", "endpoint: v6 bracketed");
	is_str(ep(0, "::ffff:1.2.3.4", 443), "[::ffff:1.2.3.4]:443", "endpoint: v4-mapped");
	is_str(ep(0, "0.0.0.0", 0), "0.0.0.0:0", "endpoint: v4 any, port 0");
	is_str(ep(0, "::", 0), "[::]:0", "endpoint: v6 any, port 0");
}

/* The zone of a link-local address, for a socket in a namespace not ours (an index). */
static const char *zoned(const char *laddr, uint32_t dev, uint16_t family)
{
	struct st_tuple t = {.family = AF_INET6, .sport = 6005, .bound_dev_if = dev, .netns = 1};
	uint16_t fam;

	if (parse_addr(laddr, &fam, t.saddr))
		return "(parse error)";
	t.family = family ? family : fam;
	sb_put_endpoint_zoned(fresh(), &t, true);
	return sb_str(&sb);
}

static void test_zone(void)
{
	is_str(zoned("fe80::a", 7, 0), "[fe80::a%7]:6005", "zone: link-local, bound: index");
	is_str(zoned("febf::1", 7, 0), "[febf::1%7]:6005", "zone: the top of fe80::/10");
	is_str(zoned("fe80::a", 0, 0), "[fe80::a]:6005", "zone: not bound to a device: none");
	is_str(zoned("fec0::1", 7, 0), "[fec0::1]:6005", "zone: not link-local: none");
	is_str(zoned("2001:db8::1", 7, 0), "[2001:db8::1]:6005", "zone: global: none");
	is_str(zoned("127.0.0.1", 7, 0), "127.0.0.1:6005", "zone: IPv4 bound to a device: none");
}

static void test_states(void)
{
	static const char *const names[] = {NULL,	   "ESTABLISHED", "SYN_SENT",  "SYN_RECV",
					    "FIN_WAIT1",   "FIN_WAIT2",	  "TIME_WAIT", "CLOSE",
					    "CLOSE_WAIT",  "LAST_ACK",	  "LISTEN",    "CLOSING",
					    "NEW_SYN_RECV"};
	unsigned int i;
	int all = 1;

	for (i = 1; i <= 12; i++) {
		const char *n = tcp_state_name(i);

		if (!n || strcmp(n, names[i]) || tcp_state_parse(n) != (int)i)
			all = 0;
	}
	ok(all, "states: names 1..12 and their round trip");
	is_str(tcp_state_name(10), "LISTEN", "states: 10 is LISTEN");
	ok(tcp_state_name(0) == NULL, "states: 0 is NULL");
	ok(tcp_state_name(13) == NULL, "states: 13 is NULL");
	ok(tcp_state_name(255) == NULL, "states: 255 is NULL");
	ok(tcp_state_name(-1u) == NULL, "states: UINT_MAX is NULL");
	is_int(tcp_state_parse("established"), 1, "parse: lower case");
	is_int(tcp_state_parse("Listen"), 10, "parse: mixed case");
	is_int(tcp_state_parse("ESTAB"), 1, "parse: ss ESTAB");
	is_int(tcp_state_parse("syn-sent"), 2, "parse: syn-sent");
	is_int(tcp_state_parse("SYN-RECV"), 3, "parse: SYN-RECV");
	is_int(tcp_state_parse("fin-wait-1"), 4, "parse: fin-wait-1");
	is_int(tcp_state_parse("FIN-WAIT-2"), 5, "parse: FIN-WAIT-2");
	is_int(tcp_state_parse("time-wait"), 6, "parse: time-wait");
	is_int(tcp_state_parse("close-wait"), 8, "parse: close-wait");
	is_int(tcp_state_parse("last-ack"), 9, "parse: last-ack");
	is_int(tcp_state_parse("UNCONN"), -EINVAL, "parse: UNCONN is not TCP");
	is_int(tcp_state_parse(""), -EINVAL, "parse: empty");
	is_int(tcp_state_parse("LISTENX"), -EINVAL, "parse: junk");
	is_int(tcp_state_parse(NULL), -EINVAL, "parse: NULL");

	is_str(proto_name(IPPROTO_TCP, AF_INET), "tcp", "proto: tcp");
	is_str(proto_name(IPPROTO_TCP, AF_INET6), "tcp6", "proto: tcp6");
	is_str(proto_name(IPPROTO_UDP, AF_INET), "udp", "proto: udp");
	is_str(proto_name(IPPROTO_UDP, AF_INET6), "udp6", "proto: udp6");
	is_str(proto_name(IPPROTO_DCCP, AF_INET6), "dccp6", "proto: dccp6");
	is_str(proto_name(IPPROTO_SCTP, AF_INET), "sctp", "proto: sctp");
	is_str(proto_name(262, AF_INET6), "mptcp6", "proto: mptcp6 (262)");
	is_str(proto_name(IPPROTO_DCCP, AF_INET), "dccp", "proto: dccp");
	is_str(proto_name(IPPROTO_SCTP, AF_INET6), "sctp6", "proto: sctp6");
	is_str(proto_name(262, AF_INET), "mptcp", "proto: mptcp");
	ok(proto_name(99, AF_INET) == NULL, "proto: unknown");
	ok(proto_name(IPPROTO_TCP, AF_UNIX) == NULL, "proto: unknown family");
	is_str(family_name(AF_INET), "ipv4", "family: ipv4");
	is_str(family_name(AF_INET6), "ipv6", "family: ipv6");
	ok(family_name(0) == NULL && family_name(AF_UNIX) == NULL, "family: others NULL");
}

static const char *rfc(uint64_t ns)
{
	sb_put_rfc3339_us(fresh(), ns);
	return sb_str(&sb);
}

static const char *hms(uint64_t ns, int us)
{
	sb_put_clock_hms(fresh(), ns, us);
	return sb_str(&sb);
}

static void test_time(void)
{
	is_str(rfc(0), "1970-01-01T00:00:00.000000Z", "rfc3339: epoch");
	is_str(rfc(1700000000123456789ULL), "2023-11-14T22:13:20.123456Z", "rfc3339: 2023");
	is_str(rfc(1700000000999999999ULL), "2023-11-14T22:13:20.999999Z",
	       "rfc3339: same second from the cache, us truncated");
	is_str(rfc(1700000001000000000ULL), "2023-11-14T22:13:21.000000Z", "rfc3339: next second");
	is_str(rfc(999), "1970-01-01T00:00:00.000000Z", "rfc3339: back to epoch");
	is_str(rfc(951782400000001000ULL), "2000-02-29T00:00:00.000001Z", "rfc3339: leap day");
	is_str(rfc(4102444800000000000ULL), "2100-01-01T00:00:00.000000Z", "rfc3339: 2100");
	is_str(rfc(UINT64_MAX), "2554-07-21T23:34:33.709551Z", "rfc3339: largest u64 ns");
	fresh();
	sb_puts(&sb, "t=");
	sb_put_rfc3339_us(&sb, 1700000000123456789ULL);
	sb_puts(&sb, " x");
	is_str(sb_str(&sb), "t=2023-11-14T22:13:20.123456Z x", "rfc3339: appends in place");

	/* TZ is set before the first local call, so tzset() picks it up. */
	setenv("TZ", "UTC", 1);
	is_str(hms(1700000000123456789ULL, 0), "22:13:20", "hms: UTC");
	is_str(hms(1700000000123456789ULL, 1), "22:13:20.123456", "hms: with us");
	is_str(hms(1700000000000001000ULL, 1), "22:13:20.000001", "hms: cached second");
	is_str(hms(86399999999999ULL, 1), "23:59:59.999999", "hms: end of day");
}

/* memo_cur_task()'s text for pid and comm is want. */
static void is_task(uint32_t pid, const char *comm, const char *want, const char *what)
{
	char task[MEMO_TASK_MAX + 1];

	*memo_cur_task(task, pid, comm) = '\0';
	is_str(task, want, "memo task: %s", what);
}

/* A memoized piece is the same text as one made afresh, and follows changes. */
static void test_memo(void)
{
	struct st_tuple t = {.saddr = {127, 0, 0, 1},
			     .daddr = {127, 1, 0, 2},
			     .netns = 7,
			     .sport = 80,
			     .dport = 4000,
			     .family = AF_INET,
			     .protocol = IPPROTO_TCP};
	char comm[16] = "srv";
	char want[512];

	fresh();
	sb_puts(&sb, "\"sock\":5,");
	put_tuple_json(&sb, &t);
	memcpy(want, sb_str(&sb), sb.len + 1);
	memo_put_sock_tuple(fresh(), 5, &t);
	is_str(sb_str(&sb), want, "memo tuple: first use");
	memo_put_sock_tuple(fresh(), 5, &t);
	is_str(sb_str(&sb), want, "memo tuple: from the memo");
	t.dport = 4001;
	memo_put_sock_tuple(fresh(), 5, &t);
	ok(strstr(sb_str(&sb), "\"rport\":4001") != NULL, "memo tuple: a changed port shows");
	memo_put_sock_tuple(fresh(), 5 + 512, &t);
	ok(strncmp(sb_str(&sb), "\"sock\":517,", 11) == 0, "memo tuple: another id in the slot");

	memo_put_owner(fresh(), 42, comm, OWNER_ACCEPT);
	is_str(sb_str(&sb), "\"pid\":42,\"comm\":\"srv\",\"owner\":\"accept\"",
	       "memo owner: first use");
	memo_put_owner(fresh(), 42, comm, OWNER_ACCEPT);
	is_str(sb_str(&sb), "\"pid\":42,\"comm\":\"srv\",\"owner\":\"accept\"",
	       "memo owner: from the memo");
	/* a process renames itself to something that needs escaping */
	memcpy(comm, "a\"b\x1b", 5);
	memo_put_owner(fresh(), 42, comm, OWNER_ACCEPT);
	is_str(sb_str(&sb), "\"pid\":42,\"comm\":\"a\\\"b\\u001b\",\"owner\":\"accept\"",
	       "memo owner: a new comm is escaped afresh");
	memo_put_owner(fresh(), 42, comm, OWNER_CONNECT);
	is_str(sb_str(&sb), "\"pid\":42,\"comm\":\"a\\\"b\\u001b\",\"owner\":\"connect\"",
	       "memo owner: another source");
	/* the task that ran a transition: in the owners' memo, never served as one */
	is_task(42, comm, ",\"task_pid\":42,\"task_comm\":\"a\\\"b\\u001b\"", "first use");
	is_task(42, comm, ",\"task_pid\":42,\"task_comm\":\"a\\\"b\\u001b\"", "from the memo");
	memo_put_owner(fresh(), 42, comm, OWNER_CONNECT);
	is_str(sb_str(&sb), "\"pid\":42,\"comm\":\"a\\\"b\\u001b\",\"owner\":\"connect\"",
	       "memo task: the same process's owner piece stays its own");
	memcpy(comm, "ksoftirqd/1", 12);
	is_task(42, comm, ",\"task_pid\":42,\"task_comm\":\"ksoftirqd/1\"", "a new comm");
	is_task(43, comm, ",\"task_pid\":43,\"task_comm\":\"ksoftirqd/1\"", "another pid");
}

/*
 * The cursor writers check no room: each must stay within its CUR_*_MAX at
 * its longest, and write what its sbuf appender does.
 */
static void test_cursor_bounds(void)
{
	struct st_tuple t = {.netns = UINT32_MAX,
			     .sport = 65535,
			     .dport = 65535,
			     .family = AF_INET6,
			     .protocol = 65535, /* no name: its number */
			     .bound_dev_if = UINT32_MAX};
	struct sock_origin origin = {.pid = UINT32_MAX};
	struct sock_entry e = {.mptcp_parent = UINT64_MAX};
	char comm[ST_COMM_LEN], big[1024], *end;

	/* link-local (a zone, by its index: another netns) and no zero group */
	memset(t.saddr, 0xff, sizeof(t.saddr));
	t.saddr[0] = 0xfe;
	t.saddr[1] = 0xbf;
	memcpy(t.daddr, t.saddr, sizeof(t.daddr));
	memset(comm, 0x01, sizeof(comm)); /* each byte escaped as \u0001 */
	memcpy(origin.comm, comm, sizeof(comm));

	end = cur_tuple_json(big, &t);
	ok(end - big < (long)CUR_TUPLE_JSON_MAX, "cursor: longest tuple, %ld bytes", end - big);
	put_tuple_json(fresh(), &t);
	ok(sb.len == (size_t)(end - big) && !memcmp(sb.buf, big, sb.len),
	   "cursor: the tuple as put_tuple_json() writes it");
	end = cur_sock_tuple_json(big, UINT64_MAX, &t);
	ok(end - big < (long)CUR_SOCK_TUPLE_JSON_MAX, "cursor: longest sock and tuple");
	end = memo_cur_sock_tuple(big, UINT64_MAX, &t);
	ok(end - big < (long)CUR_SOCK_TUPLE_JSON_MAX, "cursor: longest memo tuple");
	end = memo_cur_owner(big, UINT32_MAX, comm, OWNER_LISTENER);
	ok(end - big < (long)MEMO_OWNER_MAX, "cursor: longest owner, %ld bytes", end - big);
	end = memo_cur_owner(big, UINT32_MAX, comm, OWNER_LISTENER);
	*end = '\0';
	ok(strstr(big, "\"pid\":4294967295,\"comm\":\"\\u0001\\u0001") == big &&
		   strstr(big, "\\u0001\",\"owner\":\"listener\"") == end - 26,
	   "cursor: the longest owner from the memo");
	end = cur_origin_json(big, &origin);
	ok(end - big < (long)CUR_ORIGIN_JSON_MAX, "cursor: longest origin");
	end = memo_cur_task(big, UINT32_MAX, comm);
	ok(end - big < (long)MEMO_TASK_MAX, "cursor: longest task, %ld bytes", end - big);
	end = memo_cur_task(big, UINT32_MAX, comm);
	*end = '\0';
	ok(strstr(big, ",\"task_pid\":4294967295,\"task_comm\":\"\\u0001") == big &&
		   end - big == (long)(sizeof(",\"task_pid\":4294967295,\"task_comm\":") - 1 +
				       CUR_COMM_JSON_MAX),
	   "cursor: the longest task from the memo, its comm escaped whole");
	end = cur_mptcp_parent_json(big, &e);
	ok(end - big < (long)CUR_MPTCP_PARENT_JSON_MAX, "cursor: longest MPTCP parent");
	end = cur_rfc3339_us(big, UINT64_MAX);
	ok(end - big < (long)CUR_RFC3339_MAX, "cursor: latest time");
	end = cur_ms3(big, UINT64_MAX - 500);
	ok(end - big <= (long)CUR_MS3_MAX, "cursor: longest milliseconds");
	end = cur_i64(big, INT64_MIN);
	ok(end - big == CUR_I64_MAX, "cursor: longest i64");
	end = cur_err_name(big, -2147483647 - 1);
	ok(end - big < (long)CUR_ERR_NAME_MAX, "cursor: an errno without a name");
	end = cur_endpoint_zoned(big, &t, true);
	ok(end - big < (long)CUR_ENDPOINT_ZONED_MAX, "cursor: longest endpoint, %ld bytes",
	   end - big);
	end = cur_proto_text(big, &e);
	ok(end - big < CUR_PROTO_TEXT_MAX, "cursor: longest proto");
	end = cur_text_comm(big, comm);
	ok(end - big == CUR_COMM_TEXT_MAX, "cursor: a comm escaped whole as text");
	end = cur_clock_hms(big, UINT64_MAX, 1);
	ok(end - big < CUR_CLOCK_HMS_MAX, "cursor: latest clock");
	{
		static const uint64_t hex[] = {0,	  1, 15, 16, 255, 256, 0x123456789abcdefull,
					       UINT64_MAX};
		char want[24];
		size_t k;
		int bad = 0;

		for (k = 0; k < sizeof(hex) / sizeof(hex[0]); k++) {
			end = cur_hex64(big, hex[k]);
			*end = '\0';
			snprintf(want, sizeof(want), "%llx", (unsigned long long)hex[k]);
			bad += strcmp(big, want) != 0;
		}
		is_int(bad, 0, "cursor: hex as %%llx writes it");
	}
	memcpy(big, "ab", 2);
	end = cur_pad(big, big + 2, 5);
	*end = '\0';
	is_str(big, "ab   ", "cursor: padded to width");
	end = cur_pad_left(big, big + 2, 5);
	*end = '\0';
	is_str(big, "   ab", "cursor: right-aligned to width");
	end = cur_pad_left(big, big + 5, 3);
	*end = '\0';
	is_str(big, "   ab", "cursor: wider than the column, as it is");
	end = cur_zpad(big, 7, 6);
	*end = '\0';
	is_str(big, "000007", "cursor: zero-padded to six");
	end = cur_zpad(big, 123, 3);
	*end = '\0';
	is_str(big, "123", "cursor: zero-padded to three, full");

	/* an sbuf with too little room gets the piece cut, as any append */
	{
		char small[8];
		struct sbuf s;

		sb_init(&s, small, sizeof(small));
		put_tuple_json(&s, &t);
		is_str(sb_str(&s), "\"netns\"", "cursor: a piece cut at the sbuf's end");
		ok(s.truncated, "cursor: and flagged");
	}
}

int main(void)
{
	test_sbuf();
	test_text_escape();
	test_json_escape();
	test_cmdline();
	test_cur_digits();
	test_parse_u64();
	test_parse_seconds();
	test_parse_size();
	test_addr();
	test_endpoint();
	test_zone();
	test_states();
	test_time();
	test_memo();
	test_cursor_bounds();
	{
		/* milliseconds with three decimals, rounded like %.3f */
		static const struct {
			uint64_t ns;
			const char *want;
		} ms[] = {{0, "0.000"},
			  {499, "0.000"},
			  {500, "0.001"},
			  {12345678, "12.346"},
			  {60000000000ull, "60000.000"},
			  {999999, "1.000"}};
		char buf[64];
		struct sbuf sb;
		size_t k;

		for (k = 0; k < sizeof(ms) / sizeof(ms[0]); k++) {
			sb_init(&sb, buf, sizeof(buf));
			sb_put_ms3(&sb, ms[k].ns);
			is_str(sb_str(&sb), ms[k].want, "sb_put_ms3(%llu)",
			       (unsigned long long)ms[k].ns);
		}
	}
	return tap_done();
}
