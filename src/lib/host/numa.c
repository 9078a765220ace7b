/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* NUMA nodes and their CPUs, for placement near the VM's memory. */
#include "config.h"

#include <string.h>

#include "vgpuhook-private.h"

#define NODES "/sys/devices/system/node"

static int load_node(struct vgpu_host *host, const char *name)
{
        _cleanup_free_ char *path = vgpu_strdup_printf(NODES "/%s/cpulist", name), *cpus = NULL;
        struct vgpu_numa_node *node;
        unsigned long long id;
        uint64_t bits[64];

        if (strncmp(name, "node", 4) != 0 || vgpu_parse_uint(name + 4, 4095, &id) < 0)
                return 0; /* has_cpu, online, … */
        if (!path)
                return -ENOMEM;
        if (vgpu_root_read_attr(host->root, path, &cpus) < 0 || vgpu_parse_cpulist(cpus, bits, 4096) < 0) {
                vgpu_host_problem(host, "NUMA %s: cpulist is unreadable or malformed", name);
                free(cpus);
                cpus = NULL;
        }
        node = vgpu_array_push(&host->nodes, &host->n_nodes, sizeof(*node));
        if (!node)
                return -ENOMEM;
        node->id = (int)id;
        node->cpulist = TAKE_PTR(cpus);
        return 0;
}

static int cmp_node(const void *a, const void *b)
{
        const struct vgpu_numa_node *x = a, *y = b;

        return (x->id > y->id) - (x->id < y->id);
}

int vgpu_numa_load(struct vgpu_host *host)
{
        _cleanup_strv_ char **names = NULL;
        int n = vgpu_root_list_dir(host->root, NODES, &names);

        if (n == -ENOENT)
                return 0; /* CONFIG_NUMA off */
        if (n < 0)
                return n;
        for (char **name = names; *name; name++) {
                int r = load_node(host, *name);

                if (r < 0)
                        return r;
        }
        vgpu_qsort(host->nodes, host->n_nodes, sizeof(*host->nodes), cmp_node);
        return 0;
}
