/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * prepare begin: all or nothing.  Reserve under the ledger lock (pending
 * leases), create outside it (the kernel may take its time), commit under
 * it (prepared).  On any failure, undo what this run did and say why.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "prepare.h"

static const char *item_what(const struct item *it)
{
        return it->kind == VGPU_DEVICE_MDEV ? "mdev" : prep_pci_what(it);
}

/* Another domain's live lease on @it: one sentence saying what to do. */
static int leased_elsewhere(struct prep *p, const struct item *it, const struct vgpu_lease *lease)
{
        const char *other = lease->domain_name ? lease->domain_name : "?";

        if (it->kind == VGPU_DEVICE_MDEV)
                return hook_fail(p->h,
                                 "mdev %s is leased to domain %.64s (%s); a clone keeps its source's "
                                 "UUIDs: 'vgpuctl start' gives it fresh ones",
                                 it->uuid, other, vgpu_lease_state_name(lease->state));
        return hook_fail(p->h, "%s %s is held by domain %.64s; run 'vgpuctl start %s' to move %s to a free %s",
                         prep_pci_what(it), it->device, other, p->h->name, p->h->name, prep_pci_what(it));
}

/* A lease in the way of one of our devices: refuse; a stale one of another domain is taken over. */
static int check_conflicts(struct prep *p, const struct vgpu_ledger *l)
{
        long long now = (long long)time(NULL);

        for (size_t i = 0; i < p->n_items; i++) {
                const struct item *it = &p->items[i];
                const struct vgpu_lease *lease = vgpu_ledger_find(l, it->kind, it->device);
                bool own = lease && strcmp(lease->domain_uuid, p->h->dom->uuid) == 0;

                if (!lease)
                        continue;
                /* Our own lease, still being freed by a live process (reconcile): wait for it. */
                if (own && vgpu_lease_blocks(p->h->root, lease, p->h->dom->uuid, now))
                        return hook_fail(p->h, "%s %s is still being released (process %d); retry", item_what(it),
                                         it->device, (int)lease->hook.pid);
                if (own)
                        continue;
                if (vgpu_lease_blocks(p->h->root, lease, p->h->dom->uuid, now))
                        return leased_elsewhere(p, it, lease);
                hook_log(p->h, LOG_WARNING, "taking over the stale lease of %s %s from domain %.64s", item_what(it),
                         it->device, lease->domain_name ? lease->domain_name : "?");
        }
        return 0;
}

/* Pending leases for the devices to make, prepared ones for those there already. */
static int reserve(struct prep *p, struct vgpu_ledger *l)
{
        int r = (p->claim = vgpu_claim_new(p->h->root, (int)p->h->config->lock_wait_ms)) ? 0 : -ENOMEM;

        for (size_t i = 0; r == 0 && i < p->n_items; i++) {
                const struct item *it = &p->items[i];
                struct vgpu_lease lease;

                hook_lease_init(p->h, &lease);
                lease.state = it->present ? VGPU_LEASE_PREPARED : VGPU_LEASE_PENDING;
                lease.kind = it->kind;
                lease.device = (char *)it->device; /* copied by vgpu_claim_add() */
                lease.parent = *it->parent ? (char *)it->parent : NULL;
                lease.type = *it->type ? (char *)it->type : NULL;
                lease.profile = it->profile ? it->profile->name : NULL;
                lease.created = it->owned;
                if (!vgpu_claim_add(p->claim, &lease))
                        r = -ENOMEM;
        }
        if (r == 0)
                r = vgpu_claim_reserve(p->claim, l);
        /* A device an earlier lease created stays ours to remove. */
        for (size_t i = 0; r == 0 && i < p->n_items; i++)
                p->items[i].owned = p->claim->devices[i].lease.created;
        if (r < 0)
                hook_fail(p->h, "cannot write the lease ledger: %s", strerror(-r));
        return r;
}

static bool gpu_taken_by_other(const struct prep *p, const struct item *self, const char *physical)
{
        for (size_t i = 0; i < p->n_items; i++) {
                const struct vgpu_mdev_parent *par = vgpu_host_find_parent(p->host, p->items[i].parent);

                if (&p->items[i] != self && par && strcmp(par->physical, physical) == 0)
                        return true;
        }
        return false;
}

/* Create one placed item, moving on when a parent turns out full; @after: its available_instances then. */
static int create_placed(struct prep *p, struct item *it, int *after)
{
        int r = -ENOSPC;

        for (size_t i = 0; i < it->placement->n_usable; i++) {
                const struct vgpu_candidate *c = &it->placement->candidates[i];

                if (i > 0 && gpu_taken_by_other(p, it, c->parent->physical))
                        continue;
                snprintf(it->parent, sizeof(it->parent), "%s", c->parent->name);
                snprintf(it->type, sizeof(it->type), "%s", c->type->id);
                r = vgpu_mdev_create(p->h->root, c->parent->name, c->type->id, it->uuid, it->attrs, it->n_attrs, after);
                if (r != -ENOSPC && r != -EUSERS)
                        break;
                hook_log(p->h, LOG_INFO, "%s had no room left for %s, trying the next parent", c->parent->name,
                         it->uuid);
        }
        return r;
}

