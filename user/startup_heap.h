/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The heap during start-up. libbpf reads and parses the kernel's BTF (5-6 MB
 * on Debian's kernels) once per BPF object, and the start-up snapshot grows
 * its arrays: big blocks allocated and freed one after another. By default
 * glibc gives each its own mmap() and unmaps it at free(), so every parse
 * faults all its pages in afresh, and on a virtual machine a page fault is
 * dear: a quarter of start-up on our 6.18 machines (docs/performance.md). So
 * while socktrace starts, big blocks come from the heap and freed memory
 * stays there for the next; once it is ready, the heap is trimmed back.
 * Every thread allocates from that one heap, from start-up on.
 */
#ifndef SOCKTRACE_STARTUP_HEAP_H
#define SOCKTRACE_STARTUP_HEAP_H

void startup_heap_begin(void);
/* glibc's fixed thresholds again, and what start-up left free goes back */
void startup_heap_end(void);

#endif
