/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Finding leases: the lease of a device (an mdev by its UUID in any case, a
 * PCI device by its address however it is spelled), and a domain's leases
 * one after the other.  Every "who holds this device" question of the
 * library and the programs goes through here.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "vgpuhook-private.h"

static bool same_pci(const char *a, const char *b)
{
        struct vgpu_pci_addr x, y;

        if (strcmp(a, b) == 0)
                return true;
        return vgpu_pci_addr_parse(a, &x) == 0 && vgpu_pci_addr_parse(b, &y) == 0 && vgpu_pci_addr_cmp(&x, &y) == 0;
}

static bool on_device(const struct vgpu_lease *l, enum vgpu_device_kind kind, const char *device)
{
        if (l->kind != kind)
                return false;
        return kind == VGPU_DEVICE_MDEV ? strcasecmp(l->device, device) == 0 : same_pci(l->device, device);
}

const struct vgpu_lease *vgpu_ledger_find(const struct vgpu_ledger *ledger, enum vgpu_device_kind kind,
                                          const char *device)
{
        for (size_t i = 0; ledger && i < ledger->n_leases; i++)
                if (on_device(&ledger->leases[i], kind, device))
                        return &ledger->leases[i];
        return NULL;
}

struct vgpu_lease *vgpu_ledger_find_mut(struct vgpu_ledger *ledger, enum vgpu_device_kind kind, const char *device)
{
        return (struct vgpu_lease *)vgpu_ledger_find(ledger, kind, device);
}

struct vgpu_lease *vgpu_ledger_find_own(struct vgpu_ledger *ledger, enum vgpu_device_kind kind, const char *device,
                                        const char *domain_uuid)
{
        struct vgpu_lease *l = vgpu_ledger_find_mut(ledger, kind, device);

        return l && strcmp(l->domain_uuid, domain_uuid) == 0 ? l : NULL;
}

const struct vgpu_lease *vgpu_ledger_find_pci(const struct vgpu_ledger *ledger, const struct vgpu_pci_addr *addr)
{
        char name[VGPU_PCI_ADDR_STRLEN];
        const struct vgpu_lease *l;

        vgpu_pci_addr_format(addr, name);
        l = vgpu_ledger_find(ledger, VGPU_DEVICE_VF, name);
        return l ? l : vgpu_ledger_find(ledger, VGPU_DEVICE_PCI, name);
}

struct vgpu_lease *vgpu_ledger_next_of(struct vgpu_ledger *ledger, const char *domain_uuid,
                                       const struct vgpu_lease *prev)
{
        size_t i = prev ? (size_t)(prev - ledger->leases) + 1 : 0;

        for (; ledger && i < ledger->n_leases; i++)
                if (strcmp(ledger->leases[i].domain_uuid, domain_uuid) == 0)
                        return &ledger->leases[i];
        return NULL;
}
