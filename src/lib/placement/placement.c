/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Placement of an mdev (docs/design.md §6.2): candidates are the parents offering the
 * type with room, matching the filters, not cordoned, not holding another
 * of this VM's NVIDIA vGPUs; then NUMA, then policy, then PCI address.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

#define NODE_BITS VGPU_NUMA_NODE_BITS
#define CPU_BITS  8192
#define NVIDIA    0x10de

static const char *const fit_reasons[] = {
        [VGPU_FIT_OK] = "usable",
        [VGPU_FIT_PINNED_ELSEWHERE] = "not the pinned parent",
        [VGPU_FIT_FILTERED] = "filtered out by the profile",
        [VGPU_FIT_CORDONED] = "cordoned",
        [VGPU_FIT_TYPE_ABSENT] = "type not offered",
        [VGPU_FIT_OTHER_TYPE] = "another type resident",
        [VGPU_FIT_SAME_VM_GPU] = "this VM already has a vGPU on that GPU",
        [VGPU_FIT_NUMA] = "wrong NUMA node",
        [VGPU_FIT_FULL] = "no instance available",
        [VGPU_FIT_LEASED] = "leased",
        [VGPU_FIT_NAMED] = "named by a defined domain",
        [VGPU_FIT_IN_USE] = "in use",
        [VGPU_FIT_QUARANTINED] = "quarantined",
};

const char *vgpu_fit_reason(enum vgpu_fit fit)
{
        return (size_t)fit < ARRAY_SIZE(fit_reasons) ? fit_reasons[fit] : "?";
}

static bool bit(const uint64_t *bits, unsigned i)
{
        return bits[i / 64] & (1ULL << (i % 64));
}

/* Nodes whose CPUs meet @cpus. */
static void nodes_of_cpus(const struct vgpu_host *host, const uint64_t *cpus, uint64_t *nodes)
{
        for (size_t i = 0; i < host->n_nodes; i++) {
                uint64_t node_cpus[CPU_BITS / 64];

                if (!host->nodes[i].cpulist || vgpu_parse_cpulist(host->nodes[i].cpulist, node_cpus, CPU_BITS) < 0)
                        continue;
                for (size_t w = 0; w < CPU_BITS / 64; w++)
                        if ((node_cpus[w] & cpus[w]) && host->nodes[i].id < NODE_BITS)
                                nodes[host->nodes[i].id / 64] |= 1ULL << (host->nodes[i].id % 64);
        }
}

static void numa_from_domain(const struct vgpu_host *host, const struct vgpu_domain *dom, enum vgpu_profile_numa pnuma,
                             struct vgpu_numa_want *w)
{
        uint64_t cpus[CPU_BITS / 64];

        if (dom->numa_mode != VGPU_NUMA_NONE && vgpu_parse_cpulist(dom->numa_nodeset, w->nodes, NODE_BITS) > 0) {
                w->active = true;
                w->strict = pnuma == VGPU_PROFILE_NUMA_STRICT ||
                            (pnuma == VGPU_PROFILE_NUMA_AUTO && dom->numa_mode == VGPU_NUMA_STRICT);
        } else if (dom->vcpu_cpuset && vgpu_parse_cpulist(dom->vcpu_cpuset, cpus, CPU_BITS) > 0) {
                nodes_of_cpus(host, cpus, w->nodes);
                w->active = true;
                w->strict = pnuma == VGPU_PROFILE_NUMA_STRICT;
        }
}

void vgpu_numa_wanted(const struct vgpu_host *host, const struct vgpu_domain *dom, const struct vgpu_profile *prof,
                      struct vgpu_numa_want *w)
{
        enum vgpu_profile_numa pnuma = prof ? prof->numa : VGPU_PROFILE_NUMA_AUTO;

        memset(w, 0, sizeof(*w));
        if (pnuma == VGPU_PROFILE_NUMA_IGNORE)
                return;
        if (prof && prof->n_numa_nodes) {
                for (size_t i = 0; i < prof->n_numa_nodes; i++)
                        if (prof->numa_nodes[i] < NODE_BITS)
                                w->nodes[prof->numa_nodes[i] / 64] |= 1ULL << (prof->numa_nodes[i] % 64);
                w->active = true;
                w->strict = pnuma == VGPU_PROFILE_NUMA_STRICT;
                return;
        }
        if (dom)
                numa_from_domain(host, dom, pnuma, w);
}

