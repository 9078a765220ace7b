/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AMD MxGPU: how many VFs a PF's partition mode allows.  An MI300-series
 * GPU shows its compute partition mode in current_compute_partition (as
 * amdgpu does, drivers/gpu/drm/amd/amdgpu/amdgpu_gfx.c); each compute
 * partition is one VF (SPX 1, DPX 2, CPX 8), issue 22 from AMD's GIM.  A
 * GPU without that attribute (Radeon PRO V710: 1 to 12 VFs) has only its
 * sriov_totalvfs.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

static const struct {
        const char *mode;
        int vfs;
} modes[] = {
        {"SPX", 1}, {"DPX", 2}, {"TPX", 3}, {"QPX", 4}, {"CPX", 8},
};

int vgpu_amd_vf_limit(const struct vgpu_root *root, const struct vgpu_pci_addr *pf, char *mode, size_t size)
{
        _cleanup_free_ char *s = NULL;
        int r = vgpu_pci_read_attr(root, pf, "current_compute_partition", &s);

        snprintf(mode, size, "%s", "");
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        s[strcspn(s, "\n")] = '\0';
        snprintf(mode, size, "%s", s);
        for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
                if (strcmp(s, modes[i].mode) == 0)
                        return modes[i].vfs;
        return 0;
}