static bool mdev_present(const struct hook *h, const char *uuid)
{
        char path[96];

        snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s", uuid);
        return vgpu_root_exists(h->root, path);
}

/* What the profile asks of the driver besides the type, for messages. */
static const char *setup_text(const struct vgpu_nvidia_setup *s, char *buf, size_t size)
{
        int o = 0;

        buf[0] = '\0';
        if (s->gpu_instance_set)
                o = snprintf(buf, size, " in GPU instance %u", s->gpu_instance_id);
        if (s->placement_set && o >= 0 && (size_t)o < size)
                snprintf(buf + o, size - (size_t)o, " at placement %u", s->placement_id);
        return buf;
}

/*
 * An NVIDIA vendor-VFIO VF: instance, placement and type in the driver's
 * order (the library retries EPERM and re-reads what is creatable after
 * each store), then vgpu_params.  A type the driver refuses leaves the VF
 * at 0: nothing of it is ours to undo.
 */
static int type_vf(struct prep *p, struct item *it)
{
        const struct vgpu_nvidia_setup *setup = &it->profile->nvidia;
        char where[64];
        unsigned id = 0;
        int r = vgpu_nvidia_setup_vf(p->h->root, &it->addr, it->type, setup, &id);

        if (r == -EINVAL)
                return hook_fail(p->h,
                                 "NVIDIA's driver refused %s%s on VF %s, leaving it untyped; 'vgpuctl inventory' lists "
                                 "what it takes now",
                                 it->type, setup_text(setup, where, sizeof(where)), it->device);
        if (r == -ENOENT)
                return hook_fail(p->h,
                                 "VF %s no longer offers %s%s: another vGPU took the room or size; retry or pick "
                                 "another VF",
                                 it->device, it->type, setup_text(setup, where, sizeof(where)));
        if (r < 0)
                return hook_fail(p->h, "cannot set vGPU type %s%s on VF %s: %s", it->type,
                                 setup_text(setup, where, sizeof(where)), it->device, strerror(-r));
        it->created = true;
        if (setup->vgpu_params && (r = vgpu_nvidia_set_params(p->h->root, &it->addr, setup->vgpu_params)) < 0)
                return hook_fail(p->h, "NVIDIA's driver refused the vgpu_params of profile %s on VF %s: %s",
                                 it->profile->name, it->device, strerror(-r));
        return 0;
}

/*
 * The kernel had no room: another tool took it only when there was room as
 * this run read the host and none is left now; else the parent is full.
 */
static int no_room(const struct prep *p, const struct item *it, int r, int after)
{
        const struct vgpu_mdev_type *t = vgpu_host_find_type(p->host, it->parent, it->type);

        if (t && t->available > 0 && after == 0)
                return hook_fail(
                        p->h, "cannot create mdev %s: another tool took the last %s on %s since this run looked; retry",
                        it->uuid, it->type_name, it->parent);
        if (after > 0)
                return hook_fail(p->h,
                                 "cannot create mdev %s on %s: %s, though %d are available; the kernel log may say why",
                                 it->uuid, it->parent, strerror(-r), after);
        return hook_fail(
                p->h,
                "cannot create mdev %s: %s has no %s left; stop a VM using one or define the mdev on another parent",
                it->uuid, it->parent, it->type_name);
}

static int create_mdev(struct prep *p, struct item *it)
{
        int after = -1;
        int r = it->placement
                        ? create_placed(p, it, &after)
                        : vgpu_mdev_create(p->h->root, it->parent, it->type, it->uuid, it->attrs, it->n_attrs, &after);

        /* Half made (an attr failed, then its removal did): the rollback must see it. */
        if (r < 0 && r != -EEXIST && mdev_present(p->h, it->uuid))
                it->created = true;
        if (r == -ENOSPC || r == -EUSERS)
                return no_room(p, it, r, after);
        if (r < 0)
                return hook_fail(p->h, "cannot create mdev %s (%s on %s): %s", it->uuid, it->type_name, it->parent,
                                 strerror(-r));
        it->created = true;
        return 0;
}

