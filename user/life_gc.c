// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "life_gc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "numparse.h"
#include "warn.h"

/*
 * An address is mostly reused within milliseconds (the slab hands a freed
 * socket's memory to the next one): seconds cost little memory and keep
 * every reuse in a storm.
 */
#define AGE_NS	 (10000ull * 1000000ull)
#define EVERY_NS (5000ull * 1000000ull)
#define MS_MAX	 3600000ull

/*
 * Environment variable name as a number from min to max, into *n if set. 0;
 * -1 (after a one-line warning naming what it wants) if it is not one.
 */
static int env_number(const char *name, uint64_t min, uint64_t max, const char *want, uint64_t *n)
{
	const char *s = getenv(name);

	if (s && parse_u64(s, min, max, n)) {
		warnf("%s=%s: want %s, %llu to %llu", name, s, want, (unsigned long long)min,
		      (unsigned long long)max);
		return -1;
	}
	return 0;
}

/* LIFE_GC_ENV, "MS" or "MS,IDLE_MS", into *ms and *idle_ms (0 if not given). */
static int env_times(uint64_t *ms, uint64_t *idle_ms)
{
	const char *s = getenv(LIFE_GC_ENV), *comma = s ? strchr(s, ',') : NULL;
	char head[24];
	size_t n = comma ? (size_t)(comma - s) : 0;

	*ms = *idle_ms = 0;
	if (!s)
		return 0;
	if (comma && n < sizeof(head)) {
		memcpy(head, s, n);
		head[n] = '\0';
	}
	if (comma ? n >= sizeof(head) || parse_u64(head, 1, MS_MAX, ms) ||
			    parse_u64(comma + 1, 1, MS_MAX, idle_ms)
		  : parse_u64(s, 1, MS_MAX, ms)) {
		warnf("%s=%s: want milliseconds, or milliseconds,milliseconds, each 1 to %llu",
		      LIFE_GC_ENV, s, MS_MAX);
		return -1;
	}
	return 0;
}

int life_gc_clock_init(struct life_gc_clock *c, uint64_t now)
{
	uint64_t ms, idle_ms, batch = LIFE_GC_BATCH;

	if (env_times(&ms, &idle_ms) ||
	    env_number(LIFE_GC_BATCH_ENV, 1, UINT32_MAX, "a number of entries", &batch))
		return -1;
	c->age_ns = ms ? ms * 1000000ull : AGE_NS;
	c->every_ns = ms ? ms * 1000000ull : EVERY_NS;
	c->idle_ns = idle_ms ? idle_ms * 1000000ull : c->every_ns * LIFE_GC_IDLE;
	c->batch = batch;
	c->next_tick = now + c->every_ns;
	c->last_pass = now;
	return 0;
}

bool life_gc_due(struct life_gc_clock *c, uint64_t now, uint64_t dead)
{
	c->next_tick = now + c->every_ns;
	if (dead < c->batch && now - c->last_pass < c->idle_ns)
		return false;
	c->last_pass = now;
	return true;
}

int life_gc_test_port(uint16_t *port)
{
	uint64_t n = 0;

	if (env_number(LOSE_END_ENV, 1, 65535, "a port", &n))
		return -1;
	*port = (uint16_t)n;
	return 0;
}

struct bpf_link *life_gc_attach(struct bpf_program *prog)
{
	return bpf_program__attach_iter(prog, NULL);
}

int life_gc_run(struct bpf_link *link)
{
	/* the program writes nothing: one read() is the whole pass */
	char buf[64];
	ssize_t n;
	int fd = bpf_iter_create(bpf_link__fd(link)), err = 0;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}
