/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Setting a PF's VF count.  VF counts are host configuration applied at
 * boot (vgpuctl sriov apply), never changed per VM: the kernel refuses a
 * change between two non-zero counts, and sriov_numvfs=0 blocks while a VM
 * holds a VF, so every VF is probed first.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

static int read_numvfs(const struct vgpu_root *root, const struct vgpu_pci_addr *pf)
{
        _cleanup_free_ char *s = NULL;
        unsigned long long v;
        int r = vgpu_pci_read_attr(root, pf, "sriov_numvfs", &s);

        if (r < 0)
                return r;
        return vgpu_parse_uint(s, 65535, &v) < 0 ? -EINVAL : (int)v;
}

/* 1 when a VM holds any VF of @pf, 0 when none, -errno. */
static int any_vf_busy(const struct vgpu_root *root, const struct vgpu_pci_addr *pf)
{
        _cleanup_strv_ char **names = NULL;
        char dir[128];
        int n;

        vgpu_pci_path(pf, "", dir, sizeof(dir));
        n = vgpu_root_list_dir(root, dir, &names);
        if (n < 0)
                return n;
        for (char **name = names; *name; name++) {
                _cleanup_free_ char *vf = NULL;
                int r;

                if (strncmp(*name, "virtfn", 6) != 0)
                        continue;
                vf = vgpu_strdup_printf("%s/%s", dir, *name);
                r = vf ? vgpu_device_busy(root, vf) : -ENOMEM;
                if (r != 0)
                        return r;
        }
        return 0;
}

static void log_busy(const struct vgpu_root *root, const struct vgpu_pci_addr *pf, int cur, int num_vfs)
{
        char name[VGPU_PCI_ADDR_STRLEN];

        vgpu_pci_addr_format(pf, name);
        vgpu_dbg(root, "PF %s: VF count not changed from %d to %d: a VM holds one of its VFs", name, cur, num_vfs);
}

static int write_number(const struct vgpu_root *root, const struct vgpu_pci_addr *pf, const char *attr, int v)
{
        char value[16];

        snprintf(value, sizeof(value), "%d", v);
        return vgpu_pci_write_attr(root, pf, attr, value);
}

int vgpu_sriov_set_numvfs(const struct vgpu_root *root, const struct vgpu_pci_addr *pf, int num_vfs, int autoprobe)
{
        int cur = read_numvfs(root, pf), r;

        if (cur < 0)
                return cur;
        if (num_vfs < 0 || autoprobe > 1)
                return -EINVAL;
        if (cur == num_vfs && autoprobe < 0)
                return 0;
        if (cur != num_vfs && cur > 0) {
                r = any_vf_busy(root, pf);
                if (r > 0)
                        log_busy(root, pf, cur, num_vfs);
                if (r != 0)
                        return r > 0 ? -EBUSY : r;
        }
        /* autoprobe applies to VFs as they are created: set it first. */
        if (autoprobe >= 0) {
                r = write_number(root, pf, "sriov_drivers_autoprobe", autoprobe);
                if (r < 0)
                        return r;
        }
        if (cur == num_vfs)
                return 0;
        if (cur > 0) {
                r = write_number(root, pf, "sriov_numvfs", 0);
                if (r < 0 || num_vfs == 0)
                        return r;
        }
        return write_number(root, pf, "sriov_numvfs", num_vfs);
}
