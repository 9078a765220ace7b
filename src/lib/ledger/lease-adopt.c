/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Adopt: leases for a running domain's devices that no lease names, rebuilt
 * from its XML after the ledger was lost or set aside damaged — for the
 * hook's reconnect, started and release.  Ours (created: freed at release)
 * only where today's ownership rules say so: an mdev UUID vgpuctl derives
 * from the domain's, or an mdevctl definition that is not autostarted (the
 * hook starts those); a vendor-VFIO VF our metadata names whose vGPU type is
 * set (the hook types those).  Anything else is leased as not ours: it is
 * never removed, and a device leased to another domain is not claimed.
 */
#include "config.h"

#include <string.h>

#include "vgpuhook-private.h"

static bool mdev_ours(const struct vgpu_adopt *a, const struct vgpu_mdev *m)
{
        const struct vgpu_mdevctl_def *d = a->defs ? vgpu_mdevctl_defs_find(a->defs, m->uuid, NULL) : NULL;

        return vgpu_domain_derives_mdev(a->domain, m->uuid) || (d && !d->autostart);
}

/* The lease on (@kind, @device) for the domain: its own, a new one, or NULL (another's, or ENOMEM). */
static struct vgpu_lease *take(struct vgpu_ledger *l, const struct vgpu_adopt *a, struct vgpu_lease *fresh, int *added)
{
        struct vgpu_lease *lease = vgpu_ledger_find_mut(l, fresh->kind, fresh->device);

        if (lease && strcmp(lease->domain_uuid, a->base.domain_uuid) != 0) {
                vgpu_err(l->root, "%s %s of domain %.64s is leased to domain %.64s too: left to it",
                         vgpu_device_kind_name(fresh->kind), fresh->device,
                         a->base.domain_name ? a->base.domain_name : a->base.domain_uuid,
                         lease->domain_name ? lease->domain_name : lease->domain_uuid);
                return NULL;
        }
        if (lease)
                return a->touch ? lease : NULL;
        lease = vgpu_ledger_add(l, fresh);
        if (!lease)
                return NULL;
        (*added)++;
        vgpu_info(l->root, "re-adopted %s %s for domain %.64s (%s)", vgpu_device_kind_name(fresh->kind), fresh->device,
                  a->base.domain_name ? a->base.domain_name : a->base.domain_uuid,
                  fresh->created ? "ours" : "not ours: never removed");
        return lease;
}

static void settle(struct vgpu_ledger *l, const struct vgpu_adopt *a, struct vgpu_lease *lease)
{
        if (!lease)
                return;
        if (a->base.state == VGPU_LEASE_ACTIVE) {
                lease->qemu_pid = a->base.qemu_pid;
                lease->libvirtd = a->base.libvirtd;
        }
        vgpu_lease_set_state(l, lease, a->base.state);
}

static void adopt_mdevs(struct vgpu_ledger *l, const struct vgpu_adopt *a, int *added)
{
        for (size_t i = 0; i < a->domain->n_hostdevs; i++) {
                const struct vgpu_hostdev *hd = &a->domain->hostdevs[i];
                const struct vgpu_mdev *m;
                struct vgpu_lease fresh = a->base;

                if (hd->kind != VGPU_HOSTDEV_MDEV || !(m = vgpu_host_find_mdev(a->host, hd->uuid)))
                        continue;
                fresh.kind = VGPU_DEVICE_MDEV;
                fresh.device = (char *)m->uuid; /* copied by vgpu_ledger_add() */
                fresh.parent = m->parent;
                fresh.type = m->type_id;
                fresh.created = mdev_ours(a, m);
                settle(l, a, take(l, a, &fresh, added));
        }
}

static void adopt_pci(struct vgpu_ledger *l, const struct vgpu_adopt *a, int *added)
{
        for (size_t i = 0; i < a->domain->n_specs; i++) {
                const struct vgpu_spec *s = &a->domain->specs[i];
                const struct vgpu_pci_dev *dev = vgpu_host_find_pci(a->host, &s->addr);
                char pf[VGPU_PCI_ADDR_STRLEN];
                struct vgpu_lease fresh = a->base;

                if (s->kind == VGPU_SPEC_MDEV || !dev)
                        continue;
                fresh.kind = s->kind == VGPU_SPEC_VF ? VGPU_DEVICE_VF : VGPU_DEVICE_PCI;
                fresh.device = (char *)dev->name;
                vgpu_pci_addr_format(&dev->physfn, pf);
                fresh.parent = dev->is_vf ? pf : NULL;
                fresh.profile = s->profile;
                fresh.created = dev->nvidia_vfio && dev->nvidia_current_type > 0;
                settle(l, a, take(l, a, &fresh, added));
        }
}

int vgpu_ledger_adopt(struct vgpu_ledger *l, const struct vgpu_adopt *a)
{
        int added = 0;

        adopt_mdevs(l, a, &added);
        adopt_pci(l, a, &added);
        return added;
}
