/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The BPF side as userspace sees it: pick the hooks this kernel supports,
 * load and attach them, and hand ring buffer records to a callback.
 */
#ifndef SOCKTRACE_LOADER_H
#define SOCKTRACE_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "options.h"
#include "record_sink.h"

struct bpf_object_open_opts;
struct rings;

/*
 * The ring buffer's size where none is asked for. A small ring stays in the
 * CPUs' caches, which 32M did not (docs/performance.md, "2026-12-05 (later)"
 * and "2026-12-05 (evening)"); the backlog of a storm that outpaces the
 * consumer goes to its memory instead, up to LOADER_SPILL_RINGS times the
 * ring and at most LOADER_SPILL_MAX bytes (user/ring_spill.h).
 */
#define LOADER_RING_DEFAULT (8u << 20)
#define LOADER_SPILL_RINGS  16
#define LOADER_SPILL_MAX    (1024ull << 20)

struct loader_cfg {
	uint64_t ringbuf_size; /* 0: LOADER_RING_DEFAULT */
	uint16_t family;       /* in-kernel filter, 0 = any */
	uint32_t netns;	       /* in-kernel filter, 0 = any */
	/* a wake-up once an eighth of the ring waits; else one a record */
	bool wake_in_batches;
	enum hook_choice state_hook;
	enum hook_choice hooks;
	bool want_queue; /* per-listener queueing (reuseport): an extra, best effort */
	bool want_unix;	 /* UNIX socket calls and releases: an extra, best effort */
	/* where neither fentry nor kprobe reach unix_release_sock(), close()'s
	 * entry may report UNIX closes: it runs on every close() of the system */
	bool unix_close_hook;
	/* life: keep each TCP connection in the kernel and send one record
	 * at its end, where the state hook allows */
	bool life_kernel;
	/* where: LIFE_PATH_HASH, LIFE_PATH_SK_STORAGE, else the loader's choice */
	enum life_path life_store;
	/* the most connections life's hash holds (--max-sockets), below its
	 * own cap; 0: that cap. Socket storage has one entry per socket. */
	uint32_t life_capacity;
	/* reuseport: records for listeners' transitions, listen() and accept()
	 * only; no connection's transitions, binds, connects or UDP closes */
	bool listeners_only;
	/* life: TCP connections' ends only, so no bind hooks (binds make watch
	 * lines; a client that binds its source address paid a run a
	 * connection) and no UDP releases (cg_sock_release, two runs) */
	bool tcp_ends_only;
	/* no UDP socket wanted (watch -t): no UDP closes (cg_sock_release, two
	 * runs a TCP connection too), and no records of UDP sockets' calls */
	bool no_udp;
	/* life's hash: how long a dead entry waits for its address (life_gc.h) */
	uint64_t life_gc_age_ns;
	/* tests: a port whose connections' ends life ignores (life_gc.h) */
	uint16_t test_lose_end_port;
};

struct loss {
	uint64_t rb_full;	/* records the ring buffer had no room for */
	uint64_t map_full;	/* helper-map updates that failed */
	uint64_t kernel_missed; /* events lost to program runs the kernel skipped */
	uint64_t skipped;	/* runs of the state hook the kernel skipped */
	uint64_t rescued;	/* skipped runs of the state hook that its twin caught */
	uint64_t ret_rescued;	/* kretprobe misses a syscall exit made good */
};

struct loader;

/* Where every BPF object finds the kernel's BTF: NULL means the running
 * kernel's own. Set once, before anything is opened. */
void loader_set_btf(const char *path);
const struct bpf_object_open_opts *loader_open_opts(void);

/* Returns 0 or -errno, with a one-line reason printed to stderr. */
int loader_open(struct loader **out, const struct loader_cfg *cfg, record_fn fn, void *ctx);
/* fn is shown each ring record a little before it goes to loader_open()'s
 * fn (rings.h); spilled records are not shown again. */
void loader_set_ahead(struct loader *l, record_ahead_fn fn, void *ctx);
/* Wait up to timeout_ms for records, then consume everything pending.
 * first_wakes: the first record ends the wait, where otherwise records end it
 * only once many are pending (an idle run's long sleep). Returns records
 * handled or -errno (-EINTR on a signal is not an error). */
int loader_poll(struct loader *l, int timeout_ms, bool first_wakes);
/* fd's error or hang-up ends a poll too (rings_wake_on_error()). 0 or -errno. */
int loader_wake_on_error(struct loader *l, int fd);
/* The counts so far. kernel_missed is settled (settled_count.h): a loss
 * shows from the second reading that has it, so a last report reads twice. */
