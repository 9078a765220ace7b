/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Giving an NVIDIA vendor-VFIO VF a vGPU type, and clearing it: the type's
 * id, looked up by name in the VF's creatable_vgpu_types (host/nvidia.c
 * parses them), written to nvidia/current_vgpu_type.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vgpuhook-private.h"

#define EPERM_RETRIES  5
#define EPERM_DELAY_NS (100 * 1000 * 1000)

static int write_type(const struct vgpu_root *root, const struct vgpu_pci_addr *vf, unsigned id)
{
        const struct timespec delay = {0, EPERM_DELAY_NS};
        char value[16];
        int r;

        snprintf(value, sizeof(value), "%u", id);
        for (int i = 0;; i++) {
                r = vgpu_pci_write_attr(root, vf, "nvidia/current_vgpu_type", value);
                if (r != -EPERM || i == EPERM_RETRIES)
                        return r;
                nanosleep(&delay, NULL);
        }
}

static int find_type(const struct vgpu_root *root, const struct vgpu_pci_addr *vf, const char *name, unsigned *ret_id)
{
        _cleanup_free_ char *text = NULL;
        struct vgpu_nvidia_type *types = NULL;
        char path[128];
        int n, r = -ENOENT;

        vgpu_pci_path(vf, "nvidia/creatable_vgpu_types", path, sizeof(path));
        n = vgpu_root_read_file(root, path, 64 * 1024, &text);
        if (n < 0)
                return n == -ENOENT ? -ENODEV : n;
        n = vgpu_nvidia_types_parse(text, path, &types, NULL);
        if (n < 0)
                return n;
        for (int i = 0; i < n; i++)
                if (strcmp(types[i].name, name) == 0) {
                        *ret_id = types[i].id;
                        r = 0;
                }
        vgpu_nvidia_types_free(types, (size_t)n);
        if (r < 0)
                vgpu_dbg(root, "%s: vGPU type %s refused: not in creatable_vgpu_types", path, name);
        return r;
}

int vgpu_nvidia_set_type(const struct vgpu_root *root, const struct vgpu_pci_addr *vf, const char *type_name,
                         unsigned *ret_id)
{
        unsigned id = 0;
        int r = find_type(root, vf, type_name, &id);

        if (r < 0)
                return r;
        r = write_type(root, vf, id);
        if (r < 0)
                return r;
        if (ret_id)
                *ret_id = id;
        return 0;
}

int vgpu_nvidia_clear_type(const struct vgpu_root *root, const struct vgpu_pci_addr *vf)
{
        return write_type(root, vf, 0);
}

static int write_number(const struct vgpu_root *root, const struct vgpu_pci_addr *vf, const char *attr, unsigned v)
{
        char value[16], name[VGPU_PCI_ADDR_STRLEN];
        int r;

        snprintf(value, sizeof(value), "%u", v);
        r = vgpu_pci_write_attr(root, vf, attr, value);
        vgpu_pci_addr_format(vf, name);
        if (r < 0)
                vgpu_dbg(root, "%s: the driver refused %s %u: %s", name, attr, v, strerror(-r));
        return r;
}

/* The driver's answer to a refused type: the VF should read 0 again. */
static void log_refusal(const struct vgpu_root *root, const struct vgpu_pci_addr *vf, const char *type_name)
{
        _cleanup_free_ char *cur = NULL;
        char name[VGPU_PCI_ADDR_STRLEN];

        (void)vgpu_pci_read_attr(root, vf, "nvidia/current_vgpu_type", &cur);
        vgpu_pci_addr_format(vf, name);
        vgpu_dbg(root, "%s: the driver refused vGPU type %s; current_vgpu_type now %s", name, type_name,
                 cur ? cur : "unreadable");
}

int vgpu_nvidia_setup_vf(const struct vgpu_root *root, const struct vgpu_pci_addr *vf, const char *type_name,
                         const struct vgpu_nvidia_setup *setup, unsigned *ret_id)
{
        bool chose = setup && (setup->gpu_instance_set || setup->placement_set);
        int r = 0;

        if (setup && setup->gpu_instance_set)
                r = write_number(root, vf, "nvidia/gpu_instance_id", setup->gpu_instance_id);
        if (r == 0 && setup && setup->placement_set)
                r = write_number(root, vf, "nvidia/placement_id", setup->placement_id);
        if (r == 0) {
                r = vgpu_nvidia_set_type(root, vf, type_name, ret_id);
                if (r == -EINVAL) /* the driver leaves the VF at 0: say what it reads */
                        log_refusal(root, vf, type_name);
        }
        /* Not typed, yet an instance or placement of ours may stay (even after a refusal,
         * should the driver not have reset the VF as its guides say): 0 undoes them. */
        if (r < 0 && chose)
                (void)write_type(root, vf, 0);
        return r;
}

int vgpu_nvidia_set_params(const struct vgpu_root *root, const struct vgpu_pci_addr *vf, const char *params)
{
        return vgpu_pci_write_attr(root, vf, "nvidia/vgpu_params", params);
}
