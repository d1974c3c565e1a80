// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * socktrace: hook -> event -> table -> view. This file wires them together
 * and owns the process: signals, the poll loop, the exit summary.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "decode.h"
#include "filter.h"
#include "loader.h"
#include "options.h"
#include "clock.h"
#include "output.h"
#include "privs.h"
#include "record_route.h"
#include "view_features.h"
#include "holder_scan.h"
#include "heal_pace.h"
#include "idle_poll.h"
#include "life_gc.h"
#include "holders.h"
#include "kconfig.h"
#include "metrics_run.h"
#include "snapshot.h"
#include "startup_heap.h"
#include "std_fds.h"
#include "table.h"
#include "unix_table.h"
#include "view_table.h"
#include "view_unix.h"
#include "view_life.h"
#include "view_reuseport.h"
#include "view_watch.h"
#include "warn.h"
#include "write_stop.h"

#define SOCKTRACE_VERSION "0.1.0"
/* Reading the kernel's skipped-run counts costs a syscall per program: a storm
 * makes polls return far more often than POLL_MS, so they are read at most
 * this often (ring buffer losses are in .bss and cost nothing) */
#define LOSS_CHECK_NS (100ull * 1000000ull)
/* ... and this often while no record comes: a program that ran without making
 * one can still have been skipped, but an idle tracer need not ask ten times a
 * second (90 bpf() calls a second with every hook) */
#define LOSS_CHECK_IDLE_NS (1000ull * 1000000ull)
/* how often a quiet output is asked whether its reader is still there */
#define READER_CHECK_NS (POLL_MS * 1000000ull)
/* how often watch and life compare the UNIX sockets with the kernel's */
#define UNIX_SNAPSHOT_NS (2000ull * 1000000ull)
/* Work that keeps for later (a UNIX snapshot, a pass of life's collector)
 * waits while a poll brings this many records, unless it waited this long
 * already: it stalls the consumer while a storm fills the ring, and it takes
 * a CPU from the storm. */
#define POLL_BUSY	 256
#define BUSY_MAX_WAIT_NS (30000ull * 1000000ull)

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
	write_stop_poke(); /* a write blocked on a stalled reader must end too */
}

static void install_signals(void)
{
	/* a long start-up snapshot gives up on SIGINT/SIGTERM too */
	snapshot_set_stop_flag(&stop_signal);
	write_stop_init(&stop_signal);
	struct sigaction sa = {.sa_handler = on_signal};

	/* no SA_RESTART: a signal must interrupt the poll */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* a closed stdout shows up as EPIPE on write, and we stop cleanly */
	signal(SIGPIPE, SIG_IGN);
}

struct run {
	const struct options *o;
	struct table *tb;
	struct unix_table *ut; /* NULL unless the view shows UNIX sockets */
	struct unix_stream ustream;
	uint64_t next_unix_snapshot; /* watch, life: closes no hook reported */
	bool unix_reconcile;	     /* the release hook misses some closes (or there is none) */
	struct output out;
	struct stream_line line; /* where lost events are told */
	struct watch_view watch;
	struct life_view life;
	struct table_view tview;
	struct reuseport_view rview;
	struct holders holders;
	struct loader *ld;
	struct snapshot *snap;
	struct snapshot_opener *snap_opening; /* snap, being opened in a thread */
	struct holder_scan *hscan;	      /* who holds a socket whose owner left */
	uint64_t records;
	uint64_t bad_records;
	struct loss reported;	/* what the stream has already been told */
	bool stream;		/* a stream view: losses get a line of their own */
	uint64_t reported_full; /* table-cap refusals already told */
	uint64_t next_reconcile;
	uint64_t last_loss_check;
	uint64_t records_at_loss_check;
	uint64_t next_reader_check;
	uint64_t deadline; /* --duration's end, or 0 */
	bool lost_since_reconcile;
	struct heal_pace pace;	     /* when healing after a loss costs no more loss */
	struct metrics_run *metrics; /* serve, --metrics; NULL otherwise */
	FILE *capture;		     /* SOCKTRACE_CAPTURE (capture.h); NULL otherwise */
	struct life_gc_clock gc;     /* life's hash collector (life_gc.h) */
	bool life_gc;		     /* life keeps connections: gc is set */
	bool life_gc_failed;	     /* a pass failed, and stderr said so */
	struct idle_poll idle;	     /* how long a stream's polls sleep */
};

