#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Run TAP test programs, one after another, and close with one summary line:
#   N passed, N failed
# POSIX sh only: the same runner works under busybox in the kernel-matrix guest.
pass=0
fail=0
skip=0
for t in "$@"; do
	name=$(basename "$t")
	echo "# --- $name"
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^ok ' )
	s=$(printf '%s\n' "$out" | grep -c '^ok .*# *SKIP')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
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
