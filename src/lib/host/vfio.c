/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VFIO: the busy probe (binding to vfio-pci is in writes/vfio-bind.c).
 *
 * remove, unbind and sriov_numvfs=0 block in the kernel (uninterruptibly
 * after a signal) while a VM holds the device, and the hook runs with
 * libvirt's domain lock held.  So before any of those writes we open the
 * IOMMU group's /dev/vfio/N: the kernel refuses a second opener with EBUSY.
 *
 * The VFIO device cdev (/dev/vfio/devices/vfioN, iommufd; kernel 6.6 and
 * later, the device's sysfs vfio-dev/vfioN) changes two things
 * (Documentation/driver-api/vfio.rst, drivers/vfio/group.c): a device
 * bound through its cdev makes the group's open fail with EBUSY too, so the
 * group probe sees a QEMU using the cdev; but the cdev's own open always
 * succeeds (only the bind to an iommufd is exclusive, and it would open the
 * device), so it tells nothing.  A kernel built without VFIO_GROUP has no
 * group node at all: there the probe looks for a process holding the cdev
 * open in /proc (docs/design.md §11).
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

/* 1 held, 0 free, -ENOENT no node, or -errno. */
static int group_probe(const struct vgpu_root *root, int group)
{
        char path[64];
        int fd;

        if (group < 0)
                return -ENOENT;
        snprintf(path, sizeof(path), "/dev/vfio/%d", group);
        fd = vgpu_root_open(root, path, O_RDWR | O_NOCTTY | O_NONBLOCK);
        if (fd >= 0) {
                close(fd);
                return 0;
        }
        return fd == -EBUSY ? 1 : fd;
}

int vgpu_vfio_group_busy(const struct vgpu_root *root, int group)
{
        int r = group_probe(root, group);

        /* No node: nothing bound to VFIO in that group, nobody can hold it. */
        return r == -ENOENT ? 0 : r;
}

/* Does process @pid (a /proc entry's name) hold @node open?  Its fds unreadable count as no. */
static bool holds(const struct vgpu_root *root, const char *pid, const char *node)
{
        _cleanup_free_ char *dir = vgpu_strdup_printf("/proc/%s/fd", pid);
        _cleanup_strv_ char **fds = NULL;

        if (!dir || vgpu_root_list_dir(root, dir, &fds) < 0)
                return false;
        for (char **fd = fds; *fd; fd++) {
                _cleanup_free_ char *link = vgpu_strdup_printf("%s/%s", dir, *fd), *target = NULL;

                if (link && vgpu_root_read_link(root, link, &target) >= 0 && strcmp(target, node) == 0)
                        return true;
        }
        return false;
}

/* Does a process hold the VFIO device cdev of device directory @dir open?  0 also when it has none. */
static int cdev_held(const struct vgpu_root *root, const char *dir)
{
        _cleanup_free_ char *vdir = vgpu_strdup_printf("%s/vfio-dev", dir);
        _cleanup_strv_ char **names = NULL, **pids = NULL;
        char node[96];
        int r = vdir ? vgpu_root_list_dir(root, vdir, &names) : -ENOMEM;

        if (r == -ENOENT || (r == 0 && !names[0]))
                return 0; /* no cdev: not bound to a VFIO driver */
        if (r < 0)
                return r;
        snprintf(node, sizeof(node), "/dev/vfio/devices/%s", names[0]);
        r = vgpu_root_list_dir(root, "/proc", &pids);
        if (r < 0)
                return r;
        for (char **pid = pids; *pid; pid++)
                if (strspn(*pid, "0123456789") == strlen(*pid) && holds(root, *pid, node)) {
                        vgpu_dbg(root, "%s is held open by process %s", node, *pid);
                        return 1;
                }
        return 0;
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

        if (r < 0)
                return r;
        r = group_probe(root, group);
        /* No group node (a kernel with only the device cdev): who holds the cdev? */
        return r == -ENOENT ? cdev_held(root, dir) : r;
}
