/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * release end: free what the domain held.  Always exits 0 (libvirt ignores
 * it anyway); idempotent; a device a VM still holds (or that the kernel
 * refuses to free) stays "releasing" for 'vgpuctl reconcile', and is logged.
 * Mark under the lock, free outside it, drop under it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "hook.h"

struct release {
        enum vgpu_device_kind kind;
        char device[VGPU_UUID_STRLEN];
        bool remove; /* an mdev we created: remove it; a VF we typed: clear its type */
        bool done;
};

/* Mark this domain's leases releasing; return what to free. */
static int mark(struct hook *h, struct release **ret, size_t *ret_n)
{
        struct vgpu_ledger *l;
        struct release *list;
        size_t n = 0;
        int r = hook_lock(h, &l);

        if (r < 0)
                return r;
        list = calloc(l->n_leases ? l->n_leases : 1, sizeof(*list));
        for (size_t i = 0; list && i < l->n_leases; i++) {
                struct vgpu_lease *lease = &l->leases[i];

                if (strcmp(lease->domain_uuid, h->dom->uuid) != 0)
                        continue;
                lease->state = VGPU_LEASE_RELEASING;
                lease->hook = h->self;
                lease->since = (long long)time(NULL);
                snprintf(list[n].device, sizeof(list[n].device), "%s", lease->device);
                list[n].kind = lease->kind;
                list[n++].remove = lease->created && lease->kind != VGPU_DEVICE_PCI;
        }
        r = !list ? -ENOMEM : n ? vgpu_ledger_commit(l) : 0;
        vgpu_ledger_free(l);
        if (r < 0) {
                free(list);
                return hook_fail(h, "cannot mark leases releasing: %s", strerror(-r)), r;
        }
        *ret = list;
        *ret_n = n;
        return 0;
}

/* A VF's vGPU type: the library retries while the driver answers EPERM (still releasing the VF). */
static int clear_type(struct hook *h, const char *device)
{
        struct vgpu_pci_addr addr;

        if (vgpu_pci_addr_parse(device, &addr) < 0)
                return -EINVAL;
        return vgpu_nvidia_clear_type(h->root, &addr);
}

static int free_one(struct hook *h, const struct release *rel)
{
        const struct timespec pause = {0, 200 * 1000 * 1000};
        int r;

        if (rel->kind == VGPU_DEVICE_VF)
                return clear_type(h, rel->device);
        for (unsigned try = 0;; try++) {
                r = vgpu_mdev_remove(h->root, rel->device);
                if (r != -EBUSY || try >= h->config->release_retries)
                        return r;
                /* QEMU may still be closing the device. */
                nanosleep(&pause, NULL);
        }
}

static void drop_done(struct hook *h, const struct release *list, size_t n)
{
        struct vgpu_ledger *l;

        if (hook_lock(h, &l) < 0)
                return;
        for (size_t i = 0; i < n; i++) {
                struct vgpu_lease *lease = list[i].done ? vgpu_ledger_find(l, list[i].kind, list[i].device) : NULL;

                if (lease && strcmp(lease->domain_uuid, h->dom->uuid) == 0)
                        vgpu_ledger_remove(l, (size_t)(lease - l->leases));
        }
        if (vgpu_ledger_commit(l) < 0)
                hook_log(h, LOG_ERR, "cannot drop released leases of domain %s", h->dom->uuid);
        vgpu_ledger_free(l);
}

int hook_release(struct hook *h)
{
        struct release *list = NULL;
        size_t n = 0;

        if (mark(h, &list, &n) < 0)
                return 0;
        for (size_t i = 0; i < n; i++) {
                const char *kind = vgpu_device_kind_name(list[i].kind);
                int r = list[i].remove ? free_one(h, &list[i]) : 0;

                list[i].done = r == 0;
                if (r == 0)
                        hook_log(h, LOG_INFO, "released %s %s%s from domain %s %s", kind, list[i].device,
                                 !list[i].remove                    ? " (left in place)"
                                 : list[i].kind == VGPU_DEVICE_MDEV ? " (removed)"
                                                                    : " (vGPU type cleared)",
                                 h->dom->uuid, h->name);
                else
                        hook_log(h, LOG_ERR, "%s %s of domain %s stays releasing: %s; 'vgpuctl reconcile' retries",
                                 kind, list[i].device, h->name, strerror(-r));
        }
        if (n)
                drop_done(h, list, n);
        free(list);
        return 0;
}
