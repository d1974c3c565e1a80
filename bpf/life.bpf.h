/* SPDX-License-Identifier: GPL-2.0 */
/*
 * life in the kernel: each TCP connection whose start the state hook sees
 * keeps its story (owner, first time, tuple, path of states) in the kernel,
 * updated at every transition, and only its end crosses the ring
 * buffer, as one st_life_rec. The rules are user/table_state.c's, applied to
 * the same state records, so that the line is the one the table would make.
 *
 * What stays on the per-transition path (life_apply() says no): listeners'
 * transitions (userspace keeps listeners, for children of listeners that
 * predate socktrace), sockets that predate socktrace (no storage: the table
 * knows their start from its snapshot), MPTCP sockets and active subflows.
 *
 * Where: life_hash, by sock address, deleted at the end; or socket storage
 * (tracing programs only: tp_btf, from 5.11), freed with the socket, cloned
 * into a listener's children, but twice the memory. The loader sets
 * life_kernel to the one it chose (user/loader.c, life_store()).
 */
#ifndef SOCKTRACE_LIFE_BPF_H
#define SOCKTRACE_LIFE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "socktrace_abi.h"
#include "record.bpf.h"
#include "life_owner.bpf.h"

/* BPF_F_CLONE: a listener's children start with a copy (its owner). */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct life_sk);
} life_sks SEC(".maps");

/*
 * Tests only (SOCKTRACE_TEST_LOSE_END_PORT, user/life_gc.h): the -> CLOSE of a
 * TCP connection with this port at either end is not kept, as the kernel
 * sometimes leaves one unreported, for life_gc to find. 0 (off): the
 * verifier knows it and drops the test.
 */
const volatile __u16 test_lose_end_port = 0;

/*
 * A state record's time and cookie, which fill_state() leaves to here on
 * life's path: a connection kept in the kernel needs them at its start and
 * its end only, and the clock and the cookie were a tenth of the hook's time.
 */
static __always_inline void state_stamp(struct st_state_rec *r, const struct sock *sk, bool btf)
{
	if (r->hdr.ts_ns)
		return;
	r->hdr.ts_ns = bpf_ktime_get_ns();
	/* tp_btf can ask for the cookie (and makes one if the socket has none
	 * yet); a classic tracepoint can only read one that something made */
	r->cookie = btf ? bpf_get_socket_cookie((void *)sk)
			: BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
}

/* table_state.c's path_push(): CLOSE before the start and LISTEN are no part of it. */
static __always_inline void life_path_push(struct life_sk *s, __u8 state)
{
	__u32 n = s->path_len;

	if (n > ST_PATH_MAX_STATES)
		n = ST_PATH_MAX_STATES;
	if (!n && (state == ST_TCP_CLOSE || state == ST_TCP_LISTEN))
		return;
	if (n && ((s->path >> (4 * (n - 1))) & 0xf) == state)
		return;
	if (n == ST_PATH_MAX_STATES) {
		s->path >>= 4;
		n--;
	}
	s->path |= (__u64)(state & 0xf) << (4 * n);
	s->path_len = n + 1;
}

/* table_internal.h's merge_tuple(): zero fields never overwrite. */
static __always_inline void life_merge_tuple(struct st_tuple *dst, const struct st_tuple *src)
{
	const __u32 *sa = (const __u32 *)src->saddr, *da = (const __u32 *)src->daddr;

	if (src->sport)
		dst->sport = src->sport;
	if (src->dport)
		dst->dport = src->dport;
	if (sa[0] | sa[1] | sa[2] | sa[3])
		__builtin_memcpy(dst->saddr, src->saddr, ST_ADDR_LEN);
	if (da[0] | da[1] | da[2] | da[3])
		__builtin_memcpy(dst->daddr, src->daddr, ST_ADDR_LEN);
	if (src->bound_dev_if)
		dst->bound_dev_if = src->bound_dev_if;
	dst->flags = src->flags;
	dst->netns = src->netns;
}

