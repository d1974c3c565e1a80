/* SPDX-License-Identifier: GPL-2.0 */
/*
 * inet_sock_set_state: tp_btf where the kernel has it (typed pointer, one
 * load per field, socket cookies), else the raw tracepoint, else the classic
 * tracepoint.
 */
#ifndef SOCKTRACE_STATE_BPF_H
#define SOCKTRACE_STATE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "socktrace_abi.h"
#include "record.bpf.h"
#include "sock_read.bpf.h"
#include "sk_filter.bpf.h"
#include "life.bpf.h"
#include "state_marks.h"

/*
 * Set by the loader for `socktrace reuseport`: only listeners' own
 * transitions (to LISTEN, and LISTEN -> CLOSE) make records; a connection's,
 * a child's LISTEN -> SYN_RECV included, are nothing it counts.
 */
const volatile __u8 listeners_only = 0;

static __always_inline bool state_unwanted(int oldstate, int newstate)
{
	return listeners_only && newstate != ST_TCP_LISTEN &&
	       !(oldstate == ST_TCP_LISTEN && newstate == ST_TCP_CLOSE);
}

/*
 * Which FINs the byte counters hold. tcp_fin() marks a socket SOCK_DONE when
 * the peer's FIN arrives; our FIN is in write_seq once sent, so all of it
 * acknowledged in a FIN state means the FIN was.
 */
static __always_inline __u8 fin_flags(const struct sock *sk, const struct tcp_sock *tp,
				      int oldstate, bool btf)
{
	__u8 f = 0;

	if (sk_rd(btf, sk, __sk_common.skc_flags) &
	    (1ul << bpf_core_enum_value(enum sock_flags, SOCK_DONE)))
		f |= ST_CLOSE_FIN_IN;
	if ((oldstate == ST_TCP_FIN_WAIT1 || oldstate == ST_TCP_FIN_WAIT2 ||
	     oldstate == ST_TCP_CLOSING || oldstate == ST_TCP_LAST_ACK) &&
	    sk_rd(btf, tp, snd_una) == sk_rd(btf, tp, write_seq))
		f |= ST_CLOSE_FIN_OUT_ACKED;
	return f;
}

/*
 * A transition's record, but for the tuple (read first, for the filters):
 * btf (tp_btf) reads sk with plain loads, else with probed reads. The
 * listener queue and the byte counters are read where they mean something,
 * to keep the hot path short; the time and the cookie only if stamp (life
 * stamps the records it needs them in: state_stamp()).
 */
static __always_inline void fill_state(struct st_state_rec *r, const struct sock *sk, int oldstate,
				       int newstate, bool btf, bool stamp)
{
	r->hdr.type = ST_REC_STATE;
	r->hdr.size = sizeof(*r);
	r->hdr.ts_ns = 0;
	r->cookie = 0;
	if (stamp)
		state_stamp(r, sk, btf);
	r->sk = (__u64)(long)sk;
	r->oldstate = oldstate;
	r->newstate = newstate;
	r->sk_err = sk_rd(btf, sk, sk_err);
	if (newstate == ST_TCP_LISTEN || oldstate == ST_TCP_LISTEN) {
		r->rx_queue = sk_rd(btf, sk, sk_ack_backlog);
		r->tx_queue = sk_rd(btf, sk, sk_max_ack_backlog);
	} else {
		r->rx_queue = 0;
		r->tx_queue = 0;
	}
	r->close_flags = 0;
	/* a subflow's MPTCP socket: set at an active subflow's creation, a
	 * passive one's before its ESTABLISHED; read where the table links it */
	r->mptcp_parent = 0;
	if (r->t.protocol == ST_IPPROTO_TCP &&
	    (newstate == ST_TCP_SYN_SENT || newstate == ST_TCP_ESTABLISHED ||
	     newstate == ST_TCP_LISTEN))
		r->mptcp_parent = mptcp_parent(
			btf ? bpf_skc_to_tcp_sock((void *)sk) : (const struct tcp_sock *)sk, btf);
	/* byte counters only matter once, when the connection ends */
	if (r->t.protocol == ST_IPPROTO_TCP && newstate == ST_TCP_CLOSE) {
		/* a BTF-typed sock cannot simply be cast to tcp_sock: the verifier
		 * wants the checked conversion; a raw pointer can */
		const struct tcp_sock *tp =
			btf ? bpf_skc_to_tcp_sock((void *)sk) : (const struct tcp_sock *)sk;

		r->bytes_acked = tp ? sk_rd(btf, tp, bytes_acked) : 0;
		r->bytes_received = tp ? sk_rd(btf, tp, bytes_received) : 0;
		/* inet_put_port() cleared skc_num; the port is still in inet_sport */
		if (tp && !r->t.sport)
			r->t.sport = bpf_ntohs(sk_rd(btf, tp, inet_conn.icsk_inet.inet_sport));
		if (tp)
			r->close_flags = fin_flags(sk, tp, oldstate, btf);
	} else {
		r->bytes_acked = 0;
		r->bytes_received = 0;
	}
	fill_task(&r->task, btf);
}

/*
 * life in the kernel: the record is made on the stack, and only if
 * life.bpf.h does not keep it does it go to the ring buffer.
 */
