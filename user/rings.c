// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "rings.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include "clock.h"
#include "socktrace_abi.h"

/* records looked at in each ring: an interrupted hook's record and the
 * interrupting hooks' ones behind it */
#define LOOK 4
/* a ring of less is not worth its own: tests' small rings stay one */
#define RING_MIN (256u << 10)
/* the consumer position is written for the producers every this many bytes */
#define PUBLISH_BYTES (4u << 10)
/*
 * An empty ring is looked at again before a record goes only if the record
 * may have been made after the ring's last look: its time is less than this
 * before that look. The kernel's fast clock may lag a little; a hook's
 * record is committed hundreds of ns before the next hook reads the clock.
 */
#define RELOOK_SLACK_NS 50000
#define LEN_MASK	(~(uint32_t)(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT))

void rings_plan(unsigned int cpus, uint64_t total, unsigned int *n, uint64_t *size)
{
	unsigned int k = 1;

	/* a power of two of them: each ring's size is one too, as the kernel
	 * wants, and they add up to the total asked for */
	while (k * 2 <= cpus && k * 2 <= RINGS_MAX && total / (k * 2) >= RING_MIN)
		k *= 2;
	*n = k;
	*size = total / k;
}

static void ring_unmap(struct ring *r, size_t page)
{
	if (r->cons)
		munmap(r->cons, page);
	if (r->prod)
		munmap((void *)r->prod, page + 2 * (r->mask + 1));
	if (r->fd >= 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

static int ring_map(struct ring *r, uint64_t size, int epfd)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct epoll_event ev = {.events = EPOLLIN};
	void *p;

	r->fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "events", 0, 0, (__u32)size, NULL);
	if (r->fd < 0)
		return -errno;
	r->mask = size - 1;
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	r->cons = p;
	/* the producer's page, then the data twice */
	p = mmap(NULL, page + 2 * size, PROT_READ, MAP_SHARED, r->fd, (off_t)page);
	if (p == MAP_FAILED)
		return -errno;
	r->prod = p;
	r->data = (const unsigned char *)p + page;
	r->pos = r->published = *r->cons;
	r->low = UINT64_MAX;
	ev.data.fd = r->fd;
	return epoll_ctl(epfd, EPOLL_CTL_ADD, r->fd, &ev) ? -errno : 0;
}

int rings_open(struct rings *rs, unsigned int n, uint64_t size)
{
	unsigned int i;
	int err = 0;

	memset(rs, 0, sizeof(*rs));
	rs->epfd = -1;
	for (i = 0; i < RINGS_MAX; i++)
		rs->r[i].fd = -1;
	if (n < 1 || n > RINGS_MAX)
		return -EINVAL;
	rs->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (rs->epfd < 0)
		return -errno;
	rs->size = size;
	for (i = 0; i < n && !err; i++, rs->n++)
		err = ring_map(&rs->r[i], size, rs->epfd);
	if (err)
		rings_close(rs);
	return err;
}

int rings_fill(const struct rings *rs, int outer_fd, unsigned int slots)
{
	unsigned int i;

	for (i = 0; i < slots; i++) {
		int fd = rs->r[i % rs->n].fd;

		if (bpf_map_update_elem(outer_fd, &i, &fd, BPF_ANY))
			return -errno;
	}
	return 0;
}

void rings_close(struct rings *rs)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned int i;

	for (i = 0; i < rs->n; i++)
		ring_unmap(&rs->r[i], page);
	if (rs->epfd >= 0)
		close(rs->epfd);
	rs->epfd = -1;
	rs->n = 0;
}

void rings_set_ahead(struct rings *rs, record_ahead_fn fn, void *ctx)
{
	rs->ahead = fn;
	rs->ahead_ctx = ctx;
}

int rings_wait(struct rings *rs, int timeout_ms)
{
	struct epoll_event ev[RINGS_MAX + 1];

	return epoll_wait(rs->epfd, ev, RINGS_MAX + 1, timeout_ms);
}

