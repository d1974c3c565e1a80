/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The table's holder probe (table.h) for a live run: whether a process has
 * exited (kill(pid, 0)), and who holds a socket now, from a scan of every
 * task's socket fds (the snapshot's holder source). A scan is costly, so it
 * is shared: its answer serves every socket for a second, and a new one
 * runs at most every 100 ms and at most a tenth of the time.
 */
#ifndef SOCKTRACE_HOLDER_SCAN_H
#define SOCKTRACE_HOLDER_SCAN_H

#include "snapshot.h"
#include "table.h"

struct holder_scan;

/* NULL when out of memory; snap must outlive it. */
struct holder_scan *holder_scan_new(struct snapshot *snap);
/* The probe to hand to table_set_holder_probe(). */
struct holder_probe holder_scan_probe(struct holder_scan *hs);
void holder_scan_free(struct holder_scan *hs);

#endif
