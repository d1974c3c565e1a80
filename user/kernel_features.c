#include "kernel_features.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "escape.h"
#include "kconfig.h"
#include "loader.h"
#include "output.h"
#include "probe.skel.h"
#include "snapshot.h"

struct probe {
	const char *name;
	bool ok;
	char why[96];
};

/* Load and attach one probe program alone. */
static void try_probe(struct probe *p, const char *prog_name)
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

int features_report(const struct options *o)
{
	struct probe probes[] = {
		{.name = "fentry"},	{.name = "kprobe"}, {.name = "tp_btf"},
		{.name = "tracepoint"}, {.name = "iter"},   {.name = "cgroup"},
	};
	struct loader_cfg cfg = {
		.ringbuf_size = 1 << 16, .hooks = o->hooks, .state_hook = o->state_hook};
	const char *btf =
		access("/sys/kernel/btf/vmlinux", R_OK) == 0 ? "/sys/kernel/btf/vmlinux" : NULL;
	bool ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1;
	const char *state = NULL, *calls = NULL, *from_fd = NULL, *cg_why = "";
	struct loader *ld = NULL;
	struct snapshot_cfg scfg = {.seed = o->seed, .hz = kernel_hz()};
	struct snapshot *snap = NULL;
	const char *seed = NULL, *holders = NULL;
	struct utsname u;
	struct output out = {0};
	struct sbuf *sb = &out.sb;
	bool cg = false;
	size_t i;

	libbpf_set_verbosity(o->verbose);
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		char prog[32];

		snprintf(prog, sizeof(prog), "probe_%s", probes[i].name);
		try_probe(&probes[i], prog);
	}
	if (loader_open(&ld, &cfg, discard, NULL) == 0) {
		state = loader_state_hook(ld);
		calls = loader_call_hook(ld);
		from_fd = loader_sock_from_fd(ld);
		cg = loader_cgroup(ld, &cg_why);
	}
	if (snapshot_open(&snap, &scfg) == 0) {
		seed = snapshot_socket_source(snap);
		holders = snapshot_holder_source(snap);
	}
	uname(&u);
	output_init(&out, stdout);

	if (o->json) {
		sb_puts(sb, "{\"kernel\":");
		sb_put_json_string(sb, u.release, sizeof(u.release));
		sb_puts(sb, ",\"btf\":");
		if (btf)
			sb_put_json_string(sb, btf, 64);
		else
			sb_puts(sb, "null");
		sb_puts(sb, ",\"available\":{");
		for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
			sb_printf(sb, "\"%s\":%s,", probes[i].name,
				  probes[i].ok ? "true" : "false");
		sb_printf(sb, "\"ringbuf\":%s},\"unavailable_because\":{",
			  ringbuf ? "true" : "false");
		for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
			if (probes[i].ok)
				continue;
			sb_printf(sb, "%s\"%s\":", sb->buf[sb->len - 1] == '{' ? "" : ",",
				  probes[i].name);
			sb_put_json_string(sb, probes[i].why, sizeof(probes[i].why));
		}
		sb_puts(sb, "},\"hooks\":");
		if (state) {
			sb_printf(sb,
				  "{\"state\":\"%s\",\"bind\":\"%s\",\"listen\":\"%s\",\"accept\":"
				  "\"%s\","
				  "\"connect\":\"%s\",\"udp_close\":\"%s\",\"sock_from_fd\":",
				  state, calls, calls, calls, calls, cg ? "cgroup" : "snapshot");
			if (from_fd)
				sb_printf(sb, "\"%s\"}", from_fd);
			else
				sb_puts(sb, "null}");
		} else
			sb_puts(sb, "null");
		sb_puts(sb, ",\"seed\":");
		if (seed)
			sb_printf(sb, "{\"sockets\":\"%s\",\"holders\":\"%s\"}", seed, holders);
		else
			sb_puts(sb, "null");
		sb_putc(sb, '}');
		output_line(&out);
	} else {
		sb_printf(sb, "kernel     %s", u.release);
		output_line(&out);
		sb_printf(sb, "btf        %s", btf ? btf : "none (CO-RE needs kernel BTF)");
		output_line(&out);
		for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
			sb_printf(sb, "%-10s %s", probes[i].name, probes[i].ok ? "yes" : "no");
			if (!probes[i].ok)
				sb_printf(sb, " (%s)", probes[i].why);
			output_line(&out);
		}
		sb_printf(sb, "%-10s %s", "ringbuf", ringbuf ? "yes" : "no");
		output_line(&out);
		if (state) {
			sb_printf(sb,
				  "hooks      state=%s bind=%s listen=%s accept=%s connect=%s "
				  "udp_close=%s",
				  state, calls, calls, calls, calls, cg ? "cgroup" : "snapshot");
			if (from_fd)
				sb_printf(sb, " sock_from_fd=%s", from_fd);
		} else {
			sb_puts(sb, "hooks      none: socktrace cannot run here");
		}
		output_line(&out);
		if (seed) {
			sb_printf(sb, "seed       sockets=%s holders=%s", seed, holders);
			output_line(&out);
		}
		if (!cg && state) {
			sb_puts(sb, "           (no cgroup hooks: ");
			sb_put_text_escaped(sb, cg_why, 128);
			sb_putc(sb, ')');
			output_line(&out);
		}
	}
	output_flush(&out);
	output_free(&out);
	loader_close(ld);
	snapshot_close(snap);
	return state ? 0 : 1;
}
