/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * NVIDIA vendor VFIO (vGPU >= 17 on Ada/Hopper/Blackwell): no mdev; a VF gets
 * a vGPU type by writing an id to nvidia/current_vgpu_type.  We detect the
 * interface by these files, never by the GPU model.  Setting a type is in
 * writes/nvidia-ops.c.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

int vgpu_nvidia_load(struct vgpu_host *host, struct vgpu_pci_dev *dev, const struct vgpu_dir *dir)
{
        _cleanup_free_ char *text = NULL, *cur = NULL;
        struct vgpu_error err = {0};
        long long v;
        int r = vgpu_dir_read_file(dir, "nvidia/creatable_vgpu_types", 64 * 1024, &text);

        if (r == -ENOENT)
                return 0;
        dev->nvidia_vfio = true;
        dev->nvidia_current_type = -1;
        dev->nvidia_gpu_instance = -1;
        if (r < 0) {
                vgpu_host_problem(host, "%s: cannot read nvidia/creatable_vgpu_types: %s", dev->name, strerror(-r));
                return 0;
        }
        r = vgpu_nvidia_types_parse(text, "creatable_vgpu_types", &dev->nvidia_types, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                vgpu_host_problem(host, "%s: nvidia/creatable_vgpu_types line %d: %s", dev->name, err.line, err.text);
        else
                dev->n_nvidia_types = (size_t)r;

        r = vgpu_dir_read_attr(dir, "nvidia/current_vgpu_type", &cur);
        if (r >= 0 && vgpu_parse_int(cur, 0, INT32_MAX, &v) == 0)
                dev->nvidia_current_type = (int)v;
        else
                vgpu_host_problem(host, "%s: nvidia/current_vgpu_type is unreadable or not a number", dev->name);
        free(cur);
        cur = NULL;
        /* Optional (MIG-backed vGPU); what an unset one reads is not published: anything but a number is none. */
        if (vgpu_dir_read_attr(dir, "nvidia/gpu_instance_id", &cur) >= 0 && vgpu_parse_int(cur, 0, INT32_MAX, &v) == 0)
                dev->nvidia_gpu_instance = (int)v;
        return 0;
}
