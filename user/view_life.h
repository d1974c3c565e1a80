/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* socktrace life: a line per TCP connection when it ends. */
#ifndef SOCKTRACE_VIEW_LIFE_H
#define SOCKTRACE_VIEW_LIFE_H

#include "view_watch.h"

void life_header(struct stream_view *v);
/* A transition_sink for the table. */
void life_transition(void *ctx, const struct transition *tr);

#endif
