// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "kernel_features.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "kconfig.h"
#include "loader.h"
#include "probe.skel.h"
#include "snapshot.h"

static const char *const probe_names[KF_PROBES] = {
	[KF_FENTRY] = "fentry",		[KF_KPROBE] = "kprobe", [KF_TP_BTF] = "tp_btf",
	[KF_TRACEPOINT] = "tracepoint", [KF_ITER] = "iter",	[KF_CGROUP] = "cgroup",
};

/* Load and attach one probe program alone. */
static void try_probe(struct kf_probe_result *p, const char *prog_name)
{
	struct probe_bpf *skel = probe_bpf__open_opts(loader_open_opts());
	struct bpf_program *prog, *want = NULL;
	struct bpf_link *link = NULL;
	int err, cgfd = -1;

	if (!skel) {
		snprintf(p->why, sizeof(p->why), "open: %s", strerror(errno));
		return;
	}
	bpf_object__for_each_program(prog, skel->obj)
	{
		bool me = strcmp(bpf_program__name(prog), prog_name) == 0;

		bpf_program__set_autoload(prog, me);
		if (me)
			want = prog;
	}
	if (strcmp(p->name, "tracepoint") == 0 && (err = ensure_tracefs())) {
		snprintf(p->why, sizeof(p->why), "tracefs: %s", strerror(-err));
		goto out;
	}
	err = probe_bpf__load(skel);
	if (err) {
		snprintf(p->why, sizeof(p->why), "load: %s", strerror(-err));
		goto out;
	}
	if (strcmp(p->name, "cgroup") == 0) {
		cgfd = open_cgroup2_root();
		if (cgfd < 0) {
			snprintf(p->why, sizeof(p->why), "cgroup v2: %s", strerror(-cgfd));
			goto out;
		}
		link = bpf_program__attach_cgroup(want, cgfd);
	} else if (strcmp(p->name, "iter") == 0) {
		link = bpf_program__attach_iter(want, NULL);
	} else {
		link = bpf_program__attach(want);
	}
	if (!link)
		snprintf(p->why, sizeof(p->why), "attach: %s", strerror(errno));
	p->ok = link != NULL;
out:
	bpf_link__destroy(link);
	if (cgfd >= 0)
		close(cgfd);
	probe_bpf__destroy(skel);
}

static int discard(void *ctx, void *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return 0;
}

void kernel_features_probe(struct kernel_features *kf, const struct options *o)
{
	struct loader_cfg cfg = {
		.ringbuf_size = 1 << 16, .hooks = o->hooks, .state_hook = o->state_hook};
	struct snapshot_cfg scfg = {.seed = o->seed, .hz = kernel_hz()};
	struct loader *ld = NULL;
	struct snapshot *snap = NULL;
	size_t i;

	*kf = (struct kernel_features){0};
	kf->btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0 ? "/sys/kernel/btf/vmlinux" : NULL;
	kf->ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1;
	for (i = 0; i < KF_PROBES; i++) {
		char prog[32];

		kf->probes[i].name = probe_names[i];
		snprintf(prog, sizeof(prog), "probe_%s", probe_names[i]);
		try_probe(&kf->probes[i], prog);
	}
	if (loader_open(&ld, &cfg, discard, NULL) == 0) {
		const char *why = "";

		kf->state = loader_state_hook(ld);
		kf->calls = loader_call_hook(ld);
		kf->sock_from_fd = loader_sock_from_fd(ld);
		kf->cgroup = loader_cgroup(ld, &why);
		snprintf(kf->cgroup_why, sizeof(kf->cgroup_why), "%s", why);
	}
	if (snapshot_open(&snap, &scfg) == 0) {
		kf->seed_sockets = snapshot_socket_source(snap);
		kf->seed_holders = snapshot_holder_source(snap);
	}
	uname(&kf->uts);
	loader_close(ld);
	snapshot_close(snap);
}
