// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "kernel_features.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "kconfig.h"
#include "loader.h"
#include "probe.skel.h"
#include "snapshot.h"

/* Each probe's program as a skeleton member, so a renamed program fails to
 * compile instead of failing to probe. */
#define PROBE(kind, member) [kind] = {#member, offsetof(struct probe_bpf, progs.probe_##member)}
static const struct {
	const char *name;
	size_t prog_off;
} probes[KF_PROBES] = {
	PROBE(KF_FENTRY, fentry),	  PROBE(KF_KPROBE, kprobe), PROBE(KF_TP_BTF, tp_btf),
	PROBE(KF_TRACEPOINT, tracepoint), PROBE(KF_ITER, iter),	    PROBE(KF_CGROUP, cgroup),
};

static struct bpf_program *probe_prog(struct probe_bpf *skel, size_t i)
{
	return *(struct bpf_program **)((char *)skel + probes[i].prog_off);
}

/* Load and attach one probe program alone. */
static void try_probe(struct kf_probe_result *p, size_t kind)
{
	struct probe_bpf *skel = probe_bpf__open_opts(loader_open_opts());
	struct bpf_program *prog, *want;
	struct bpf_link *link = NULL;
	int err, cgfd = -1;

	if (!skel) {
		snprintf(p->why, sizeof(p->why), "open: %s", strerror(errno));
		return;
	}
	want = probe_prog(skel, kind);
	bpf_object__for_each_program(prog, skel->obj) bpf_program__set_autoload(prog, prog == want);
	if (kind == KF_TRACEPOINT && (err = ensure_tracefs())) {
		snprintf(p->why, sizeof(p->why), "tracefs: %s", strerror(-err));
		goto out;
	}
	err = probe_bpf__load(skel);
	if (err) {
		snprintf(p->why, sizeof(p->why), "load: %s", strerror(-err));
		goto out;
	}
	if (kind == KF_CGROUP) {
		cgfd = open_cgroup2_root();
		if (cgfd < 0) {
			snprintf(p->why, sizeof(p->why), "cgroup v2: %s", strerror(-cgfd));
			goto out;
		}
		link = bpf_program__attach_cgroup(want, cgfd);
	} else if (kind == KF_ITER) {
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
	struct loader_cfg cfg = {.ringbuf_size = 1 << 16,
				 .hooks = o->hooks,
				 .state_hook = o->state_hook,
				 .want_unix = true,
				 .unix_close_hook = (o->f.protos & SEL_UNIX) != 0,
				 .life_kernel = o->life_path != LIFE_PATH_TABLE,
				 .life_store = o->life_path,
				 .life_capacity = o->max_sockets};
	struct snapshot_cfg scfg = {.seed = o->seed, .hz = kernel_hz()};
	struct loader *ld = NULL;
	struct snapshot *snap = NULL;
	size_t i;

	*kf = (struct kernel_features){0};
	kf->btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0 ? "/sys/kernel/btf/vmlinux" : NULL;
	kf->ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1;
	for (i = 0; i < KF_PROBES; i++) {
		kf->probes[i].name = probes[i].name;
		try_probe(&kf->probes[i], i);
	}
	if (loader_open(&ld, &cfg, discard, NULL) == 0) {
		const char *why = "";

		kf->state = loader_state_hook(ld);
		kf->calls = loader_call_hook(ld);
		kf->sock_from_fd = loader_sock_from_fd(ld);
		kf->syn_port = loader_syn_port(ld);
		kf->call_args = loader_call_args(ld);
		kf->mptcp = loader_mptcp_hook(ld);
		if (loader_mptcp_fallback(ld))
			snprintf(kf->mptcp_why, sizeof(kf->mptcp_why), "%s",
				 loader_mptcp_fallback(ld));
		if (loader_state_fallback(ld))
			snprintf(kf->state_why, sizeof(kf->state_why), "%s",
				 loader_state_fallback(ld));
		if (loader_calls_fallback(ld))
			snprintf(kf->calls_why, sizeof(kf->calls_why), "%s",
				 loader_calls_fallback(ld));
		kf->life_kernel = loader_life_kernel(ld, &why);
		kf->life_capacity = loader_life_capacity(ld);
		snprintf(kf->life_why, sizeof(kf->life_why), "%s",
			 why				   ? why
			 : o->life_path == LIFE_PATH_TABLE ? "--life-path table"
							   : "");
		kf->cgroup = loader_cgroup(ld, &why);
		kf->unix_close = loader_unix_release_hook(ld);
		kf->unix_calls = loader_unix_calls(ld);
		kf->unix_call_args = loader_unix_call_args(ld);
		snprintf(kf->cgroup_why, sizeof(kf->cgroup_why), "%s", why);
	}
	if (snapshot_open(&snap, &scfg) == 0) {
		kf->seed_sockets = snapshot_socket_source(snap);
		kf->seed_holders = snapshot_holder_source(snap);
		if (snapshot_fallback(snap))
			snprintf(kf->seed_why, sizeof(kf->seed_why), "%s", snapshot_fallback(snap));
		kf->seed_unix = snapshot_unix_source(snap);
	}
	uname(&kf->uts);
	loader_close(ld);
	snapshot_close(snap);
}
