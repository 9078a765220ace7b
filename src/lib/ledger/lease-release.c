/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Release: the one way a lease ends with its device freed, for the hook's
 * release, `vgpuctl detach --live`, reconcile and a claim's rollback.  Mark
 * the leases releasing under the lock (a concurrent prepare or reconcile
 * sees them in progress), free the devices outside it (a removal may wait
 * for the kernel), drop the leases under it again — only those still
 * marked by us.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vgpuhook-private.h"

#define BUSY_PAUSE_NS (200 * 1000 * 1000)

static int remove_mdev(const struct vgpu_root *root, const char *uuid, unsigned busy_retries)
{
        const struct timespec pause = {0, BUSY_PAUSE_NS};

        for (unsigned try = 0;; try++) {
                int r = vgpu_mdev_remove(root, uuid);

                /* QEMU may still be closing the device. */
                if (r != -EBUSY || try >= busy_retries)
                        return r;
                nanosleep(&pause, NULL);
        }
}

/* Clearing the type of a VF a VM holds would pull it from under the guest: probe first. */
static int clear_vf_type(const struct vgpu_root *root, const char *device)
{
        struct vgpu_pci_addr addr;
        char dir[128];
        int r;

        if (vgpu_pci_addr_parse(device, &addr) < 0)
                return -EINVAL;
        vgpu_pci_path(&addr, "", dir, sizeof(dir));
        r = vgpu_device_busy(root, dir);
        if (r > 0)
                vgpu_dbg(root, "VF %s: vGPU type not cleared: a VM holds it", device);
        if (r != 0)
                return r > 0 ? -EBUSY : r;
        return vgpu_nvidia_clear_type(root, &addr);
}

int vgpu_lease_free_device(const struct vgpu_root *root, enum vgpu_device_kind kind, const char *device,
                           unsigned busy_retries)
{
        if (kind == VGPU_DEVICE_MDEV)
                return remove_mdev(root, device, busy_retries);
        return kind == VGPU_DEVICE_VF ? clear_vf_type(root, device) : 0;
}

struct vgpu_release *vgpu_release_new(const struct vgpu_root *root, int wait_ms, unsigned busy_retries,
                                      const struct vgpu_proc_id *self)
{
        struct vgpu_release *rel = calloc(1, sizeof(*rel));

        if (!rel)
                return NULL;
        rel->root = root;
        rel->wait_ms = wait_ms;
        rel->busy_retries = busy_retries;
        rel->self = *self;
        return rel;
}

void vgpu_release_free(struct vgpu_release *rel)
{
        if (!rel)
                return;
        free(rel->devices);
        free(rel);
}

int vgpu_release_mark(struct vgpu_release *rel, struct vgpu_ledger *ledger, struct vgpu_lease *lease, bool to_free)
{
        struct vgpu_release_device *d = vgpu_array_push(&rel->devices, &rel->n, sizeof(*d));

        if (!d)
                return -ENOMEM;
        memcpy(d->domain_uuid, lease->domain_uuid, sizeof(d->domain_uuid));
        d->kind = lease->kind;
        snprintf(d->device, sizeof(d->device), "%s", lease->device);
        snprintf(d->parent, sizeof(d->parent), "%s", lease->parent ? lease->parent : "");
        d->free = to_free;
        lease->hook = rel->self;
        vgpu_lease_set_state(ledger, lease, VGPU_LEASE_RELEASING);
        return 0;
}

void vgpu_release_free_devices(struct vgpu_release *rel)
{
        for (size_t i = 0; i < rel->n; i++) {
                struct vgpu_release_device *d = &rel->devices[i];

                d->result = d->free ? vgpu_lease_free_device(rel->root, d->kind, d->device, rel->busy_retries) : 0;
                if (d->result < 0)
                        vgpu_dbg(rel->root, "%s %s of domain %s not freed: %s", vgpu_device_kind_name(d->kind),
                                 d->device, d->domain_uuid, strerror(-d->result));
        }
}

/* Still marked by this release?  Else someone took the lease over meanwhile: not ours to drop. */
static bool marked_by(const struct vgpu_lease *l, const struct vgpu_release *rel, const struct vgpu_release_device *d)
{
        return strcmp(l->domain_uuid, d->domain_uuid) == 0 && l->state == VGPU_LEASE_RELEASING &&
               l->hook.pid == rel->self.pid && l->hook.start == rel->self.start;
}

static const char *key_of(const struct vgpu_release_device *d)
{
        const char *key = vgpu_quarantine_key(d->kind, d->device, d->parent);

        return key && *key ? key : NULL;
}