int rings_wake_on_error(struct rings *rs, int fd)
{
	/* EPOLLERR and EPOLLHUP are reported without being asked for; edge
	 * triggered, the one error wakes one wait, not every wait after it */
	struct epoll_event ev = {.events = EPOLLET};

	return epoll_ctl(rs->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static uint32_t rec_len(const struct ring *r, uint64_t pos)
{
	return __atomic_load_n((const uint32_t *)(r->data + (pos & r->mask)), __ATOMIC_ACQUIRE);
}

static uint64_t rec_step(uint32_t len)
{
	return ((len & LEN_MASK) + BPF_RINGBUF_HDR_SZ + 7) & ~(uint64_t)7;
}

/*
 * The records' bytes up to FETCH_AHEAD past the head, asked into the cache
 * once each: another CPU wrote them, and the first read of each line waited
 * for that CPU's cache (look() was the tracer's costliest function, 16 % of
 * life's time). Not past the producers' position: the lines beyond are the
 * next ones they write, and each would go back and forth.
 */
#define FETCH_AHEAD (2u << 10)
#define LINE	    64u

static void fetch_ahead(struct ring *r, uint64_t pos, uint64_t prod)
{
	uint64_t at = r->fetched > pos ? r->fetched : pos & ~(uint64_t)(LINE - 1);
	uint64_t end = pos + FETCH_AHEAD < prod ? pos + FETCH_AHEAD : prod;

	for (; at < end; at += LINE)
		__builtin_prefetch(r->data + (at & r->mask));
	if (at > r->fetched)
		r->fetched = at;
}

/* The lowest time among the first LOOK records, and whether the first is
 * still being written. */
static void look(const struct rings *rs, struct ring *r)
{
	uint64_t pos = r->pos, prod = r->prod_seen;
	bool fresh = false;
	unsigned int i;
	uint32_t len;

	/* the producers write their position at every record: it is read
	 * again only when what was seen of it runs out */
	if (pos >= prod) {
		prod = r->prod_seen = __atomic_load_n(r->prod, __ATOMIC_ACQUIRE);
		fresh = true;
	}

	/* discarded records first: nothing to hand on, and a ring of only
	 * those would never be chosen */
	while (pos < prod &&
	       ((len = rec_len(r, pos)) & (BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)) ==
		       BPF_RINGBUF_DISCARD_BIT) {
		pos += rec_step(len);
		r->pos = pos;
	}
	fetch_ahead(r, pos, prod);
	r->low = UINT64_MAX;
	r->head_busy = false;
	if (r->ahead_pos < pos)
		r->ahead_pos = pos;
	for (i = 0; i < LOOK; i++) {
		if (pos >= prod && !fresh) {
			prod = r->prod_seen = __atomic_load_n(r->prod, __ATOMIC_ACQUIRE);
			fresh = true;
		}
		if (pos >= prod)
			break;
		len = rec_len(r, pos);

		if (len & BPF_RINGBUF_BUSY_BIT) {
			r->head_busy |= i == 0;
		} else if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
			const struct st_hdr *h =
				(const void *)(r->data + (pos & r->mask) + BPF_RINGBUF_HDR_SZ);
			/* too short for a header: first, and validation drops it */
			uint64_t ts = (len & LEN_MASK) >= sizeof(*h) ? h->ts_ns : 0;

			if (ts < r->low)
				r->low = ts;
			if (rs->ahead && pos == r->ahead_pos)
				rs->ahead(rs->ahead_ctx, h, len & LEN_MASK);
		}
		/* in ring order: one being written holds back the ones behind it */
		if (pos == r->ahead_pos && !(len & BPF_RINGBUF_BUSY_BIT))
			r->ahead_pos = pos + rec_step(len);
		pos += rec_step(len);
	}
}

/* The consumer position, for the producers: their every reservation reads
 * it, so each write of it costs its line's trip back from their CPUs. */
static void publish(struct ring *r)
{
	if (r->published != r->pos) {
		__atomic_store_n(r->cons, r->pos, __ATOMIC_RELEASE);
		r->published = r->pos;
	}
}

/* The time of the record at the head of r, committed. */
static uint64_t head_ts(const struct ring *r)
{
	const unsigned char *h = r->data + (r->pos & r->mask);
	uint32_t len = rec_len(r, r->pos);
	const struct st_hdr *hdr = (const void *)(h + BPF_RINGBUF_HDR_SZ);

	return (len & LEN_MASK) >= sizeof(*hdr) ? hdr->ts_ns : 0;
}

/*
 * Whether an empty ring, looked at again for the record at best's head (NULL:
 * for none, every empty ring), now has records: they come first if earlier. A
 * record's causes were committed before it was made, so a record made before
 * a ring's last look needs no new one (a look costs the producers' line).
 */
static bool relook_empty(struct rings *rs, const struct ring *best)
{
	uint64_t ts = best ? head_ts(best) : UINT64_MAX - RELOOK_SLACK_NS;
	bool found = false;
	unsigned int i;

	for (i = 0; i < rs->n; i++) {
		struct ring *r = &rs->r[i];

		if (r->low != UINT64_MAX || r == best || ts + RELOOK_SLACK_NS <= r->looked_ns)
			continue;
		r->looked_ns = mono_now_ns();
		look(rs, r);
		found |= r->low != UINT64_MAX;
	}
	return found;
}

int rings_drain(struct rings *rs, unsigned int max, record_fn fn, void *ctx, bool *blocked)
{
	uint64_t now = mono_now_ns();
	unsigned int n = 0, i;
	int err = 0;

	*blocked = false;
	for (i = 0; i < rs->n; i++) {
		rs->r[i].looked_ns = now;
		look(rs, &rs->r[i]);
	}
	while (n < max) {
		struct ring *best = NULL;
		uint64_t pos;
		uint32_t len;

		for (i = 0; i < rs->n; i++) {
			struct ring *r = &rs->r[i];

			if (r->low != UINT64_MAX && (!best || r->low < best->low))
				best = r;
		}
		/* all empty as last seen: once more, as they are now */
		if (!best && !relook_empty(rs, NULL))
			break;
		if (!best)
			continue;
		if (best->head_busy) {
			*blocked = true;
			break;
		}
		if (rs->n > 1 && relook_empty(rs, best))
			continue;
		pos = best->pos;
		len = rec_len(best, pos);
		if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
			err = fn(ctx,
				 (void *)(best->data + (pos & best->mask) + BPF_RINGBUF_HDR_SZ),
				 len & LEN_MASK);
			n++;
		}
		best->pos = pos + rec_step(len);
		if (err)
			break;
		if (best->pos - best->published >= PUBLISH_BYTES)
			publish(best);
		look(rs, best);
	}
	for (i = 0; i < rs->n; i++)
		publish(&rs->r[i]);
	if (err)
		return err;
	/* nothing committed to hand on, but a record being written */
	for (i = 0; i < rs->n && !*blocked; i++)
		*blocked = rs->r[i].low == UINT64_MAX && rs->r[i].head_busy;
	return (int)n;
}

uint64_t rings_pending(const struct rings *rs)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < rs->n; i++) {
		uint64_t prod = __atomic_load_n(rs->r[i].prod, __ATOMIC_ACQUIRE);
		uint64_t cons = __atomic_load_n(rs->r[i].cons, __ATOMIC_ACQUIRE);

		sum += prod > cons ? prod - cons : 0;
	}
	return sum;
}
