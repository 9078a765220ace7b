/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The hook module: one file per op group; shared context and logging here. */
#ifndef HOOK_H
#define HOOK_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "base/cleanup.h"
#include "vgpuhook.h"

#define VGPU_HOOK_RUN_SYMBOL "vgpu_hook_run"
typedef int (*vgpu_hook_run_fn)(int argc, char *argv[], const char *xml, size_t len);

/*
 * The ops that do work, with their functions (hook.c's table).  Every other
 * op (start begin, stopped end, release begin, ones libvirt adds later) does
 * nothing: the front exits 0 for it without loading the module.
 */
/* clang-format off */
#define VGPU_HOOK_OPS(X)                          \
        X("prepare", "begin", hook_prepare)       \
        X("started", "begin", hook_started)       \
        X("release", "end", hook_release)         \
        X("reconnect", "begin", hook_reconnect)   \
        X("migrate", "begin", hook_migrate)       \
        X("restore", "begin", hook_migrate)
/* clang-format on */

static inline bool vgpu_hook_op_does_work(const char *op, const char *subop)
{
#define VGPU_HOOK_OP_IS(o, s, fn)                        \
        if (strcmp(op, o) == 0 && strcmp(subop, s) == 0) \
                return true;
        VGPU_HOOK_OPS(VGPU_HOOK_OP_IS)
#undef VGPU_HOOK_OP_IS
        return false;
}

/* Everything one hook run knows. */
struct hook {
        const char *op, *subop, *extra;
        const char *xml; /* stdin as libvirt gave it: the filters rewrite it */
        size_t xml_len;
        char name[80]; /* the domain's name, made printable, for logs and messages */
        struct vgpu_root *root;
        struct vgpu_config *config;
        struct vgpu_domain *dom;
        struct vgpu_proc_id self;
        struct vgpu_proc_id libvirtd;
        bool can_fail; /* prepare, migrate, restore: errors exit 1; elsewhere 0 */
};

/* The module's entry point (dlsym'd by the front). */
int vgpu_hook_run(int argc, char *argv[], const char *xml, size_t len);

/* syslog at @prio (filtered by the config's log_level). */
void hook_log(const struct hook *h, int prio, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * A refusal: logged, and on stderr as one sentence for the virsh user when
 * the op may fail.  Returns the op's exit status (1, or 0 where failing
 * would harm a VM).
 */
int hook_fail(const struct hook *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* @err as "file:line:col: text", or "@what: strerror(-@r)" when nothing filled it, into @buf. */
const char *hook_why(const struct vgpu_error *err, int r, const char *what, char *buf, size_t size);

/* Does a <hostdev> use the device metadata entry @s names (domain-check.c)?  0, or 1 after a sentence. */
int hook_check_spec(const struct hook *h, const struct vgpu_spec *s);

/*
 * The profile metadata entry @s names, of the kind it needs (domain-check.c's
 * rules, which vgpuctl render applies too; NULL for type=): 0, or 1 after a
 * sentence.
 */
int hook_spec_profile(const struct hook *h, const struct vgpu_spec *s, struct vgpu_profile **ret);

/* Lock the ledger with the configured wait; logs/fails with a sentence. */
int hook_lock(const struct hook *h, struct vgpu_ledger **ret);

/* Read the host; logs on failure. */
int hook_load_host(const struct hook *h, struct vgpu_host **ret);
/* The same for a placement limited to the PCI devices @near (all when @n_near is 0). */
int hook_load_host_near(const struct hook *h, const struct vgpu_pci_addr *near, size_t n_near, struct vgpu_host **ret);

/* A lease of this domain for @kind/@device, filled with our identity. */
void hook_lease_init(const struct hook *h, struct vgpu_lease *lease);

/* release end's shut-off reason (libvirt >= 10.5): libvirt's name, "unknown" for another, NULL when not given. */
const char *hook_shutoff_reason(const struct hook *h);

int hook_prepare(struct hook *h);
int hook_started(struct hook *h);
int hook_release(struct hook *h);
int hook_reconnect(struct hook *h);
/* migrate begin and restore begin: the filters (migrate.h). */
int hook_migrate(struct hook *h);

#endif