/* The claim's apply step: make item @i, and say where it went. */
static int make_item(void *data, size_t i, struct vgpu_claim_device *d)
{
        struct prep *p = data;
        struct item *it = &p->items[i];
        int r = (it->kind == VGPU_DEVICE_MDEV ? create_mdev(p, it) : type_vf(p, it)) ? -EIO : 0;

        d->made = it->created;
        if (r == 0 && vgpu_claim_device_place(d, *it->parent ? it->parent : NULL, *it->type ? it->type : NULL) < 0) {
                hook_fail(p->h, "cannot record the prepared devices in the lease ledger: %s", strerror(ENOMEM));
                r = -ENOMEM;
        }
        return r;
}

/* Under the lock again: pending -> prepared, with where the devices went. */
static int commit_prepared(struct prep *p)
{
        int r = vgpu_claim_commit(p->claim, VGPU_LEASE_PREPARED, 0);

        if (r < 0)
                hook_fail(p->h, "cannot record the prepared devices in the lease ledger: %s", strerror(-r));
        return r;
}

/*
 * Undo: remove what this run created, drop the leases it added.  A device
 * the kernel would not remove keeps its lease, releasing: dropping it would
 * leak the device ('vgpuctl reconcile' and the release retry it).
 */
static void rollback(struct prep *p)
{
        int r = vgpu_claim_rollback(p->claim);

        for (size_t i = 0; i < p->n_items; i++)
                if (p->claim->devices[i].result < 0)
                        hook_log(p->h, LOG_ERR, "rollback: cannot free %s %s; it stays leased, releasing",
                                 item_what(&p->items[i]), p->items[i].device);
        if (r < 0)
                hook_log(p->h, LOG_ERR, "rollback: cannot write the lease ledger");
}

static void audit(const struct prep *p)
{
        for (size_t i = 0; i < p->n_items; i++) {
                const struct item *it = &p->items[i];

                if (it->kind != VGPU_DEVICE_MDEV) {
                        hook_log(p->h, LOG_INFO, "allocated %s %s (profile %s%s%s%s%s) to domain %s %s", item_what(it),
                                 it->device, it->profile->name, *it->type ? ", type " : "", it->type,
                                 *it->parent ? ", PF " : "", it->parent, p->h->dom->uuid, p->h->name);
                        continue;
                }
                hook_log(p->h, LOG_INFO, "allocated mdev %s (%s, type %s on %s%s) to domain %s %s", it->uuid,
                         it->type_name, it->type, it->parent, it->created ? ", created" : ", present", p->h->dom->uuid,
                         p->h->name);
        }
}

/*
 * Stale leases of other domains hold devices and room (docs/design.md §5.4): free
 * them first, as 'vgpuctl reconcile' would.  A ledger that cannot be used
 * fails here with the sentence that the planning step would give.
 */
static int reclaim_stale(struct hook *h)
{
        struct vgpu_reconcile_opts o = {(int)h->config->lock_wait_ms, VGPU_START_GRACE_S, false, h->dom->uuid, h->self};
        struct vgpu_reconcile *rc = NULL;
        struct vgpu_error err = {0};
        char text[1024];
        int r = vgpu_reconcile(h->root, &o, &rc, &err);

        if (r < 0)
                return hook_fail(h, "the lease ledger is unusable (%s); see 'vgpuctl leases' or 'vgpuctl reconcile'",
                                 hook_why(&err, r, VGPU_LEDGER_FILE, text, sizeof(text))),
                       r;
        for (size_t i = 0; i < rc->n_actions; i++)
                hook_log(h, rc->actions[i].result < 0 ? LOG_ERR : LOG_NOTICE, "reclaimed: %s",
                         vgpu_reconcile_describe(&rc->actions[i], false, text, sizeof(text)));
        vgpu_reconcile_free(rc);
        return 0;
}

static int locked_plan(struct prep *p)
{
        struct vgpu_ledger *l;
        int r = hook_lock(p->h, &l);

        if (r < 0)
                return r;
        /* Read the host under the lock: a device seen present must not be one whose release is under way. */
        r = prep_load_host(p);
        if (r == 0)
                r = check_conflicts(p, l) ? -EBUSY : 0;
        if (r == 0)
                r = prep_resolve(p, l);
        if (r == 0)
                r = reserve(p, l);
        vgpu_ledger_free(l);
        return r;
}

int hook_prepare(struct hook *h)
{
        struct prep p = {.h = h};
        int r = prep_collect(&p);

        if (r == 0 && p.n_items == 0) {
                prep_clear(&p);
                return 0;
        }
        if (r == 0)
                r = reclaim_stale(h);
        if (r == 0)
                r = locked_plan(&p);
        if (r == 0) {
                r = vgpu_claim_apply(p.claim, make_item, &p);
                if (r == 0)
                        r = commit_prepared(&p);
                if (r < 0)
                        rollback(&p);
                else
                        audit(&p);
        }
        vgpu_claim_free(p.claim);
        prep_clear(&p);
        return r < 0 ? 1 : 0;
}