static __always_inline void record_state_life(const struct sock *sk, int oldstate, int newstate,
					      bool btf, bool keep)
{
	struct st_state_rec rec = {}, *r;

	sk_tuple(&rec.t, sk, btf);
	if (!tuple_wanted(&rec.t))
		return;
	fill_state(&rec, sk, oldstate, newstate, btf, false);
	if (life_apply(sk, &rec, btf, keep))
		return;
	state_stamp(&rec, sk, btf);
	r = reserve(sizeof(*r));
	if (!r)
		return;
	__builtin_memcpy(r, &rec, sizeof(rec));
	submit(r);
}

/*
 * One record per transition, for every state hook. keep: life's ended
 * entries stay in its hash (life.bpf.h), in programs of their own, because
 * the compare-and-swap that takes one over fails any program that holds it
 * before 5.12, reached or not.
 */
static __always_inline void record_state(const struct sock *sk, int oldstate, int newstate,
					 bool btf, bool keep)
{
	struct st_state_rec *r;

	if (state_unwanted(oldstate, newstate))
		return;
	/* the loader sets the mode that goes with the state hook */
	if (life_kernel) {
		record_state_life(sk, oldstate, newstate, btf, keep);
		return;
	}
	if (!sk_wanted(sk, btf))
		return;
	r = reserve(sizeof(*r));
	if (!r)
		return;
	sk_tuple(&r->t, sk, btf);
	if (!wanted(r, &r->t))
		return;
	fill_state(r, sk, oldstate, newstate, btf, true);
	submit(r);
}

/*
 * The kernel skips a tp_btf program when it is already running on this CPU: a
 * softirq that changes a socket's state while state_btf runs in process
 * context (connect, close) loses that event. A second program on the same
 * tracepoint, attached after the first, has its own recursion guard and
 * handles exactly the calls state_btf did not:
 *  - while state_btf is mid-run on this CPU, a call reaching the twin is one
 *    the kernel skipped for state_btf: the twin handles it;
 *  - otherwise state_btf pushed a mark naming each call it handled (socket
 *    and states) for the twin's run of the same call to take; with no mark
 *    for the call, state_btf did not run, and the twin handles it.
 * The marks and their limits are in state_marks.h.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct state_guard);
} guard SEC(".maps");

/* state_btf's run; see the twin below */
static __always_inline int state_btf_run(const struct sock *sk, int oldstate, int newstate,
					 bool keep)
{
	__u32 zero = 0;
	struct state_guard *g;

	/* before the marks: the twin drops the same calls */
	if (state_unwanted(oldstate, newstate))
		return 0;
	g = bpf_map_lookup_elem(&guard, &zero);
	if (g)
		g->running = 1;
	record_state(sk, oldstate, newstate, true, keep);
	if (g) {
		/* after the record, which may have made the cookie */
		marks_push(g, (__u64)(long)sk, sk->__sk_common.skc_cookie.counter,
			   mark_states(oldstate, newstate));
		g->running = 0;
	}
	return 0;
}

static __always_inline int state_twin_run(const struct sock *sk, int oldstate, int newstate,
					  bool keep)
{
	__u32 zero = 0, states = mark_states(oldstate, newstate);
	struct state_guard *g;

	if (state_unwanted(oldstate, newstate))
		return 0;
	g = bpf_map_lookup_elem(&guard, &zero);
	if (!g)
		return 0;
	g->twin_running = 1;
	if (!g->running &&
	    marks_take(g, (__u64)(long)sk, sk->__sk_common.skc_cookie.counter, states)) {
		g->twin_running = 0;
		return 0;
	}
	record_state(sk, oldstate, newstate, true, keep);
	__sync_fetch_and_add(&counters.rescued, 1);
	g->twin_running = 0;
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(state_btf, const struct sock *sk, const int oldstate, const int newstate)
{
	return state_btf_run(sk, oldstate, newstate, false);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(state_btf_rescue, const struct sock *sk, const int oldstate, const int newstate)
{
	return state_twin_run(sk, oldstate, newstate, false);
}

/* The same pair for life with its ended entries kept (the loader's SET_TP_BTF_KEEP). */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(state_btf_keep, const struct sock *sk, const int oldstate, const int newstate)
{
	return state_btf_run(sk, oldstate, newstate, true);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(state_btf_keep_rescue, const struct sock *sk, const int oldstate, const int newstate)
{
	return state_twin_run(sk, oldstate, newstate, true);
}

/*
 * Where tp_btf attaches but state_btf cannot load (5.10: tracing programs may
 * ask for a cookie only from 5.12): the same arguments untyped, read with
 * probed reads. Unlike the classic tracepoint it needs neither tracefs nor a
 * perf event, which Debian's kernels (perf_event_paranoid 3) allow only with
 * CAP_SYS_ADMIN before 6.1. Before 6.1 the kernel has no recursion guard for
 * raw tracepoints: a softirq's transitions mid-run are not skipped.
 */
SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(state_raw, const struct sock *sk, const int oldstate, const int newstate)
{
	record_state(sk, oldstate, newstate, false, false);
	return 0;
}

SEC("tracepoint/sock/inet_sock_set_state")
int state_tp(struct trace_event_raw_inet_sock_set_state *ctx)
{
	/* classic tracepoints cannot call bpf_get_socket_cookie(); the cookie is
	 * there only if something already asked for it */
	record_state(ctx->skaddr, ctx->oldstate, ctx->newstate, false, false);
	return 0;
}

#endif
