/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A running tracer's BPF maps and programs, read from outside: through its
 * descriptors (/proc/PID/fdinfo names each map's and program's id) and bpf(2).
 */
#ifndef SOCKTRACE_TESTS_BPF_MAPS_H
#define SOCKTRACE_TESTS_BPF_MAPS_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <sys/types.h>

/* An fd for the map named name that process pid holds, its info in *info; or -1. */
int map_of_process(pid_t pid, const char *name, struct bpf_map_info *info);

/* How many maps named name of this type process pid holds (each fd once),
 * and their max_entries added up in *sum. */
unsigned int maps_of_process(pid_t pid, const char *name, __u32 type, unsigned long long *sum);

/* How many entries map fd holds (8-byte keys); -1 on error. */
long map_entries(int fd);

/* Whether process pid holds the program named name (loaded, or attached by a link). */
bool prog_of_process(pid_t pid, const char *name);

#endif
