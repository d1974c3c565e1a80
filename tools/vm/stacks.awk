# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# One line per kernel incident in a guest console log (soft lockup, RCU stall,
# NMI backtrace of a CPU, oops, warning, blocked task): what it was, the
# kernel RIP, and the first frames of its call trace, innermost first. A CI log
# keeps only its last lines; this is the part of a stack that says where a
# guest was stuck. Used by run.sh: awk -f stacks.awk console.log
function flush() {
	if (head == "")
		return
	key = head
	gsub(/[0-9]+s!/, "Ns!", key)
	if (!(key in seen) && shown < 10) {
		seen[key] = 1
		shown++
		line = "stack: " head
		if (rip != "")
			line = line " | RIP " rip
		if (frames != "")
			line = line " | " frames
		print line
	}
	head = ""; rip = ""; frames = ""; nf = 0; body = 0
}
{ sub(/\r$/, "") }
!/^\[ *[0-9]+\.[0-9]+\] / { next }
{
	text = $0
	sub(/^\[ *[0-9]+\.[0-9]+\] /, "", text)
}
text ~ /BUG: soft lockup|self-detected stall|NMI backtrace for cpu [0-9]+$|Oops|kernel BUG|general protection|BUG: unable|BUG: kernel NULL|WARNING:|blocked for more than/ {
	flush()
	head = text
	sub(/^watchdog: /, "", head)
	sub(/^rcu: INFO: /, "", head)
	body = 1
	next
}
body {
	if (++body > 60) { flush(); next }
	if (text ~ /^CPU: [0-9]+ PID: /) {
		split(text, w, " ")
		if (head !~ /\[/)
			head = head " [" w[6] ":" w[4] "]"
		next
	}
	if (text ~ /^RIP: 0010:/) {
		rip = substr(text, 11)
		sub(/\/0x[0-9a-f]+$/, "", rip)
		next
	}
	if (nf < 8 && text ~ /^ [A-Za-z_][A-Za-z0-9_.]*\+0x[0-9a-f]+\/0x[0-9a-f]+/) {
		f = text
		sub(/^ /, "", f)
		sub(/\+0x.*/, "", f)
		# the reporting machinery, not where the CPU was
		if (f ~ /^(dump_stack|show_stack|nmi_cpu_backtrace|nmi_trigger_cpumask_backtrace|arch_trigger_cpumask_backtrace|trigger_.*backtrace|watchdog_timer_fn|rcu_dump_cpu_stacks|print_cpu_stall|rcu_sched_clock_irq|update_process_times|tick_sched)/)
			next
		frames = frames (nf++ ? " < " : "") f
	}
}
END { flush() }
