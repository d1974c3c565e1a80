// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "metrics_pub.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct metrics_pub {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* CLOCK_MONOTONIC */
	atomic_uint want;
	char *text[2];
	size_t len[2];
	uint64_t made_ns[2];
	uint64_t seq[2];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct metrics_pub *metrics_pub_new(void)
{
	struct metrics_pub *p = calloc(1, sizeof(*p));
	pthread_condattr_t ca;

	if (!p)
		return NULL;
	pthread_mutex_init(&p->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	return p;
}

void metrics_pub_free(struct metrics_pub *p)
{
	if (!p)
		return;
	free(p->text[0]);
	free(p->text[1]);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

unsigned int metrics_pub_wanted(struct metrics_pub *p)
{
	return atomic_load_explicit(&p->want, memory_order_relaxed);
}

void metrics_pub_put(struct metrics_pub *p, enum metrics_fmt fmt, char *text, size_t len)
{
	char *old;

	pthread_mutex_lock(&p->mu);
	old = p->text[fmt];
	p->text[fmt] = text;
	p->len[fmt] = len;
	p->made_ns[fmt] = now_ns();
	p->seq[fmt]++;
	atomic_fetch_and(&p->want, ~(1u << fmt));
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	free(old); /* outside the lock: the server may be waiting for it */
}

int metrics_pub_get(struct metrics_pub *p, enum metrics_fmt fmt, int timeout_ms, char **text,
		    size_t *len)
{
	uint64_t start = now_ns(), deadline = start + (uint64_t)timeout_ms * 1000000ull, seq;
	struct timespec ts = {.tv_sec = (time_t)(deadline / 1000000000ull),
			      .tv_nsec = (long)(deadline % 1000000000ull)};
	int err = 0;

	pthread_mutex_lock(&p->mu);
	seq = p->seq[fmt];
	if (!p->text[fmt] || start - p->made_ns[fmt] > METRICS_FRESH_NS) {
		atomic_fetch_or(&p->want, 1u << fmt);
		while (p->seq[fmt] == seq && err != ETIMEDOUT)
			err = pthread_cond_timedwait(&p->cv, &p->mu, &ts);
	}
	if (!p->text[fmt]) {
		pthread_mutex_unlock(&p->mu);
		return -EAGAIN;
	}
	*text = malloc(p->len[fmt] + 1);
	if (*text) {
		memcpy(*text, p->text[fmt], p->len[fmt] + 1);
		*len = p->len[fmt];
	}
	pthread_mutex_unlock(&p->mu);
	return *text ? 0 : -ENOMEM;
}