static int on_record(void *ctx, void *data, size_t len)
{
	struct run *r = ctx;
	__u32 type;

	if (r->capture)
		capture_record(r->capture, data, len);
	if (decode_record(data, len, &type) != DECODE_OK) {
		r->bad_records++;
		return 0;
	}
	r->records++;
	heal_pace_consumed(&r->pace, len);
	/* snapshot records never come through the ring */
	if (!record_route(r->tb, r->ut, data, type))
		r->bad_records++;
	return 0;
}

static void on_record_ahead(void *ctx, const void *data, size_t len)
{
	const struct run *r = ctx;

	record_ahead(r->tb, data, len);
}

static int on_snapshot_record(void *ctx, void *data, size_t len)
{
	struct run *r = ctx;
	__u32 type;

	if (decode_record(data, len, &type) != DECODE_OK)
		return 0;
	if (type == ST_REC_SOCK) {
		table_apply_sock(r->tb, data);
	} else if (type == ST_REC_FILE) {
		/* the sockets came first: a UNIX one is in its table by now */
		bool unx = r->ut && unix_table_apply_file(r->ut, data);

		table_apply_file(r->tb, data);
		/* a stream asks who holds a UNIX socket only (its peer's
		 * processes); an inet socket's owner is in its entry now, and
		 * its holders would cost 32 bytes each for the whole run */
		if (!r->stream || unx)
			holders_add(&r->holders, data);
	} else if (type == ST_REC_UNIX && r->ut) {
		unix_table_apply(r->ut, data);
	}
	return 0;
}

/*
 * reuseport counts listeners and accepts: records and snapshots of
 * listeners only (--metrics counts every socket by state).
 */
static bool listeners_only(const struct options *o)
{
	return o->cmd == CMD_REUSEPORT && !o->metrics;
}

/*
 * Read the kernel's sockets into the table. Hooks are attached first and the
 * ring buffer is consumed after: a socket that changes meanwhile is in the
 * snapshot or in the ring (or both, which the table reconciles), never in
 * neither.
 */
static int take_snapshot(struct run *r, unsigned int what)
{
	uint64_t t0;
	int n;

	if (!r->snap) {
		int err;

		if (r->snap_opening) {
			err = snapshot_open_end(r->snap_opening, &r->snap);
			r->snap_opening = NULL;
		} else {
			err = snapshot_open(
				&r->snap,
				&(struct snapshot_cfg){.seed = r->o->seed,
						       .hz = kernel_hz(),
						       .listeners_only = listeners_only(r->o)});
		}
		if (err)
			return -1;
		if (r->o->verbose)
			warnf("sockets from %s, holders from %s", snapshot_socket_source(r->snap),
			      snapshot_holder_source(r->snap));
	}
	/* what happened before the snapshot goes in first */
	if (r->ld && loader_poll(r->ld, 0, false) < 0)
		return -1;
	if (!r->ut)
		what &= ~SNAP_UNIX;
	if (listeners_only(r->o))
		what &= ~SNAP_UDP;
	if (what & SNAP_FILES)
		holders_reset(&r->holders);
	/* a table reconciles only against a snapshot of its sockets */
	if (what & (SNAP_TCP | SNAP_UDP))
		table_snapshot_begin(r->tb, mono_now_ns());
	if (what & SNAP_UNIX)
		unix_table_snapshot_begin(r->ut);
	t0 = mono_now_ns();
	n = snapshot_read(r->snap, what, on_snapshot_record, r);
	if (n < 0) {
		warnf_errno(n, "reading the socket snapshot (%s)", snapshot_socket_source(r->snap));
		return -1;
	}
	if (what & SNAP_TCP)
		heal_pace_took(&r->pace, mono_now_ns() - t0, (uint64_t)n);
	if (what & (SNAP_TCP | SNAP_UDP))
		table_snapshot_end(r->tb);
	if (what & SNAP_UNIX)
		unix_table_snapshot_end(r->ut, mono_now_ns(), r->o->cmd == CMD_TABLE);
	return 0;
}

