/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * prepare, step two: for each device, is it there already (and fit to use),
 * or where will it be created?  Runs under the ledger lock but writes
 * nothing: placement sees the other domains' pending reservations.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "prepare.h"

static const char *wanted(const struct item *it)
{
        if (it->def)
                return it->def->type;
        return it->req.type_name ? it->req.type_name : it->req.type_id;
}

static bool type_matches(const struct prep *p, const struct item *it, const struct vgpu_mdev *m)
{
        const struct vgpu_mdev_type *t = vgpu_host_find_type(p->host, m->parent, m->type_id);
        const char *want = wanted(it);

        if (!it->spec && !it->def)
                return true; /* a bare hostdev: used as it is */
        if (!m->type_id)
                return false;
        if (strcmp(m->type_id, want) == 0)
                return true;
        return !it->def && !it->req.type_id && t && t->name && strcmp(t->name, want) == 0;
}

static void note_taken(struct prep *p, const char *parent)
{
        const struct vgpu_mdev_parent *par = vgpu_host_find_parent(p->host, parent);
        const char **grown;

        if (!par || !(grown = realloc(p->taken, (p->n_taken + 1) * sizeof(*grown))))
                return;
        p->taken = grown;
        p->taken[p->n_taken++] = par->physical;
}

/*
 * A running QEMU holds the mdev: the source of a migration on this host, or
 * the domain this one was cloned from.  Only vgpu metadata lets the migrate
 * filter and 'vgpuctl start' give this domain a UUID of its own.
 */
static int in_use(struct prep *p, const struct item *it, const struct vgpu_mdev *m)
{
        hook_log(p->h, LOG_INFO, "mdev %s: its IOMMU group %d is open", it->uuid, m->iommu_group);
        if (!it->spec)
                return hook_fail(p->h,
                                 "mdev %s is in use by a VM here, and without vgpu metadata it cannot be renamed; use "
                                 "another host or a profile",
                                 it->uuid);
        return hook_fail(p->h,
                         "mdev %s is in use by another VM here; if this domain is its copy, 'vgpuctl start %s' gives "
                         "it UUIDs of its own",
                         it->uuid, p->h->name);
}

static int use_present(struct prep *p, struct item *it, const struct vgpu_mdev *m)
{
        const struct vgpu_mdev_type *t = vgpu_host_find_type(p->host, m->parent, m->type_id);
        int busy;

        if (!type_matches(p, it, m))
                return hook_fail(p->h,
                                 "mdev %s exists with type %s on %s, but the domain asks for %s; remove it "
                                 "('vgpuctl reconcile' or mdevctl stop) or change the domain's metadata",
                                 it->uuid, m->type_id ? m->type_id : "?", m->parent ? m->parent : "?", wanted(it));
        busy = vgpu_vfio_group_busy(p->h->root, m->iommu_group);
        if (busy > 0)
                return in_use(p, it, m);
        it->present = true;
        snprintf(it->parent, sizeof(it->parent), "%s", m->parent ? m->parent : "");
        snprintf(it->type, sizeof(it->type), "%s", m->type_id ? m->type_id : "");
        snprintf(it->type_name, sizeof(it->type_name), "%s", t && t->name ? t->name : it->type);
        note_taken(p, it->parent);
        return 0;
}

/* The reason that decided (the library's); capacity really exhausted keeps its words. */
static int no_room(struct prep *p, const struct item *it)
{
        char why[256];

        if (vgpu_placement_why(it->placement, &it->req, why, sizeof(why)) == VGPU_FIT_FULL && !it->req.parent)
                return hook_fail(p->h,
                                 "no parent has a free %s instance for mdev %s; stop a VM or pick another profile",
                                 wanted(it), it->uuid);
        return hook_fail(p->h, "cannot create mdev %s: %s", it->uuid, why);
}

static int place_once(struct prep *p, const struct vgpu_ledger *ledger, struct item *it)
{
        int r;

        it->req.taken_physical = p->taken;
        it->req.n_taken = p->n_taken;
        r = vgpu_place_mdev(p->host, p->h->config, ledger, p->h->dom, &it->req, &it->placement);
        if (r >= 0 && !vgpu_placement_offered(it->placement) && it->spec && it->spec->type) {
                /* type= may also be a type id */
                vgpu_placement_free(it->placement);
                it->req.type_id = it->req.type_name;
                it->req.type_name = NULL;
                r = vgpu_place_mdev(p->host, p->h->config, ledger, p->h->dom, &it->req, &it->placement);
        }
        return r;
}

/*
 * No room among the parents read: read them all and place again, so that a
 * refusal gives the reasons it always gave (the first snapshot stays: what
 * was placed before points into it).
 */
