// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel-matrix self-test (TAP). Checks the guest the matrix boots, with no
 * socktrace needed: kernel release, BTF, raw bpf(2), the C library in a bare
 * initramfs, loopback v4/v6, and that the hook family named by
 * SOCKTRACE_HOOKS (fentry | kprobe | tracepoint; unset: all) loads, attaches
 * through a statically linked libbpf and fires on a loopback connection.
 * Exits 0 when every check passed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include "hooks.skel.h"

static int n, failed;

static int ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	failed += !cond;
	return cond;
}

static int libbpf_print(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	if (lvl == LIBBPF_DEBUG)
		return 0;
	printf("# libbpf: ");
	return vprintf(fmt, ap);
}

/* One loopback TCP connection (connect, accept, close) on family af. */
static int loopback_conn(int af)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int l, c, a = -1, rc = -1;

	l = socket(af, SOCK_STREAM, 0);
	c = socket(af, SOCK_STREAM, 0);
	if (l < 0 || c < 0)
		goto out;
	if (af == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;
		s->sin_family = AF_INET;
		s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
		s->sin6_family = AF_INET6;
		s->sin6_addr = in6addr_loopback;
		len = sizeof(*s);
	}
	if (bind(l, (struct sockaddr *)&ss, len) || listen(l, 4) ||
	    getsockname(l, (struct sockaddr *)&ss, &len) ||
	    connect(c, (struct sockaddr *)&ss, len))
		goto out;
	a = accept(l, NULL, NULL);
	rc = a < 0 ? -1 : 0;
out:
	if (rc)
		printf("# loopback af=%d: %s\n", af, strerror(errno));
	if (a >= 0)
		close(a);
	if (c >= 0)
		close(c);
	if (l >= 0)
		close(l);
	return rc;
}

static int raw_socket_filter(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (__u64)(unsigned long)insns;
	attr.insn_cnt = 2;
	attr.license = (__u64)(unsigned long)"GPL";
	fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd < 0)
		printf("# BPF_PROG_LOAD: %s\n", strerror(errno));
	else
		close(fd);
	return fd >= 0;
}

static int tracefs_ready(void)
{
	struct stat st;

	if (stat("/sys/kernel/tracing/events/sock", &st) == 0)
		return 1;
	/* What socktrace must do itself on a machine that has no tracefs mounted. */
	printf("# tracefs not mounted; mounting it on /sys/kernel/tracing\n");
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) && errno != EBUSY) {
		printf("# mount tracefs: %s\n", strerror(errno));
		return 0;
	}
	return stat("/sys/kernel/tracing/events/sock", &st) == 0;
}

/* Load and attach one family's programs, make connections, check the hits. */
static void family(const char *name)
{
	struct hooks_bpf *skel;
	struct bpf_program *p;
	int want_fentry = !strcmp(name, "fentry"), want_kprobe = !strcmp(name, "kprobe"),
	    want_tp = !strcmp(name, "tracepoint");
	int err;

	if (!want_fentry && !want_kprobe && !want_tp) {
		ok(0, "%s: unknown hook family", name);
		return;
	}
	skel = hooks_bpf__open();
	if (!ok(skel != NULL, "%s: open skeleton", name))
		return;
	bpf_object__for_each_program(p, skel->obj)
	{
		const char *sec = bpf_program__section_name(p);
		int on = (want_fentry && (!strncmp(sec, "fentry/", 7) || !strncmp(sec, "fexit/", 6))) ||
			 (want_kprobe && (!strncmp(sec, "kprobe/", 7) || !strncmp(sec, "kretprobe/", 10))) ||
			 (want_tp && (!strncmp(sec, "tracepoint/", 11) || !strncmp(sec, "tp_btf/", 7)));
		bpf_program__set_autoload(p, on);
	}
	if (want_tp)
		ok(tracefs_ready(), "%s: tracefs available at /sys/kernel/tracing", name);
	err = hooks_bpf__load(skel);
	if (!ok(err == 0, "%s: load (%s)", name, err ? strerror(-err) : "ok"))
		goto out;
	err = hooks_bpf__attach(skel);
	if (!ok(err == 0, "%s: attach (%s)", name, err ? strerror(-err) : "ok"))
		goto out;
	ok(loopback_conn(AF_INET) == 0 && loopback_conn(AF_INET6) == 0,
	   "%s: loopback connections while attached", name);
	if (want_fentry) {
		ok(skel->bss->hits_fentry >= 2, "fentry/tcp_connect fired (%llu)",
		   (unsigned long long)skel->bss->hits_fentry);
		ok(skel->bss->hits_fexit >= 2, "fexit/inet_csk_accept fired (%llu)",
		   (unsigned long long)skel->bss->hits_fexit);
	} else if (want_kprobe) {
		ok(skel->bss->hits_kprobe >= 2, "kprobe/tcp_connect fired (%llu)",
		   (unsigned long long)skel->bss->hits_kprobe);
		ok(skel->bss->hits_kretprobe >= 2, "kretprobe/inet_csk_accept fired (%llu)",
		   (unsigned long long)skel->bss->hits_kretprobe);
	} else {
		ok(skel->bss->hits_tp_btf >= 8, "tp_btf/inet_sock_set_state fired (%llu)",
		   (unsigned long long)skel->bss->hits_tp_btf);
		ok(skel->bss->hits_tracepoint >= 8, "tracepoint/sock/inet_sock_set_state fired (%llu)",
		   (unsigned long long)skel->bss->hits_tracepoint);
	}
out:
	hooks_bpf__destroy(skel);
}

int main(void)
{
	const char *hooks = getenv("SOCKTRACE_HOOKS");
	const char *want_rel = getenv("VM_EXPECT_RELEASE");
	struct utsname u;
	struct stat st;
	struct addrinfo *ai = NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(libbpf_print);
	uname(&u);
	printf("# kernel %s, libbpf %d.%d, SOCKTRACE_HOOKS=%s\n", u.release, libbpf_major_version(),
	       libbpf_minor_version(), hooks ? hooks : "(unset)");
	if (want_rel)
		ok(!strncmp(u.release, want_rel, strlen(want_rel)), "kernel release %s starts with %s",
		   u.release, want_rel);
	ok(stat("/sys/kernel/btf/vmlinux", &st) == 0, "/sys/kernel/btf/vmlinux exists");
	ok(raw_socket_filter(), "bpf(BPF_PROG_LOAD) of a socket filter");
	ok(stat("/sys/fs/bpf", &st) == 0, "/sys/fs/bpf exists");
	/* Facts about the bare guest, reported rather than required. */
	printf("# getaddrinfo(localhost) in a static binary: %s\n",
	       getaddrinfo("localhost", NULL, NULL, &ai) == 0 ? "ok" : "fails");
	if (ai)
		freeaddrinfo(ai);
	printf("# getpwuid(0): %s\n", getpwuid(0) ? getpwuid(0)->pw_name : "fails");
	printf("# tracefs mounted at start: %s\n",
	       stat("/sys/kernel/tracing/events", &st) == 0 ? "yes" : "no");

	if (hooks && *hooks) {
		family(hooks);
	} else {
		family("fentry");
		family("kprobe");
		family("tracepoint");
	}
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