static const struct vgpu_pci_dev *pci_named(const struct vgpu_host *host, const char *name)
{
        struct vgpu_pci_addr a;

        return name && vgpu_pci_addr_parse(name, &a) == 0 ? vgpu_host_find_pci(host, &a) : NULL;
}

static bool filtered_out(const struct vgpu_host *host, const struct vgpu_profile *prof,
                         const struct vgpu_mdev_parent *p)
{
        const struct vgpu_pci_dev *gpu = pci_named(host, p->physical);
        bool listed = prof->n_addresses == 0;

        for (size_t i = 0; i < prof->n_addresses; i++) {
                const struct vgpu_pci_dev *own = pci_named(host, p->name);

                if ((own && vgpu_pci_addr_cmp(&own->addr, &prof->addresses[i]) == 0) ||
                    (gpu && vgpu_pci_addr_cmp(&gpu->addr, &prof->addresses[i]) == 0))
                        listed = true;
        }
        if (!listed)
                return true;
        if (prof->vendor >= 0 && (!gpu || gpu->vendor != prof->vendor))
                return true;
        return prof->device >= 0 && (!gpu || gpu->device != prof->device);
}

static const struct vgpu_mdev_type *find_type(const struct vgpu_mdev_parent *p, const struct vgpu_mdev_request *req)
{
        for (size_t i = 0; i < p->n_types; i++) {
                const struct vgpu_mdev_type *t = &p->types[i];

                if (req->type_name ? t->name && strcmp(t->name, req->type_name) == 0 : strcmp(t->id, req->type_id) == 0)
                        return t;
        }
        return NULL;
}

static const char *physical_of(const struct vgpu_host *host, const char *parent)
{
        const struct vgpu_mdev_parent *p = parent ? vgpu_host_find_parent(host, parent) : NULL;

        return p ? p->physical : NULL;
}

static const char *type_name_of(const struct vgpu_host *host, const char *parent, const char *id)
{
        const struct vgpu_mdev_type *t = vgpu_host_find_type(host, parent, id);

        if (t && t->name)
                return t->name;
        return id ? id : "?";
}

static bool same(const char *a, const char *b)
{
        return a && b && strcmp(a, b) == 0;
}

/* A lease reserved but whose device does not exist yet. */
static bool pending_mdev(const struct vgpu_host *host, const struct vgpu_lease *l)
{
        return l->kind == VGPU_DEVICE_MDEV && l->state == VGPU_LEASE_PENDING && !vgpu_host_find_mdev(host, l->device);
}

/*
 * Mixed-size mode shows in the driver's counts: another type keeps room on
 * a GPU where a type is resident already.
 */
static bool gpu_mixes(const struct vgpu_host *host, const char *physical)
{
        for (size_t i = 0; i < host->n_mdevs; i++) {
                const struct vgpu_mdev *m = &host->mdevs[i];

                if (!m->type_id || !same(physical_of(host, m->parent), physical))
                        continue;
                for (size_t j = 0; j < host->n_parents; j++) {
                        const struct vgpu_mdev_parent *p = &host->parents[j];

                        if (!same(p->physical, physical))
                                continue;
                        for (size_t k = 0; k < p->n_types; k++)
                                if (!same(p->types[k].id, m->type_id) && p->types[k].available > 0)
                                        return true;
                }
        }
        return false;
}

/*
 * NVIDIA: one type per physical GPU, only where the driver says so (equal-size
 * mode): a resident type counts when the driver offers no room for this one
 * (one of unknown type always counts);
 * a reservation counts (the driver cannot know of it yet) unless the GPU mixes
 * sizes.  Never decided from the GPU's model.
 */
