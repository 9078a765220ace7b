/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mdev parents a placement limited to some PCI devices (a profile's
 * "addresses") can care about, so that the hook's prepare reads those and not
 * every parent of the host: on a host of 256 parents, reading the others was
 * most of prepare's time.  A parent left out is one placement would refuse
 * as not listed and that changes nothing it counts: it holds no mdev, and no
 * listed device shares its physical GPU (a PF is kept with its listed VFs,
 * a VF with its listed PF or listed sibling).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

#define PCI_DEVICES  "/sys/bus/pci/devices"
#define MDEV_DEVICES "/sys/bus/mdev/devices"

static bool among(const struct vgpu_pci_addr *addrs, size_t n, const struct vgpu_pci_addr *a)
{
        for (size_t i = 0; i < n; i++)
                if (vgpu_pci_addr_cmp(&addrs[i], a) == 0)
                        return true;
        return false;
}

/* The PF of VF @a; -ENOENT for a function that is no VF. */
static int physfn_of(const struct vgpu_root *root, const struct vgpu_pci_addr *a, struct vgpu_pci_addr *ret)
{
        char name[VGPU_PCI_ADDR_STRLEN], path[96];
        _cleanup_free_ char *pf = NULL;
        int r;

        vgpu_pci_addr_format(a, name);
        snprintf(path, sizeof(path), PCI_DEVICES "/%s/physfn", name);
        r = vgpu_root_read_link_name(root, path, &pf);
        return r < 0 ? r : vgpu_pci_addr_parse(pf, ret);
}

/* The listed devices and their PFs: a parent among them, or whose PF is, is kept. */
static int gpus_of(struct vgpu_mdev_reach *reach, const struct vgpu_root *root, const struct vgpu_pci_addr *near,
                   size_t n_near)
{
        reach->gpus = calloc(2 * n_near + 1, sizeof(*reach->gpus));
        if (!reach->gpus)
                return -ENOMEM;
        for (size_t i = 0; i < n_near; i++) {
                reach->gpus[reach->n_gpus++] = near[i];
                if (physfn_of(root, &near[i], &reach->gpus[reach->n_gpus]) == 0)
                        reach->n_gpus++;
        }
        return 0;
}

/* The parents holding an mdev (their link's directory), which placement counts on. */
static int holders_of(struct vgpu_mdev_reach *reach, const struct vgpu_root *root)
{
        _cleanup_strv_ char **names = NULL;
        int n = vgpu_root_list_dir(root, MDEV_DEVICES, &names), r;

        if (n == -ENOENT)
                return 0;
        if (n < 0)
                return n;
        reach->holders = calloc((size_t)n + 1, sizeof(char *));
        if (!reach->holders)
                return -ENOMEM;
        for (char **name = names; *name; name++) {
                /* one that cannot tell its parent is left to the mdev's own read to report */
                r = vgpu_mdev_instance_parent(root, *name, &reach->holders[reach->n_holders]);
                if (r == -ENOMEM)
                        return r;
                reach->n_holders += r >= 0;
        }
        return 0;
}

int vgpu_mdev_reach_init(struct vgpu_mdev_reach *reach, const struct vgpu_root *root, const struct vgpu_pci_addr *near,
                         size_t n_near)
{
        int r;

        *reach = (struct vgpu_mdev_reach){0};
        r = gpus_of(reach, root, near, n_near);
        if (r >= 0)
                r = holders_of(reach, root);
        if (r < 0)
                vgpu_mdev_reach_clear(reach);
        return r;
}

void vgpu_mdev_reach_clear(struct vgpu_mdev_reach *reach)
{
        free(reach->gpus);
        vgpu_strv_free(reach->holders);
        *reach = (struct vgpu_mdev_reach){0};
}

bool vgpu_mdev_reach_leaves_out(const struct vgpu_mdev_reach *reach, const struct vgpu_root *root, const char *parent)
{
        struct vgpu_pci_addr a, pf;
        int r;

        /* Virtual parents (mtty, …) are few and never listed by address: always read. */
        if (vgpu_pci_addr_parse(parent, &a) < 0 || among(reach->gpus, reach->n_gpus, &a))
                return false;
        for (size_t i = 0; i < reach->n_holders; i++)
                if (strcmp(reach->holders[i], parent) == 0)
                        return false;
        /* A broken physfn link is read in full, so that its problem is reported as ever. */
        r = physfn_of(root, &a, &pf);
        return r == -ENOENT || (r == 0 && !among(reach->gpus, reach->n_gpus, &pf));
}