/* Did an earlier device of @rel count for the same quarantine key?  A VM's two mdevs on one parent are one crash. */
static bool counted(const struct vgpu_release *rel, size_t i, const char *key)
{
        for (size_t j = 0; j < i; j++) {
                const char *other = key_of(&rel->devices[j]);

                if (other && strcmp(other, key) == 0)
                        return true;
        }
        return false;
}

/*
 * Under the lock: a device we could not free after the retries goes into
 * quarantine (its mdev's parent, or the VF) — the release itself never
 * fails for it; a crash counts towards the crash policy.
 */
static void judge_health(struct vgpu_release *rel, struct vgpu_ledger *l, size_t i, long long now)
{
        struct vgpu_release_device *d = &rel->devices[i];
        const char *key = key_of(d);
        char why[160];

        if (!key)
                return;
        if (d->free && d->result < 0) {
                snprintf(why, sizeof(why), "%s %s of domain %s could not be freed: %s", vgpu_device_kind_name(d->kind),
                         d->device, d->domain_uuid, strerror(-d->result));
                d->quarantined = vgpu_quarantine_add(l, key, d->kind, VGPU_QUARANTINE_NOT_FREED, why) >= 0;
        }
        if (rel->record && !counted(rel, i, key))
                vgpu_quarantine_note_release(l, key, d->kind, rel->reason, now, &rel->crash);
}

int vgpu_release_drop(struct vgpu_release *rel, struct vgpu_error *err)
{
        struct vgpu_ledger *l;
        long long now = (long long)time(NULL);
        int r = vgpu_ledger_lock(rel->root, rel->wait_ms, &l, err);

        for (size_t i = 0; r == 0 && i < rel->n; i++) {
                const struct vgpu_release_device *d = &rel->devices[i];
                struct vgpu_lease *lease = d->result == 0 ? vgpu_ledger_find_mut(l, d->kind, d->device) : NULL;

                if (lease && marked_by(lease, rel, d))
                        vgpu_ledger_drop(l, lease);
                judge_health(rel, l, i, now);
        }
        if (r == 0) {
                r = vgpu_ledger_commit(l);
                /* The history only informs: a failure to keep it never fails the release. */
                if (r == 0 && rel->record && vgpu_history_record(l, rel) < 0)
                        vgpu_dbg(rel->root, "the release history was not updated");
                vgpu_ledger_free(l);
                if (r < 0)
                        vgpu_error_set(err, -r, VGPU_LEDGER_FILE, 0, 0, "cannot update: %s", strerror(-r));
        }
        /* The devices are gone; their leases stay releasing for reconcile. */
        for (size_t i = 0; r < 0 && i < rel->n; i++)
                if (rel->devices[i].result == 0)
                        rel->devices[i].result = r;
        return r;
}

static int mark_domain(struct vgpu_release *rel, const char *domain_uuid, enum vgpu_device_kind kind,
                       const char *device, struct vgpu_error *err)
{
        struct vgpu_ledger *l;
        struct vgpu_lease *lease = NULL;
        int r = vgpu_ledger_lock(rel->root, rel->wait_ms, &l, err);

        if (r < 0)
                return r;
        /* After a rebuild the domain's leases may be gone: its XML says what it held. */
        if (rel->adopt && !device && vgpu_ledger_rebuilt(l))
                vgpu_ledger_adopt(l, rel->adopt);
        while (r == 0 && (lease = vgpu_ledger_next_of(l, domain_uuid, lease)))
                if (!device || (lease->kind == kind && vgpu_ledger_find(l, kind, device) == lease))
                        r = vgpu_release_mark(rel, l, lease, lease->created && lease->kind != VGPU_DEVICE_PCI);
        if (r == 0 && rel->n)
                r = vgpu_ledger_commit(l);
        vgpu_ledger_free(l);
        if (r < 0)
                return vgpu_error_set(err, -r, VGPU_LEDGER_FILE, 0, 0, "cannot mark leases releasing: %s",
                                      strerror(-r));
        return 0;
}

int vgpu_release_domain(struct vgpu_release *rel, const char *domain_uuid, enum vgpu_device_kind kind,
                        const char *device, struct vgpu_error *err)
{
        int r = mark_domain(rel, domain_uuid, kind, device, err);

        if (r < 0 || !rel->n)
                return r;
        vgpu_release_free_devices(rel);
        vgpu_release_drop(rel, err);
        return 0;
}
