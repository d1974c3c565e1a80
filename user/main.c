/*
 * socktrace: hook -> event -> table -> view. This file wires them together
 * and owns the process: signals, the poll loop, the exit summary.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode.h"
#include "loader.h"
#include "options.h"
#include "output.h"
#include "privs.h"
#include "table.h"
#include "view_watch.h"

#define SOCKTRACE_VERSION "0.1.0"
#define POLL_MS 50
#define LOSS_CHECK_NS (100ull * 1000000ull)

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

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
	struct output out;
	struct watch_view watch;
	struct loader *ld;
	uint64_t records;
	uint64_t bad_records;
	struct loss reported; /* what the stream has already been told */
};

static int on_record(void *ctx, void *data, size_t len)
{
	struct run *r = ctx;
	__u32 type;

	if (decode_record(data, len, &type) != DECODE_OK) {
		r->bad_records++;
		return 0;
	}
	r->records++;
	switch (type) {
	case ST_REC_STATE:
		table_apply_state(r->tb, data);
		break;
	case ST_REC_ACCEPT:
	case ST_REC_CONNECT:
		table_apply_call(r->tb, data);
		break;
	default:
		r->bad_records++; /* snapshot records never come through the ring */
		break;
	}
	return 0;
}

/* Tell the stream about every loss as soon as it is seen. */
static void report_loss(struct run *r)
{
	struct loss now;
	uint64_t ts = mono_now_ns();

	loader_loss(r->ld, &now);
	if (now.rb_full > r->reported.rb_full)
		watch_lost(&r->watch, ts, now.rb_full - r->reported.rb_full, "ringbuf");
	if (now.kernel_missed > r->reported.kernel_missed)
		watch_lost(&r->watch, ts, now.kernel_missed - r->reported.kernel_missed,
			   "kernel_missed");
	if (now.map_full > r->reported.map_full)
		watch_lost(&r->watch, ts, now.map_full - r->reported.map_full, "map_full");
	r->reported = now;
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

static int open_tracer(struct run *r)
{
	struct loader_cfg cfg = {
		.ringbuf_size = r->o->ringbuf_size,
		.family = r->o->f.family,
		.netns = r->o->f.netns,
		.wakeup_bytes = (uint32_t)(r->o->ringbuf_size / 8),
		.state_hook = r->o->state_hook,
		.hooks = r->o->hooks,
	};
	char missing[64];

	if (privs_check(missing, sizeof(missing))) {
		fprintf(stderr, "socktrace: missing capabilities %s (run as root)\n", missing);
		return -EPERM;
	}
	libbpf_set_verbosity(r->o->verbose);
	return loader_open(&r->ld, &cfg, on_record, r);
}

static int cmd_watch(const struct options *o)
{
	struct run r = { .o = o };
	uint64_t start, deadline = 0, next_loss = 0, now;
	int err, status = 0;

	output_init(&r.out, stdout);
	r.watch = (struct watch_view){ .o = o, .out = &r.out };
	r.tb = table_new(o->max_sockets, watch_transition, &r.watch);
	if (!r.tb) {
		fprintf(stderr, "socktrace: cannot allocate the socket table\n");
		return 1;
	}
	install_signals();
	err = open_tracer(&r);
	if (err) {
		table_free(r.tb);
		return 1;
	}
	if (o->ready_file && (err = write_ready_file(o->ready_file))) {
		fprintf(stderr, "socktrace: --ready-file %s: %s\n", o->ready_file, strerror(-err));
		status = 1;
		goto out;
	}
	watch_header(&r.watch);
	output_flush(&r.out);

	start = mono_now_ns();
	if (o->duration_ns)
		deadline = start + o->duration_ns;
	while (!stop_signal && !r.out.failed) {
		err = loader_poll(r.ld, POLL_MS);
		if (err < 0) {
			fprintf(stderr, "socktrace: ring buffer: %s\n", strerror(-err));
			status = 1;
			break;
		}
		now = mono_now_ns();
		table_tick(r.tb, now);
		if (now >= next_loss) {
			report_loss(&r);
			next_loss = now + LOSS_CHECK_NS;
		}
		output_flush(&r.out);
		if (o->count && r.watch.shown >= o->count)
			break;
		if (deadline && now >= deadline)
			break;
	}
	/* what is already in the ring buffer was traced: show it */
	if (!r.out.failed && !(o->count && r.watch.shown >= o->count)) {
		loader_poll(r.ld, 0);
		table_flush(r.tb);
	}
	report_loss(&r);
	output_flush(&r.out);
out:
	if (r.out.failed && errno != EPIPE) {
		fprintf(stderr, "socktrace: writing output: %s\n", strerror(errno));
		status = 1;
	}
	fprintf(stderr, "summary: events=%llu lost=%llu kernel_missed=%llu sockets=%llu\n",
		(unsigned long long)r.records,
		(unsigned long long)(r.reported.rb_full + r.reported.map_full + r.bad_records +
				     table_stats(r.tb)->full),
		(unsigned long long)r.reported.kernel_missed,
		(unsigned long long)table_stats(r.tb)->sockets_seen);
	loader_close(r.ld);
	table_free(r.tb);
	return status;
}

int main(int argc, char **argv)
{
	struct options o;
	int ret = options_parse(argc, argv, &o);

	if (ret)
		return ret;
	switch (o.cmd) {
	case CMD_HELP:
		options_usage(stdout);
		return 0;
	case CMD_VERSION:
		printf("socktrace " SOCKTRACE_VERSION "\n");
		return 0;
	case CMD_WATCH:
		return cmd_watch(&o);
	default:
		fprintf(stderr, "socktrace: this command is not available yet\n");
		return 2;
	}
}
