/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The running kernel's build configuration, where the system keeps it. */
#ifndef SOCKTRACE_KCONFIG_H
#define SOCKTRACE_KCONFIG_H

/*
 * CONFIG_HZ from /boot/config-$(uname -r) or /proc/config.gz; 0 when neither
 * exists (common in containers and minimal systems).
 */
unsigned int kernel_hz(void);

#endif
