// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "privs.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static int effective_caps(uint64_t *eff)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	*eff = (uint64_t)data[1].effective << 32 | data[0].effective;
	return 0;
}

int privs_check(char *buf, size_t len)
{
	uint64_t eff = 0;
	int have_bpf, have_perfmon;

	if (effective_caps(&eff))
		eff = 0;
	if (eff & (1ull << CAP_SYS_ADMIN))
		return 0;
	have_bpf = !!(eff & (1ull << CAP_BPF));
	have_perfmon = !!(eff & (1ull << CAP_PERFMON));
	if (have_bpf && have_perfmon)
		return 0;
	snprintf(buf, len, "%s%s%s", have_bpf ? "" : "CAP_BPF",
		 !have_bpf && !have_perfmon ? ", " : "", have_perfmon ? "" : "CAP_PERFMON");
	return -EPERM;
}

int privs_have(int cap)
{
	uint64_t eff = 0;

	return effective_caps(&eff) == 0 && (eff & (1ull << cap));
}

int privs_drop_after_attach(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];
	uint64_t keep = (1ull << CAP_SYS_ADMIN) | (1ull << CAP_SYS_PTRACE), eff;

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	eff = ((uint64_t)data[1].effective << 32 | data[0].effective) & keep;
	data[0].effective = data[0].permitted = (uint32_t)eff;
	data[1].effective = data[1].permitted = (uint32_t)(eff >> 32);
	data[0].inheritable = data[1].inheritable = 0;
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ? -errno : 0;
}
