/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl inventory, the NVIDIA section: each vendor-VFIO GPU's vGPU mode as
 * its VFs show it (sysfs does not show the mode: it is inferred, and the
 * output says from what), its GPU instances, and what is creatable where.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vgpuctl.h"

/* "H200X-18C on 4 VFs, H200X-35C on 4 VFs": each type offered, on how many VFs. */
static const char *creatable(const struct vgpu_host *host, const char *pf_name, char *buf, size_t size)
{
        struct vgpu_pci_addr a;
        const struct vgpu_pci_dev *pf = vgpu_pci_addr_read(pf_name, &a) == 0 ? vgpu_host_find_pci(host, &a) : NULL;
        size_t o = 0;

        buf[0] = '\0';
        for (size_t i = 0; pf && i < pf->sriov->n_vfs; i++) {
                const struct vgpu_pci_dev *vf = vgpu_host_find_pci(host, &pf->sriov->vfs[i]);

                for (size_t t = 0; vf && vf->nvidia_vfio && t < vf->n_nvidia_types && o < size; t++) {
                        const char *name = vf->nvidia_types[t].name;
                        size_t on = 0;
                        bool before = false;

                        /* counted at its first VF: skip a type an earlier VF lists */
                        for (size_t j = 0; j < i && !before; j++) {
                                const struct vgpu_pci_dev *w = vgpu_host_find_pci(host, &pf->sriov->vfs[j]);

                                for (size_t u = 0; w && w->nvidia_vfio && u < w->n_nvidia_types; u++)
                                        before = before || w->nvidia_types[u].id == vf->nvidia_types[t].id;
                        }
                        for (size_t j = i; !before && j < pf->sriov->n_vfs; j++) {
                                const struct vgpu_pci_dev *w = vgpu_host_find_pci(host, &pf->sriov->vfs[j]);

                                for (size_t u = 0; w && w->nvidia_vfio && u < w->n_nvidia_types; u++)
                                        on += w->nvidia_types[u].id == vf->nvidia_types[t].id;
                        }
                        if (!before)
                                o += (size_t)snprintf(buf + o, size - o, "%s%s on %zu VF%s", o ? ", " : "",
                                                      strncmp(name, "NVIDIA ", 7) == 0 ? name + 7 : name, on,
                                                      on == 1 ? "" : "s");
                }
        }
        return buf;
}

/* What each mode is inferred from: a table, so the sentence wraps. */
static int print_evidence(const struct vgpu_nvidia_gpu *g, size_t n, bool wide)
{
        static const struct vgpuctl_col cols[] = {{"GPU", 13, 0}, {"MODE INFERRED FROM", 0, 0}};
        _cleanup_table_ struct vgpuctl_table *t = vgpuctl_table_new(cols, ARRAY_SIZE(cols));

        for (size_t i = 0; i < n; i++) {
                char line[320];

                snprintf(line, sizeof(line), "%s%s", g[i].certain ? "" : "uncertain: ", g[i].evidence);
                vgpuctl_table_add(t, g[i].pf, line);
        }
        putchar('\n');
        return t ? vgpuctl_table_print(t, "", wide) : vgpuctl_fail("out of memory");
}

int vgpuctl_print_nvidia_modes(const struct vgpu_host *host, bool wide)
{
        static const struct vgpuctl_col cols[] = {
                {"GPU", 13, 0}, {"MODE", 10, 0}, {"VFS", 0, 0}, {"GPU INSTANCES", 0, 0}, {"CREATABLE NOW", 0, 0},
        };
        _cleanup_free_ struct vgpu_nvidia_gpu *g = NULL;
        _cleanup_table_ struct vgpuctl_table *t = vgpuctl_table_new(cols, ARRAY_SIZE(cols));
        int n = vgpu_nvidia_gpus(host, &g), r;

        if (n <= 0)
                return n < 0 ? vgpuctl_fail("out of memory") : VGPUCTL_OK;
        for (int i = 0; i < n; i++) {
                char vfs[64], gis[96] = "", what[1024];
                size_t o = 0;

                snprintf(vfs, sizeof(vfs), "%zu (%zu with a vGPU)", g[i].n_vfs, g[i].n_typed);
                for (size_t k = 0; k < g[i].n_instances; k++)
                        o += (size_t)snprintf(gis + o, sizeof(gis) - o, "%s%u", k ? "," : "", g[i].instances[k]);
                vgpuctl_table_add(t, g[i].pf, vgpu_nvidia_mode_name(g[i].mode), vfs, gis,
                                  creatable(host, g[i].pf, what, sizeof(what)));
        }
        puts("\nNVIDIA vGPU modes (inferred from the VFs: sysfs does not show them)");
        r = t ? vgpuctl_table_print(t, "", wide) : vgpuctl_fail("out of memory");
        return r == VGPUCTL_OK ? print_evidence(g, (size_t)n, wide) : r;
}
