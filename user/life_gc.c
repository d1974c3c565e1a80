// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "life_gc.h"

#include <errno.h>
#include <stdlib.h>
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

int life_gc_times(uint64_t *age_ns, uint64_t *every_ns)
{
	const char *s = getenv(LIFE_GC_ENV);
	uint64_t ms;

	*age_ns = AGE_NS;
	*every_ns = EVERY_NS;
	if (!s)
		return 0;
	if (parse_u64(s, 1, 3600000, &ms)) {
		warnf("%s=%s: want milliseconds, 1 to 3600000", LIFE_GC_ENV, s);
		return -1;
	}
	*age_ns = *every_ns = ms * 1000000ull;
	return 0;
}

int life_gc_test_port(uint16_t *port)
{
	const char *s = getenv(LOSE_END_ENV);
	uint64_t n;

	*port = 0;
	if (!s)
		return 0;
	if (parse_u64(s, 1, 65535, &n)) {
		warnf("%s=%s: want a port, 1 to 65535", LOSE_END_ENV, s);
		return -1;
	}
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
