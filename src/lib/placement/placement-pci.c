/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which PCI device a VF or passthrough profile gets (docs/design.md §6.3): a VF of the
 * profile's PFs, a vendor-VFIO VF that can take its vGPU type, or a whole
 * GPU.  The hook cannot rewrite XML at start, so vgpuctl names the device in
 * the definition; "free" therefore also means "no defined domain names it",
 * which only libvirt knows and the caller passes in.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

static bool listed(const struct vgpu_pci_addr *addrs, size_t n, const struct vgpu_pci_addr *a)
{
        for (size_t i = 0; i < n; i++)
                if (vgpu_pci_addr_cmp(&addrs[i], a) == 0)
                        return true;
        return false;
}

/* The physical device: a VF's PF, else the device itself. */
static const struct vgpu_pci_addr *physical_of(const struct vgpu_pci_dev *dev)
{
        return dev->is_vf ? &dev->physfn : &dev->addr;
}

static bool is_gpu(const struct vgpu_pci_dev *dev)
{
        return dev->class_code >= 0 && (dev->class_code >> 16) == 0x03;
}

static bool offers(const struct vgpu_profile *prof, const struct vgpu_pci_dev *dev)
{
        switch (prof->kind) {
        case VGPU_PROFILE_SRIOV_VF:
                return dev->is_vf && listed(prof->devices, prof->n_devices, &dev->physfn);
        case VGPU_PROFILE_NVIDIA_VFIO:
                return dev->nvidia_vfio;
        case VGPU_PROFILE_PASSTHROUGH:
                return prof->n_devices ? listed(prof->devices, prof->n_devices, &dev->addr)
                                       : !dev->is_vf && is_gpu(dev);
        default:
                return false;
        }
}

static bool filtered_out(const struct vgpu_host *host, const struct vgpu_profile *prof, const struct vgpu_pci_dev *dev)
{
        const struct vgpu_pci_dev *phys = vgpu_host_find_pci(host, physical_of(dev));

        if (prof->n_addresses && !listed(prof->addresses, prof->n_addresses, &dev->addr) &&
            !listed(prof->addresses, prof->n_addresses, physical_of(dev)))
                return true;
        if (prof->vendor >= 0 && (!phys || phys->vendor != prof->vendor))
                return true;
        return prof->device >= 0 && (!phys || phys->device != prof->device);
}

static bool nvidia_can_create(const struct vgpu_pci_dev *dev, const char *type)
{
        for (size_t i = 0; i < dev->n_nvidia_types; i++)
                if (strcmp(dev->nvidia_types[i].name, type) == 0)
                        return true;
        return false;
}

/* The driver's answer, for the refusal: what the VF's creatable_vgpu_types lists now. */
static void driver_offers(const struct vgpu_pci_dev *dev, char *detail, size_t size)
{
        size_t o = (size_t)snprintf(detail, size, "the driver offers %s",
                                    dev->n_nvidia_types ? "" : "none now (the GPU's room or its mode rules it out)");

        for (size_t i = 0; i < dev->n_nvidia_types && o < size; i++)
                o += (size_t)snprintf(detail + o, size - o, "%s%s", i ? ", " : "", dev->nvidia_types[i].name);
}

/* A device whose mdevs (its own, or its VFs' on Ampere) serve VMs is no one's to take whole. */
static bool hosts_mdev(const struct vgpu_host *host, const struct vgpu_pci_dev *dev, char *detail, size_t size)
{
        for (size_t i = 0; i < host->n_mdevs; i++) {
                const struct vgpu_mdev *m = &host->mdevs[i];
                const struct vgpu_mdev_parent *p = m->parent ? vgpu_host_find_parent(host, m->parent) : NULL;

                if (p && (strcmp(p->name, dev->name) == 0 || (!dev->is_vf && strcmp(p->physical, dev->name) == 0))) {
                        snprintf(detail, size, "mdev %s on %s", m->uuid, p->name);
                        return true;
                }
        }
        return false;
}

bool vgpu_profile_serves_pci(const struct vgpu_host *host, const struct vgpu_profile *prof,
                             const struct vgpu_pci_dev *dev)
{
        return offers(prof, dev) && !filtered_out(host, prof, dev);
}

static enum vgpu_fit evaluate(const struct vgpu_host *host, const struct vgpu_config *config,
                              const struct vgpu_ledger *ledger, const struct vgpu_pci_request *req,
                              const struct vgpu_numa_want *numa, struct vgpu_pci_candidate *c)
{
        const struct vgpu_profile *prof = req->profile;
        char phys[VGPU_PCI_ADDR_STRLEN];
        const struct vgpu_lease *l = vgpu_ledger_find_pci(ledger, &c->dev->addr);

        vgpu_pci_addr_format(physical_of(c->dev), phys);
        c->numa_preferred = vgpu_numa_fits(numa, c->dev->numa_node);
        if (filtered_out(host, prof, c->dev))
                return VGPU_FIT_FILTERED;
        if (vgpu_cordoned(config, c->dev->name, phys))
                return VGPU_FIT_CORDONED;
        if (vgpu_quarantined(ledger, c->dev->name, c->detail, sizeof(c->detail)))
                return VGPU_FIT_QUARANTINED;
        if (l) {
                snprintf(c->detail, sizeof(c->detail), "to domain %.64s, %s", l->domain_name ? l->domain_name : "?",
                         vgpu_lease_state_name(l->state));
                return VGPU_FIT_LEASED;
        }
        if (listed(req->named, req->n_named, &c->dev->addr))
                return VGPU_FIT_NAMED;
        if (hosts_mdev(host, c->dev, c->detail, sizeof(c->detail)))
                return VGPU_FIT_IN_USE;
        if (prof->kind == VGPU_PROFILE_NVIDIA_VFIO && c->dev->nvidia_current_type != 0) {
                snprintf(c->detail, sizeof(c->detail), "vGPU type %d", c->dev->nvidia_current_type);
                return VGPU_FIT_IN_USE;
        }
        if (prof->kind == VGPU_PROFILE_NVIDIA_VFIO && !nvidia_can_create(c->dev, prof->nvidia_type)) {
                driver_offers(c->dev, c->detail, sizeof(c->detail));
                return VGPU_FIT_TYPE_ABSENT;
        }
        return numa->strict && !c->numa_preferred ? VGPU_FIT_NUMA : VGPU_FIT_OK;
}

