# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# socktrace build. `make` builds build/socktrace; `make V=1` shows commands.
.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY:

OUT      ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
MANDIR   ?= $(PREFIX)/share/man
DOCDIR   ?= $(PREFIX)/share/doc/socktrace
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# systemd reads units from /usr/local/lib/systemd/system and /usr/lib/systemd/system
UNITDIR  ?= $(PREFIX)/lib/systemd/system
ARCH     := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CLANG    ?= clang
BPFTOOL  ?= bpftool
CC       ?= cc
PKG_CONFIG ?= pkg-config

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

LIBBPF_CFLAGS := $(shell $(PKG_CONFIG) --cflags libbpf 2>/dev/null)
LIBBPF_LIBS   := $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf -lelf) -lz -lm
# STATIC=1: one binary that runs in a bare initramfs (the kernel matrix)
ifeq ($(STATIC),1)
LDSTATIC := -static
LIBBPF_LIBS := $(shell $(PKG_CONFIG) --static --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz) -lzstd -lm
endif

# The metrics server (serve, --metrics): libmicrohttpd with GnuTLS, libyaml,
# libcrypt. HTTP=0 builds without the server; STATIC=1 implies it, because
# Debian ships no static libp11-kit or libunistring for GnuTLS.
ifeq ($(STATIC),1)
HTTP     ?= 0
else
HTTP     ?= 1
endif
ifeq ($(HTTP),1)
HTTP_LIBS := $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)
HTTP_CFLAGS :=
else
HTTP_LIBS :=
HTTP_CFLAGS := -DSOCKTRACE_NO_HTTP
endif
HTTP_LIBS += -lyaml -lcrypt -lpthread

WARN     := -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
# gcc's generic tuning zeroes a struct of a hundred bytes or more (a table
# entry, a transition) with rep stos, whose start-up cost more than the
# stores: life's replay spent 15 % more a record. Vector stores up to 1 KiB,
# the C library's memset beyond. Where the compiler has no such option
# (clang, other CPUs), its own choice stands.
MEMSET_FLAGS := $(shell $(CC) -mmemset-strategy=vector_loop:1024:noalign,libcall:-1:noalign \
	-Werror -x c -c /dev/null -o /dev/null 2>/dev/null && \
	echo -mmemset-strategy=vector_loop:1024:noalign,libcall:-1:noalign)
# Link-time optimisation for socktrace itself: the decoder, table and views
# call each other across files for every record, and inlined across them a
# replayed watch record costs 11-13 % less (docs/performance.md, 2026-12-07). The objects
# are fat, so the tests link them as plain code, as fast as before.
# (asked once, not at every compile as `?=` would)
ifeq ($(origin LTO),undefined)
LTO      := $(shell $(CC) -flto=auto -ffat-lto-objects -Werror -x c -c /dev/null -o /dev/null \
	2>/dev/null && echo -flto=auto -ffat-lto-objects)
endif
ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(MEMSET_FLAGS) -I$(OUT) -Ibpf -Iuser \
	$(LIBBPF_CFLAGS) -MMD -MP $(HTTP_CFLAGS)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux/$(ARCH) -Ibpf $(WARN) \
	-Wno-unused-function -Wno-unused-parameter -MMD -MP

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(OUT)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))
USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(patsubst user/%.c,$(OUT)/user/%.o,$(USER_SRCS))
LIB_OBJS  := $(filter-out $(OUT)/user/main.o,$(USER_OBJS))

UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/unit/%,$(UNIT_SRCS))
# host checks of the kernel matrix's own tools (tools/vm), shell TAP scripts
VM_TOOL_TESTS := $(wildcard tests/vm/*.sh)
ITEST_SRCS := $(wildcard tests/integration/*.c)
ITEST_BINS := $(patsubst tests/integration/%.c,$(OUT)/tests/integration/%,$(ITEST_SRCS))
TLIB_SRCS := $(wildcard tests/lib/*.c)
TLIB_OBJS := $(patsubst tests/lib/%.c,$(OUT)/tests/lib/%.o,$(TLIB_SRCS))
TOOL_SRCS := $(wildcard tools/*.c)
TOOL_BINS := $(patsubst tools/%.c,$(OUT)/tools/%,$(TOOL_SRCS))
# the benchmark's floor tracer (a BPF object of its own) and its replay (mk/bench.mk)
TOOL_BINS += $(OUT)/tools/bench-floor $(OUT)/tools/bench-replay

.PHONY: all clean install deps test test-unit test-integration tools format bench bench-steady bench-storms bench-startup bench-replay man
all: $(OUT)/socktrace $(OUT)/socktrace.8

$(OUT) $(OUT)/user $(OUT)/tests/unit $(OUT)/tests/integration $(OUT)/tests/lib $(OUT)/tools:
	$(Q)mkdir -p $@

$(OUT)/%.bpf.o: bpf/%.bpf.c | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# `gen object` links the object and drops DWARF (BTF stays): the skeleton embeds less.
$(OUT)/%.linked.o: $(OUT)/%.bpf.o
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(OUT)/%.skel.h: $(OUT)/%.linked.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

# Objects that include a skeleton must wait for it; -MMD records the rest.
$(USER_OBJS): $(SKELS)

$(OUT)/user/%.o: user/%.c | $(OUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LTO) -c $< -o $@

$(OUT)/socktrace: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(WARN) $(CFLAGS) $(LTO) $(LDFLAGS) $(LDSTATIC) $^ $(LIBBPF_LIBS) $(HTTP_LIBS) -o $@

$(OUT)/tests/lib/%.o: tests/lib/%.c | $(OUT)/tests/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/lib -c $< -o $@

$(OUT)/tests/unit/%: tests/unit/%.c $(LIB_OBJS) $(TLIB_OBJS) | $(OUT)/tests/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/lib $(LDSTATIC) $^ $(LIBBPF_LIBS) $(HTTP_LIBS) -o $@

$(OUT)/tests/integration/%: tests/integration/%.c $(TLIB_OBJS) | $(OUT)/tests/integration
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/lib $(LDSTATIC) $^ -lpthread -lcrypt -o $@

$(OUT)/tools/%: tools/%.c | $(OUT)/tools
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDSTATIC) $< -lpthread -o $@

# the corpus generator builds sock_diag replies with the tests' builder
$(OUT)/tools/gen-fuzz-corpus: tools/gen-fuzz-corpus.c $(OUT)/tests/lib/diag_msg.o | $(OUT)/tools
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/lib $(LDSTATIC) $^ -o $@

tools: $(TOOL_BINS)

test-unit: $(UNIT_BINS)
	$(Q)sh tests/run-tests.sh $(UNIT_BINS) $(VM_TOOL_TESTS)

test-integration: $(OUT)/socktrace $(ITEST_BINS) $(TOOL_BINS)
	$(Q)SOCKTRACE=$(abspath $(OUT)/socktrace) sh tests/run-tests.sh $(ITEST_BINS)

# Every test, one summary line at the end.
test: $(OUT)/socktrace $(UNIT_BINS) $(ITEST_BINS) $(TOOL_BINS)
	$(Q)SOCKTRACE=$(abspath $(OUT)/socktrace) sh tests/run-tests.sh $(UNIT_BINS) $(VM_TOOL_TESTS) $(ITEST_BINS)

deps:
	$(Q)sh tools/install-deps.sh

# socktrace(8) is made from one source, docs/socktrace.8.md (t_docs checks it
# against --help, as it does the bash completion).
$(OUT)/socktrace.8: docs/socktrace.8.md tools/gen-man.sh | $(OUT)
	$(call msg,MAN,$@)
	$(Q)sh tools/gen-man.sh $< $(DOCDIR) $(UNITDIR) > $@

man: $(OUT)/socktrace.8

install: $(OUT)/socktrace $(OUT)/socktrace.8
	$(Q)install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(UNITDIR)
	$(Q)install -m 0755 $(OUT)/socktrace $(DESTDIR)$(PREFIX)/sbin/socktrace
	$(Q)install -m 0644 $(OUT)/socktrace.8 $(DESTDIR)$(MANDIR)/man8/socktrace.8
	$(Q)install -m 0644 docs/json-schema.md docs/metrics.md $(DESTDIR)$(DOCDIR)/
	$(Q)install -m 0644 dist/socktrace.bash $(DESTDIR)$(BASHCOMPDIR)/socktrace
	$(Q)sed 's|@SBINDIR@|$(PREFIX)/sbin|g' dist/socktrace.service > $(DESTDIR)$(UNITDIR)/socktrace.service
	$(Q)chmod 0644 $(DESTDIR)$(UNITDIR)/socktrace.service

format:
	$(Q)clang-format -i bpf/*.c bpf/*.h user/*.c user/*.h tests/*/*.c tests/lib/*.h tools/*.c

clean:
	$(Q)rm -rf $(OUT)

-include $(wildcard mk/*.mk)
-include $(BPF_OBJS:.o=.d) $(USER_OBJS:.o=.d) $(TLIB_OBJS:.o=.d)
