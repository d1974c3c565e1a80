# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Fuzzing: records -> decode -> table -> every view, under libFuzzer with ASan
# and UBSan (clang). See docs/hardening.md.
#   make fuzz [FUZZ_SECONDS=60]   fuzz for a bounded time; non-zero on any crash,
#                                 timeout, leak or OOM, or a crash-* reproducer in
#                                 tests/fuzz/corpus that still fails
#   make fuzz-replay              run every file of tests/fuzz/corpus once
#   make fuzz-corpus              regenerate the seed corpus (tools/gen-fuzz-corpus.c)
#   FUZZ_FLAGS='-fork=2 -ignore_crashes=1'   extra libFuzzer flags
FUZZ_SECONDS ?= 60
FUZZ_TIMEOUT ?= 10
FUZZ_MAX_LEN ?= 16384
FUZZ_RSS_MB  ?= 2048
FUZZ_FLAGS   ?=
FUZZ_CC      ?= clang
FUZZ_OUT     ?= $(OUT)/fuzz
FUZZ_SEEDS   := tests/fuzz/corpus
FUZZ_BIN     := $(FUZZ_OUT)/fuzz_records

# The pure userspace half of socktrace: every user/ file but main.c and those
# that need libbpf, a skeleton or zlib, in an archive, so that the target links
# what records and views go through, whatever file a view comes to need.
FUZZ_USER_SRCS := $(filter-out user/main.c,$(shell grep -L -E 'skel\.h|<bpf/|<zlib\.h>' user/*.c))
FUZZ_OBJS := $(patsubst user/%.c,$(FUZZ_OUT)/user/%.o,$(FUZZ_USER_SRCS))
FUZZ_SAN  := -fsanitize=address,undefined -fno-sanitize-recover=all
# No -Werror: clang may warn where the project's gcc build does not.
FUZZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -g -O1 -fno-omit-frame-pointer \
	-Ibpf -Iuser -Itests/lib $(FUZZ_SAN) -MMD -MP

.PHONY: fuzz fuzz-build fuzz-replay fuzz-corpus fuzz-toolchain

# clang's libFuzzer runtime is in libclang-rt-14-dev on Debian 12.
fuzz-toolchain:
	$(Q)if ! printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' | \
		$(FUZZ_CC) -x c - -fsanitize=fuzzer,address,undefined -o /dev/null >/dev/null 2>&1; then \
		if [ "$$(id -u)" != 0 ]; then \
			echo "fuzz: $(FUZZ_CC) cannot link -fsanitize=fuzzer; install clang and libclang-rt-14-dev (as root)" >&2; \
			exit 1; \
		fi; \
		echo "fuzz: installing clang libclang-rt-14-dev"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && \
		apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev >/dev/null || exit 1; \
	fi

$(FUZZ_OUT)/user $(FUZZ_OUT)/lib $(FUZZ_OUT)/corpus $(FUZZ_OUT)/artifacts:
	$(Q)mkdir -p $@

# the code under test: instrumented for coverage and sanitized
$(FUZZ_OUT)/user/%.o: user/%.c | $(FUZZ_OUT)/user fuzz-toolchain
	$(call msg,FUZZ-CC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

# the JSON checker (and the file reader it uses): sanitized, but its branches
# are no goal for the fuzzer
$(FUZZ_OUT)/lib/%.o: tests/lib/%.c | $(FUZZ_OUT)/lib fuzz-toolchain
	$(call msg,FUZZ-CC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_OUT)/fuzz_records.o: tests/fuzz/fuzz_records.c | $(FUZZ_OUT)/user fuzz-toolchain
	$(call msg,FUZZ-CC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror -fsanitize=fuzzer -c $< -o $@

$(FUZZ_OUT)/libuser.a: $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_BIN): $(FUZZ_OUT)/fuzz_records.o $(FUZZ_OUT)/lib/jsonl.o $(FUZZ_OUT)/lib/files.o \
	    $(FUZZ_OUT)/libuser.a
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $^ -o $@

fuzz-build: $(FUZZ_BIN)

# Seeds are copied into a work corpus (libFuzzer adds to it, never to the
# source tree); reproducers (crash-*, timeout-*, leak-*, oom-*) are not seeds:
# they are replayed one by one after the run.
fuzz: $(FUZZ_BIN) | $(FUZZ_OUT)/corpus $(FUZZ_OUT)/artifacts
	$(Q)set -u; log=$(FUZZ_OUT)/fuzz.log; \
	for f in $(FUZZ_SEEDS)/*; do \
		case "$${f##*/}" in crash-*|timeout-*|leak-*|oom-*|slow-unit-*) continue ;; esac; \
		[ -f "$$f" ] && cp -f "$$f" $(FUZZ_OUT)/corpus/seed-"$${f##*/}"; \
	done; \
	rm -f $(FUZZ_OUT)/artifacts/*; \
	echo "fuzz: $(FUZZ_BIN) for $(FUZZ_SECONDS) s, log in $$log"; \
	UBSAN_OPTIONS=print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
	$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_TIMEOUT) \
		-max_len=$(FUZZ_MAX_LEN) -rss_limit_mb=$(FUZZ_RSS_MB) -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_OUT)/artifacts/ $(FUZZ_FLAGS) $(FUZZ_OUT)/corpus >$$log 2>&1; \
	rc=$$?; \
	last=$$(grep -E '^#[0-9]+' $$log | tail -n 1); \
	runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log | tail -n 1); \
	eps=$$(sed -n 's/^stat::average_exec_per_sec: *//p' $$log | tail -n 1); \
	cov=$$(printf '%s\n' "$$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p'); \
	ft=$$(printf '%s\n' "$$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p'); \
	corp=$$(printf '%s\n' "$$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p'); \
	found=$$(ls $(FUZZ_OUT)/artifacts 2>/dev/null | grep -E '^(crash|timeout|leak|oom)-' | tr '\n' ' '); \
	if [ "$$rc" != 0 ] || [ -n "$$found" ]; then \
		echo "fuzz: libFuzzer exited with status $$rc; the end of $$log:"; \
		grep -v -E '^#[0-9]+' $$log | tail -n 60; \
	fi; \
	bad=; \
	for f in $(FUZZ_SEEDS)/crash-* $(FUZZ_SEEDS)/timeout-* $(FUZZ_SEEDS)/leak-* $(FUZZ_SEEDS)/oom-*; do \
		[ -f "$$f" ] || continue; \
		if ! UBSAN_OPTIONS=print_stacktrace=1 $(FUZZ_BIN) -timeout=$(FUZZ_TIMEOUT) \
			-rss_limit_mb=$(FUZZ_RSS_MB) "$$f" >$(FUZZ_OUT)/replay.log 2>&1; then \
			bad="$$bad $${f##*/}"; \
			echo "fuzz: reproducer $$f still fails:"; \
			grep -E 'ERROR|INVARIANT|runtime error|SUMMARY' $(FUZZ_OUT)/replay.log | head -n 3; \
		fi; \
	done; \
	stats="$${runs:-?} runs, $${eps:-?} exec/s, cov $${cov:-?}, ft $${ft:-?}, corpus $${corp:-?}"; \
	if [ "$$rc" = 0 ] && [ -z "$$found" ] && [ -z "$$bad" ]; then \
		echo "fuzz: PASS in $(FUZZ_SECONDS) s: $$stats"; \
	else \
		echo "fuzz: FAIL: status $$rc, $$stats; new: $${found:-none}; reproducers failing:$${bad:- none}"; \
		exit 1; \
	fi

fuzz-replay: $(FUZZ_BIN)
	$(Q)set -u; bad=0; n=0; \
	for f in $(FUZZ_SEEDS)/*; do \
		n=$$((n + 1)); \
		if ! UBSAN_OPTIONS=print_stacktrace=1 $(FUZZ_BIN) -timeout=$(FUZZ_TIMEOUT) "$$f" \
			>$(FUZZ_OUT)/replay.log 2>&1; then \
			bad=$$((bad + 1)); echo "fuzz-replay: FAIL $$f"; \
			grep -E 'ERROR|INVARIANT|runtime error|SUMMARY' $(FUZZ_OUT)/replay.log | head -n 3; \
		fi; \
	done; \
	echo "fuzz-replay: $$n inputs, $$bad failing"; [ "$$bad" = 0 ]

# the generator is an ordinary tool (the main Makefile builds tools/*.c)
fuzz-corpus: $(OUT)/tools/gen-fuzz-corpus
	$(Q)$(OUT)/tools/gen-fuzz-corpus $(FUZZ_SEEDS)

-include $(FUZZ_OBJS:.o=.d) $(FUZZ_OUT)/lib/jsonl.d $(FUZZ_OUT)/lib/files.d $(FUZZ_OUT)/fuzz_records.d
