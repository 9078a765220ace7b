/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Questions about a domain as read (struct vgpu_domain): which devices it
 * names, in its hostdevs or in our metadata.  The hook, vgpuctl and the
 * library ask them alike, so each is answered once, here.
 */
#include "config.h"

#include <string.h>

#include "vgpuhook-private.h"

const struct vgpu_hostdev *vgpu_domain_find_mdev(const struct vgpu_domain *dom, const char *uuid)
{
        for (size_t i = 0; i < dom->n_hostdevs; i++)
                if (dom->hostdevs[i].kind == VGPU_HOSTDEV_MDEV && strcmp(dom->hostdevs[i].uuid, uuid) == 0)
                        return &dom->hostdevs[i];
        return NULL;
}

const struct vgpu_hostdev *vgpu_domain_find_pci(const struct vgpu_domain *dom, const struct vgpu_pci_addr *addr)
{
        for (size_t i = 0; i < dom->n_hostdevs; i++)
                if (dom->hostdevs[i].kind == VGPU_HOSTDEV_PCI && vgpu_pci_addr_cmp(&dom->hostdevs[i].addr, addr) == 0)
                        return &dom->hostdevs[i];
        return NULL;
}

const struct vgpu_spec *vgpu_domain_find_spec(const struct vgpu_domain *dom, const char *uuid,
                                              const struct vgpu_pci_addr *addr)
{
        for (size_t i = 0; i < dom->n_specs; i++) {
                const struct vgpu_spec *s = &dom->specs[i];

                if (uuid ? s->kind == VGPU_SPEC_MDEV && strcmp(s->uuid, uuid) == 0
                         : s->kind != VGPU_SPEC_MDEV && vgpu_pci_addr_cmp(&s->addr, addr) == 0)
                        return s;
        }
        return NULL;
}

bool vgpu_domain_names_mdev(const struct vgpu_domain *dom, const char *uuid)
{
        return vgpu_domain_find_spec(dom, uuid, NULL) || vgpu_domain_find_mdev(dom, uuid);
}

bool vgpu_domain_names_pci(const struct vgpu_domain *dom, const struct vgpu_pci_addr *addr)
{
        return vgpu_domain_find_pci(dom, addr) || vgpu_domain_find_spec(dom, NULL, addr);
}

bool vgpu_domain_wants_pci(const struct vgpu_domain *dom)
{
        for (size_t i = 0; i < dom->n_specs; i++)
                if (dom->specs[i].kind != VGPU_SPEC_MDEV)
                        return true;
        return false;
}

/* Slack above the hostdev count: mdevs removed from the definition leave gaps in the indices. */
#define DERIVED_SLACK 16

bool vgpu_domain_derives_mdev(const struct vgpu_domain *dom, const char *uuid)
{
        return vgpu_mdev_uuid_is_ours(dom->uuid, uuid, (unsigned)dom->n_hostdevs + DERIVED_SLACK);
}

unsigned vgpu_domain_next_mdev_index(const struct vgpu_domain *dom)
{
        char uuid[VGPU_UUID_STRLEN];
        unsigned i = 0;

        while (vgpu_mdev_uuid_for(dom->uuid, i, uuid) == 0 && vgpu_domain_names_mdev(dom, uuid))
                i++;
        return i;
}
