/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reconcile: repair the ledger against the host after crashes (docs/design.md §5.4),
 * for `vgpuctl reconcile` and for the hook's prepare.  The rule of every
 * ledger user holds here too: decide and mark under the lock, remove
 * devices outside it (a remove may wait for the kernel), drop the leases
 * under it again — only those still marked by us.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vgpuhook-private.h"

#define MDEV_DEVICES "/sys/bus/mdev/devices"

const char *vgpu_reconcile_verb_name(enum vgpu_reconcile_verb verb)
{
        return verb == VGPU_RECONCILE_REMOVE ? "remove" : "drop";
}

/* Lease devices were checked when the ledger was read: safe path components. */
static bool device_exists(const struct vgpu_root *root, const struct vgpu_lease *l)
{
        char path[128];

        if (l->kind == VGPU_DEVICE_MDEV)
                snprintf(path, sizeof(path), MDEV_DEVICES "/%s", l->device);
        else
                snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", l->device);
        return vgpu_root_exists(root, path);
}

/* Does link target ".../PARENT/UUID" sit under @parent? */
static bool under_parent(char *target, const char *parent)
{
        char *slash = strrchr(target, '/'), *base;

        if (!slash)
                return false;
        *slash = '\0';
        base = strrchr(target, '/');
        return strcmp(base ? base + 1 : target, parent) == 0;
}

/*
 * Is the mdev under the lease's UUID still the one the lease describes?  A
 * UUID removed behind our back may since name another tool's device.  Only
 * prepared and active leases know their parent for sure: a pending one (or
 * one released while pending) may have moved on to the next candidate.
 */
static bool same_mdev(const struct vgpu_root *root, const struct vgpu_lease *l)
{
        _cleanup_free_ char *dev = vgpu_strdup_printf(MDEV_DEVICES "/%s", l->device);
        _cleanup_free_ char *type_link = vgpu_strdup_printf(MDEV_DEVICES "/%s/mdev_type", l->device);
        _cleanup_free_ char *target = NULL, *type = NULL;

        if (l->state != VGPU_LEASE_PREPARED && l->state != VGPU_LEASE_ACTIVE)
                return true;
        if (!dev || !type_link || vgpu_root_read_link(root, dev, &target) < 0 ||
            vgpu_root_read_link_name(root, type_link, &type) < 0)
                return false;
        return (!l->type || strcmp(l->type, type) == 0) && (!l->parent || under_parent(target, l->parent));
}

/* Why @l is to be freed now, or NULL to leave it. */
static const char *judge(const struct vgpu_root *root, const struct vgpu_lease *l, int grace_s, long long now)
{
        if (vgpu_proc_id_alive(root, &l->hook))
                return NULL; /* its hook (or another reconcile) is at work on it */
        if (l->state == VGPU_LEASE_RELEASING)
                return "its release did not finish";
        /* A pending lease names a device that is yet to be made. */
        if (l->state != VGPU_LEASE_PENDING && !device_exists(root, l))
                return "its device is gone";
        if (!vgpu_lease_stale(root, l, now, grace_s))
                return NULL;
        if (l->state == VGPU_LEASE_ACTIVE)
                return "stale: its QEMU is gone";
        if (l->libvirtd.pid > 0 && !vgpu_proc_id_alive(root, &l->libvirtd))
                return "stale: its hook died and libvirtd restarted since";
        return "stale: no QEMU started within the start grace";
}

static enum vgpu_reconcile_verb verb_for(const struct vgpu_root *root, const struct vgpu_lease *l)
{
        /* Never remove what we did not create, nor what no longer is ours. */
        if (l->kind == VGPU_DEVICE_MDEV && l->created && device_exists(root, l) && same_mdev(root, l))
                return VGPU_RECONCILE_REMOVE;
        /* a vendor-VFIO VF we typed: "remove" clears its type */
        if (l->kind == VGPU_DEVICE_VF && l->created && device_exists(root, l))
                return VGPU_RECONCILE_REMOVE;
        return VGPU_RECONCILE_DROP;
}

static char *dup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

static void action_clear(struct vgpu_reconcile_action *a)
{
        free(a->domain_name);
        free(a->device);
        free(a->parent);
        free(a->type);
}

static struct vgpu_reconcile_action *add_action(struct vgpu_reconcile *rc, const struct vgpu_lease *l, const char *why,
                                                enum vgpu_reconcile_verb verb)
{
        struct vgpu_reconcile_action *a = vgpu_array_push(&rc->actions, &rc->n_actions, sizeof(*a));

