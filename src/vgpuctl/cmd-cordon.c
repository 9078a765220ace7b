/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl cordon / uncordon: keep a GPU out of placement (before a driver
 * upgrade, say) without stopping the VMs on it.  The list lives in the
 * configuration file, which the hook reads at every prepare.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "vgpuctl.h"

static int change(const struct vgpuctl_ctx *ctx, const char *typed, bool cordon)
{
        _cleanup_free_ char *name = NULL;
        struct vgpu_host *host = NULL;
        struct vgpu_error err = {0};
        char where[512];
        int r = vgpuctl_device_arg(typed, &name);

        if (r != 0)
                return r;
        r = vgpuctl_load_host(ctx, &host);
        if (r != VGPUCTL_OK)
                return r;
        /* a typo must not look like a cordon that protects something */
        if (cordon && !vgpu_host_has_device(host, name)) {
                vgpu_host_free(host);
                return vgpuctl_fail("no mdev parent or PCI device '%s' on this host; see 'vgpuctl inventory'", name);
        }
        r = vgpu_config_set_cordoned(host->root, name, cordon, &err);
        vgpu_host_free(host);
        if (r < 0)
                return vgpuctl_fail("%s%s", vgpu_error_format(&err, where, sizeof(where)),
                                    r == -EINVAL ? "; fix the file first" : "");
        printf("%s %s\n", name,
               r ? (cordon ? "cordoned" : "uncordoned") : (cordon ? "was cordoned already" : "was not cordoned"));
        return VGPUCTL_OK;
}

static int run(const struct vgpuctl_ctx *gctx, int argc, char *argv[], bool cordon)
{
        static const struct option opts[] = {
                {"root", required_argument, NULL, 'r'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        struct vgpuctl_ctx ctx = *gctx;
        int c;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                if (c == 'r')
                        ctx.root = optarg;
                else if (c == 'h')
                        return printf("Usage: vgpuctl %s PARENT [--root DIR]\n\n%s\n", argv[0],
                                      cordon ? "Keep mdev parent or GPU PARENT (a PCI address) out of placement: no "
                                               "new\n"
                                               "device goes there; VMs that have one keep it."
                                             : "Let placement use PARENT again."),
                               VGPUCTL_OK;
                else
                        return VGPUCTL_USAGE;
        }
        if (argc - optind != 1)
                return vgpuctl_usage_error("%s takes one PARENT (an mdev parent or PCI address)", argv[0]);
        return change(&ctx, argv[optind], cordon);
}

int vgpuctl_cordon(const struct vgpuctl_ctx *ctx, int argc, char *argv[])
{
        return run(ctx, argc, argv, true);
}

int vgpuctl_uncordon(const struct vgpuctl_ctx *ctx, int argc, char *argv[])
{
        return run(ctx, argc, argv, false);
}
