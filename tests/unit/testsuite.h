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
/* A new temp dir holding the real kernel capture from tests/data. */
char *testsuite_capture_root(void);
void testsuite_remove_root(char *dir);

/* Load the host below @dir; fails the test on error. */
struct vgpu_host *testsuite_load(const char *dir);

/* Replace @path (below @dir) with a file holding @content / a symlink. */
void testsuite_write(const char *dir, const char *path, const char *content);
void testsuite_symlink(const char *dir, const char *path, const char *target);
void testsuite_unlink(const char *dir, const char *path);

/* Does host->problems hold a sentence containing @needle? */
int testsuite_has_problem(const struct vgpu_host *host, const char *needle);

#endif
