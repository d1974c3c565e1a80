#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The kernel matrix, end to end: for each kernel series in KERNELS (default
# "5.10 6.1 6.12": Debian bullseye's, bookworm's and trixie's), fetch the
# kernel, build its initramfs, boot it once and run the test programs once per
# hook family, report. Guests run one after another. `make test-kernels` calls
# this after building the static binaries; it can also be run by hand:
#
#   tools/vm/matrix.sh [-d VM_DIR] [-s SOCKTRACE] [-T "TOOL_BINS"] TEST_PROG...
#
#   -d  work/cache dir (default build/vm): kernel-<release>/, apt/, deb/,
#       payload/, initramfs-<series>.cpio.gz, logs/
#   -s  the static socktrace binary (copied to /opt/socktrace/socktrace)
#   -T  more static programs for /opt/socktrace/tools/
#   TEST_PROG  static TAP programs (or sh scripts), copied to /opt/socktrace/tests/
#
# Environment: KERNELS, VM_HOOKS (default "fentry kprobe tracepoint"; each run
# gets SOCKTRACE_HOOKS=<family>), VM_TIMEOUT (1800, per kernel),
# VM_CMD_TIMEOUT (0), VM_TEST_TIMEOUT (300, per test program), VM_TEST_RETRY
# (1: a program that failed runs once more, reported either way), VM_STALL (420:
# a guest silent that long is killed), VM_RETRY (1: a guest that died or
# stalled is booted once more for the families it did not finish), VM_MODULES
# ("veth dummy inet_diag tcp_diag udp_diag unix_diag": sock_diag for --seed
# netlink), VM_HOST_BINS (host programs copied with their libraries, default
# "dash ip ss"; dash becomes /bin/sh), VM_APPEND (extra kernel arguments),
# VM_VERBOSE=1 (stream the guest's output).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
dir=build/vm socktrace='' tools=''
while getopts d:s:T: opt; do
	case $opt in
	d) dir=$OPTARG ;;
	s) socktrace=$OPTARG ;;
	T) tools=$OPTARG ;;
	*) sed -n '2,25s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "matrix: no test programs given" >&2; exit 2; }
hooks=${VM_HOOKS:-fentry kprobe tracepoint}

kernels=${KERNELS:-5.10 6.1 6.12}
t_all=$(date +%s)

# --- payload (the same for every kernel but tests.list) ------------------------
p=$dir/payload
rm -rf "$p"
mkdir -p "$p/tests" "$p/tools"
cp "$top/tests/run-tests.sh" "$p/run-tests.sh"
env_sock=
if [ -n "$socktrace" ]; then
	cp "$socktrace" "$p/socktrace"
	env_sock="SOCKTRACE=/opt/socktrace/socktrace "
