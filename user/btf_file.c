// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "btf_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

int btf_file_check(const char *path, char *why, size_t len)
{
	libbpf_print_fn_t print;
	struct stat st;
	struct btf *btf;
	int err;

	if (stat(path, &st)) {
		snprintf(why, len, "%s", strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(why, len, "a directory, not a BTF file");
		return -1;
	}
	/* quiet: libbpf's notes on a bad file would be lines of their own */
	print = libbpf_set_print(NULL);
	btf = btf__parse(path, NULL);
	err = libbpf_get_error(btf);
	libbpf_set_print(print);
	if (err) {
		snprintf(why, len, "not a BTF file (raw, or ELF with a .BTF section)");
		return -1;
	}
	/* every program reads struct sock: a BTF without it is some module's or a program's */
	err = btf__find_by_name_kind(btf, "sock", BTF_KIND_STRUCT) < 0;
	btf__free(btf);
	if (err) {
		snprintf(why, len, "BTF without struct sock: not a kernel's BTF");
		return -1;
	}
	return 0;
}