/* Tell the stream about every loss as soon as it is seen. */
static void report_loss(struct run *r)
{
	struct loss now;
	uint64_t ts = mono_now_ns();

	loader_loss(r->ld, &now);
	if (!r->stream)
		goto out; /* a table is no place for a line: the summary counts them */
	if (now.rb_full > r->reported.rb_full)
		stream_lost(&r->line, ts, now.rb_full - r->reported.rb_full, "ringbuf");
	if (now.kernel_missed > r->reported.kernel_missed)
		stream_lost(&r->line, ts, now.kernel_missed - r->reported.kernel_missed,
			    "kernel_missed");
	if (now.map_full > r->reported.map_full)
		stream_lost(&r->line, ts, now.map_full - r->reported.map_full, "map_full");
	if (table_stats(r->tb)->full > r->reported_full)
		stream_lost(&r->line, ts, table_stats(r->tb)->full - r->reported_full,
			    "table_full");
out:
	if (now.rb_full != r->reported.rb_full || now.kernel_missed != r->reported.kernel_missed)
		r->lost_since_reconcile = true;
	r->reported = now;
	r->reported_full = table_stats(r->tb)->full;
}

/* The last report: a second reading settles a loss that the first one saw (loader.h). */
static void report_final_loss(struct run *r)
{
	report_loss(r);
	report_loss(r);
}

static int write_ready_file(const char *path)
{
	char buf[32];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), n;

	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%d\n", getpid());
	if (write(fd, buf, n) != n) {
		close(fd);
		return -EIO;
	}
	return close(fd) ? -errno : 0;
}

static void discard_transition(void *ctx, const struct transition *tr)
{
	(void)ctx;
	(void)tr;
}

/* A store asked for by name is the one life uses, or an error. */
static bool life_store_refused(const struct loader *ld, const struct options *o)
{
	const char *want = o->life_path == LIFE_PATH_HASH ? "hash" : "sk_storage", *why;
	const char *store = loader_life_kernel(ld, &why);

	if (store && !strcmp(store, want))
		return false;
	warnf("--life-path %s: %s", want, why ? why : "the kernel refused it");
	return true;
}

/*
 * Which views show UNIX sockets: table, watch and life, unless a filter
 * leaves them all out (-t, -u, -4, -6, a port, a TCP state).
 */
static bool want_unix(const struct options *o)
{
	return (o->cmd == CMD_TABLE || o->cmd == CMD_WATCH || o->cmd == CMD_LIFE) &&
	       filter_may_pass_unix(&o->f);
}

static bool want_inet(const struct options *o)
{
	return !o->f.protos || (o->f.protos & (SEL_TCP | SEL_UDP));
}

/*
 * watch or table without UDP sockets (-t, -x): the kernel sends none of
 * theirs. --metrics counts every socket whatever the lines show.
 */
static bool no_udp(const struct options *o)
{
	return (o->cmd == CMD_WATCH || o->cmd == CMD_TABLE) && o->f.protos &&
	       !(o->f.protos & SEL_UDP) && !o->metrics;
}

