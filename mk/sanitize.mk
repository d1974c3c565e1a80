# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Sanitizers: build/socktrace, the unit tests and the integration tests under
# ASan + UBSan (+ LeakSanitizer) in their own tree, then run them with
# tests/run-tests.sh. See docs/hardening.md.
#   make test-sanitize            everything (the integration tests need root)
#   make test-sanitize SAN_TESTS='build/san/tests/unit/test_table'   a subset
# The BPF objects are unaffected: they are built with BPF_CFLAGS, not CFLAGS.
SAN_OUT     ?= build/san
SAN_CC      ?= $(CC)
SAN_FLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer
# gcc's -Wmaybe-uninitialized guesses worse under ASan at -O1 (a false alarm in
# snapshot_open), and its -Wformat-truncation sees the loader's reasons, cut
# short on purpose, as possibly cut short (the -O2 build does not): shown, not
# fatal. The other warnings stay errors.
SAN_GCC_ONLY := -Wno-error=maybe-uninitialized -Wno-error=format-truncation
SAN_CFLAGS  ?= -O1 -g $(SAN_FLAGS) $(if $(findstring clang,$(SAN_CC)),,$(SAN_GCC_ONLY))
SAN_LDFLAGS ?= $(SAN_FLAGS)
SAN_LOGS    := $(abspath $(SAN_OUT))/logs

SAN_UNIT_BINS  := $(patsubst $(OUT)/%,$(SAN_OUT)/%,$(UNIT_BINS))
SAN_ITEST_BINS := $(patsubst $(OUT)/%,$(SAN_OUT)/%,$(ITEST_BINS))
SAN_TOOL_BINS  := $(patsubst $(OUT)/%,$(SAN_OUT)/%,$(TOOL_BINS))
SAN_TESTS      ?= $(SAN_UNIT_BINS) $(SAN_ITEST_BINS)

# Every report goes to a file (stderr belongs to the tests), abort_on_error
# makes a finding fail the process that had it, and the last "test" of the run
# fails if any process wrote a report, even one whose exit status nobody checks.
SAN_ASAN_OPTIONS  := detect_leaks=1:abort_on_error=1:log_path=$(SAN_LOGS)/asan
SAN_UBSAN_OPTIONS := halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$(SAN_LOGS)/ubsan
SAN_LSAN_OPTIONS  := log_path=$(SAN_LOGS)/lsan

.PHONY: test-sanitize sanitize-build sanitize-all sanitize-tools

# The tools (connstorm, ...) are load generators for the integration tests, not
# socktrace: they are built without sanitizers unless SAN_TOOLS=1 (they leak
# at exit, which LeakSanitizer would turn into failed storms). CFLAGS is not a
# make prerequisite, so they are rebuilt each time (one file each). The tools
# that link socktrace's own objects, the sanitized ones here, are built as
# socktrace is: bench-replay (t_replay runs the table through it),
# bench-floor and gen-fuzz-corpus.
SAN_TOOLS ?= 0
SAN_OWN_TOOLS := tools/bench-replay tools/bench-floor tools/gen-fuzz-corpus
sanitize-build:
	$(Q)$(MAKE) --no-print-directory OUT=$(SAN_OUT) CC="$(SAN_CC)" CFLAGS="$(SAN_CFLAGS)" LTO= \
		LDFLAGS="$(SAN_LDFLAGS)" sanitize-all
	$(Q)rm -f $(filter-out $(addprefix $(SAN_OUT)/,$(SAN_OWN_TOOLS)),$(SAN_TOOL_BINS))
	$(Q)$(MAKE) --no-print-directory OUT=$(SAN_OUT) CC="$(SAN_CC)" \
		$(if $(filter 1,$(SAN_TOOLS)),CFLAGS="$(SAN_CFLAGS)" LDFLAGS="$(SAN_LDFLAGS)") \
		sanitize-tools

# (in the sub-makes, where OUT is the sanitized tree)
sanitize-all: $(OUT)/socktrace $(UNIT_BINS) $(ITEST_BINS) $(addprefix $(OUT)/,$(SAN_OWN_TOOLS))
	@:
sanitize-tools: $(TOOL_BINS)
	@:

# A TAP "test" for the runner: one line, ok when no process left a report.
$(SAN_OUT)/sanitizer-reports: mk/sanitize.mk | sanitize-build
	$(Q)printf '%s\n' '#!/bin/sh' \
		'# Sanitizer reports left by the run (make test-sanitize writes them to $(SAN_LOGS)).' \
		'set -- "$(SAN_LOGS)"/*' \
		'if [ ! -e "$$1" ]; then echo "ok 1 - no ASan/UBSan/LSan report"; exit 0; fi' \
		'echo "not ok 1 - $$# sanitizer report(s) in $(SAN_LOGS)"' \
		'for f in "$$@"; do echo "# === $$f"; grep -E "ERROR|runtime error|SUMMARY|^ +#[0-9]+ " "$$f" | head -n 40 | sed "s/^/# /"; done' \
		'exit 1' > $@
	$(Q)chmod +x $@

test-sanitize: sanitize-build $(SAN_OUT)/sanitizer-reports
	$(Q)rm -rf $(SAN_LOGS) && mkdir -p $(SAN_LOGS)
	$(Q)echo "test-sanitize: $(SAN_CC) $(SAN_CFLAGS); reports in $(SAN_LOGS)"
	$(Q)ASAN_OPTIONS=$(SAN_ASAN_OPTIONS) UBSAN_OPTIONS=$(SAN_UBSAN_OPTIONS) \
		LSAN_OPTIONS=$(SAN_LSAN_OPTIONS) SOCKTRACE=$(abspath $(SAN_OUT)/socktrace) \
		sh tests/run-tests.sh $(SAN_TESTS) $(SAN_OUT)/sanitizer-reports
