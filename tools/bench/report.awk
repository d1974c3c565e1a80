# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# socktrace benchmark: per-tool summary of the pairs bench.sh measured.
#   awk -F '\t' -v json=SUMMARY.json -v tools="watch life ..." -f report.awk pairs.tsv
# pairs.tsv (tab-separated, header line first):
#   rep tool order status untraced_rate traced_rate ratio made seen lost
#   kernel_missed cpu_us_per_conn hwm_kb mem_b_per_socket note
# "-" is a value that does not apply. status "ok" rows are measured; any other
# status ("unavailable", "failed", "storm-failed") is reported as such.
# Prints the human table on stdout and writes {"tool": {...}, ...} to json.
function isnum(v) { return v != "-" && v != "" }
function sortv(a, n,    i, j, t) {
	for (i = 2; i <= n; i++) {
		t = a[i]
		for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]
		a[j + 1] = t
	}
}
# median, min, max of column c for tool t over ok rows -> M, MIN, MAX (N = count)
function stats(t, c,    i, n, a) {
	n = 0
	for (i = 1; i <= nrows; i++)
		if (tool[i] == t && status[i] == "ok" && isnum(col[i, c])) a[++n] = col[i, c] + 0
	N = n
	if (n == 0) { M = MIN = MAX = "-"; return }
	sortv(a, n)
	MIN = a[1]; MAX = a[n]
	M = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function total(t, c,    i, s, any) {
	s = 0; any = 0
	for (i = 1; i <= nrows; i++)
		if (tool[i] == t && status[i] == "ok" && isnum(col[i, c])) { s += col[i, c]; any = 1 }
	return any ? s : "-"
}
function mark(ok) { return ok ? "PASS" : "MISS" }
function jv(v) { return isnum(v) ? v : "null" }
NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
{
	nrows++
	tool[nrows] = $idx["tool"]; status[nrows] = $idx["status"]; note[nrows] = $idx["note"]
	for (k in idx) col[nrows, k] = $idx[k]
}
END {
	nt = split(tools, tl, " ")
	printf "%-10s %4s  %-26s %-15s %-17s %-15s %9s  %-13s\n", "tool", "reps", \
		"traced/untraced med[min-max]", "seen/made (min)", "lost+kmissed", "CPU us/conn", \
		"peak RSS", "B/socket"
	printf "{" > json
	for (k = 1; k <= nt; k++) {
		t = tl[k]
		target = (t == "watch" || t == "life" || t == "base-watch" || t == "base-life")
		okrows = 0; bad = ""; notes = ""
		for (i = 1; i <= nrows; i++) if (tool[i] == t) {
			if (status[i] == "ok") { okrows++; if (note[i] != "" && note[i] != "-") notes = notes sprintf("          (%s)\n", note[i]) }
			else if (bad == "") bad = status[i] (note[i] != "" && note[i] != "-" ? ": " note[i] : "")
		}
		printf "%s\"%s\": {", (k > 1 ? ", " : ""), t > json
		if (okrows == 0) {
			msg = bad == "" ? "not run" : bad
			printf "%-10s %4d  %s\n", t, 0, msg
			gsub(/["\\]/, "", msg)
			printf "\"reps\": 0, \"status\": \"%s\"}", msg > json
			continue
		}
		stats(t, "ratio"); rmed = M; rmin = MIN; rmax = MAX
		stats(t, "seen_pct"); smin = MIN; smed = M
		lost = total(t, "lost"); km = total(t, "kernel_missed")
		# a rep without a loss count (no summary: the tracer was killed) is no pass
		unknown = 0
		for (i = 1; i <= nrows; i++)
			if (tool[i] == t && status[i] == "ok" && !isnum(col[i, "lost"])) unknown++
		lostok = isnum(lost) && unknown == 0 && lost + (isnum(km) ? km : 0) == 0
		stats(t, "cpu_us_per_conn"); cmed = M; cmin = MIN; cmax = MAX
		stats(t, "hwm_kb"); hmax = MAX
		stats(t, "mem_b_per_socket"); mmed = M
		ratio_s = sprintf("%.3f [%.3f-%.3f]", rmed, rmin, rmax)
		seen_s = isnum(smin) ? sprintf("%.2f%%", smin) : "n/a"
		lost_s = (isnum(lost) ? lost : "n/a") (isnum(km) ? "+" km : "") (unknown && isnum(lost) ? "+?" : "")
		cpu_s = isnum(cmed) ? sprintf("%.2f [%.2f-%.2f]", cmed, cmin, cmax) : "n/a"
		rss_s = isnum(hmax) ? sprintf("%.1f MB", hmax / 1024) : "n/a"
		mem_s = isnum(mmed) ? sprintf("%.0f", mmed) : "n/a"
		if (target) {
			ratio_s = ratio_s " " mark(rmed >= 0.90)
			seen_s = seen_s " " mark(smin >= 100)
			lost_s = lost_s " " mark(lostok)
			cpu_s = cpu_s " " mark(isnum(cmed) && cmed <= 2)
			mem_s = mem_s " " mark(isnum(mmed) && mmed <= 256)
		}
		printf "%-10s %4d  %-26s %-15s %-17s %-15s %9s  %-13s\n", t, okrows, ratio_s, seen_s, \
			lost_s, cpu_s, rss_s, mem_s
		if (bad != "") printf "          (also: %s)\n", bad
		printf "%s", notes
		printf "\"reps\": %d, \"ratio_median\": %s, \"ratio_min\": %s, \"ratio_max\": %s, ", \
			okrows, jv(rmed), jv(rmin), jv(rmax) > json
		printf "\"seen_pct_min\": %s, \"seen_pct_median\": %s, \"lost_total\": %s, ", \
			jv(smin), jv(smed), jv(lost) > json
		printf "\"kernel_missed_total\": %s, \"cpu_us_per_conn_median\": %s, ", jv(km), jv(cmed) > json
		printf "\"cpu_us_per_conn_min\": %s, \"cpu_us_per_conn_max\": %s, ", jv(cmin), jv(cmax) > json
		printf "\"peak_rss_kb_max\": %s, \"mem_b_per_socket_median\": %s", jv(hmax), jv(mmed) > json
		if (target) {
			printf ", \"targets\": {\"ratio_ge_0.90\": %s, \"seen_100pct\": %s, \"lost_0\": %s, ", \
				(rmed >= 0.90 ? "true" : "false"), (smin >= 100 ? "true" : "false"), \
				(lostok ? "true" : "false") > json
			printf "\"cpu_le_2us\": %s, \"mem_le_256b\": %s}", \
				(isnum(cmed) && cmed <= 2 ? "true" : "false"), \
				(isnum(mmed) && mmed <= 256 ? "true" : "false") > json
		}
		printf "}" > json
	}
	printf "}\n" > json
	print "targets (socktrace tools only): median ratio >= 0.90, every rep 100% seen, 0 lost and"
	print "0 kernel_missed over all reps, median CPU <= 2 us/conn, median <= 256 B/socket."
	print "CPU: the tracer's user+system time over the storm and its drain (its threads' schedstat, in"
	print "ns; in CLK_TCK ticks where a thread ended meanwhile), times the storm's share of its output"
	print "lines (other namespaces' events excluded), per connection made; ss: its runs."
	print "B/socket: anonymous RSS growth over the storm / the TIME_WAIT sockets it left in the table."
	print "floor: one 32-byte record per state change, in the ring of the CPU it ran on, and nothing"
	print "else; floor-out: the same plus a fixed 330-byte output line per record; floor-shared: the"
	print "floor with one ring for all CPUs (tools/bench/floor.c). None has targets."
	if (index(" " tools " ", " watch-unix ")) {
		print "watch-unix: UNIX stream storms (connstorm -x) under watch --json; seen: connections whose"
		print "connect (errno 0) to the storm's socket path and whose close are both in the output."
		print "No targets; B/socket n/a (a closed UNIX socket leaves nothing in the table)."
	}
}