        if (!a)
                return NULL;
        memcpy(a->domain_uuid, l->domain_uuid, sizeof(a->domain_uuid));
        a->domain_name = dup_or_null(l->domain_name);
        a->device = strdup(l->device);
        a->parent = dup_or_null(l->parent);
        a->type = dup_or_null(l->type);
        a->kind = l->kind;
        a->state = l->state;
        a->verb = verb;
        a->reason = why;
        if ((l->domain_name && !a->domain_name) || !a->device || (l->parent && !a->parent) || (l->type && !a->type)) {
                action_clear(a);
                rc->n_actions--;
                return NULL;
        }
        return a;
}

/* Decide on lease @i under the lock: 1 when dropped, 0 when it stays (maybe marked), -ENOMEM. */
static int decide(struct vgpu_ledger *l, size_t i, const struct vgpu_reconcile_opts *o, struct vgpu_reconcile *rc,
                  struct vgpu_release *rel, long long now)
{
        struct vgpu_lease *lease = &l->leases[i];
        struct vgpu_reconcile_action *a;
        const char *why;

        if (o->skip_domain && strcmp(lease->domain_uuid, o->skip_domain) == 0)
                return 0; /* the caller's own business */
        why = judge(l->root, lease, o->grace_s, now);
        if (!why) {
                rc->n_kept++;
                return 0;
        }
        a = add_action(rc, lease, why, verb_for(l->root, lease));
        if (!a)
                return -ENOMEM;
        vgpu_dbg(l->root, "reconcile: %s %s %s of domain %s%s: %s", vgpu_reconcile_verb_name(a->verb),
                 vgpu_device_kind_name(a->kind), a->device, a->domain_uuid, o->dry_run ? " (dry run)" : "", why);
        if (o->dry_run)
                return 0;
        if (a->verb == VGPU_RECONCILE_DROP) {
                vgpu_ledger_remove(l, i);
                return 1;
        }
        return vgpu_release_mark(rel, l, lease, true);
}

static int mark(struct vgpu_ledger *l, const struct vgpu_reconcile_opts *o, struct vgpu_reconcile *rc,
                struct vgpu_release *rel)
{
        long long now = (long long)time(NULL);

        for (size_t i = 0; i < l->n_leases;) {
                int r = decide(l, i, o, rc, rel, now);

                if (r < 0)
                        return r;
                i += r == 0;
        }
        return 0;
}

static int mark_locked(const struct vgpu_root *root, const struct vgpu_reconcile_opts *o, struct vgpu_reconcile *rc,
                       struct vgpu_release *rel, bool *quarantined, struct vgpu_error *err)
{
        struct vgpu_ledger *l;
        int r;

        /* A dry run writes nothing, so it needs no lock (nor the right to create the directory). */
        r = o->dry_run ? vgpu_ledger_read(root, &l, err) : vgpu_ledger_lock(root, o->wait_ms, &l, err);
        if (r < 0)
                return r;
        /* A damaged ledger: set aside by the lock (a dry run only reads it as empty). */
        memcpy(rc->set_aside, l->set_aside, sizeof(rc->set_aside));
        memcpy(rc->damage, l->damage, sizeof(rc->damage));
        *quarantined = l->n_quarantined > 0; /* lift_healed() has work */
        r = mark(l, o, rc, rel);
        if (r == 0 && (rc->n_actions || l->set_aside[0]) && !o->dry_run)
                r = vgpu_ledger_commit(l);
        vgpu_ledger_free(l);
        if (r < 0)
                return vgpu_error_set(err, -r, VGPU_LEDGER_FILE, 0, 0, "cannot update: %s", strerror(-r));
        return 0;
}

/* Free outside the lock, drop under it again; each removal's result from the release's, in order. */
static void free_marked(struct vgpu_reconcile *rc, struct vgpu_release *rel, struct vgpu_error *err)
{
        size_t k = 0;

        vgpu_release_free_devices(rel);
        vgpu_release_drop(rel, err);
        for (size_t i = 0; i < rc->n_actions && k < rel->n; i++)
                if (rc->actions[i].verb == VGPU_RECONCILE_REMOVE)
                        rc->actions[i].result = rel->devices[k++].result;
}

static int lifted(struct vgpu_reconcile *rc, const char *device)
{
        char **slot = vgpu_array_push(&rc->lifted, &rc->n_lifted, sizeof(*rc->lifted));

        if (!slot)
                return -ENOMEM;
        *slot = strdup(device);
        if (!*slot) {
                rc->n_lifted--;
                return -ENOMEM;
        }
        return 0;
}