/* table_state.c's made_by_process(). */
static __always_inline bool life_by_process(__u8 old_state, __u8 new_state)
{
	return new_state == ST_TCP_SYN_SENT || new_state == ST_TCP_LISTEN ||
	       (old_state == ST_TCP_ESTABLISHED && new_state == ST_TCP_FIN_WAIT1) ||
	       (old_state == ST_TCP_CLOSE_WAIT && new_state == ST_TCP_LAST_ACK);
}

static __always_inline void life_set_owner(struct life_sk *s, const struct st_task *task, __u8 src)
{
	s->owner_pid = task->tgid;
	__builtin_memcpy(s->owner_comm, task->comm, ST_COMM_LEN);
	s->owner_src = src;
}

/* An accept() the call hooks saw since the last transition. */
static __always_inline void life_take_accept(struct life_sk *s, const struct sock *sk, __u64 cookie)
{
	__u64 key = (__u64)(long)sk;
	struct life_accept *a = bpf_map_lookup_elem(&life_accepts, &key);

	if (!a)
		return;
	/* the connection's start deleted what an earlier socket at this
	 * address left (an accept() after its end): an entry is this
	 * connection's, unless a cookie says otherwise */
	if (!a->cookie || !cookie || a->cookie == cookie) {
		life_set_owner(s, &a->task, ST_OWNER_ACCEPT);
		s->life_flags |= LIFE_K_ACCEPTED;
	}
	bpf_map_delete_elem(&life_accepts, &key);
}

/*
 * Socket storage: a transition of a connection the kernel does not keep
 * (it predates socktrace, or had no memory) goes to the table, and an
 * accept() noted for it goes first, as the record the call hooks send
 * where the kernel keeps nothing, at the same time.
 */
static __always_inline void life_accept_to_table(const struct sock *sk, struct st_state_rec *r)
{
	__u64 key = (__u64)(long)sk;
	struct life_accept *a = bpf_map_lookup_elem(&life_accepts, &key);
	struct st_call_rec *c;

	if (!a)
		return;
	state_stamp(r, sk, true);
	/* an earlier socket's, at this address: see life_take_accept() */
	if (!a->cookie || !r->cookie || a->cookie == r->cookie) {
		c = reserve(sizeof(*c));
		if (c) {
			__builtin_memset(c, 0, sizeof(*c));
			c->hdr.type = ST_REC_ACCEPT;
			c->hdr.size = sizeof(*c);
			c->hdr.ts_ns = r->hdr.ts_ns;
			c->sk = key;
			c->cookie = r->cookie;
			c->t = r->t;
			c->task = a->task;
			c->fd = -1;
			c->state = r->oldstate;
			submit(c);
		}
	}
	bpf_map_delete_elem(&life_accepts, &key);
}

/*
 * socktrace's own process, set by the loader: the last reference to a
 * socket's file can be its iterator's or its holder scan's, and the close()
 * it stands for then runs in socktrace, which never holds the socket.
 */
const volatile __u32 self_tgid = 0;

/* The owner after a transition: table_apply_state()'s rules. */
static __always_inline void life_owner(struct life_sk *s, const struct st_state_rec *r)
{
	__u8 old_state = r->oldstate, new_state = r->newstate;
	bool by_process = life_by_process(old_state, new_state) && r->task.tgid != self_tgid;

	if (old_state == ST_TCP_CLOSE && new_state == ST_TCP_SYN_SENT) {
		life_set_owner(s, &r->task, ST_OWNER_CONNECT);
	} else if (s->owner_src == ST_OWNER_NONE && by_process) {
		life_set_owner(s, &r->task, ST_OWNER_TASK);
	} else if (s->owner_src != ST_OWNER_NONE && r->task.tgid != s->owner_pid &&
		   !r->mptcp_parent && !s->mptcp_parent) {
		if (by_process && r->task.tgid) {
			/* change_hands(): the first owner stays the origin */
			if (s->owner_src != ST_OWNER_HOLDER) {
				s->origin_pid = s->owner_pid;
				s->origin_src = s->owner_src;
				__builtin_memcpy(s->origin_comm, s->owner_comm, ST_COMM_LEN);
			}
			life_set_owner(s, &r->task, ST_OWNER_HOLDER);
			s->life_flags &= ~ST_LIFE_HOLDER_CHECK;
		} else if ((old_state == ST_TCP_ESTABLISHED || old_state == ST_TCP_CLOSE_WAIT) &&
			   s->owner_src != ST_OWNER_LISTENER) {
			/* find_holder(): only userspace can ask whether the
			 * owner exited and who holds the socket now */
			s->life_flags |= ST_LIFE_HOLDER_CHECK;
		}
	}
}

