# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Every header compiles alone: each BPF header as the only include of a BPF
# program, the record ABI also as the only include of a userspace one.
#   make check-headers
.PHONY: check-headers
CHECK_BPF_HDRS := $(wildcard bpf/*.h)
CHECK_HDR_FLAGS := $(filter-out -MMD -MP,$(BPF_CFLAGS))

check-headers:
	$(call msg,HEADERS,bpf/*.h)
	$(Q)for h in $(CHECK_BPF_HDRS); do \
		printf '#include "%s"\n' "$${h#bpf/}" | \
			$(CLANG) $(CHECK_HDR_FLAGS) -fsyntax-only -x c - || { echo "$$h" >&2; exit 1; }; \
	done
	$(Q)printf '#include "socktrace_abi.h"\n' | \
		$(CC) -std=gnu11 $(WARN) -Ibpf -fsyntax-only -x c - || { echo bpf/socktrace_abi.h >&2; exit 1; }
