# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# socktrace benchmark: one line per BPF program from
# `bpftool prog show --json --pretty`:
#   ID NAME RUN_TIME_NS RUN_CNT RECURSION_MISSES
# (absent counters print as 0; run_time_ns and run_cnt exist only while
# kernel.bpf_stats_enabled is on). The pretty form puts one key per line, which
# is all this needs: no jq.
function flush() {
	if (id != "")
		printf "%s %s %s %s %s\n", id, (name == "" ? "-" : name), rt + 0, rc + 0, rm + 0
	id = ""; name = ""; rt = 0; rc = 0; rm = 0
}
function val(s) {
	sub(/^[^:]*: */, "", s)
	sub(/,$/, "", s)
	gsub(/"/, "", s)
	return s
}
/^ *"id": / { flush(); id = val($0); next }
/^ *"name": / { name = val($0); next }
/^ *"run_time_ns": / { rt = val($0); next }
/^ *"run_cnt": / { rc = val($0); next }
/^ *"recursion_misses": / { rm = val($0); next }
END { flush() }
