/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The filters every view shares (--pid, --port, --state, ...). */
#ifndef SOCKTRACE_FILTER_H
#define SOCKTRACE_FILTER_H

#include <stdbool.h>
#include "options.h"
#include "table.h"

/* A stream line: state filters test either end of the transition. */
bool filter_transition(const struct filter *f, const struct transition *tr);
/* A table row in its current state. */
bool filter_entry(const struct filter *f, const struct sock_entry *e);

#endif