/* Everything up to the first poll: privileges, table, hooks, seed. */
static int run_open(struct run *r, const struct options *o, transition_sink sink)
{
	/* --metrics counts live sockets by state: every transition in the table */
	bool life_kernel = o->cmd == CMD_LIFE && o->life_path != LIFE_PATH_TABLE && !o->metrics;
	struct loader_cfg cfg = {
		.ringbuf_size = o->ringbuf_size,
		.family = o->f.family,
		.netns = o->f.netns,
		.wake_in_batches = true,
		.state_hook = o->state_hook,
		.hooks = o->hooks,
		.want_queue = o->cmd == CMD_REUSEPORT,
		/* a table reads UNIX sockets from snapshots: no hooks needed */
		.want_unix = want_unix(o) && o->cmd != CMD_TABLE,
		/* close() on every close costs TCP storms ~0.5 us a connection:
		 * only for an explicit -x; otherwise closes come from snapshots */
		.unix_close_hook = (o->f.protos & SEL_UNIX) != 0,
		.life_kernel = life_kernel,
		.tcp_ends_only = life_kernel,
		.no_udp = no_udp(o),
		.life_store = o->life_path,
		.life_capacity = o->max_sockets,
		.listeners_only = listeners_only(o),
	};
	/* a one-shot table prints one snapshot: hooks would only slow it down */
	bool hooks = o->cmd != CMD_TABLE || o->refresh_ns;
	void *sink_ctx = sink == discard_transition	     ? (void *)r
			 : sink == life_transition	     ? (void *)&r->life
			 : sink == reuseport_view_transition ? (void *)&r->rview
							     : &r->watch;
	unsigned int hz;
	int err;

	r->o = o;
	output_init(&r->out, stdout);
	r->line = (struct stream_line){.o = o, .out = &r->out};
	r->watch = (struct watch_view){.line = r->line};
	r->life = (struct life_view){.line = r->line};
	r->tview = (struct table_view){.o = o, .out = &r->out, .holders = &r->holders};
	r->rview = (struct reuseport_view){.o = o, .out = &r->out, .holders = &r->holders};
	/* before any BPF: a port in use or a bad --web-config fails at once */
	if (o->metrics && metrics_run_open(&r->metrics, o, &sink, &sink_ctx, mono_now_ns()))
		return -1;
	if (capture_open(&r->capture, r->out.mono_to_real_ns) || idle_poll_init(&r->idle))
		return -1;
	if (life_kernel && (life_gc_clock_init(&r->gc, mono_now_ns()) ||
			    life_gc_test_port(&cfg.test_lose_end_port)))
		return -1;
	r->life_gc = life_kernel;
	cfg.life_gc_age_ns = r->gc.age_ns;
	startup_heap_begin();
	r->tb = table_new(o->max_sockets, sink, sink_ctx);
	if (!r->tb) {
		warnf("cannot allocate the socket table");
		return -1;
	}
	hz = kernel_hz();
	table_set_hz(r->tb, hz);
	if (listeners_only(o))
		table_set_listeners_only(r->tb);
	install_signals();
	libbpf_set_verbosity(o->verbose);
	/* the iterators load on the other CPU while the hooks load here */
	r->snap_opening = snapshot_open_begin(&(struct snapshot_cfg){
		.seed = o->seed, .hz = hz, .listeners_only = listeners_only(o)});
	if (hooks && loader_open(&r->ld, &cfg, on_record, r))
		return -1;
	if (hooks)
		loader_set_ahead(r->ld, on_record_ahead, r);
	heal_pace_init(&r->pace, loader_ringbuf_size(r->ld), mono_now_ns());
	if (hooks && cfg.life_kernel && o->life_path != LIFE_PATH_AUTO &&
	    life_store_refused(r->ld, o))
		return -1;
	if (want_unix(o)) {
		r->ustream = (struct unix_stream){
			.line = r->line, .holders = &r->holders, .life = o->cmd == CMD_LIFE};
		r->ut = unix_table_new(sink == discard_transition ? NULL : unix_stream_event,
				       &r->ustream);
		if (!r->ut) {
			warnf("cannot allocate the UNIX socket table");
			return -1;
		}
	}
	if (take_snapshot(r, SNAP_TCP | SNAP_UDP | SNAP_UNIX | SNAP_FILES))
		return -1;
	/* without it (no memory) lines still name a holder that acts */
	r->hscan = holder_scan_new(r->snap);
	if (r->hscan) {
		struct holder_probe hp = holder_scan_probe(r->hscan);

		table_set_holder_probe(r->tb, &hp);
	}
	err = privs_drop_after_attach();
	if (err)
		warnf_errno(err, "cannot drop capabilities");
	/* the server's thread starts without capabilities */
	if (r->metrics &&
	    metrics_run_start(r->metrics, loader_rings(r->ld), loader_ringbuf_size(r->ld)))
		return -1;
	startup_heap_end();
	if (o->ready_file && (err = write_ready_file(o->ready_file))) {
		warnf_errno(err, "--ready-file %s", o->ready_file);
		return -1;
	}
	if (o->duration_ns)
		r->deadline = mono_now_ns() + o->duration_ns;
	r->gc.next_tick = mono_now_ns() + r->gc.every_ns;
	r->gc.last_pass = mono_now_ns();
	r->next_unix_snapshot = mono_now_ns() + UNIX_SNAPSHOT_NS;
	/* fentry and kprobe see every release; close() misses exits and last
	 * references dropped elsewhere */
	if (r->ut && r->ld) {
		const char *rel = loader_unix_release_hook(r->ld);

		r->unix_reconcile = !rel || !strcmp(rel, "close_syscall");
	}
	return 0;
}

