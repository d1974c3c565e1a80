/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Whether this kernel can run a hook family at all, asked once and cheaply,
 * before whole objects are loaded for it. Each failed attempt at a family
 * costs the loader a parse of the kernel's BTF and a verification (about a
 * tenth of a second each); kernels that refuse fentry or have no kprobes
 * used to pay for several. A family these say yes to can still fail for
 * the real programs: the loader's fallbacks stay.
 */
#ifndef SOCKTRACE_HOOK_PROBE_H
#define SOCKTRACE_HOOK_PROBE_H

#include <stdbool.h>
#include <stddef.h>

struct btf;

/*
 * True if the kernel refuses fentry/fexit programs: a two-instruction fexit
 * program on @func (found in @kbtf) does not load. False when it loads, or
 * when it cannot be asked (no BTF, no such function). Why in @why.
 */
bool hook_probe_fentry_refused(const struct btf *kbtf, const char *func, char *why, size_t len);

/*
 * True if the kernel has no way to attach a kprobe: neither the kprobe PMU
 * (perf) nor tracefs' kprobe_events, the two ways libbpf attaches them.
 */
bool hook_probe_no_kprobes(char *why, size_t len);

#endif
