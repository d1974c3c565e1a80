/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* socktrace features: what this kernel offers and which hooks socktrace uses. */
#ifndef SOCKTRACE_VIEW_FEATURES_H
#define SOCKTRACE_VIEW_FEATURES_H

#include "options.h"

/* Print the report (text or JSON). Returns the exit status. */
int features_report(const struct options *o);

#endif
