/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Command line: one option set shared by every view. */
#ifndef SOCKTRACE_OPTIONS_H
#define SOCKTRACE_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

enum command {
	CMD_WATCH = 1,
	CMD_TABLE,
	CMD_FEATURES,
	CMD_LIFE,
	CMD_REUSEPORT,
	CMD_HELP,
	CMD_VERSION,
	CMD_SERVE,
};

enum hook_choice {
	HOOK_AUTO = 0,
	HOOK_TP_BTF,
	HOOK_TRACEPOINT,
	HOOK_FENTRY,
	HOOK_KPROBE,
	HOOK_RAW_TP, /* the state hook, untyped: no tracefs, no perf event */
};

/* Where the sockets that predate socktrace are found (--seed). */
enum seed_choice {
	SEED_AUTO = 0,
	SEED_ITER,    /* BPF iterators: iter/tcp, iter/udp, iter/task_file */
	SEED_NETLINK, /* sock_diag netlink and a /proc fd scan */
};

/* Where life puts a connection together (--life-path). */
enum life_path {
	LIFE_PATH_AUTO = 0,
	LIFE_PATH_TABLE,      /* every transition through socktrace's table */
	LIFE_PATH_HASH,	      /* in the kernel, a hash map by sock address */
	LIFE_PATH_SK_STORAGE, /* in the kernel, socket storage */
};

/* filter.protos: -t -u -x */
enum proto_sel {
	SEL_TCP = 1 << 0,
	SEL_UDP = 1 << 1,
	SEL_UNIX = 1 << 2,
};

/* What a line or a row must match to be shown. Zero fields match anything. */
struct filter {
	uint8_t protos;	       /* enum proto_sel; 0 = all */
	const char *path_glob; /* --path: UNIX paths (fnmatch), "@name" for abstract */
	uint32_t pid;
	char comm[16];
	bool has_comm;
	uint16_t port, lport, rport;
	uint32_t states; /* bit (1 << state); 0 = any */
	uint16_t family; /* AF_INET, AF_INET6; 0 = both */
	uint32_t netns;
};

struct options {
	enum command cmd;
	struct filter f;
	bool json;
	bool no_header;
	bool wide;
	bool timestamps;
	int verbose;
	uint64_t duration_ns; /* 0: until interrupted */
	uint64_t count;	      /* 0: no limit */
	const char *ready_file;
	const char *btf;       /* --btf: kernel BTF for kernels without /sys/kernel/btf/vmlinux */
	uint64_t ringbuf_size; /* 0: the loader chooses (loader.h) */
	uint32_t max_sockets;
	enum hook_choice state_hook;
	enum hook_choice hooks;
	enum seed_choice seed;
	/* table */
	bool tcp, udp, unx;  /* -t, -u, -x: none means all (also in f.protos) */
	bool listening, all; /* -l, -a */
	bool show_pids;	     /* -p */
	bool extended;	     /* -e */
	uint64_t refresh_ns; /* -c [SECONDS]; 0: print once */
	/* life */
	uint64_t min_ns, max_ns;  /* --min-ms, --max-ms; max 0: no limit */
	enum life_path life_path; /* --life-path */
	/* reuseport */
	uint64_t interval_ns; /* --interval SECONDS, default 1 (serve: 10) */
	/* metrics: serve, and --metrics beside watch, life, reuseport */
	const char *metrics;	     /* ADDR:PORT to serve /metrics on; NULL: none */
	const char *web_config;	     /* --web-config FILE: TLS, basic auth */
	uint32_t metrics_max_series; /* --metrics-max-series N */
};

/*
 * Parse argv. Returns 0 on success; on bad input prints one line to stderr
 * and returns 2 (the exit status for usage errors).
 */
int options_parse(int argc, char **argv, struct options *o);
void options_usage(FILE *out);

#endif