static void run_summary(struct run *r)
{
	const struct table_stats *st = table_stats(r->tb);
	uint64_t spilled, spill_peak;

	/* kretprobes the kernel missed, made good by syscall exits: not a loss */
	if (r->reported.ret_rescued && r->o->verbose)
		warnf("%llu call returns the kernel's kretprobes missed came from syscall exits",
		      (unsigned long long)r->reported.ret_rescued);
	/* kernel_missed is their difference: both, to tell a skip its twin
	 * caught from an event that no program handled */
	if (r->o->verbose)
		warnf("the kernel skipped %llu runs of the programs (the state hook's twin's "
		      "left out); the twin caught %llu",
		      (unsigned long long)r->reported.skipped,
		      (unsigned long long)r->reported.rescued);
	fprintf(stderr, "summary: events=%llu lost=%llu kernel_missed=%llu sockets=%llu",
		(unsigned long long)r->records,
		(unsigned long long)(r->reported.rb_full + r->reported.map_full + r->bad_records +
				     st->full),
		(unsigned long long)r->reported.kernel_missed,
		(unsigned long long)st->sockets_seen);
	/* connections whose end no hook reported, told when socktrace learnt
	 * of it (their lines' end "unseen") */
	if (st->ends_unseen)
		fprintf(stderr, " ends_unseen=%llu", (unsigned long long)st->ends_unseen);
	/* lines made that never reached the reader (it stalled or left) */
	if (r->out.unwritten)
		fprintf(stderr, " unwritten=%llu", (unsigned long long)r->out.unwritten);
	/* records the consumer, behind, kept in its memory instead of the ring */
	loader_spill(r->ld, &spilled, &spill_peak);
	if (spilled)
		fprintf(stderr, " spilled=%llu spill_peak=%lluK", (unsigned long long)spilled,
			(unsigned long long)(spill_peak >> 10));
	fputc('\n', stderr);
}

static void run_close(struct run *r)
{
	metrics_run_close(r->metrics);
	loader_close(r->ld);
	/* after the loader: its last records are drained into the capture */
	capture_close(r->capture);
	r->capture = NULL;
	holder_scan_free(r->hscan);
	/* start-up failed before its snapshot: the opener is waited for (and
	 * r->snap stays NULL if opening failed too) */
	if (r->snap_opening)
		snapshot_open_end(r->snap_opening, &r->snap);
	snapshot_close(r->snap);
	holders_free(&r->holders);
	table_view_free(&r->tview);
	reuseport_view_free(&r->rview);
	table_free(r->tb);
	unix_table_free(r->ut);
	output_free(&r->out);
}

static void run_life_gc(struct run *r)
{
	/* a failed pass leaves dead entries in the map, not the run wrong */
	int gc = loader_life_gc(r->ld);

	if (gc && !r->life_gc_failed)
		warnf_errno(gc, "collecting life's ended connections in the kernel");
	r->life_gc_failed |= gc != 0;
}