/*
 * Entries made dead (life_end()) less those taken over (life_claim()), a
 * cache line for each CPU: added to what the last pass of life_gc left dead,
 * they tell userspace whether a pass has enough to collect to be worth its
 * walk over every bucket (user/life_gc.c). More CPUs than slots share them,
 * hence the atomic add.
 */
#define LIFE_DEAD_SLOTS	 64
#define LIFE_DEAD_STRIDE 8
__s64 life_dead[LIFE_DEAD_SLOTS * LIFE_DEAD_STRIDE] __attribute__((aligned(64)));

static __always_inline void life_dead_add(__s64 n)
{
	__u32 i = (bpf_get_smp_processor_id() & (LIFE_DEAD_SLOTS - 1)) * LIFE_DEAD_STRIDE;

	__sync_fetch_and_add(&life_dead[i], n);
}

/* A life record's story part: what the kernel kept of the connection. */
static __always_inline void life_rec_story(struct st_life_rec *l, const struct life_sk *s,
					   __u64 ts_ns, __u64 sk)
{
	l->hdr.type = ST_REC_LIFE;
	l->hdr.size = sizeof(*l);
	l->hdr.ts_ns = ts_ns;
	l->sk = sk;
	l->first_ns = s->first_ns;
	l->path = s->path;
	l->mptcp_parent = s->mptcp_parent;
	l->t = s->t;
	__builtin_memcpy(l->owner_comm, s->owner_comm, ST_COMM_LEN);
	__builtin_memcpy(l->origin_comm, s->origin_comm, ST_COMM_LEN);
	l->owner_pid = s->owner_pid;
	l->origin_pid = s->origin_pid;
	l->owner_src = s->owner_src;
	l->origin_src = s->origin_src;
	l->path_len = s->path_len;
	l->life_flags = s->life_flags & ST_LIFE_FLAGS_ALL;
	__builtin_memset(l->pad, 0, sizeof(l->pad));
}

/* The connection ended: its one record. */
static __always_inline void life_end(const struct sock *sk, struct life_sk *s,
				     const struct st_state_rec *r, __u8 nst, bool storage,
				     bool keep)
{
	struct st_life_rec *l = reserve(sizeof(*l));
	__u64 key = (__u64)(long)sk, seen;

	if (!l)
		goto out;
	life_rec_story(l, s, r->hdr.ts_ns, r->sk);
	l->cookie = r->cookie;
	l->bytes_acked = r->bytes_acked;
	l->bytes_received = r->bytes_received;
	l->task = r->task;
	l->oldstate = r->oldstate;
	l->newstate = nst;
	l->sk_err = r->sk_err;
	l->close_flags = r->close_flags;
	submit(l);
out:
	/* live until its record is made: life_gc takes no live entry */
	s->life_flags &= ~LIFE_K_ALL;
	/* socket storage goes with the socket; an address is reused */
	if (storage)
		return;
	if (!keep) {
		bpf_map_delete_elem(&life_hash, &key);
		return;
	}
	/* dead from now; unless life_gc took it meanwhile (the connection
	 * lasted life_gc_age_ns, and it read the flags just cleared) */
	seen = s->first_ns;
	if (seen != LIFE_GONE_NS &&
	    __sync_val_compare_and_swap(&s->first_ns, seen, r->hdr.ts_ns) == seen)
		life_dead_add(1);
}

