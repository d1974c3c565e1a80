#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# tools/vm/stacks.awk: one line per kernel incident in a guest console log,
# with the kernel RIP and the first frames, the reporting machinery left out.
# TAP. Run from the source tree (make test does).
awk_file=${STACKS_AWK:-tools/vm/stacks.awk}
n=0
fails=0
check() { # NAME GOT WANT
	n=$((n + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		echo "#   got:  $2"
		echo "#   want: $3"
		fails=$((fails + 1))
	fi
}
log=$(mktemp "${TMPDIR:-/tmp}/stacks.XXXXXX") || exit 2
trap 'rm -f "$log"' EXIT
# A soft lockup on CPU 1 with the NMI backtrace of CPU 0 (softlockup_all_cpu_backtrace),
# the same lockup reported again, a stall with no stack, console noise, and test output.
cr=$(printf '\r')
cat >"$log" <<EOT
@@@ BEGIN fentry
[  124.372808] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [t_hooks:377]$cr
[  124.372810] Modules linked in: veth$cr
[  124.372811] CPU: 1 PID: 377 Comm: t_hooks Not tainted 5.10.0-46-amd64 #1 Debian 5.10.262-1$cr
[  124.372812] RIP: 0010:smp_call_function_many_cond+0x11a/0x350$cr
[  124.372813] Call Trace:$cr
[  124.372814]  ? text_poke_memcpy+0x10/0x10$cr
[  124.372815]  on_each_cpu+0x2b/0x60$cr
[  124.372816]  text_poke_bp_batch+0x8a/0x1d0$cr
[  124.372817]  text_poke_bp+0x3a/0x50$cr
[  124.372818]  bpf_arch_text_poke+0x12/0x20$cr
[  124.372819] NMI backtrace for cpu 0$cr
[  124.372820] CPU: 0 PID: 388 Comm: socktrace Not tainted 5.10.0-46-amd64 #1 Debian 5.10.262-1$cr
[  124.372821] Call Trace:$cr
[  124.372822]  dump_stack+0x6b/0x83$cr
[  124.372823]  nmi_cpu_backtrace.cold+0x32/0x69$cr
[  124.372824]  nmi_trigger_cpumask_backtrace+0xdb/0xf0$cr
[  124.372825]  __inet_diag_dump+0x40/0x90 [inet_diag]$cr
[  124.372826]  netlink_dump+0x18b/0x310$cr
ok 3 - a test line that says Oops: not kernel output
[  152.372982] watchdog: BUG: soft lockup - CPU#1 stuck for 23s! [t_hooks:377]$cr
[  152.372983] RIP: 0010:smp_call_function_many_cond+0x11a/0x350$cr
[  181.180931] rcu: INFO: rcu_sched self-detected stall on CPU$cr
EOT
out=$(awk -f "$awk_file" "$log")
check "three incidents, the repeated lockup once" "$(printf '%s\n' "$out" | grep -c '^stack: ')" 3
check "the lockup: comm, RIP and callers, innermost first, '?' frames left out" \
	"$(printf '%s\n' "$out" | sed -n 1p)" \
	"stack: BUG: soft lockup - CPU#1 stuck for 22s! [t_hooks:377] | RIP smp_call_function_many_cond+0x11a | on_each_cpu < text_poke_bp_batch < text_poke_bp < bpf_arch_text_poke"
check "the other CPU: named from its CPU line, the backtrace machinery left out" \
	"$(printf '%s\n' "$out" | sed -n 2p)" \
	"stack: NMI backtrace for cpu 0 [socktrace:388] | __inet_diag_dump < netlink_dump"
check "a stall without a stack is still one line" \
	"$(printf '%s\n' "$out" | sed -n 3p)" "stack: rcu_sched self-detected stall on CPU"
check "nothing from lines that are not kernel log lines" \
	"$(printf '%s\n' "$out" | grep -c 'a test line')" 0
check "an empty log gives no line" "$(printf '' | awk -f "$awk_file" | wc -l)" 0
echo "1..$n"
[ "$fails" = 0 ]
