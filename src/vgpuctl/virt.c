/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl: libvirt through vgpuctl-libvirt.so, loaded only by the commands
 * that talk to libvirt (see vgpuctl-libvirt.h).
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vgpuctl-libvirt.h"
#include "vgpuctl.h"

static const struct vgpuctl_libvirt_ops *load_module(void)
{
        char built[4096];
        const char *path = vgpu_module_path("VGPUCTL_LIBVIRT_MODULE", BINDIR, "vgpuctl-libvirt.so",
                                            VGPUCTL_LIBVIRT_MODULE_PATH, built, sizeof(built));
        const struct vgpuctl_libvirt_ops *ops;
        void *module;

        /* never dlclose()d: libvirt may leave threads behind */
        module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!module) {
                vgpuctl_fail("cannot load the libvirt module: %s; reinstall vgpu-hook", dlerror());
                return NULL;
        }
        ops = dlsym(module, VGPUCTL_LIBVIRT_SYMBOL);
        if (!ops || ops->abi != VGPUCTL_LIBVIRT_ABI) {
                vgpuctl_fail("%s is not the libvirt module of this vgpuctl; reinstall vgpu-hook", path);
                return NULL;
        }
        return ops;
}

int vgpuctl_virt_open(const struct vgpuctl_ctx *ctx, struct vgpuctl_virt *v)
{
        char msg[512];
        int r;

        memset(v, 0, sizeof(*v));
        v->ops = load_module();
        if (!v->ops)
                return VGPUCTL_FAILED;
        r = v->ops->open(ctx->uri, &v->conn, msg, sizeof(msg));
        if (r < 0)
                return vgpuctl_fail("cannot connect to libvirt%s%s: %s", ctx->uri ? " at " : "",
                                    ctx->uri ? ctx->uri : "", msg);
        return VGPUCTL_OK;
}

void vgpuctl_virt_close(struct vgpuctl_virt *v)
{
        if (v->ops && v->conn)
                v->ops->close(v->conn);
        v->conn = NULL;
}

static int push(struct vgpu_pci_addr **arr, size_t *n, const struct vgpu_pci_addr *a)
{
        struct vgpu_pci_addr *grown = realloc(*arr, (*n + 1) * sizeof(**arr));

        if (!grown)
                return -ENOMEM;
        grown[(*n)++] = *a;
        *arr = grown;
        return 0;
}

static int collect(const struct vgpu_domain *dom, struct vgpu_pci_addr **arr, size_t *n)
{
        int r = 0;

        for (size_t i = 0; r == 0 && i < dom->n_hostdevs; i++)
                if (dom->hostdevs[i].kind == VGPU_HOSTDEV_PCI)
                        r = push(arr, n, &dom->hostdevs[i].addr);
        for (size_t i = 0; r == 0 && i < dom->n_specs; i++)
                if (dom->specs[i].kind != VGPU_SPEC_MDEV)
                        r = push(arr, n, &dom->specs[i].addr);
        return r;
}

int vgpuctl_virt_named_pci(struct vgpuctl_virt *v, struct vgpu_pci_addr **ret, size_t *ret_n)
{
        _cleanup_strv_ char **xmls = NULL;
        struct vgpu_pci_addr *arr = NULL;
        size_t n = 0;
        char msg[512];
        int r = v->ops->all_xml(v->conn, &xmls, msg, sizeof(msg));

        if (r < 0)
                return vgpuctl_fail("cannot list libvirt's domains: %s", msg);
        for (char **x = xmls; r == 0 && *x; x++) {
                struct vgpu_domain *dom = NULL;
                struct vgpu_error err = {0};
                char where[512];

                r = vgpu_domain_parse(*x, strlen(*x), &dom, &err);
                if (r < 0) {
                        free(arr);
                        /* a device we cannot see could be given twice: refuse rather than guess */
                        return vgpuctl_fail("cannot read a defined domain: %s",
                                            vgpu_error_format(&err, where, sizeof(where)));
                }
                r = collect(dom, &arr, &n);
                vgpu_domain_free(dom);
        }
        if (r < 0) {
                free(arr);
                return vgpuctl_fail("out of memory");
        }
        *ret = arr;
        *ret_n = n;
        return VGPUCTL_OK;
}
