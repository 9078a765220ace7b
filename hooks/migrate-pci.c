/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The filters' PCI side: a <vgpu:vf> (SR-IOV VF, NVIDIA vendor-VFIO VF) or
 * <vgpu:pci> (whole GPU) keeps its device when that device is one its
 * profile may give and nobody else holds here; else it moves to the first
 * free one placement offers (docs/design.md §6.3).  The hook cannot ask libvirt which
 * devices other defined domains name: 'vgpuctl start' repairs such a clash
 * at the next cold boot.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "migrate.h"

static bool chosen(const struct move *m, const struct vgpu_pci_addr *a)
{
        for (size_t i = 0; i < m->n_addrs; i++)
                if (vgpu_pci_addr_cmp(&m->addrs[i], a) == 0)
                        return true;
        return false;
}

/* A lease that does not keep the device from this domain: its own, or a stale one. */
static bool lease_harmless(const struct move *m, const struct vgpu_pci_candidate *c)
{
        const struct vgpu_lease *l = vgpu_ledger_find_pci(m->ledger, &c->dev->addr);

        return l && (strcmp(l->domain_uuid, m->h->dom->uuid) == 0 ||
                     vgpu_lease_stale(m->h->root, l, (long long)time(NULL), VGPU_START_GRACE_S));
}

/* Can the named device stay?  If not, why (into @why): placement's verdict, forgiving our own lease, or a VM holds it.
 */
static bool stays(const struct move *m, const struct vgpu_pci_candidate *c, char *why, size_t size)
{
        bool fits = c && (c->fit == VGPU_FIT_OK ||
                          ((c->fit == VGPU_FIT_LEASED || c->fit == VGPU_FIT_IN_USE) && lease_harmless(m, c)));

        if (!c)
                snprintf(why, size, "it is not one of the profile's devices here");
        else if (!fits)
                snprintf(why, size, "%s%s%s%s", vgpu_fit_reason(c->fit), *c->detail ? " (" : "", c->detail,
                         *c->detail ? ")" : "");
        else if (chosen(m, &c->dev->addr))
                snprintf(why, size, "another device of the domain has it");
        else if (vgpu_vfio_group_busy(m->h->root, c->dev->iommu_group) > 0)
                snprintf(why, size, "a VM holds it (IOMMU group %d is open)", c->dev->iommu_group);
        else
                return true;
        return false;
}

static const struct vgpu_pci_candidate *named_here(const struct vgpu_pci_placement *pl, const struct vgpu_pci_addr *a)
{
        for (size_t i = 0; i < pl->n; i++)
                if (vgpu_pci_addr_cmp(&pl->candidates[i].dev->addr, a) == 0)
                        return &pl->candidates[i];
        return NULL;
}

static const struct vgpu_pci_candidate *first_free(const struct move *m, const struct vgpu_pci_placement *pl)
{
        for (size_t i = 0; i < pl->n_usable; i++)
                if (!chosen(m, &pl->candidates[i].dev->addr) &&
                    vgpu_vfio_group_busy(m->h->root, pl->candidates[i].dev->iommu_group) <= 0)
                        return &pl->candidates[i];
        return NULL;
}

static int move_to(struct move *m, const struct vgpu_spec *s, const char *dev, const struct vgpu_pci_candidate *to,
                   const char *why)
{
        struct vgpu_domain_doc *doc = move_doc(m);
        int r;

        if (!doc)
                return 1;
        r = vgpu_domain_doc_move_pci(doc, &s->addr, &to->dev->addr);
        if (r < 0)
                return hook_fail(m->h, "cannot rewrite %s: %s", dev, strerror(-r));
        hook_log(m->h, LOG_NOTICE, "%s begin: %s of domain %s is unusable here (%s); it becomes %s", m->h->op, dev,
                 m->h->name, why, to->dev->name);
        return 0;
}

static int note_addr(struct move *m, const struct vgpu_pci_addr *a)
{
        struct vgpu_pci_addr *grown = realloc(m->addrs, (m->n_addrs + 1) * sizeof(*grown));

        if (!grown)
                return hook_fail(m->h, "out of memory");
        m->addrs = grown;
        m->addrs[m->n_addrs++] = *a;
        return 0;
}

static int decide(struct move *m, const struct vgpu_spec *s, const char *dev, const struct vgpu_pci_placement *pl)
{
        const struct vgpu_pci_candidate *to;
        char why[256];

        if (stays(m, named_here(pl, &s->addr), why, sizeof(why)))
                return note_addr(m, &s->addr);
        to = first_free(m, pl);
        if (!to)
                return hook_fail(m->h,
                                 "%s of profile '%s' cannot be used here (%s), and no other device of the profile "
                                 "is free; free one or choose another host",
                                 dev, s->profile, why);
        return move_to(m, s, dev, to, why) ? 1 : note_addr(m, &to->dev->addr);
}

int move_pci(struct move *m, const struct vgpu_spec *s)
{
        struct vgpu_pci_request req = {0};
        struct vgpu_pci_placement *pl = NULL;
        struct vgpu_profile *prof = NULL;
        char dev[VGPU_PCI_ADDR_STRLEN];
        int r;

        vgpu_pci_addr_format(&s->addr, dev);
        r = hook_spec_profile(m->h, s, &prof);
        if (r == 0) {
                req.profile = prof;
                r = vgpu_place_pci(m->host, m->h->config, m->ledger, m->h->dom, &req, &pl);
                r = r < 0 ? hook_fail(m->h, "placement failed: %s", strerror(-r)) : decide(m, s, dev, pl);
        }
        vgpu_pci_placement_free(pl);
        vgpu_profile_free(prof);
        return r;
}
