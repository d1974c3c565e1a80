# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Benchmark: socktrace against bpftrace and ss under connection storms, in
# network namespaces of its own. Never part of `make test`. See
# docs/performance.md.
#   make bench                                   the defaults below
#   make bench BENCH_CONNS=5000 BENCH_REPS=1      a quick run
#   make bench BENCH_TOOLS="watch bpftrace"       some tools only
BENCH_CONNS ?= 50000
BENCH_REPS  ?= 3
BENCH_MODE  ?= server-first
BENCH_TOOLS ?= watch life floor floor-out bpftrace ss watch-unix

# the floor: a minimal tracer to measure socktrace against (tools/bench/floor.c)
$(OUT)/floor.bpf.o: tools/bench/floor.bpf.c | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/tools/bench-floor: tools/bench/floor.c $(OUT)/floor.skel.h $(OUT)/user/numparse.o | $(OUT)/tools
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDSTATIC) $< $(OUT)/user/numparse.o $(LIBBPF_LIBS) -o $@

# userspace's CPU over captured records (tools/bench/replay.c, user/capture.h)
$(OUT)/tools/bench-replay: tools/bench/replay.c $(LIB_OBJS) | $(OUT)/tools
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LTO) -Iuser $(LDSTATIC) $^ $(LIBBPF_LIBS) $(HTTP_LIBS) -o $@

# userspace's CPU per connection over captured records (tools/bench/replay.sh):
#   make bench-replay REPLAY_TOOLS=life REPLAY_REPS=11
REPLAY_TOOLS ?= watch life
REPLAY_CONNS ?= 50000
REPLAY_REPS  ?= 7
bench-replay:
	$(Q)$(MAKE) --no-print-directory $(OUT)/socktrace $(OUT)/tools/connstorm $(OUT)/tools/bench-replay
	$(Q)REPLAY_TOOLS='$(REPLAY_TOOLS)' REPLAY_CONNS='$(REPLAY_CONNS)' REPLAY_REPS='$(REPLAY_REPS)' \
		REPLAY_OUT='$(abspath $(OUT))/bench' SOCKTRACE='$(abspath $(OUT)/socktrace)' \
		CONNSTORM='$(abspath $(OUT)/tools/connstorm)' REPLAY='$(abspath $(OUT)/tools/bench-replay)' \
		sh tools/bench/replay.sh

# `bench` is declared phony in the Makefile. Dependencies first (bpftrace comes
# only with WITH_BENCH=1), then the binaries, then the run.
bench:
	$(Q)WITH_BENCH=1 sh tools/install-deps.sh
	$(Q)$(MAKE) --no-print-directory $(OUT)/socktrace $(OUT)/tools/connstorm $(OUT)/tools/bench-floor
	$(Q)BENCH_CONNS='$(BENCH_CONNS)' BENCH_REPS='$(BENCH_REPS)' BENCH_MODE='$(BENCH_MODE)' \
		BENCH_TOOLS='$(BENCH_TOOLS)' BENCH_OUT='$(abspath $(OUT))/bench' \
		SOCKTRACE='$(abspath $(OUT)/socktrace)' CONNSTORM='$(abspath $(OUT)/tools/connstorm)' \
		FLOOR='$(abspath $(OUT)/tools/bench-floor)' \
		sh tools/bench/bench.sh

# socktrace's CPU at steady connection rates (tools/bench/steady.sh):
#   make bench-steady STEADY_RATES="1000 10000" STEADY_TOOLS=life
STEADY_RATES ?= 1000 10000 50000
STEADY_TOOLS ?= watch life
STEADY_SECONDS ?= 10
bench-steady:
	$(Q)$(MAKE) --no-print-directory $(OUT)/socktrace $(OUT)/tools/connstorm
	$(Q)STEADY_RATES='$(STEADY_RATES)' STEADY_TOOLS='$(STEADY_TOOLS)' \
		STEADY_SECONDS='$(STEADY_SECONDS)' STEADY_OUT='$(abspath $(OUT))/bench' \
		SOCKTRACE='$(abspath $(OUT)/socktrace)' CONNSTORM='$(abspath $(OUT)/tools/connstorm)' \
		sh tools/bench/steady.sh

# the storm matrix: no loss with default settings (tools/bench/storms.sh):
#   make bench-storms BENCH_STORMS_QUICK=1        a smoke run, 5,000 connections
#   make bench-storms STORMS_TOOLS=watch STORMS_CONNS=200000
bench-storms:
	$(Q)$(MAKE) --no-print-directory $(OUT)/socktrace $(OUT)/tools/connstorm
	$(Q)STORMS_OUT='$(abspath $(OUT))/bench' \
		SOCKTRACE='$(abspath $(OUT)/socktrace)' CONNSTORM='$(abspath $(OUT)/tools/connstorm)' \
		sh tools/bench/storms.sh

# start-up time and memory per socket with 100,000 held sockets
# (tools/bench/startup.sh): make bench-startup STARTUP_SOCKETS=20000 STARTUP_REPS=1
bench-startup:
	$(Q)$(MAKE) --no-print-directory $(OUT)/socktrace
	$(Q)SOCKTRACE='$(abspath $(OUT)/socktrace)' sh tools/bench/startup.sh
