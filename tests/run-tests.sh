#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Run TAP test programs, one after another, and close with one summary line:
#   N passed, N failed
# TEST_TIMEOUT=S kills a program still running after S seconds (a failure
# that names it) and then runs TEST_ON_TIMEOUT, so that one hang costs S
# seconds, not the rest of the run; the kernel-matrix guest sets both.
# TEST_RETRY=1 (the kernel-matrix guest only) runs a program that failed once
# more: the first run's output stays in the log as comments, and a line
# "# RETRIED <name>: <its first failures>" says that it happened, so that the
# matrix report shows every retry even when the second run passed. A program
# killed at TEST_TIMEOUT is never run again.
# POSIX sh only: the same runner works under busybox in the kernel-matrix guest.
pass=0
fail=0
skip=0
log=$(mktemp "${TMPDIR:-/tmp}/run-tests.XXXXXX") || exit 2
trap 'rm -f "$log"' EXIT

# run_one PROGRAM: sets rc, out, p (ok lines), s (skips), f (not ok lines)
run_one() {
	# a file, not $(...): a killed test's children may hold its output open
	if [ "${TEST_TIMEOUT:-0}" -gt 0 ]; then
		timeout -s KILL "$TEST_TIMEOUT" "$1" >"$log" 2>&1
	else
		"$1" >"$log" 2>&1
	fi
	rc=$?
	out=$(cat "$log")
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	s=$(printf '%s\n' "$out" | grep -c '^ok .*# *SKIP')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
}

for t in "$@"; do
	name=$(basename "$t")
	echo "# --- $name"
	t0=$(date +%s)
	run_one "$t"
	timed_out=0
	[ "${TEST_TIMEOUT:-0}" -gt 0 ] && [ "$rc" = 137 ] && timed_out=1
	if [ "${TEST_RETRY:-0}" = 1 ] && [ "$timed_out" = 0 ] && { [ "$f" != 0 ] || [ "$rc" != 0 ]; }; then
		first=$(printf '%s\n' "$out" | grep '^not ok ' | head -n 3 | tr '\n' ';')
		[ -n "$first" ] || first="exited with status $rc"
		printf '%s\n' "$out" | sed 's/^/# first run: /'
		echo "# RETRIED $name: $first"
		run_one "$t"
		[ "${TEST_TIMEOUT:-0}" -gt 0 ] && [ "$rc" = 137 ] && timed_out=1
	fi
	echo "# $name took $(($(date +%s) - t0)) s"
	printf '%s\n' "$out"
	if [ "$timed_out" = 1 ]; then
		echo "not ok - $name did not finish within ${TEST_TIMEOUT} s and was killed"
		f=$((f + 1))
		[ -n "${TEST_ON_TIMEOUT:-}" ] && sh -c "$TEST_ON_TIMEOUT"
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=1
	fi
	if [ "$p" = 0 ] && [ "$f" = 0 ]; then
		echo "not ok - $name ran no test"
		f=1
	fi
	pass=$((pass + p - s))
	skip=$((skip + s))
	fail=$((fail + f))
done
echo "${pass} passed, ${fail} failed, ${skip} skipped"
[ "$fail" = 0 ]