/*
 * Last, under the lock: lift the quarantine of each device whose release
 * had failed and that is whole again (vgpu_quarantine_healed()).  A device
 * quarantined for its VMs' crashes answers the kernel as well as ever: only
 * a person lifts that ('vgpuctl quarantine clear').
 */
static void lift_healed(const struct vgpu_root *root, const struct vgpu_reconcile_opts *o, struct vgpu_reconcile *rc)
{
        struct vgpu_ledger *l = NULL;
        int r = o->dry_run ? vgpu_ledger_read(root, &l, NULL) : vgpu_ledger_lock(root, o->wait_ms, &l, NULL);

        for (size_t i = 0; r == 0 && i < l->n_quarantined;) {
                const struct vgpu_quarantine *q = &l->quarantined[i];

                if (q->cause != VGPU_QUARANTINE_NOT_FREED || !vgpu_quarantine_healed(l, q)) {
                        i++;
                        continue;
                }
                r = lifted(rc, q->device);
                if (r == 0 && !o->dry_run)
                        r = vgpu_quarantine_lift(l, q->device, "the device is free and answers again (reconcile)");
                i += o->dry_run;
        }
        if (r == 0 && rc->n_lifted && !o->dry_run)
                r = vgpu_ledger_commit(l);
        vgpu_ledger_free(l);
        /* The repair is done: a quarantine left in place only waits for the next reconcile. */
        if (r < 0) {
                vgpu_warn(root, "reconcile: the quarantine was not looked at: %s", strerror(-r));
                while (rc->n_lifted)
                        free(rc->lifted[--rc->n_lifted]);
        }
}

int vgpu_reconcile(const struct vgpu_root *root, const struct vgpu_reconcile_opts *o, struct vgpu_reconcile **ret,
                   struct vgpu_error *err)
{
        struct vgpu_reconcile *rc = calloc(1, sizeof(*rc));
        struct vgpu_release *rel = vgpu_release_new(root, o->wait_ms, 0, &o->self);
        bool quarantined = false;
        int r = rc && rel ? mark_locked(root, o, rc, rel, &quarantined, err) : -ENOMEM;

        if (r < 0) {
                vgpu_release_free(rel);
                vgpu_reconcile_free(rc);
                return r;
        }
        if (rel->n)
                free_marked(rc, rel, err);
        vgpu_release_free(rel);
        if (quarantined)
                lift_healed(root, o, rc);
        *ret = rc;
        return 0;
}

/* A domain name is the user's: no control character reaches a log line. */
static void printable_name(const char *name, char *out, size_t size)
{
        size_t o = 0;

        for (const unsigned char *p = (const unsigned char *)(name ? name : "?"); *p && o + 1 < size; p++)
                out[o++] = *p < 0x20 || *p == 0x7f ? '?' : (char)*p;
        out[o] = '\0';
}

char *vgpu_reconcile_describe(const struct vgpu_reconcile_action *a, bool dry_run, char *buf, size_t size)
{
        char name[65], where[300] = "";
        const char *kind = vgpu_device_kind_name(a->kind);

        printable_name(a->domain_name, name, sizeof(name));
        if (a->type || a->parent)
                snprintf(where, sizeof(where), " (%s on %s)", a->type ? a->type : "?", a->parent ? a->parent : "?");
        if (a->verb == VGPU_RECONCILE_DROP)
                snprintf(buf, size, "%s the lease of domain %s (%s) on %s %s%s, device left as it is: %s",
                         dry_run ? "would drop" : "dropped", name, a->domain_uuid, kind, a->device, where, a->reason);
        else if (dry_run || a->result == 0)
                snprintf(buf, size, "%s %s %s%s of domain %s (%s) and %s its lease: %s",
                         dry_run ? "would remove" : "removed", kind, a->device, where, name, a->domain_uuid,
                         dry_run ? "drop" : "dropped", a->reason);
        else
                snprintf(buf, size, "cannot free %s %s%s of domain %s (%s): %s; its lease stays releasing (%s)", kind,
                         a->device, where, name, a->domain_uuid, strerror(-a->result), a->reason);
        return buf;
}

void vgpu_reconcile_free(struct vgpu_reconcile *rc)
{
        if (!rc)
                return;
        for (size_t i = 0; i < rc->n_actions; i++)
                action_clear(&rc->actions[i]);
        free(rc->actions);
        for (size_t i = 0; i < rc->n_lifted; i++)
                free(rc->lifted[i]);
        free(rc->lifted);
        free(rc);
}
