/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared helpers of the Check suites: simulated hosts in fresh temp dirs. */
#ifndef TESTSUITE_H
#define TESTSUITE_H

#include <check.h>

#include "vgpuhook.h"

/* Call first in main(): re-executes the program with the kernel-emulation
 * shim ($top_builddir/tests/harness/.libs/libkshim.so) in LD_PRELOAD unless it is
 * there already.  Each test then sets VGPU_HOOK_ROOT to its host. */
void testsuite_preload_kshim(char **argv);

/*
 * Every root a suite opens (vgpu_root_new() is wrapped at link time) logs to
 * a handler that fails the test on a library message at error level, unless
 * the test declared that it provokes them.
 */
void testsuite_expect_lib_errors(bool expected);
int __real_vgpu_root_new(const char *path, struct vgpu_root **ret_root);
int __wrap_vgpu_root_new(const char *path, struct vgpu_root **ret_root);

/* Run @s (the program's only suite); returns the process exit status. */
int testsuite_run(Suite *s);

/* $top_srcdir/@rel, from the environment `make check` sets; free() it. */
char *testsuite_srcpath(const char *rel);

/* A new temp dir (never in srcdir) holding preset @name; free with _remove. */
char *testsuite_fake_root(const char *preset);
/* A new temp dir holding the host that the preset text @text describes. */
char *testsuite_fake_root_text(const char *text);
/* A new temp dir holding the real kernel capture from tests/data. */
char *testsuite_capture_root(void);
void testsuite_remove_root(char *dir);

/* Load the host below @dir; fails the test on error. */
struct vgpu_host *testsuite_load(const char *dir);

/* Replace @path (below @dir) with a file holding @content / a symlink. */
void testsuite_write(const char *dir, const char *path, const char *content);
void testsuite_symlink(const char *dir, const char *path, const char *target);
void testsuite_unlink(const char *dir, const char *path);

/*
 * A simulated host to write to: @dir (taken over) is VGPU_HOOK_ROOT, the
 * kshim logs the stores that reach "the kernel" to DIR/kshim.log, and
 * @root is open on it.  _close frees all and removes the tree.
 */
struct testsuite_host {
        char *dir;
        char *log_path;
        struct vgpu_root *root;
};
void testsuite_host_open(struct testsuite_host *h, char *dir);
void testsuite_host_close(struct testsuite_host *h);
/* How many stores reached the emulated kernel so far. */
int testsuite_host_stores(const struct testsuite_host *h);
/* The lines of the file @path; 0 when it does not exist. */
int testsuite_count_lines(const char *path);

/* A process in @dir's simulated /proc: its stat (starttime @start) and @cmdline of @len bytes. */
void testsuite_fake_proc(const char *dir, int pid, unsigned long long start, const char *cmdline, size_t len);

/* The kernel emulation: a VM holds IOMMU group @group below @dir (@held), or not. */
void testsuite_hold_group(const char *dir, int group, bool held);

/* Does host->problems hold a sentence containing @needle? */
int testsuite_has_problem(const struct vgpu_host *host, const char *needle);

#endif