static bool taken(enum vgpu_fit fit)
{
        return fit == VGPU_FIT_LEASED || fit == VGPU_FIT_NAMED || fit == VGPU_FIT_IN_USE;
}

/* How many devices of each candidate's physical device are taken: what pack and spread weigh. */
static void count_use(struct vgpu_pci_placement *pl)
{
        for (size_t i = 0; i < pl->n; i++)
                for (size_t j = 0; j < pl->n; j++)
                        pl->candidates[i].pf_used += taken(pl->candidates[j].fit) &&
                                                     vgpu_pci_addr_cmp(physical_of(pl->candidates[i].dev),
                                                                       physical_of(pl->candidates[j].dev)) == 0;
}

static int cmp_candidates(const void *a, const void *b, void *policy)
{
        const struct vgpu_pci_candidate *x = a, *y = b;
        int sign = *(const enum vgpu_policy *)policy == VGPU_POLICY_PACK ? 1 : -1;

        if ((x->fit == VGPU_FIT_OK) != (y->fit == VGPU_FIT_OK))
                return x->fit == VGPU_FIT_OK ? -1 : 1;
        if (x->fit == VGPU_FIT_OK && x->numa_preferred != y->numa_preferred)
                return x->numa_preferred ? -1 : 1;
        if (x->fit == VGPU_FIT_OK && x->pf_used != y->pf_used)
                return sign * (y->pf_used - x->pf_used);
        return vgpu_pci_addr_cmp(&x->dev->addr, &y->dev->addr);
}

/* One line per device: why it is skipped, or where it ranks. */
static void log_placement(const struct vgpu_host *host, const struct vgpu_pci_request *req,
                          const struct vgpu_pci_placement *pl)
{
        const char *what = req->profile->name;

        for (size_t i = 0; vgpu_log_enabled(host->root, VGPU_LOG_DEBUG) && i < pl->n; i++) {
                const struct vgpu_pci_candidate *c = &pl->candidates[i];

                if (c->fit == VGPU_FIT_OK)
                        vgpu_dbg(host->root, "placement of profile %s: %s %s (%zu of %zu usable): %d taken on its PF%s",
                                 what, c->dev->name, i == 0 ? "chosen" : "usable", i + 1, pl->n_usable, c->pf_used,
                                 c->numa_preferred ? "" : ", not on the wanted NUMA node");
                else
                        vgpu_dbg(host->root, "placement of profile %s: %s skipped: %s%s%s", what, c->dev->name,
                                 vgpu_fit_reason(c->fit), c->detail[0] ? ": " : "", c->detail);
        }
        if (!pl->n_usable)
                vgpu_dbg(host->root, "placement of profile %s: no usable device among %zu", what, pl->n);
}

int vgpu_place_pci(const struct vgpu_host *host, const struct vgpu_config *config, const struct vgpu_ledger *ledger,
                   const struct vgpu_domain *domain, const struct vgpu_pci_request *req,
                   struct vgpu_pci_placement **ret)
{
        struct vgpu_pci_placement *pl;
        struct vgpu_numa_want numa;
        enum vgpu_policy policy;

        if (!req->profile || req->profile->kind == VGPU_PROFILE_MDEV)
                return -EINVAL;
        pl = calloc(1, sizeof(*pl));
        if (!pl || (host->n_pci && !(pl->candidates = calloc(host->n_pci, sizeof(*pl->candidates))))) {
                free(pl);
                return -ENOMEM;
        }
        vgpu_numa_wanted(host, domain, req->profile, &numa);
        for (size_t i = 0; i < host->n_pci; i++) {
                struct vgpu_pci_candidate *c = &pl->candidates[pl->n];

                if (!offers(req->profile, &host->pci[i]))
                        continue;
                c->dev = &host->pci[i];
                c->fit = evaluate(host, config, ledger, req, &numa, c);
                pl->n_usable += c->fit == VGPU_FIT_OK;
                pl->n++;
        }
        count_use(pl);
        policy = req->profile->policy;
        vgpu_qsort_r(pl->candidates, pl->n, sizeof(*pl->candidates), cmp_candidates, &policy);
        log_placement(host, req, pl);
        *ret = pl;
        return 0;
}

void vgpu_pci_placement_free(struct vgpu_pci_placement *pl)
{
        if (!pl)
                return;
        free(pl->candidates);
        free(pl);
}
