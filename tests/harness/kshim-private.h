/* kshim internals: one trapped sysfs store, and the handlers that answer it
 * as the kernel would.  See kshim.c for what the shim does and its controls. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "fakehost-private.h"

/* A handler's "not an attribute the shim emulates": the bytes go to the file. */
#define KS_PASS 1

struct kshim {
        struct fakehost *fh; /* the host, parsed from ROOT/.fakehost/model.host */
        const char *root;    /* realpath of $VGPU_HOOK_ROOT */
        const char *rel;     /* the attribute, relative to ROOT */
        const char *dir;     /* its directory, relative to ROOT */
        const char *name;    /* its file name */
        const char *buf;     /* the bytes, NUL-terminated as the kernel's copy is */
        size_t count;
        int refused; /* with 0 returned: the model changed, yet the store fails with this errno */
};

/* Each handler returns 0 (the store succeeded; the model may have changed),
 * a negative errno (the kernel's answer; the model is untouched) or KS_PASS;
 * a store that fails yet changes the model returns 0 with k->refused set. */

/* kshim.c */
bool ks_group_held(const struct kshim *k, int group);
int ks_blocked(const struct kshim *k);
bool ks_eperm_take(const struct kshim *k, const char *addr);
int ks_kstrtoull(const char *s, unsigned base, unsigned long long *ret);
int ks_kstrtobool(const char *s, bool *ret);
bool ks_sysfs_streq(const char *a, const char *b);

/* kshim-points.c: what libkshim and libkfault share */
enum ks_fail_kind { KS_FAIL_NONE, KS_FAIL_ERRNO, KS_FAIL_KILL, KS_FAIL_KILL_AFTER, KS_FAIL_STOP };

struct ks_fail {
        enum ks_fail_kind kind;
        long n; /* the point it applies to, counted from 1 */
        int err;
};

/*
 * The emulation's own file I/O (the tree, the model, counters, logs) runs
 * in the traced process: it is bracketed by access(KS_MARK_BEGIN) and
 * access(KS_MARK_END), so that a strace of the process can tell it from
 * what the program itself does (tests/reliability/test-confinement.sh).
 */
#define KS_MARK_BEGIN "/.kshim-begin"
#define KS_MARK_END   "/.kshim-end"
void ks_mark(bool begin);

/* ROOT/.fakehost/NAME, formatted; NULL on ENOMEM. */
char *ks_host_file(const char *root, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
long ks_read_number(int fd);
void ks_write_number(int fd, long n);
/* Append a line to $VGPU_KSHIM_LOG. */
void ks_log_line(const char *line);
/* "PID REL "BYTES" RESULT NOTE" to the log. */
void ks_log_point(const char *rel, const void *buf, size_t len, const char *result, const char *note);
/* The plan of $VGPU_KSHIM_FAIL. */
struct ks_fail ks_fail_plan(void);
/* The next point's number, counted across processes (hold ks_lock_host()). */
long ks_next_point(const char *root);
/* flock ROOT/.fakehost/lock: the fd, or -errno. */
int ks_lock_host(const char *root);
/* The realpath of $VGPU_HOOK_ROOT into ROOT (PATH_MAX), unless unset or "/". */
bool ks_host_root(char *root);
/* FD's path, without the " (deleted)" of an unlinked file. */
bool ks_fd_path(int fd, char *path, size_t len, bool *deleted);

/* kshim-mdev.c */
int ks_mdev_create(struct kshim *k);
int ks_mdev_remove(struct kshim *k);

/* kshim-pci.c */
int ks_sriov_numvfs(struct kshim *k);
int ks_sriov_autoprobe(struct kshim *k);
int ks_driver_override(struct kshim *k);
int ks_drivers_probe(struct kshim *k);
int ks_driver_bind(struct kshim *k);
int ks_driver_unbind(struct kshim *k);
int ks_vgpu_type(struct kshim *k);
int ks_vgpu_instance(struct kshim *k);
int ks_vgpu_placement(struct kshim *k);
int ks_vgpu_params(struct kshim *k);

/* kshim-xe.c */
int ks_xe_profile(struct kshim *k);
