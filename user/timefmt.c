// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "timefmt.h"

#include <stdio.h>
#include <time.h>

#define NSEC_PER_SEC  1000000000ULL
#define NSEC_PER_USEC 1000ULL

/* The formatted text of one second; per thread so callers need no lock. */
struct sec_cache {
	uint64_t sec;
	int valid;
	int len;
	char text[32];
};

static _Thread_local struct sec_cache utc_cache, local_cache;

/* The microseconds: six zero-padded digits. */
static char *cur_us6(char *p, uint64_t realtime_ns)
{
	return cur_zpad(p, (uint32_t)(realtime_ns % NSEC_PER_SEC / NSEC_PER_USEC), 6);
}

char *cur_rfc3339_us(char *p, uint64_t realtime_ns)
{
	uint64_t sec = realtime_ns / NSEC_PER_SEC;
	struct sec_cache *c = &utc_cache;

	if (!c->valid || c->sec != sec) {
		time_t t = (time_t)sec;
		struct tm tm;
		int n;

		if (!gmtime_r(&t, &tm))
			return p;
		/* The '.' belongs to the prefix so a hit appends two pieces only. */
		n = snprintf(c->text, sizeof(c->text), "%04d-%02d-%02dT%02d:%02d:%02d.",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			     tm.tm_sec);
		if (n < 0 || (size_t)n >= sizeof(c->text))
			return p;
		c->len = n;
		c->sec = sec;
		c->valid = 1;
	}
	p = cur_putn(p, c->text, (size_t)c->len);
	p = cur_us6(p, realtime_ns);
	return cur_putc(p, 'Z');
}

void sb_put_rfc3339_us(struct sbuf *sb, uint64_t realtime_ns)
{
	SB_VIA_CUR(sb, CUR_RFC3339_MAX, cur_rfc3339_us(p, realtime_ns));
}

char *cur_clock_hms(char *p, uint64_t realtime_ns, int with_us)
{
	uint64_t sec = realtime_ns / NSEC_PER_SEC;
	struct sec_cache *c = &local_cache;

	if (!c->valid || c->sec != sec) {
		time_t t = (time_t)sec;
		struct tm tm;
		int n;

		/* localtime_r need not read TZ itself (POSIX); make sure it was. */
		if (!c->valid)
			tzset();
		if (!localtime_r(&t, &tm))
			return p;
		n = snprintf(c->text, sizeof(c->text), "%02d:%02d:%02d", tm.tm_hour, tm.tm_min,
			     tm.tm_sec);
		if (n < 0 || (size_t)n >= sizeof(c->text))
			return p;
		c->len = n;
		c->sec = sec;
		c->valid = 1;
	}
	p = cur_putn(p, c->text, (size_t)c->len);
	if (with_us) {
		*p++ = '.';
		p = cur_us6(p, realtime_ns);
	}
	return p;
}

void sb_put_clock_hms(struct sbuf *sb, uint64_t realtime_ns, int with_us)
{
	SB_VIA_CUR(sb, CUR_CLOCK_HMS_MAX, cur_clock_hms(p, realtime_ns, with_us));
}