static bool other_type_on_gpu(const struct vgpu_host *host, const struct vgpu_ledger *ledger, struct vgpu_candidate *c)
{
        if (gpu_mixes(host, c->parent->physical))
                return false;
        for (size_t i = 0; i < host->n_mdevs; i++) {
                const struct vgpu_mdev *m = &host->mdevs[i];
                const struct vgpu_lease *l;

                /* A resident whose type cannot be read counts whatever the driver says. */
                if (!same(physical_of(host, m->parent), c->parent->physical) || same(m->type_id, c->type->id) ||
                    (m->type_id && c->type->available > 0))
                        continue;
                l = vgpu_ledger_find(ledger, VGPU_DEVICE_MDEV, m->uuid);
                snprintf(c->detail, sizeof(c->detail), "%s holds %s%s%.64s", m->parent,
                         type_name_of(host, m->parent, m->type_id), l ? " for domain " : "",
                         l && l->domain_name ? l->domain_name : "");
                return true;
        }
        for (size_t i = 0; ledger && i < ledger->n_leases; i++) {
                const struct vgpu_lease *l = &ledger->leases[i];

                if (!pending_mdev(host, l) || !same(physical_of(host, l->parent), c->parent->physical) ||
                    same(l->type, c->type->id))
                        continue;
                snprintf(c->detail, sizeof(c->detail), "%s is being given %s for domain %.64s", l->parent,
                         type_name_of(host, l->parent, l->type), l->domain_name ? l->domain_name : "?");
                return true;
        }
        return false;
}

static void count_use(const struct vgpu_host *host, const struct vgpu_ledger *ledger, struct vgpu_candidate *c)
{
        int pending = 0;

        for (size_t i = 0; i < host->n_mdevs; i++)
                c->gpu_used += same(physical_of(host, host->mdevs[i].parent), c->parent->physical);
        for (size_t i = 0; ledger && i < ledger->n_leases; i++) {
                const struct vgpu_lease *l = &ledger->leases[i];

                if (!pending_mdev(host, l))
                        continue;
                c->gpu_used += same(physical_of(host, l->parent), c->parent->physical);
                pending += same(l->parent, c->parent->name);
        }
        c->free = c->type && c->type->available > 0 ? c->type->available - pending : 0;
}

bool vgpu_numa_fits(const struct vgpu_numa_want *w, int node)
{
        /* No locality (virtual parents, non-NUMA hosts) fits anywhere. */
        return !w->active || node < 0 || (node < NODE_BITS && bit(w->nodes, (unsigned)node));
}

bool vgpu_cordoned(const struct vgpu_config *config, const char *name, const char *physical)
{
        return config && ((name && vgpu_config_is_cordoned(config, name)) ||
                          (physical && vgpu_config_is_cordoned(config, physical)));
}

bool vgpu_quarantined(const struct vgpu_ledger *ledger, const char *name, char *detail, size_t size)
{
        const struct vgpu_quarantine *q = vgpu_quarantine_find(ledger, name);

        if (q)
                vgpu_quarantine_describe(q, detail, size);
        return q;
}

static bool gpu_taken(const struct vgpu_mdev_request *req, const char *physical)
{
        for (size_t i = 0; i < req->n_taken; i++)
                if (same(req->taken_physical[i], physical))
                        return true;
        return false;
}

static enum vgpu_fit evaluate(const struct vgpu_host *host, const struct vgpu_config *config,
                              const struct vgpu_ledger *ledger, const struct vgpu_mdev_request *req,
                              const struct vgpu_numa_want *numa, struct vgpu_candidate *c)
{
        const struct vgpu_pci_dev *gpu = pci_named(host, c->parent->physical);
        bool nvidia = gpu && gpu->vendor == NVIDIA;

        c->type = find_type(c->parent, req);
        c->numa_preferred = vgpu_numa_fits(numa, c->parent->numa_node);
        count_use(host, ledger, c);
        if (req->parent && !same(req->parent, c->parent->name))
                return VGPU_FIT_PINNED_ELSEWHERE;
        if (req->profile && filtered_out(host, req->profile, c->parent))
                return VGPU_FIT_FILTERED;
        if (vgpu_cordoned(config, c->parent->name, c->parent->physical))
                return VGPU_FIT_CORDONED;
        if (vgpu_quarantined(ledger, c->parent->name, c->detail, sizeof(c->detail)))
                return VGPU_FIT_QUARANTINED;
        if (!c->type)
                return VGPU_FIT_TYPE_ABSENT;
        if (nvidia && other_type_on_gpu(host, ledger, c))
                return VGPU_FIT_OTHER_TYPE;
        if (nvidia && gpu_taken(req, c->parent->physical))
                return VGPU_FIT_SAME_VM_GPU;
        if (numa->strict && !c->numa_preferred)
                return VGPU_FIT_NUMA;
        return c->free > 0 ? VGPU_FIT_OK : VGPU_FIT_FULL;
}