static int place_on_whole_host(struct prep *p, const struct vgpu_ledger *ledger, struct item *it,
                               struct vgpu_mdev_request req)
{
        struct vgpu_host *whole;
        int r = hook_load_host(p->h, &whole);

        if (r < 0)
                return r;
        p->partial = p->host;
        p->host = whole;
        vgpu_placement_free(it->placement);
        it->placement = NULL;
        it->req = req;
        return place_once(p, ledger, it);
}

static int place(struct prep *p, const struct vgpu_ledger *ledger, struct item *it)
{
        const struct vgpu_mdev_request req = it->req;
        const struct vgpu_candidate *c;
        int r = place_once(p, ledger, it);

        if (r >= 0 && it->placement->n_usable == 0 && p->host->partial) {
                r = place_on_whole_host(p, ledger, it, req);
                if (r < 0 && !p->partial)
                        return 1; /* hook_load_host() said why */
        }
        if (r < 0)
                return hook_fail(p->h, "placement failed: %s", strerror(-r));
        if (it->placement->n_usable == 0)
                return no_room(p, it);
        c = &it->placement->candidates[0];
        snprintf(it->parent, sizeof(it->parent), "%s", c->parent->name);
        snprintf(it->type, sizeof(it->type), "%s", c->type->id);
        snprintf(it->type_name, sizeof(it->type_name), "%s", c->type->name ? c->type->name : c->type->id);
        it->owned = true;
        note_taken(p, it->parent);
        return 0;
}

static int from_mdevctl(struct prep *p, struct item *it, const struct vgpu_mdevctl_defs *defs)
{
        const struct vgpu_mdevctl_def *d = defs ? vgpu_mdevctl_defs_find(defs, it->uuid, NULL) : NULL;
        struct vgpu_error err = {0};
        int r;

        if (!d)
                return hook_fail(p->h,
                                 "mdev %s is neither present nor defined in mdevctl; define it ('mdevctl "
                                 "define') or give the domain vgpu metadata ('vgpuctl render')",
                                 it->uuid);
        r = vgpu_mdevctl_read(p->h->root, d->parent, d->uuid, &it->def, &err);
        if (r < 0)
                return hook_fail(p->h, "the mdevctl definition of %s is unreadable: %s", it->uuid, err.text);
        snprintf(it->parent, sizeof(it->parent), "%s", it->def->parent);
        snprintf(it->type, sizeof(it->type), "%s", it->def->type);
        snprintf(it->type_name, sizeof(it->type_name), "%s", it->def->type);
        it->attrs = it->def->attrs;
        it->n_attrs = it->def->n_attrs;
        /* We start it, so we stop it — unless mdevctl starts it at boot. */
        it->owned = !it->def->autostart;
        note_taken(p, it->parent);
        return 0;
}

/* The PCI devices every item's profile is limited to, or 0 when one is not. */
static size_t near_of(const struct prep *p, struct vgpu_pci_addr **ret)
{
        struct vgpu_pci_addr *near = NULL, *grown;
        size_t n = 0;

        for (size_t i = 0; i < p->n_items; i++) {
                const struct item *it = &p->items[i];
                const struct vgpu_profile *prof = it->profile;

                if (it->kind != VGPU_DEVICE_MDEV || !it->spec || !prof || !prof->n_addresses ||
                    !(grown = reallocarray(near, n + prof->n_addresses, sizeof(*near)))) {
                        free(near);
                        return 0;
                }
                near = grown;
                memcpy(near + n, prof->addresses, prof->n_addresses * sizeof(*near));
                n += prof->n_addresses;
        }
        *ret = near;
        return n;
}

int prep_load_host(struct prep *p)
{
        _cleanup_free_ struct vgpu_pci_addr *near = NULL;
        size_t n = near_of(p, &near);

        return hook_load_host_near(p->h, near, n, &p->host);
}

int prep_resolve(struct prep *p, const struct vgpu_ledger *ledger)
{
        struct vgpu_mdevctl_defs *defs = NULL;
        int r = 0;

        for (size_t i = 0; r == 0 && i < p->n_items; i++) {
                struct item *it = &p->items[i];
                const struct vgpu_mdev *m = vgpu_host_find_mdev(p->host, it->uuid);

                if (it->kind != VGPU_DEVICE_MDEV)
                        r = prep_resolve_pci(p, ledger, it);
                else if (m)
                        r = use_present(p, it, m);
                else if (it->spec)
                        r = place(p, ledger, it);
                else {
                        if (!defs && vgpu_mdevctl_list(p->h->root, &defs) < 0)
                                defs = NULL;
                        r = from_mdevctl(p, it, defs);
                }
        }
        vgpu_mdevctl_defs_free(defs);
        return r ? -EINVAL : 0;
}