/*
 * A connection whose end the state hook never saw. On 6.18, under a storm,
 * an orphaned server socket in FIN_WAIT1 can go without FIN_WAIT1 ->
 * FIN_WAIT2 -> CLOSE reaching any program on the tracepoint. Its record
 * says what was seen, at ts (when this was learnt), with first_ns, the
 * start its claimer read: a new socket at its address (below), or
 * life_gc, which finds its socket gone. Whichever claims the entry first
 * (below) sends it. (Socket storage leaves with its socket and cannot
 * tell.)
 */
static __always_inline void life_unseen_rec(struct st_life_rec *l, const struct life_sk *s,
					    __u64 first_ns, __u64 ts, __u64 sk)
{
	__u32 n = s->path_len;

	life_rec_story(l, s, ts, sk);
	l->first_ns = first_ns;
	/* the old socket's cookie and counters went with it */
	l->cookie = 0;
	l->bytes_acked = 0;
	l->bytes_received = 0;
	__builtin_memset(&l->task, 0, sizeof(l->task));
	l->oldstate = n && n <= ST_PATH_MAX_STATES ? (s->path >> (4 * (n - 1))) & 0xf : 0;
	l->newstate = ST_TCP_CLOSE;
	l->sk_err = 0;
	l->close_flags = 0;
	l->life_flags |= ST_LIFE_END_UNSEEN;
}

/*
 * A live entry's story, for the connection starting at its address, which
 * tells its end unseen. With ended entries kept, life_gc may be telling it
 * too: whichever changes first_ns first has it. false: life_gc did (the new
 * connection then goes to the table).
 */
static __always_inline bool life_take_live(struct life_sk *s, const struct st_state_rec *r,
					   bool keep_hash)
{
	__u64 seen = s->first_ns;
	struct st_life_rec *l;

	/* claimed first: only the claimer reserves, and 6.1's verifier loses a
	 * reservation checked twice (discarded on one path, sent on another) */
	if (keep_hash && (seen == LIFE_GONE_NS ||
			  __sync_val_compare_and_swap(&s->first_ns, seen, r->hdr.ts_ns) != seen))
		return false;
	l = reserve(sizeof(*l));
	if (!l)
		return true;
	life_unseen_rec(l, s, seen, r->hdr.ts_ns, r->sk);
	submit(l);
	return true;
}

/* The connection's story: in its socket's storage, or by its address. */
static __always_inline struct life_sk *life_get(const struct sock *sk, bool storage)
{
	__u64 key = (__u64)(long)sk;

	if (storage)
		return bpf_sk_storage_get(&life_sks, (void *)sk, 0, 0);
	return bpf_map_lookup_elem(&life_hash, &key);
}

static __always_inline struct life_sk *life_create(const struct sock *sk,
						   const struct life_sk *init, bool storage)
{
	__u64 key = (__u64)(long)sk;
	struct life_sk *s;

	if (storage) {
		s = bpf_sk_storage_get(&life_sks, (void *)sk, (void *)init,
				       BPF_SK_STORAGE_GET_F_CREATE);
	} else {
		s = NULL;
		if (!bpf_map_update_elem(&life_hash, &key, init, BPF_NOEXIST))
			s = bpf_map_lookup_elem(&life_hash, &key);
	}
	/* none (no memory, the hash full): the connection goes to the table,
	 * record by record, and nothing is lost */
	return s;
}

/*
 * A dead entry, for the connection starting at its address: false if life_gc
 * has it, or takes it first (the connection then goes to the table).
 */
static __always_inline bool life_claim(struct life_sk *s, __u64 ts_ns)
{
	__u64 seen = s->first_ns;

	if (seen == LIFE_GONE_NS || __sync_val_compare_and_swap(&s->first_ns, seen, ts_ns) != seen)
		return false;
	life_dead_add(-1);
	return true;
}

