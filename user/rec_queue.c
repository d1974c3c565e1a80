// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "rec_queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "socktrace_abi.h"

int rec_queue_init(struct rec_queue *q)
{
	unsigned int i;

	memset(q, 0, sizeof(*q));
	for (i = 0; i < REC_QUEUE_CHUNKS; i++) {
		q->chunk[i] = malloc(REC_QUEUE_CHUNK);
		if (!q->chunk[i])
			goto fail;
	}
	if (pthread_mutex_init(&q->mu, NULL))
		goto fail;
	if (pthread_cond_init(&q->changed, NULL)) {
		pthread_mutex_destroy(&q->mu);
		goto fail;
	}
	q->locks = true;
	return 0;
fail:
	rec_queue_destroy(q);
	return -ENOMEM;
}

void rec_queue_destroy(struct rec_queue *q)
{
	unsigned int i;

	if (q->locks) {
		pthread_cond_destroy(&q->changed);
		pthread_mutex_destroy(&q->mu);
		q->locks = false;
	}
	for (i = 0; i < REC_QUEUE_CHUNKS; i++) {
		free(q->chunk[i]);
		q->chunk[i] = NULL;
	}
}

/* Hand the writer's chunk over and take the next free one, waiting for it. */
static int hand_over(struct rec_queue *q)
{
	int err = 0;

	pthread_mutex_lock(&q->mu);
	if (!q->cancelled) {
		q->len[q->w] = q->wlen;
		q->full++;
		pthread_cond_broadcast(&q->changed);
		while (q->full == REC_QUEUE_CHUNKS && !q->cancelled)
			pthread_cond_wait(&q->changed, &q->mu);
	}
	if (q->cancelled) {
		err = -ECANCELED; /* and the chunk stays the writer's: nothing more goes in */
	} else {
		q->w = (q->head + q->full) % REC_QUEUE_CHUNKS;
		q->wlen = 0;
	}
	pthread_mutex_unlock(&q->mu);
	return err;
}

int rec_queue_put(struct rec_queue *q, const void *rec, size_t len)
{
	int err;

	if (len > REC_QUEUE_CHUNK)
		return -E2BIG;
	if (q->wlen + len > REC_QUEUE_CHUNK && (err = hand_over(q)))
		return err;
	memcpy(q->chunk[q->w] + q->wlen, rec, len);
	q->wlen += len;
	return 0;
}

void rec_queue_close(struct rec_queue *q, int err)
{
	pthread_mutex_lock(&q->mu);
	/* a chunk the writer holds is never one of the full ones */
	if (q->wlen && !q->cancelled) {
		q->len[q->w] = q->wlen;
		q->full++;
		q->wlen = 0;
	}
	q->closed = true;
	q->err = err;
	pthread_cond_broadcast(&q->changed);
	pthread_mutex_unlock(&q->mu);
}

int rec_queue_drain(struct rec_queue *q, record_fn fn, void *ctx, int (*stop)(void))
{
	int n = 0, err;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		unsigned int r = q->head;
		size_t off = 0, len;
		bool stopped;

		while (!q->full && !q->closed)
			pthread_cond_wait(&q->changed, &q->mu);
		if (!q->full)
			break;
		len = q->len[r];
		pthread_mutex_unlock(&q->mu);
		/* the writer put whole records, and leaves a full chunk alone */
		while (off + sizeof(struct st_hdr) <= len && !(stop && stop())) {
			struct st_hdr *h = (struct st_hdr *)(q->chunk[r] + off);

			fn(ctx, h, h->size);
			off += h->size;
			n++;
		}
		stopped = stop && stop();
		pthread_mutex_lock(&q->mu);
		if (stopped)
			q->cancelled = true;
		q->head = (r + 1) % REC_QUEUE_CHUNKS;
		q->full--;
		pthread_cond_broadcast(&q->changed);
	}
	err = q->err;
	pthread_mutex_unlock(&q->mu);
	return err < 0 ? err : n;
}