static int cmp_candidates(const void *a, const void *b, void *policy)
{
        const struct vgpu_candidate *x = a, *y = b;
        int sign = *(const enum vgpu_policy *)policy == VGPU_POLICY_PACK ? 1 : -1;

        if ((x->fit == VGPU_FIT_OK) != (y->fit == VGPU_FIT_OK))
                return x->fit == VGPU_FIT_OK ? -1 : 1;
        if (x->fit != VGPU_FIT_OK) /* the refused ones: in address order, for people */
                return strverscmp(x->parent->name, y->parent->name);
        if (x->numa_preferred != y->numa_preferred)
                return x->numa_preferred ? -1 : 1;
        /* pack: the most used GPU, then the fullest parent; spread: the reverse */
        if (x->gpu_used != y->gpu_used)
                return sign * (y->gpu_used - x->gpu_used);
        if (x->free != y->free)
                return sign * (x->free - y->free);
        return strverscmp(x->parent->name, y->parent->name);
}

/* One line per parent: why it is skipped, or where it ranks. */
static void log_placement(const struct vgpu_host *host, const struct vgpu_mdev_request *req,
                          const struct vgpu_placement *pl)
{
        const char *what = req->type_name ? req->type_name : req->type_id;

        for (size_t i = 0; vgpu_log_enabled(host->root, VGPU_LOG_DEBUG) && i < pl->n; i++) {
                const struct vgpu_candidate *c = &pl->candidates[i];

                if (c->fit == VGPU_FIT_OK)
                        vgpu_dbg(
                                host->root,
                                "placement of mdev type %s: parent %s %s (%zu of %zu usable): %d free, %d on its GPU%s",
                                what, c->parent->name, i == 0 ? "chosen" : "usable", i + 1, pl->n_usable, c->free,
                                c->gpu_used, c->numa_preferred ? "" : ", not on the wanted NUMA node");
                else
                        vgpu_dbg(host->root, "placement of mdev type %s: parent %s skipped: %s%s%s", what,
                                 c->parent->name, vgpu_fit_reason(c->fit), c->detail[0] ? ": " : "", c->detail);
        }
        if (!pl->n_usable)
                vgpu_dbg(host->root, "placement of mdev type %s: no usable parent among %zu", what, pl->n);
}

bool vgpu_placement_offered(const struct vgpu_placement *pl)
{
        for (size_t i = 0; i < pl->n; i++)
                if (pl->candidates[i].type)
                        return true;
        return false;
}

int vgpu_place_mdev(const struct vgpu_host *host, const struct vgpu_config *config, const struct vgpu_ledger *ledger,
                    const struct vgpu_domain *domain, const struct vgpu_mdev_request *req, struct vgpu_placement **ret)
{
        struct vgpu_placement *pl;
        enum vgpu_policy policy;
        struct vgpu_numa_want numa;

        if (!req->type_name == !req->type_id)
                return -EINVAL;
        pl = calloc(1, sizeof(*pl));
        if (!pl || (host->n_parents && !(pl->candidates = calloc(host->n_parents, sizeof(*pl->candidates))))) {
                free(pl);
                return -ENOMEM;
        }
        vgpu_numa_wanted(host, domain, req->profile, &numa);
        for (size_t i = 0; i < host->n_parents; i++) {
                struct vgpu_candidate *c = &pl->candidates[pl->n++];

                c->parent = &host->parents[i];
                c->fit = evaluate(host, config, ledger, req, &numa, c);
                pl->n_usable += c->fit == VGPU_FIT_OK;
        }
        policy = req->profile ? req->profile->policy : VGPU_POLICY_PACK;
        vgpu_qsort_r(pl->candidates, pl->n, sizeof(*pl->candidates), cmp_candidates, &policy);
        log_placement(host, req, pl);
        *ret = pl;
        return 0;
}

void vgpu_placement_free(struct vgpu_placement *pl)
{
        if (!pl)
                return;
        free(pl->candidates);
        free(pl);
}
