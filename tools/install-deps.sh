#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Install what building and testing socktrace needs, from Debian's archive only.
# Idempotent: installs only what is missing.
set -eu
pkgs="clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libzstd-dev pkg-config make gcc iproute2 libcap2-bin"
# the metrics server (serve, --metrics); the tests run promtool, a Prometheus, curl, openssl
pkgs="$pkgs libmicrohttpd-dev libgnutls28-dev libyaml-dev libcrypt-dev prometheus curl openssl"
# t_nginx: a real server (nginx) under a real client (ab)
pkgs="$pkgs nginx apache2-utils"
# t_unix: netstat (net-tools) beside ss, to compare UNIX socket tables; curl is above
pkgs="$pkgs net-tools"
[ "${WITH_BENCH:-0}" = 1 ] && pkgs="$pkgs bpftrace"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# Debian's prometheus package enables a server on :9090 of every interface; the
# tests start their own, on loopback. Stop the packaged one if this run installed it.
case " $missing " in
*" prometheus "*)
	if [ -d /run/systemd/system ]; then
		systemctl disable --now prometheus >/dev/null 2>&1 || true
		echo "install-deps: disabled the packaged prometheus.service (tests run their own)"
	fi
	;;
esac
