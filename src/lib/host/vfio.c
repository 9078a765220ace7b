/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VFIO: the busy probe (binding to vfio-pci is in writes/vfio-bind.c).
 *
 * remove, unbind and sriov_numvfs=0 block in the kernel (uninterruptibly
 * after a signal) while a VM holds the device, and the hook runs with
 * libvirt's domain lock held.  So before any of those writes we open the
 * IOMMU group's /dev/vfio/N: the kernel refuses a second opener with EBUSY.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

int vgpu_vfio_group_busy(const struct vgpu_root *root, int group)
{
        char path[64];
        int fd;

        if (group < 0)
                return 0;
        snprintf(path, sizeof(path), "/dev/vfio/%d", group);
        fd = vgpu_root_open(root, path, O_RDWR | O_NOCTTY | O_NONBLOCK);
        if (fd >= 0) {
                close(fd);
                return 0;
        }
        if (fd == -EBUSY)
                return 1;
        /* No node: nothing bound to VFIO in that group, nobody can hold it. */
        return fd == -ENOENT ? 0 : fd;
}

/* The group number from the iommu_group link's target name (r: what reading it returned). */
static int group_of(int r, const char *name, int *ret_group)
{
        unsigned long long v;

        if (r == -ENOENT) {
                *ret_group = -1;
                return 0;
        }
        if (r < 0)
                return r;
        if (vgpu_parse_uint(name, INT32_MAX, &v) < 0)
                return -EINVAL;
        *ret_group = (int)v;
        return 0;
}

int vgpu_device_iommu_group(const struct vgpu_root *root, const char *dir, int *ret_group)
{
        _cleanup_free_ char *path = vgpu_strdup_printf("%s/iommu_group", dir), *name = NULL;
        int r = path ? vgpu_root_read_link_name(root, path, &name) : -ENOMEM;

        return r == -ENOMEM ? r : group_of(r, name, ret_group);
}

int vgpu_dir_iommu_group(const struct vgpu_dir *dir, int *ret_group)
{
        _cleanup_free_ char *name = NULL;
        int r = vgpu_dir_read_link_name(dir, "iommu_group", &name);

        return group_of(r, name, ret_group);
}

int vgpu_device_busy(const struct vgpu_root *root, const char *dir)
{
        int group, r = vgpu_device_iommu_group(root, dir, &group);

        return r < 0 ? r : vgpu_vfio_group_busy(root, group);
}
