#include "privs.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static int effective_caps(uint64_t *eff)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
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