void loader_loss(struct loader *l, struct loss *loss);
/* "tp_btf", "raw_tp" or "tracepoint"; the family used for bind/listen/accept/connect. */
const char *loader_state_hook(const struct loader *l);
const char *loader_call_hook(const struct loader *l);
/* How the syscall hooks find an fd's socket: "rdonly_cast", "probe_read";
 * NULL for the other families, which are handed the socket. */
const char *loader_sock_from_fd(const struct loader *l);
/* Where watch gets the source port of a connect() no one answers, for its
 * first line: "retransmit" (its SYN's), "sockops" (tcp_connect()), or
 * "transition" (none: a non-blocking connect()'s return, else the grace). */
const char *loader_syn_port(const struct loader *l);
/* Why a better state hook or call-hook variant was refused ("tp_btf: load: ...;
 * prog 'state_btf': <the verifier's reason>"), or NULL if none was. */
const char *loader_state_fallback(const struct loader *l);
const char *loader_calls_fallback(const struct loader *l);
/* Where the syscall hooks read a call's arguments: "task_regs" at the exit
 * (5.15+), "saved_at_entry"; NULL for the other families. */
const char *loader_call_args(const struct loader *l);
/* What reports MPTCP sockets' bind, listen and connect: the syscall hooks
 * ("tracepoint"), or the fentry or kprobe family's hooks on MPTCP's own
 * functions; NULL if none are attached (no MPTCP, or they failed: then
 * loader_mptcp_fallback() says why). */
const char *loader_mptcp_hook(const struct loader *l);
const char *loader_mptcp_fallback(const struct loader *l);
/* The hook that reports queueing on listeners ("tp_btf", "fentry", "kprobe"),
 * or NULL: then a listener's queued total is derived from accepts and queue. */
const char *loader_queue_hook(const struct loader *l);
/* The hook that reports UNIX socket releases ("fentry", "kprobe",
 * "close_syscall"), or NULL when none does (closes come from snapshots). */
const char *loader_unix_release_hook(const struct loader *l);
/* Whether the UNIX calls (bind ... socketpair) are traced. */
bool loader_unix_calls(const struct loader *l);
/* Where the UNIX calls' arguments come from: "task_regs", "saved_at_entry"; NULL without UNIX
 * hooks. */
const char *loader_unix_call_args(const struct loader *l);
/* Where life's connections are kept in the kernel (one record per end):
 * "sk_storage" (tp_btf) or "hash" (by sock address); NULL if they are not,
 * and then *why says why (NULL when life was not asked for). */
const char *loader_life_kernel(const struct loader *l, const char **why);
/* How many connections life's hash holds; 0 with socket storage or no life. */
uint32_t loader_life_capacity(const struct loader *l);
/* Whether the cgroup hooks (UDP closes) are attached; if not, why. */
bool loader_cgroup(const struct loader *l, const char **why);
const char *hook_name(enum hook_choice h);
/* The ring buffers (their fill is a metric), or NULL. */
const struct rings *loader_rings(const struct loader *l);
/* The ring buffers' size, all together, as loaded. */
uint64_t loader_ringbuf_size(const struct loader *l);
/* Records ever moved out of the ring while the consumer was behind, and the
 * most bytes they held at once (user/ring_spill.h). */
void loader_spill(const struct loader *l, uint64_t *records, uint64_t *peak);
/* The most bytes they held since the last call. */
uint64_t loader_spill_recent(struct loader *l);
/* A pass of life's collector of its hash's entries (life_gc.h), where there
 * is one. 0, or a negative errno. */
int loader_life_gc(struct loader *l);
/* About how many dead entries the hash holds now: what the last pass left,
 * and those made and taken over since (0 without a collector). */
uint64_t loader_life_dead(const struct loader *l);
void loader_close(struct loader *l);

/* The cgroup v2 root directory (mounting cgroup2 if nothing has): an fd or -errno. */
int open_cgroup2_root(void);
/* Mount tracefs if classic tracepoints need it and nobody did. 0 or -errno. */
int ensure_tracefs(void);
void libbpf_set_verbosity(int verbose);
/* The program libbpf last refused and the verifier's reason ("" if none
 * since the reset), for one-line errors and `features`. */
void load_failure_reset(void);
const char *load_failure_reason(void);

#endif
