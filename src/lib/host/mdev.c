/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Mediated devices: parents from /sys/class/mdev_bus (a GPU, a VF of a GPU
 * on Ampere, or a virtual device like the kernel's samples), their
 * mdev_supported_types, and the instances on /sys/bus/mdev/devices.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

#define MDEV_BUS     "/sys/class/mdev_bus"
#define MDEV_DEVICES "/sys/bus/mdev/devices"

/* TYPE/ATTR in the parent's mdev_supported_types (@types): no directory to open per type. */
static char *read_optional(const struct vgpu_dir *types, const char *type, const char *attr)
{
        char name[NAME_MAX + 64], *s = NULL;

        if ((size_t)snprintf(name, sizeof(name), "%s/%s", type, attr) >= sizeof(name) ||
            vgpu_dir_read_attr(types, name, &s) < 0)
                s = NULL;
        return s;
}

static int load_type(struct vgpu_host *host, struct vgpu_mdev_type *t, const char *parent, const struct vgpu_dir *types)
{
        _cleanup_free_ char *avail = read_optional(types, t->id, "available_instances");
        unsigned long long v;

        t->name = read_optional(types, t->id, "name");
        t->description = read_optional(types, t->id, "description");
        t->device_api = read_optional(types, t->id, "device_api");
        t->available = -1;
        if (avail && vgpu_parse_uint(avail, INT32_MAX, &v) == 0)
                t->available = (int)v;
        else
                vgpu_host_problem(host, "%s: type %s: available_instances is %s", parent, t->id,
                                  avail ? "not a number" : "missing");
        if (!t->device_api)
                vgpu_host_problem(host, "%s: type %s: device_api is missing", parent, t->id);
        return 0;
}

static int load_types(struct vgpu_host *host, struct vgpu_mdev_parent *p)
{
        _cleanup_free_ char *path = vgpu_strdup_printf(MDEV_BUS "/%s/mdev_supported_types", p->name);
        _cleanup_dir_ struct vgpu_dir dir = {.fd = -1};
        _cleanup_strv_ char **ids = NULL;
        int n;

        if (!path || vgpu_dir_open(host->root, path, &dir) == -ENOMEM)
                return -ENOMEM;
        n = vgpu_dir_list(&dir, NULL, &ids);
        if (n < 0) {
                vgpu_host_problem(host, "%s: mdev_supported_types is unreadable", p->name);
                return n == -ENOMEM ? n : 0;
        }
        for (char **id = ids; *id; id++) {
                struct vgpu_mdev_type *t = vgpu_array_push(&p->types, &p->n_types, sizeof(*t));

                if (!t || !(t->id = strdup(*id)))
                        return -ENOMEM;
                load_type(host, t, p->name, &dir);
        }
        return 0;
}

/* Where the parent sits among PCI devices: itself, or its PF on Ampere. */
static int place_parent(struct vgpu_host *host, struct vgpu_mdev_parent *p)
{
        const struct vgpu_pci_dev *dev;
        char pf[VGPU_PCI_ADDR_STRLEN];

        p->numa_node = -1;
        p->is_pci = vgpu_pci_addr_parse(p->name, &p->addr) == 0;
        /* A host read for the mdevs only has not read its PCI devices: read this one (and its PF). */
        if (p->is_pci && host->mdev_only && vgpu_pci_load_one(host, &p->addr) == -ENOMEM)
                return -ENOMEM;
        dev = p->is_pci ? vgpu_host_find_pci(host, &p->addr) : NULL;
        if (dev && dev->is_vf && host->mdev_only) {
                struct vgpu_pci_addr physfn = dev->physfn;

                if (vgpu_pci_load_one(host, &physfn) == -ENOMEM)
                        return -ENOMEM;
                dev = vgpu_host_find_pci(host, &p->addr); /* the array may have moved */
        }
        if (dev && dev->is_vf) {
                vgpu_pci_addr_format(&dev->physfn, pf);
                p->physical = strdup(pf);
        } else {
                p->physical = strdup(p->name);
        }
        if (dev)
                p->numa_node = dev->numa_node;
        return p->physical ? 0 : -ENOMEM;
}

static int load_parents(struct vgpu_host *host)
{
        _cleanup_strv_ char **names = NULL;
        int n = vgpu_root_list_dir(host->root, MDEV_BUS, &names);

        if (n == -ENOENT)
                return 0; /* mdev not loaded, or no parent registered */
        if (n < 0)
                return n;
        for (char **name = names; *name; name++) {
                struct vgpu_mdev_parent *p;
                int r;

                if (host->reach && vgpu_mdev_reach_leaves_out(host->reach, host->root, *name)) {
                        host->partial = true;
                        continue;
                }
                p = vgpu_array_push(&host->parents, &host->n_parents, sizeof(*p));
                if (!p || !(p->name = strdup(*name)))
                        return -ENOMEM;
                r = place_parent(host, p);
                if (r >= 0)
                        r = load_types(host, p);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The parent's name: the directory holding the instance, per its link. */
int vgpu_mdev_instance_parent(const struct vgpu_root *root, const char *uuid, char **ret)
{
        _cleanup_free_ char *path = vgpu_strdup_printf(MDEV_DEVICES "/%s", uuid), *target = NULL;
        char *slash, *base;
        int r;

        if (!path)
                return -ENOMEM;
        r = vgpu_root_read_link(root, path, &target);
        if (r < 0)
                return r;
        slash = strrchr(target, '/');
        if (!slash)
                return -EINVAL;
        *slash = '\0';
        base = strrchr(target, '/');
        base = base ? base + 1 : target;
        if (!*base || strcmp(base, "..") == 0 || strcmp(base, ".") == 0)
                return -EINVAL;
        *ret = strdup(base);
        return *ret ? 0 : -ENOMEM;
}

static int load_instance(struct vgpu_host *host, const char *name)
{
        _cleanup_free_ char *path = vgpu_strdup_printf(MDEV_DEVICES "/%s", name);
        _cleanup_dir_ struct vgpu_dir dir = {.fd = -1};
        struct vgpu_mdev *m;
        char uuid[VGPU_UUID_STRLEN];
        int r;

        if (vgpu_uuid_normalize(name, uuid) < 0) {
                vgpu_host_problem(host, "%s: not a UUID in " MDEV_DEVICES, name);
                return 0;
        }
        if (!path || vgpu_dir_open(host->root, path, &dir) == -ENOMEM)
                return -ENOMEM;
        m = vgpu_array_push(&host->mdevs, &host->n_mdevs, sizeof(*m));
        if (!m)
                return -ENOMEM;
        memcpy(m->uuid, uuid, sizeof(uuid));
        r = vgpu_mdev_instance_parent(host->root, name, &m->parent);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                vgpu_host_problem(host, "mdev %s: cannot tell its parent", uuid);
        r = vgpu_dir_read_link_name(&dir, "mdev_type", &m->type_id);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                vgpu_host_problem(host, "mdev %s: mdev_type is not a link to a type", uuid);
        m->iommu_group = vgpu_read_iommu_group(host, &dir);
        return 0;
}

static int cmp_mdev(const void *a, const void *b)
{
        return strcmp(((const struct vgpu_mdev *)a)->uuid, ((const struct vgpu_mdev *)b)->uuid);
}

static void count_instances(struct vgpu_host *host)
{
        for (size_t i = 0; i < host->n_mdevs; i++) {
                /* the snapshot is ours to fill while it loads */
                struct vgpu_mdev_type *t = (struct vgpu_mdev_type *)vgpu_host_find_type(host, host->mdevs[i].parent,
                                                                                        host->mdevs[i].type_id);

                if (t)
                        t->n_instances++;
        }
}

int vgpu_mdev_load(struct vgpu_host *host)
{
        _cleanup_strv_ char **names = NULL;
        int r = load_parents(host), n;

        if (r < 0)
                return r;
        n = vgpu_root_list_dir(host->root, MDEV_DEVICES, &names);
        if (n == -ENOENT)
                return 0;
        if (n < 0)
                return n;
        for (char **name = names; *name; name++) {
                r = load_instance(host, *name);
                if (r < 0)
                        return r;
        }
        vgpu_qsort(host->mdevs, host->n_mdevs, sizeof(*host->mdevs), cmp_mdev);
        count_instances(host);
        return 0;
}

void vgpu_mdev_parent_clear(struct vgpu_mdev_parent *p)
{
        for (size_t i = 0; i < p->n_types; i++) {
                free(p->types[i].id);
                free(p->types[i].name);
                free(p->types[i].description);
                free(p->types[i].device_api);
        }
        free(p->types);
        free(p->name);
        free(p->physical);
}
