/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Claim: the one way devices become a domain's, for the hook's prepare and
 * `vgpuctl attach --live`.  Reserve pending leases under the ledger lock,
 * make the devices outside it (the kernel may take its time), commit under
 * it again — or roll back: free what was made, drop the leases, and keep
 * releasing the lease of a device that would not go.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "vgpuhook-private.h"

struct vgpu_claim *vgpu_claim_new(const struct vgpu_root *root, int wait_ms)
{
        struct vgpu_claim *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        c->root = root;
        c->wait_ms = wait_ms;
        return c;
}

void vgpu_claim_free(struct vgpu_claim *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->n; i++)
                vgpu_lease_clear(&c->devices[i].lease);
        free(c->devices);
        free(c);
}

static int dup_to(char **dst, const char *src)
{
        char *s = src ? strdup(src) : NULL;

        if (src && !s)
                return -ENOMEM;
        free(*dst);
        *dst = s;
        return 0;
}

struct vgpu_claim_device *vgpu_claim_add(struct vgpu_claim *c, const struct vgpu_lease *lease)
{
        struct vgpu_claim_device *d = vgpu_array_push(&c->devices, &c->n, sizeof(*d));
        struct vgpu_lease *l;

        if (!d)
                return NULL;
        l = &d->lease;
        *l = *lease;
        l->domain_name = l->device = l->parent = l->type = l->profile = NULL;
        if (dup_to(&l->domain_name, lease->domain_name) < 0 || dup_to(&l->device, lease->device) < 0 || !l->device ||
            vgpu_claim_device_place(d, lease->parent, lease->type) < 0 || dup_to(&l->profile, lease->profile) < 0) {
                vgpu_lease_clear(l);
                c->n--;
                return NULL;
        }
        return d;
}

int vgpu_claim_device_place(struct vgpu_claim_device *d, const char *parent, const char *type)
{
        if (dup_to(&d->lease.parent, parent) < 0 || dup_to(&d->lease.type, type) < 0)
                return -ENOMEM;
        return 0;
}

bool vgpu_lease_blocks(const struct vgpu_root *root, const struct vgpu_lease *lease, const char *domain_uuid,
                       long long now)
{
        if (strcmp(lease->domain_uuid, domain_uuid) == 0)
                return lease->state == VGPU_LEASE_RELEASING && vgpu_proc_id_alive(root, &lease->hook);
        return !vgpu_lease_stale(root, lease, now, VGPU_START_GRACE_S);
}

/* Any lease in the way of the claim?  Judged before anything changes. */
static bool blocked(const struct vgpu_claim *c, const struct vgpu_ledger *l)
{
        long long now = (long long)time(NULL);

        for (size_t i = 0; i < c->n; i++) {
                const struct vgpu_lease *own = &c->devices[i].lease;
                const struct vgpu_lease *old = vgpu_ledger_find(l, own->kind, own->device);

                if (old && vgpu_lease_blocks(c->root, old, own->domain_uuid, now)) {
                        vgpu_dbg(c->root, "claim of %s %s refused: leased to domain %s, %s",
                                 vgpu_device_kind_name(own->kind), own->device, old->domain_uuid,
                                 vgpu_lease_state_name(old->state));
                        return true;
                }
        }
        return false;
}

int vgpu_claim_reserve(struct vgpu_claim *c, struct vgpu_ledger *l)
{
        int r;

        if (blocked(c, l))
                return -EBUSY;
        for (size_t i = 0; i < c->n; i++) {
                struct vgpu_lease *own = &c->devices[i].lease;
                struct vgpu_lease *old = vgpu_ledger_find_mut(l, own->kind, own->device);

                /* A device an earlier lease created stays ours to remove. */
                if (old && old->created && own->state != VGPU_LEASE_PENDING)
                        own->created = true;
                if (old)
                        vgpu_ledger_drop(l, old);
        }
        for (size_t i = 0; i < c->n; i++)
                if (!vgpu_ledger_add(l, &c->devices[i].lease))
                        return -ENOMEM;
        r = vgpu_ledger_commit(l);
        c->reserved = r == 0;
        return r;
}

int vgpu_claim_apply(struct vgpu_claim *c, vgpu_claim_apply_fn apply, void *data)
{
        for (size_t i = 0; i < c->n; i++) {
                struct vgpu_claim_device *d = &c->devices[i];
                int r;

                if (d->lease.state != VGPU_LEASE_PENDING)
                        continue; /* there already */
                r = apply(data, i, d);
                if (r < 0)
                        return r;
                d->made = true;
        }
        return 0;
}

/* The lease as reserved, still this claim's. */
static struct vgpu_lease *own_lease(struct vgpu_ledger *l, const struct vgpu_lease *own)
{
        return vgpu_ledger_find_own(l, own->kind, own->device, own->domain_uuid);
}

static int commit_locked(struct vgpu_claim *c, struct vgpu_ledger *l, enum vgpu_lease_state state, pid_t qemu_pid)
{
        for (size_t i = 0; i < c->n; i++) {
                const struct vgpu_lease *own = &c->devices[i].lease;
                struct vgpu_lease *lease = own_lease(l, own);

                if (!lease)
                        return -ESTALE;
                if (dup_to(&lease->parent, own->parent) < 0 || dup_to(&lease->type, own->type) < 0)
                        return -ENOMEM;
                if (state == VGPU_LEASE_ACTIVE)
                        lease->qemu_pid = qemu_pid;
                vgpu_lease_set_state(l, lease, state);
        }
        return vgpu_ledger_commit(l);
}

int vgpu_claim_commit(struct vgpu_claim *c, enum vgpu_lease_state state, pid_t qemu_pid)
{
        struct vgpu_ledger *l;
        int r = vgpu_ledger_lock(c->root, c->wait_ms, &l, NULL);

        if (r < 0)
                return r;
        r = commit_locked(c, l, state, qemu_pid);
        vgpu_ledger_free(l);
        return r;
}

/* Outside the lock: free what was made; what would not go stays made. */
static void unmake(struct vgpu_claim *c)
{
        for (size_t i = 0; i < c->n; i++) {
                struct vgpu_claim_device *d = &c->devices[i];

                if (!d->made)
                        continue;
                d->result = vgpu_lease_free_device(c->root, d->lease.kind, d->lease.device, 0);
                if (d->result < 0)
                        vgpu_dbg(c->root, "claim of %s %s rolled back: not freed: %s",
                                 vgpu_device_kind_name(d->lease.kind), d->lease.device, strerror(-d->result));
                else
                        d->made = false;
        }
}

int vgpu_claim_rollback(struct vgpu_claim *c)
{
        struct vgpu_ledger *l;
        int r;

        unmake(c);
        if (!c->reserved)
                return 0;
        r = vgpu_ledger_lock(c->root, c->wait_ms, &l, NULL);
        if (r < 0)
                return r;
        for (size_t i = 0; i < c->n; i++) {
                struct vgpu_lease *lease = own_lease(l, &c->devices[i].lease);

                if (lease && !c->devices[i].made)
                        vgpu_ledger_drop(l, lease);
                else if (lease)
                        vgpu_lease_set_state(l, lease, VGPU_LEASE_RELEASING);
        }
        r = vgpu_ledger_commit(l);
        vgpu_ledger_free(l);
        if (r == 0)
                c->reserved = false;
        return r;
}
