/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IOMMU groups: who shares isolation with whom (/sys/kernel/iommu_groups). */
#include "config.h"

#include <string.h>

#include "vgpuhook-private.h"

#define IOMMU_GROUPS "/sys/kernel/iommu_groups"

static int load_group(struct vgpu_host *host, const char *name)
{
        _cleanup_free_ char *dir = vgpu_strdup_printf(IOMMU_GROUPS "/%s/devices", name);
        struct vgpu_iommu_group *g;
        unsigned long long id;
        char **members = NULL;
        int n;

        if (vgpu_parse_uint(name, INT32_MAX, &id) < 0) {
                vgpu_host_problem(host, "%s: not a group number in " IOMMU_GROUPS, name);
                return 0;
        }
        if (!dir)
                return -ENOMEM;
        n = vgpu_root_list_dir(host->root, dir, &members);
        if (n == -ENOMEM)
                return n;
        if (n < 0) {
                vgpu_host_problem(host, "IOMMU group %s has no readable devices directory", name);
                return 0;
        }
        g = vgpu_array_push(&host->groups, &host->n_groups, sizeof(*g));
        if (!g) {
                vgpu_strv_free(members);
                return -ENOMEM;
        }
        g->id = (int)id;
        g->devices = members;
        g->n_devices = (size_t)n;
        return 0;
}

static int cmp_group(const void *a, const void *b)
{
        const struct vgpu_iommu_group *x = a, *y = b;

        return (x->id > y->id) - (x->id < y->id);
}

int vgpu_iommu_load(struct vgpu_host *host)
{
        _cleanup_strv_ char **names = NULL;
        int n = vgpu_root_list_dir(host->root, IOMMU_GROUPS, &names);

        if (n == -ENOENT)
                return 0; /* IOMMU off: no groups, and no VFIO either */
        if (n < 0)
                return n;
        for (char **name = names; *name; name++) {
                int r = load_group(host, *name);

                if (r < 0)
                        return r;
        }
        vgpu_qsort(host->groups, host->n_groups, sizeof(*host->groups), cmp_group);
        return 0;
}
