// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "hook_probe.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>

#include "loader.h"

bool hook_probe_fentry_refused(const struct btf *kbtf, const char *func, char *why, size_t len)
{
	/* r0 = 0; exit */
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	int id = kbtf ? btf__find_by_name_kind(kbtf, func, BTF_KIND_FUNC) : -ENOENT;
	int fd;

	if (id <= 0)
		return false;
	/* loading is where a kernel that refuses fentry says so (EPERM on our
	 * 6.18 machines); attaching would patch kernel text for nothing */
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FEXIT,
		    .attach_btf_id = (__u32)id);
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "st_fexit_probe", "GPL", insns,
			   sizeof(insns) / sizeof(insns[0]), &opts);
	if (fd >= 0) {
		close(fd);
		return false;
	}
	snprintf(why, len, "load: %s (a trivial fexit program on %s)", strerror(errno), func);
	return true;
}

#define KPROBE_PMU "/sys/bus/event_source/devices/kprobe/type"

bool hook_probe_no_kprobes(char *why, size_t len)
{
	if (access(KPROBE_PMU, F_OK) == 0)
		return false;
	/* the legacy way needs tracefs, which may not be mounted yet */
	if (ensure_tracefs() == 0 && (access("/sys/kernel/tracing/kprobe_events", F_OK) == 0 ||
				      access("/sys/kernel/debug/tracing/kprobe_events", F_OK) == 0))
		return false;
	snprintf(why, len, "no kprobes in this kernel (no kprobe PMU, no kprobe_events)");
	return true;
}