/* Poll once (first_wakes: loader_poll()'s); keep time-driven state and loss reports current. */
static int run_step(struct run *r, int timeout_ms, bool first_wakes)
{
	uint64_t now, loss_every;
	int err = loader_poll(r->ld, timeout_ms, first_wakes);

	if (err < 0) {
		warnf_errno(err, "ring buffer");
		return -1;
	}
	idle_poll_seen(&r->idle, err);
	now = mono_now_ns();
	heal_pace_tick(&r->pace, now);
	/* a reader that left while nothing was written: end as on EPIPE (an
	 * idle poll, rare, was maybe ended by that: loader_wake_on_error()) */
	if (first_wakes || now >= r->next_reader_check) {
		if (!r->out.failed && write_peer_gone(fileno(r->out.f))) {
			r->out.failed = true;
			r->out.err = EPIPE;
		}
		r->next_reader_check = now + READER_CHECK_NS;
	}
	table_tick(r->tb, now);
	if (r->ut)
		unix_table_tick(r->ut, now);
	loss_every = r->records != r->records_at_loss_check ? LOSS_CHECK_NS : LOSS_CHECK_IDLE_NS;
	if (now >= r->last_loss_check + loss_every) {
		report_loss(r);
		r->last_loss_check = now;
		r->records_at_loss_check = r->records;
	}
	if (r->metrics) {
		const struct table_stats *st = table_stats(r->tb);
		uint64_t spilled, spill_peak;
		struct metrics_health h = {
			.events = r->records,
			.bad_records = r->bad_records,
			.rb_full = r->reported.rb_full,
			.map_full = r->reported.map_full,
			.table_full = st->full,
			.kernel_missed = r->reported.kernel_missed,
			.table_capacity = r->o->max_sockets,
			.spill_recent = loader_spill_recent(r->ld),
		};

		loader_spill(r->ld, &spilled, &spill_peak);
		h.spilled = spilled;
		metrics_run_step(r->metrics, r->tb, &h, now);
	}
	/* a UNIX socket whose last holder exited (or, without a release hook, closed)
	 * ends in a snapshot that no longer has it: its close is derived from that */
	if (r->ut && r->stream && r->unix_reconcile && now >= r->next_unix_snapshot &&
	    (err < POLL_BUSY || now >= r->next_unix_snapshot + BUSY_MAX_WAIT_NS)) {
		r->next_unix_snapshot = now + UNIX_SNAPSHOT_NS;
		/* sockets only: holders from the start-up pass are enough for names
		 * (an entry events made names its owner), and a task_file pass
		 * every 2 s would cost a storm one record per open socket */
		if (take_snapshot(r, SNAP_UNIX))
			return -1;
	}
	/* Passes are rare while few entries are dead, never stopped: a
	 * connection kept in the kernel sends nothing until its end, and one
	 * whose end no hook saw sends nothing at all (life_gc.h). */
	if (r->life_gc && now >= r->gc.next_tick &&
	    (err < POLL_BUSY || now >= r->gc.next_tick + BUSY_MAX_WAIT_NS) &&
	    life_gc_due(&r->gc, now, loader_life_dead(r->ld)))
		run_life_gc(r);
	/* lost events leave the table wrong: heal it from the kernel, at most once
	 * a second, and not while a storm would overflow the ring meanwhile */
	if (r->lost_since_reconcile && !r->pace.wanted)
		r->pace.wanted = now;
	if (r->lost_since_reconcile && now >= r->next_reconcile &&
	    heal_pace_may_run(&r->pace, now, table_stats(r->tb)->entries)) {
		uint64_t took;

		r->lost_since_reconcile = false;
		r->pace.wanted = 0;
		if (take_snapshot(r, SNAP_TCP | SNAP_UDP | SNAP_UNIX))
			return -1;
		/* a snapshot of many sockets is costly: at most a tenth of the time,
		 * or a storm's losses would buy snapshots that cause more losses */
		took = mono_now_ns() - now;
		r->next_reconcile = now + (took * 10 > 1000000000ull ? took * 10 : 1000000000ull);
	}
	/* a poll that brought records is followed by another at once */
	output_flush_due(&r->out, err == 0, now);
	return 0;
}

