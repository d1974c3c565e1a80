# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Kernel matrix: socktrace's integration tests inside Debian's 5.10, 6.1 and
# 6.12 kernels under QEMU (TCG), once per kernel and hook family. See
# docs/kernel-matrix.md.
#   make test-kernels            the real suite (static socktrace + integration tests)
#   make test-kernels KERNELS=5.10 TESTS="t_hooks t_scope"   some kernels, some tests
#   make test-kernels-selftest   the infrastructure alone, with a self-test payload
VM_DIR     ?= $(OUT)/vm
VM_STATIC  := $(OUT)/static
VM_HOOKS   ?= fentry kprobe tracepoint
VM_TIMEOUT ?= 1800
KERNELS    ?= 5.10 6.1 6.12
export VM_HOOKS VM_TIMEOUT KERNELS

# TESTS: integration test names (t_hooks ...) to run instead of all of them
VM_ITEST_BINS := $(patsubst $(OUT)/%,$(VM_STATIC)/%,$(ITEST_BINS))
ifneq ($(TESTS),)
VM_ITEST_BINS := $(filter $(addprefix %/,$(TESTS)),$(VM_ITEST_BINS))
endif
VM_TOOL_BINS  := $(patsubst $(OUT)/%,$(VM_STATIC)/%,$(TOOL_BINS))

.PHONY: test-kernels test-kernels-selftest vm-static

# Static binaries in their own tree: STATIC=1 is the main Makefile's switch.
vm-static:
	$(Q)$(MAKE) --no-print-directory STATIC=1 OUT=$(VM_STATIC) $(VM_STATIC)/socktrace \
		$(VM_ITEST_BINS) $(VM_TOOL_BINS)

test-kernels: vm-static
	$(Q)sh tools/vm/matrix.sh -d $(VM_DIR) -s $(VM_STATIC)/socktrace \
		-T "$(VM_TOOL_BINS)" $(VM_ITEST_BINS)

# Self-test payload: one static libbpf program that loads and attaches each hook
# family (tools/vm/selftest/) plus a shell check of the guest (veth, netns, lo).
VM_ST := $(VM_DIR)/selftest
$(VM_ST)/hooks.bpf.o: tools/vm/selftest/hooks.bpf.c
	$(Q)mkdir -p $(@D)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
$(VM_ST)/hooks.skel.h: $(VM_ST)/hooks.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name hooks_bpf > $@
$(VM_ST)/selftest: tools/vm/selftest/selftest.c $(VM_ST)/hooks.skel.h
	$(call msg,LINK,$@)
	$(Q)$(CC) -std=gnu11 $(WARN) $(CFLAGS) -I$(VM_ST) $(LIBBPF_CFLAGS) -static $< \
		$$($(PKG_CONFIG) --static --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz) -o $@

test-kernels-selftest: $(VM_ST)/selftest
	$(Q)VM_CMD_TIMEOUT=$${VM_CMD_TIMEOUT:-120} sh tools/vm/matrix.sh -d $(VM_DIR) \
		$(VM_ST)/selftest tools/vm/selftest/guest.sh