/* A connection's first transition: its storage, blank but for the owner a listener gave. */
static __always_inline struct life_sk *life_start(const struct sock *sk, struct life_sk *s,
						  bool child, bool storage, __u64 ts_ns)
{
	/* first_ns never goes back while the entry is rewritten: life_gc
	 * would take an old one for the time a dead entry ended */
	struct life_sk init = {.first_ns = ts_ns};

	if (child) {
		/* cloned from its listener, if that one has storage */
		if (storage && s && (s->life_flags & LIFE_K_LISTENER) &&
		    s->owner_src != ST_OWNER_NONE) {
			init.owner_pid = s->owner_pid;
			__builtin_memcpy(init.owner_comm, s->owner_comm, ST_COMM_LEN);
			init.owner_src = ST_OWNER_LISTENER;
		} else {
			init.life_flags = ST_LIFE_LISTENER_UNKNOWN;
		}
		init.life_flags |= ST_LIFE_PASSIVE;
	}
	init.life_flags |= LIFE_K_LIVE;
	if (storage && child) {
		__u64 key = (__u64)(long)sk;

		/* an earlier socket's, at this address: see life_take_accept() */
		bpf_map_delete_elem(&life_accepts, &key);
	}
	if (s) {
		*s = init;
		return s;
	}
	return life_create(sk, &init, storage);
}

/*
 * The transition r of sk into its storage. true: kept here (and at the end
 * sent as one record); false: r goes to userspace as ever.
 */
static __always_inline bool life_apply(const struct sock *sk, struct st_state_rec *r, bool btf,
				       bool keep)
{
	__u8 old_state = r->oldstate, new_state = r->newstate, nst = new_state;
	bool child = old_state == ST_TCP_LISTEN && new_state == ST_TCP_SYN_RECV;
	/* only a tracing program may use socket storage; the loader may
	 * choose the hash for one too */
	bool storage = btf && life_kernel == ST_LIFE_SK_STORAGE;
	struct life_sk *s;

	if (r->t.protocol != ST_IPPROTO_TCP || old_state == new_state)
		return false;
	if (test_lose_end_port && new_state == ST_TCP_CLOSE &&
	    (r->t.sport == test_lose_end_port || r->t.dport == test_lose_end_port))
		return true;
	s = life_get(sk, storage);
	if (new_state == ST_TCP_LISTEN) {
		/* a listener: its owner, for the children to clone (the hash
		 * has no clone: children ask userspace for their listener) */
		struct life_sk init = {.life_flags = LIFE_K_LISTENER};

		if (!storage)
			return false;
		if (!s)
			s = life_create(sk, &init, storage);
		if (s) {
			*s = init;
			life_set_owner(s, &r->task, ST_OWNER_LISTEN);
		}
		return false;
	}
	if (child || (old_state == ST_TCP_CLOSE && new_state == ST_TCP_SYN_SENT)) {
		/* an MPTCP connection's active subflow stays with the table */
		if (r->mptcp_parent) {
			if (s)
				s->life_flags &= ~LIFE_K_ALL;
			return false;
		}
		state_stamp(r, sk, btf);
		if (s && (s->life_flags & LIFE_K_LIVE)) {
			if (!life_take_live(s, r, keep && !storage))
				return false;
		} else if (s && keep && !storage && !life_claim(s, r->hdr.ts_ns))
			return false;
		s = life_start(sk, s, child, storage, r->hdr.ts_ns);
		if (!s)
			return false;
		s->t = r->t;
	} else if (!s || !(s->life_flags & LIFE_K_LIVE)) {
		if (storage)
			life_accept_to_table(sk, r);
		return false;
	} else {
		life_merge_tuple(&s->t, &r->t);
	}
	/* with the hash, accept() writes the owner into the entry itself */
	if (storage && (s->life_flags & ST_LIFE_PASSIVE) && !(s->life_flags & LIFE_K_ACCEPTED)) {
		state_stamp(r, sk, btf);
		life_take_accept(s, sk, r->cookie);
	}
	life_owner(s, r);
	if (r->mptcp_parent)
		s->mptcp_parent = r->mptcp_parent;
	/* the active closer's CLOSE is its TIME_WAIT (table_apply_state()) */
	if (new_state == ST_TCP_CLOSE && !r->sk_err &&
	    (old_state == ST_TCP_FIN_WAIT2 || old_state == ST_TCP_CLOSING))
		nst = ST_TCP_TIME_WAIT;
	life_path_push(s, old_state);
	life_path_push(s, nst);
	if (new_state == ST_TCP_CLOSE) {
		state_stamp(r, sk, btf);
		life_end(sk, s, r, nst, storage, keep);
	}
	return true;
}

