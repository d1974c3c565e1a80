#include "loader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "socktrace_abi.h"

#include "trace.skel.h"

struct loader {
	struct trace_bpf *skel;
	struct ring_buffer *rb;
	record_fn fn;
	void *ctx;
	const char *state_hook;
	const char *call_hook;
};

static int verbosity;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if ((level == LIBBPF_WARN && verbosity >= 1) || verbosity >= 2)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

void libbpf_set_verbosity(int verbose)
{
	verbosity = verbose;
	libbpf_set_print(print_libbpf);
}

#define TRACEFS "/sys/kernel/tracing"
#define DEBUGFS_TRACING "/sys/kernel/debug/tracing"

int ensure_tracefs(void)
{
	struct stat st;

	/* libbpf looks in debugfs first, then tracefs; either one will do */
	if (stat(DEBUGFS_TRACING "/events", &st) == 0 || stat(TRACEFS "/events", &st) == 0)
		return 0;
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL) && errno != EBUSY)
		return -errno;
	return stat(TRACEFS "/events", &st) == 0 ? 0 : -ENOENT;
}

static int on_sample(void *ctx, void *data, size_t len)
{
	struct loader *l = ctx;

	return l->fn(l->ctx, data, len);
}

static const char *hook_name(enum hook_choice h)
{
	switch (h) {
	case HOOK_TP_BTF:
		return "tp_btf";
	case HOOK_TRACEPOINT:
		return "tracepoint";
	case HOOK_FENTRY:
		return "fentry";
	case HOOK_KPROBE:
		return "kprobe";
	default:
		return "auto";
	}
}

/* Open, configure and load one skeleton with the given state hook. */
static int load_with(struct loader *l, const struct loader_cfg *cfg, enum hook_choice state)
{
	struct trace_bpf *skel = trace_bpf__open();
	int err;

	if (!skel)
		return -errno;
	skel->rodata->filter_family = cfg->family;
	skel->rodata->filter_netns = cfg->netns;
	skel->rodata->wakeup_bytes = cfg->wakeup_bytes;
	bpf_program__set_autoload(skel->progs.state_btf, state == HOOK_TP_BTF);
	bpf_program__set_autoload(skel->progs.state_tp, state == HOOK_TRACEPOINT);
	err = bpf_map__set_max_entries(skel->maps.events, (__u32)cfg->ringbuf_size);
	if (!err)
		err = trace_bpf__load(skel);
	if (err) {
		trace_bpf__destroy(skel);
		return err;
	}
	l->skel = skel;
	l->state_hook = hook_name(state);
	return 0;
}

int loader_open(struct loader **out, const struct loader_cfg *cfg, record_fn fn, void *ctx)
{
	struct loader *l = calloc(1, sizeof(*l));
	int err;

	if (!l)
		return -ENOMEM;
	l->fn = fn;
	l->ctx = ctx;

	if (cfg->hooks == HOOK_FENTRY || cfg->hooks == HOOK_KPROBE) {
		fprintf(stderr, "socktrace: --hooks %s: not built into this socktrace yet; "
				"use --hooks tracepoint\n",
			hook_name(cfg->hooks));
		err = -EOPNOTSUPP;
		goto fail;
	}
	/* syscall tracepoints (accept, connect) need tracefs */
	err = ensure_tracefs();
	if (err) {
		fprintf(stderr, "socktrace: cannot mount tracefs at " TRACEFS ": %s\n",
			strerror(-err));
		goto fail;
	}
	l->call_hook = "tracepoint";

	if (cfg->state_hook == HOOK_AUTO) {
		err = load_with(l, cfg, HOOK_TP_BTF);
		if (err)
			err = load_with(l, cfg, HOOK_TRACEPOINT);
	} else {
		err = load_with(l, cfg, cfg->state_hook);
	}
	if (err) {
		fprintf(stderr, "socktrace: cannot load BPF programs (state hook %s): %s%s\n",
			hook_name(cfg->state_hook), strerror(-err),
			cfg->state_hook == HOOK_AUTO ? "" : " (try --state-hook auto)");
		goto fail;
	}
	/* the skeleton skips programs whose autoload is off */
	err = trace_bpf__attach(l->skel);
	if (err) {
		fprintf(stderr, "socktrace: cannot attach BPF programs: %s (-v tells which)\n",
			strerror(-err));
		goto fail;
	}
	l->rb = ring_buffer__new(bpf_map__fd(l->skel->maps.events), on_sample, l, NULL);
	if (!l->rb) {
		err = -errno;
		fprintf(stderr, "socktrace: cannot open the ring buffer: %s\n", strerror(-err));
		goto fail;
	}
	*out = l;
	return 0;
fail:
	loader_close(l);
	return err;
}

int loader_poll(struct loader *l, int timeout_ms)
{
	int n = ring_buffer__poll(l->rb, timeout_ms), m;

	if (n < 0 && n != -EINTR)
		return n;
	/* without a wake-up, records wait for us: take them all now */
	m = ring_buffer__consume(l->rb);
	if (m < 0 && m != -EINTR)
		return m;
	return (n > 0 ? n : 0) + (m > 0 ? m : 0);
}

void loader_loss(struct loader *l, struct loss *loss)
{
	struct bpf_program *prog;

	loss->rb_full = __atomic_load_n(&l->skel->bss->counters.rb_full, __ATOMIC_RELAXED);
	loss->map_full = __atomic_load_n(&l->skel->bss->counters.map_full, __ATOMIC_RELAXED);
	loss->kernel_missed = 0;
	bpf_object__for_each_program(prog, l->skel->obj)
	{
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			loss->kernel_missed += info.recursion_misses;
	}
}

const char *loader_state_hook(const struct loader *l)
{
	return l->state_hook;
}

const char *loader_call_hook(const struct loader *l)
{
	return l->call_hook;
}

void loader_close(struct loader *l)
{
	if (!l)
		return;
	ring_buffer__free(l->rb);
	trace_bpf__destroy(l->skel);
	free(l);
}
