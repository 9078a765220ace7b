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
};

/* Each handler returns 0 (the store succeeded; the model may have changed),
 * a negative errno (the kernel's answer; the model is untouched) or KS_PASS. */

/* kshim.c */
bool ks_group_held(const struct kshim *k, int group);
int ks_blocked(const struct kshim *k);
bool ks_eperm_take(const struct kshim *k, const char *addr);
int ks_kstrtoull(const char *s, unsigned base, unsigned long long *ret);
int ks_kstrtobool(const char *s, bool *ret);
bool ks_sysfs_streq(const char *a, const char *b);

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