/*
 * Whether the socket of a live entry is gone, by probed reads of its memory
 * (0 where nothing can be read): freed, or taken by a socket that has not
 * started a connection yet, or by a listener. A state is stored after the
 * tracepoint's programs ran, so at a connection's start its socket shows
 * CLOSE (a child LISTEN) for a moment: only entries older than
 * life_gc_age_ns are asked.
 */
static __always_inline bool life_sock_gone(__u64 key)
{
	const struct sock *sk = (const struct sock *)(long)key;
	int refs = BPF_CORE_READ(sk, __sk_common.skc_refcnt.refs.counter);
	__u8 state = BPF_CORE_READ(sk, __sk_common.skc_state);

	return !refs || state == ST_TCP_CLOSE || state == ST_TCP_LISTEN;
}

struct life_gc_pass {
	__u64 now;
	__u64 dead; /* dead entries left for a later pass: too young */
};

/* What the last pass left dead, for userspace to add life_dead's sum to. */
__u64 life_gc_dead;

/*
 * One entry of life_hash, for life_gc: an aged dead one is collected; an
 * aged live one whose socket is gone had an end no program saw, and is told
 * (life_unseen_rec()) and collected. Its claim races a new socket's start at
 * the address (life_take_live()): one of them changes first_ns first. The
 * record is made on the stack and copied to the ring: before 6.2 the
 * verifier refuses a callback that reserves.
 */
static long life_gc_one(struct bpf_map *map, const __u64 *key, struct life_sk *s,
			struct life_gc_pass *p)
{
	__u64 k = *key, seen = s->first_ns;
	struct st_life_rec l;
	bool told = false;

	if (seen != LIFE_GONE_NS && (seen > p->now || p->now - seen < life_gc_age_ns)) {
		p->dead += !(s->life_flags & LIFE_K_LIVE);
		return 0;
	}
	if (seen != LIFE_GONE_NS && (s->life_flags & LIFE_K_LIVE)) {
		if (!life_sock_gone(k))
			return 0;
		/* every byte: the helper reads the whole of it */
		__builtin_memset(&l, 0, sizeof(l));
		life_unseen_rec(&l, s, seen, p->now, k);
		told = true;
	}
	if (__sync_val_compare_and_swap(&s->first_ns, seen, LIFE_GONE_NS) != seen)
		return 0;
	if (told)
		output(&l, sizeof(l), 0);
	bpf_map_delete_elem(&life_hash, &k);
	return 0;
}

/*
 * The collector: the dead entries of addresses no socket took again within
 * life_gc_age_ns, and the live ones whose socket went without its end
 * reaching the state hook. Userspace runs it every few seconds
 * (user/life_gc.c) as an iterator over the system's maps, of which the first
 * call does the work: the iterator over a map's elements is refused on some
 * kernels where this one is not (EPERM on our 6.18 machines).
 */
SEC("iter/bpf_map")
int life_gc(struct bpf_iter__bpf_map *ctx)
{
	struct life_gc_pass p = {0};

	if (!ctx->map || ctx->meta->seq_num)
		return 0;
	p.now = bpf_ktime_get_ns();
	bpf_for_each_map_elem(&life_hash, life_gc_one, &p, 0);
	life_gc_dead = p.dead;
	return 0;
}

#endif
