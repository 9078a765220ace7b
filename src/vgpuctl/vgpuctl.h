/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vgpuctl: one file per subcommand, each a {name, fn, help} entry. */
#ifndef VGPUCTL_H
#define VGPUCTL_H

#include <stdbool.h>

#include "cleanup.h"
#include "vgpuhook.h"

/* Exit codes, as virsh and mdevctl users expect. */
enum {
        VGPUCTL_OK = 0,
        VGPUCTL_FAILED = 1,
        VGPUCTL_USAGE = 2,
};

/* What every subcommand may use: the global options. */
struct vgpuctl_ctx {
        const char *root; /* --root DIR, or NULL: $VGPU_HOOK_ROOT or / */
        const char *uri;  /* -c URI, or NULL: libvirt's default */
};

struct vgpuctl_cmd {
        const char *name;
        int (*fn)(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);
        const char *help;
};

/* Print "vgpuctl: <sentence>" to stderr; returns VGPUCTL_FAILED. */
int vgpuctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same for usage errors; returns VGPUCTL_USAGE. */
int vgpuctl_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Open ctx->root and read the host; prints the reason on failure. */
int vgpuctl_load_host(const struct vgpuctl_ctx *ctx, struct vgpu_host **ret_host);

int vgpuctl_inventory(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);
int vgpuctl_leases(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);

#endif