/* A signal, a reader gone, or --duration spent: time to stop. */
static bool run_over(const struct run *r)
{
	return stop_signal || r->out.failed || (r->deadline && mono_now_ns() >= r->deadline);
}

/* Poll until the time comes or the run is over. 0, or -1 on an error. */
static int run_until(struct run *r, uint64_t until)
{
	while (!run_over(r) && mono_now_ns() < until)
		if (run_step(r, POLL_MS, false))
			return -1;
	return 0;
}

static uint64_t earlier(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/*
 * A stream's next poll (idle_poll.h). Metrics are published at every poll:
 * a run that serves them polls as while records come.
 */
static int stream_poll_ms(const struct run *r, bool *first_wakes)
{
	uint64_t due = table_next_due(r->tb);
	bool busy = r->out.held || r->metrics || r->lost_since_reconcile;

	if (r->deadline)
		due = earlier(due, r->deadline);
	if (r->life_gc)
		due = earlier(due, r->gc.next_tick);
	if (r->ut && r->unix_reconcile)
		due = earlier(due, r->next_unix_snapshot);
	if (r->ut)
		due = earlier(due, unix_table_next_due(r->ut));
	return idle_poll_ms(&r->idle, mono_now_ns(), busy, due, first_wakes);
}

/* watch and life: a stream of lines until stopped, a count, or a duration. */
static int cmd_stream(const struct options *o)
{
	bool life = o->cmd == CMD_LIFE;
	struct run r = {0};
	const uint64_t *shown = life ? &r.life.shown : &r.watch.shown;
	int status = 0;

	r.stream = true;
	if (run_open(&r, o, life ? life_transition : watch_transition)) {
		run_close(&r);
		return 1;
	}
	if (!want_inet(o))
		unix_stream_header(&r.ustream);
	else if (life)
		life_header(&r.life);
	else
		watch_header(&r.watch);
	output_flush(&r.out);
	/* an idle run sleeps long: a reader's leaving ends the sleep (a file
	 * has no reader: nothing to do) */
	if (r.ld)
		loader_wake_on_error(r.ld, fileno(r.out.f));
	while (!run_over(&r)) {
		bool first_wakes;
		int ms = stream_poll_ms(&r, &first_wakes);

		if (run_step(&r, ms, first_wakes)) {
			status = 1;
			break;
		}
		if (o->count && *shown + r.ustream.shown >= o->count)
			break;
	}
	/* what is already in the ring buffer was traced: show it (or, with
	 * the output gone, count it as not written) */
	if (!(o->count && *shown + r.ustream.shown >= o->count)) {
		/* connections whose sockets left unseen, as a pass would tell them */
		if (r.life_gc)
			run_life_gc(&r);
		loader_poll(r.ld, 0, false);
		table_flush(r.tb);
		if (r.ut)
			unix_table_flush(r.ut);
	}
	report_final_loss(&r);
	output_flush(&r.out);
	status = status ? status : output_status(&r.out);
	run_summary(&r);
	run_close(&r);
	return status;
}

static int cmd_table(const struct options *o)
{
	struct run r = {0};
	int status = 0;

	if (run_open(&r, o, discard_transition)) {
		run_close(&r);
		return 1;
	}
	for (;;) {
		/* events first, then the kernel's view of queues and holders */
		if ((r.ld && run_step(&r, 0, false)) ||
		    (want_inet(o) && table_view_print(&r.tview, r.tb, mono_now_ns()))) {
			status = 1;
			break;
		}
		if (r.ut) {
			/* as netstat: the second section after a blank line */
			if (want_inet(o) && !o->json && !o->no_header) {
				sb_puts(&r.out.sb, "");
				output_line(&r.out);
			}
			if (unix_view_print(&r.tview, r.ut, mono_now_ns())) {
				status = 1;
				break;
			}
		}
		output_flush(&r.out);
		if (!o->refresh_ns || r.out.failed)
			break;
		if (run_until(&r, mono_now_ns() + o->refresh_ns)) {
			status = 1;
			break;
		}
		if (run_over(&r))
			break;
		if (take_snapshot(&r, SNAP_TCP | SNAP_UDP | SNAP_UNIX | SNAP_FILES)) {
			status = 1;
			break;
		}
		if (!o->json) {
			sb_puts(&r.out.sb, "");
			output_line(&r.out);
		}
	}
	status = status ? status : output_status(&r.out);
	if (o->refresh_ns)
		run_summary(&r);
	run_close(&r);
	return status;
}

/* Reports every interval, and a final one at exit. */
static int cmd_reuseport(const struct options *o)
{
	struct run r = {0};
	int status = 0;

	if (run_open(&r, o, reuseport_view_transition)) {
		run_close(&r);
		return 1;
	}
	r.rview.queue_exact = loader_queue_hook(r.ld) != NULL;
	for (;;) {
		bool final;

		if (run_until(&r, mono_now_ns() + o->interval_ns))
			status = 1;
		final = status || run_over(&r);
		/* the report at exit needs a whole snapshot, signal or not */
		if (final)
			snapshot_set_stop_flag(NULL);
		/* queues, drops and holders are the kernel's: read them fresh */
		if (!r.out.failed &&
		    (take_snapshot(&r, SNAP_TCP | SNAP_FILES) || run_step(&r, 0, false) ||
		     reuseport_view_print(&r.rview, r.tb, mono_now_ns(), final)))
			status = 1;
		output_flush(&r.out);
		if (final || status)
			break;
	}
	status = status ? status : output_status(&r.out);
	run_summary(&r);
	run_close(&r);
	return status;
}

/* serve: no output; metrics until stopped or --duration. Listener queues are
 * the kernel's: a TCP snapshot every --interval keeps them current. */
static int cmd_serve(const struct options *o)
{
	struct run r = {0};
	int status = 0;

	if (run_open(&r, o, discard_transition)) {
		run_close(&r);
		return 1;
	}
	while (!run_over(&r)) {
		/* a snapshot a signal cut short is no failure */
		if (run_until(&r, mono_now_ns() + o->interval_ns) ||
		    (!run_over(&r) && take_snapshot(&r, SNAP_TCP) && !run_over(&r))) {
			status = 1;
			break;
		}
	}
	report_final_loss(&r);
	run_summary(&r);
	run_close(&r);
	return status;
}

/*
 * What --help and --version printed: all of it, or an error and 1. errno was
 * cleared before they printed: a failed write's is the one left.
 */
static int stdout_status(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warnf_errno(errno ? errno : EIO, "writing output");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	/* first: before anything opens a descriptor that would take their place */
	unsigned int closed = std_fds_fill_closed();
	struct options o;
	char missing[64];
	int ret = options_parse(argc, argv, &o);

	if (ret)
		return ret;
	/* serve alone writes no lines: a supervisor may well start it so */
	if ((closed & STD_FD_BIT(STDOUT_FILENO)) && o.cmd != CMD_SERVE) {
		warnf("stdout is closed: nowhere to write the output (redirect it to a "
		      "file, or to /dev/null)");
		return 1;
	}
	loader_set_btf(o.btf);
	errno = 0;
	if (o.cmd == CMD_HELP) {
		options_usage(stdout);
		return stdout_status();
	}
	if (o.cmd == CMD_VERSION) {
		printf("socktrace " SOCKTRACE_VERSION "\n");
		return stdout_status();
	}
	/* every other command loads BPF programs */
	if (privs_check(missing, sizeof(missing))) {
		warnf("missing capabilities %s (run as root)", missing);
		return 1;
	}
	switch (o.cmd) {
	case CMD_WATCH:
	case CMD_LIFE:
		return cmd_stream(&o);
	case CMD_TABLE:
		return cmd_table(&o);
	case CMD_REUSEPORT:
		return cmd_reuseport(&o);
	case CMD_SERVE:
		return cmd_serve(&o);
	case CMD_FEATURES:
		return features_report(&o);
	default:
		warnf("this command is not available yet");
		return 2;
	}
}
