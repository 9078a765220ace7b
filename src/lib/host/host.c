/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host snapshot: load everything once, look things up, free it. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

void vgpu_host_problem(struct vgpu_host *host, const char *fmt, ...)
{
        char **slot;
        va_list ap;
        char *s;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        if (!s)
                return;
        slot = vgpu_array_push(&host->problems, &host->n_problems, sizeof(char *));
        if (!slot) {
                free(s);
                return;
        }
        *slot = s;
}

void vgpu_host_free(struct vgpu_host *host)
{
        if (!host)
                return;
        for (size_t i = 0; i < host->n_pci; i++)
                vgpu_pci_dev_clear(&host->pci[i]);
        for (size_t i = 0; i < host->n_parents; i++)
                vgpu_mdev_parent_clear(&host->parents[i]);
        for (size_t i = 0; i < host->n_mdevs; i++) {
                free(host->mdevs[i].parent);
                free(host->mdevs[i].type_id);
        }
        for (size_t i = 0; i < host->n_groups; i++)
                vgpu_strv_free(host->groups[i].devices);
        for (size_t i = 0; i < host->n_nodes; i++)
                free(host->nodes[i].cpulist);
        for (size_t i = 0; i < host->n_problems; i++)
                free(host->problems[i]);
        free(host->pci);
        free(host->parents);
        free(host->mdevs);
        free(host->groups);
        free(host->nodes);
        free(host->problems);
        vgpu_root_unref(host->root);
        free(host);
}

static int load(struct vgpu_root *root, bool mdev_only, const struct vgpu_mdev_reach *reach,
                struct vgpu_host **ret_host)
{
        struct vgpu_host *host;
        int fd, r;

        fd = vgpu_root_open(root, "/sys", O_PATH | O_DIRECTORY);
        if (fd < 0)
                return fd;
        close(fd);
        host = calloc(1, sizeof(*host));
        if (!host)
                return -ENOMEM;
        host->root = vgpu_root_ref(root);
        host->mdev_only = mdev_only;
        host->reach = reach;
        /* PCI first: mdev parents are placed on the PCI devices. */
        r = mdev_only ? 0 : vgpu_pci_load(host);
        if (r >= 0)
                r = vgpu_mdev_load(host);
        if (r >= 0 && !mdev_only)
                r = vgpu_iommu_load(host);
        if (r >= 0)
                r = vgpu_numa_load(host);
        host->reach = NULL;
        if (r < 0) {
                vgpu_host_free(host);
                return r;
        }
        *ret_host = host;
        return 0;
}

int vgpu_host_load(struct vgpu_root *root, struct vgpu_host **ret_host)
{
        return load(root, false, NULL, ret_host);
}

int vgpu_host_load_mdev(struct vgpu_root *root, struct vgpu_host **ret_host)
{
        return load(root, true, NULL, ret_host);
}

int vgpu_host_load_mdev_near(struct vgpu_root *root, const struct vgpu_pci_addr *near, size_t n_near,
                             struct vgpu_host **ret_host)
{
        struct vgpu_mdev_reach reach;
        int r = vgpu_mdev_reach_init(&reach, root, near, n_near);

        if (r < 0)
                return r;
        r = load(root, true, &reach, ret_host);
        vgpu_mdev_reach_clear(&reach);
        return r;
}

const struct vgpu_pci_dev *vgpu_host_find_pci(const struct vgpu_host *host, const struct vgpu_pci_addr *addr)
{
        struct vgpu_pci_dev key = {.addr = *addr};

        if (!host->pci)
                return NULL;
        return bsearch(&key, host->pci, host->n_pci, sizeof(key), vgpu_pci_dev_cmp);
}

const struct vgpu_mdev_parent *vgpu_host_find_parent(const struct vgpu_host *host, const char *name)
{
        for (size_t i = 0; i < host->n_parents; i++)
                if (strcmp(host->parents[i].name, name) == 0)
                        return &host->parents[i];
        return NULL;
}

const char *vgpu_host_closest_type_name(const struct vgpu_host *host, const char *typed)
{
        _cleanup_free_ const char **names = NULL;
        size_t n = 0, max = 0;

        for (size_t i = 0; i < host->n_parents; i++)
                max += host->parents[i].n_types;
        for (size_t i = 0; i < host->n_pci; i++)
                max += host->pci[i].n_nvidia_types;
        names = calloc(max + 1, sizeof(*names));
        if (!names)
                return NULL;
        for (size_t i = 0; i < host->n_parents; i++)
                for (size_t t = 0; t < host->parents[i].n_types; t++)
                        names[n++] = host->parents[i].types[t].name;
        for (size_t i = 0; i < host->n_pci; i++)
                for (size_t t = 0; t < host->pci[i].n_nvidia_types; t++)
                        names[n++] = host->pci[i].nvidia_types[t].name;
        return vgpu_closest_name(typed, names, n);
}

bool vgpu_host_has_device(const struct vgpu_host *host, const char *name)
{
        struct vgpu_pci_addr a;

        if (vgpu_pci_addr_read(name, &a) == 0)
                return vgpu_host_find_pci(host, &a) != NULL;
        return vgpu_host_find_parent(host, name) != NULL;
}

size_t vgpu_host_absent_pci(const struct vgpu_host *host, const struct vgpu_pci_addr *addrs, size_t n, size_t from)
{
        while (from < n && vgpu_host_find_pci(host, &addrs[from]))
                from++;
        return from;
}

const struct vgpu_mdev_type *vgpu_host_find_type(const struct vgpu_host *host, const char *parent, const char *type_id)
{
        const struct vgpu_mdev_parent *p = parent ? vgpu_host_find_parent(host, parent) : NULL;

        for (size_t i = 0; p && type_id && i < p->n_types; i++)
                if (strcmp(p->types[i].id, type_id) == 0)
                        return &p->types[i];
        return NULL;
}

const struct vgpu_mdev *vgpu_host_find_mdev(const struct vgpu_host *host, const char *uuid)
{
        char norm[VGPU_UUID_STRLEN];

        if (vgpu_uuid_normalize(uuid, norm) < 0)
                return NULL;
        for (size_t i = 0; i < host->n_mdevs; i++)
                if (strcmp(host->mdevs[i].uuid, norm) == 0)
                        return &host->mdevs[i];
        return NULL;
}

const struct vgpu_mdev *vgpu_host_mdev_on(const struct vgpu_host *host, const struct vgpu_pci_dev *dev)
{
        for (size_t i = 0; i < host->n_mdevs; i++) {
                const struct vgpu_mdev *m = &host->mdevs[i];
                const struct vgpu_mdev_parent *par = m->parent ? vgpu_host_find_parent(host, m->parent) : NULL;

                if (par &&
                    (strcmp(par->name, dev->name) == 0 || (!dev->is_vf && strcmp(par->physical, dev->name) == 0)))
                        return m;
        }
        return NULL;
}

bool vgpu_host_pci_is_listed(const struct vgpu_host *host, const struct vgpu_pci_dev *dev)
{
        return strcmp(vgpu_pci_dev_kind(dev), "gpu") == 0 || dev->sriov || dev->is_vf || dev->nvidia_vfio ||
               (dev->driver && strcmp(dev->driver, "vfio-pci") == 0) || vgpu_host_find_parent(host, dev->name);
}