fi
for f in $tools; do cp "$f" "$p/tools/"; done
for f in "$@"; do cp "$f" "$p/tests/"; done
for f in "$p/socktrace" "$p"/tests/* "$p"/tools/*; do
	[ -f "$f" ] || continue
	case $(file -b "$f") in
	*ELF*dynamically*) echo "matrix: warning: $(basename "$f") is dynamically linked; the guest has no libc for it" >&2 ;;
	esac
done

# --- the host, for comparison --------------------------------------------------
echo "host: kernel $(uname -r)"
if [ -n "$socktrace" ] && [ -x "$socktrace" ]; then
	if feat=$(timeout 20 "$socktrace" features 2>&1); then
		printf '%s\n' "$feat" | sed 's/^/host: /'
	else
		echo "host: 'socktrace features' not available"
	fi
fi

# --- one guest per kernel, in sequence -------------------------------------------
# boot_guest "FAMILIES": build this kernel's initramfs with one command per hook
# family, boot it, print run.sh's report (kept in $logs.report too).
boot_guest() {
	{
		echo "# one command per hook family; see tools/vm/init.sh"
		for h in $1; do
			pre=
			# what socktrace itself sees in the guest, kept in the log as TAP comments
			[ -n "$socktrace" ] && pre="/opt/socktrace/socktrace features 2>&1 | sed 's/^/# features: /'; "
			# a test that hangs is killed after VM_TEST_TIMEOUT s, named,
			# and the kernel's stacks go to the log (sysrq l: every CPU,
			# w: blocked tasks) before the next test runs
			echo "[$h] ${pre}export ${env_sock}SOCKTRACE_HOOKS=$h VM_EXPECT_RELEASE=$rel DUMP_ON_FAIL=${VM_DUMP:-1} TEST_RETRY=${VM_TEST_RETRY:-1} TEST_TIMEOUT=${VM_TEST_TIMEOUT:-300} TEST_ON_TIMEOUT='echo l >/proc/sysrq-trigger; echo w >/proc/sysrq-trigger; killall -9 socktrace connstorm bench-floor 2>/dev/null'; sh /opt/socktrace/run-tests.sh /opt/socktrace/tests/*"
		done
	} >"$p/tests.list"
	img=$dir/initramfs-$series.cpio.gz
	sh "$here/mkinitramfs.sh" -k "$ktree" -o "$img" \
		-m "${VM_MODULES-veth dummy inet_diag tcp_diag udp_diag unix_diag}" -b "${VM_HOST_BINS-dash ip ss}" -t "${VM_CMD_TIMEOUT:-0}" "$p"
	echo "guest: kernel $KVER"
	logs=$dir/logs/$(date +%Y%m%d-%H%M%S)-$series
	mkdir -p "$logs"
	brc=0
	sh "$here/run.sh" -k "$VMLINUZ" -i "$img" -l "$logs" -t "${VM_TIMEOUT:-1800}" >"$logs.report" 2>&1 || brc=1
	cat "$logs.report"
	if [ $brc = 0 ]; then good="$good $logs.report"; else bad="$bad $logs.report"; fi
	return $brc
}

rc=0
times= good= bad=
for series in $kernels; do
	t0=$(date +%s)
	if ! kv=$(sh "$here/fetch-kernel.sh" "$dir" "$series"); then
		echo "$series: FAILED: cannot fetch the kernel"
		rc=1
		continue
	fi
	eval "$kv"
	ktree=$(dirname "$(dirname "$VMLINUZ")")
	rel=$(echo "$KVER" | cut -d. -f1,2).
	krc=0
	boot_guest "$hooks" || krc=$?
	# A guest whose kernel died (an oops under TCG) or stopped writing
	# (a stall) is booted once more for the families it did not finish; the
	# first boot's report and kernel trouble stay in the log and the summary.
	again=$(sed -n 's/^[^ ]* \([a-z]*\): INCOMPLETE .*/\1/p' "$logs.report" | tr '\n' ' ')
	if [ -n "$again" ] && [ "${VM_RETRY:-1}" = 1 ]; then
		echo "matrix: $series: the guest did not finish: $again; booting it once more for those"
		grep -q ' FAILED rc=' "$logs.report" && failed_before=1 || failed_before=0
		krc=0
		boot_guest "$again" || krc=$?
		[ "$failed_before" = 0 ] || krc=1
	fi
	[ "$krc" = 0 ] || rc=1
	s=$(($(date +%s) - t0))
	echo "matrix: $series took $s s"
	times="$times $series=${s}s"
done
# Every kernel's verdict again at the end, the boots that failed last: a CI
# log that keeps only its last lines still says how each kernel and family
# did, and where a failed guest's CPUs were.
echo "matrix: summary"
for r in $good $bad; do
	echo "  boot $(basename "$r" .report):"
	grep -v '^  \[' "$r" | grep -v '^log: ' | grep -v '^  stack: ' | sed 's/^/  /'
	grep '^  \[' "$r" | head -n 6 | sed 's/^/  /'
	grep '^  stack: ' "$r" | head -n 8 | sed 's/^/  /'
done
echo "matrix:$times; $(($(date +%s) - t_all)) s in all"
exit $rc
