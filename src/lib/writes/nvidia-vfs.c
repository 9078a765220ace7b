/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Enabling all VFs of an NVIDIA PF, as NVIDIA's sriov-manage -e does:
 * sriov_numvfs = sriov_totalvfs (all of them, not the number of vGPUs
 * planned), then each VF that no driver took bound to nvidia, which gives
 * it its nvidia/ files.  sriov-manage goes through pci-pf-stub on branches
 * whose driver takes no sriov_numvfs store: there the store fails with
 * ENOENT and the caller names sriov-manage (config/nvidia-pfs.c).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

static int bind_vf(const struct vgpu_root *root, const char *pf_dir, const char *link)
{
        _cleanup_free_ char *vf = NULL, *path = vgpu_strdup_printf("%s/%s", pf_dir, link), *drv = NULL;
        int r = path ? vgpu_root_read_link_name(root, path, &vf) : -ENOMEM;

        if (r < 0)
                return r;
        free(path);
        path = vgpu_strdup_printf("/sys/bus/pci/devices/%s/driver", vf);
        if (!path)
                return -ENOMEM;
        if (vgpu_root_read_link_name(root, path, &drv) == 0)
                return 0; /* the kernel's autoprobe bound it already */
        r = vgpu_root_write_attr(root, "/sys/bus/pci/drivers/nvidia/bind", vf, strlen(vf));
        if (r < 0)
                vgpu_dbg(root, "VF %s: not bound to nvidia: %s", vf, strerror(-r));
        return r < 0 ? r : 1;
}

int vgpu_nvidia_enable_vfs(const struct vgpu_root *root, const struct vgpu_pci_addr *pf, int total)
{
        _cleanup_strv_ char **names = NULL;
        char dir[128];
        int r = vgpu_sriov_set_numvfs(root, pf, total, -1), bound = 0;

        if (r < 0)
                return r;
        vgpu_pci_path(pf, "", dir, sizeof(dir));
        r = vgpu_root_list_dir(root, dir, &names);
        for (char **name = names; r >= 0 && *name; name++)
                if (strncmp(*name, "virtfn", 6) == 0 && (r = bind_vf(root, dir, *name)) > 0)
                        bound++;
        return r < 0 ? r : bound;
}
