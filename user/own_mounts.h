/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Mounts socktrace made itself (tracefs for classic tracepoints, the cgroup
 * v2 root for its cgroup programs, where nothing had mounted them) are
 * undone at exit, when nothing else uses them: attached programs keep what
 * they need without the mount.
 */
#ifndef SOCKTRACE_OWN_MOUNTS_H
#define SOCKTRACE_OWN_MOUNTS_H

/*
 * socktrace mounted a file system on @path (a string that lives on); @dirs
 * lists, innermost first and NULL-ended, the directories it made for it.
 * The first call arranges own_mounts_release() at exit.
 */
void own_mount_note(const char *path, const char *const *dirs);
/* Unmount each noted mount nothing keeps busy, and remove the directories made for it. */
void own_mounts_release(void);

#endif
