/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * release end: free what the domain held.  Always exits 0 (libvirt ignores
 * it anyway); idempotent; a device a VM still holds (or that the kernel
 * refuses to free) stays "releasing" for 'vgpuctl reconcile', is logged,
 * and its mdev parent (or the VF) is quarantined: the fallback, never a
 * failure.
 * The library's release marks under the lock, frees outside it, drops
 * under it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "hook.h"

static void report(const struct hook *h, const struct vgpu_release_device *d)
{
        const char *kind = vgpu_device_kind_name(d->kind);

        if (d->result == 0)
                hook_log(h, LOG_INFO, "released %s %s%s from domain %s %s", kind, d->device,
                         !d->free                      ? " (left in place)"
                         : d->kind == VGPU_DEVICE_MDEV ? " (removed)"
                                                       : " (vGPU type cleared)",
                         h->dom->uuid, h->name);
        else
                hook_log(h, LOG_ERR, "%s %s of domain %s stays releasing: %s; %s%s%s'vgpuctl reconcile' retries", kind,
                         d->device, h->name, strerror(-d->result),
                         !d->quarantined               ? ""
                         : d->kind == VGPU_DEVICE_MDEV ? "its parent "
                                                       : "it is quarantined, ",
                         d->quarantined && d->kind == VGPU_DEVICE_MDEV ? d->parent : "",
                         d->quarantined && d->kind == VGPU_DEVICE_MDEV ? " quarantined, " : "");
}

int hook_release(struct hook *h)
{
        struct vgpu_release *rel =
                vgpu_release_new(h->root, (int)h->config->lock_wait_ms, h->config->release_retries, &h->self);
        struct vgpu_adopt a = {.domain = h->dom, .base.state = VGPU_LEASE_ACTIVE};
        struct vgpu_mdevctl_defs *defs = NULL;
        struct vgpu_host *host = NULL;
        struct vgpu_error err = {0};
        char why[512];
        int r;

        if (rel) {
                rel->record = true;
                rel->domain_name = h->dom->name;
                rel->reason = hook_shutoff_reason(h);
                rel->crash.count = h->config->quarantine_crashes;
                rel->crash.window_s = h->config->quarantine_crash_window_s;
        }
        /* After a rebuild the XML says what the domain held: the release adopts it first (lease-adopt.c). */
        if (rel && vgpu_ledger_damage_seen(h->root) && hook_load_host(h, &host) == 0) {
                if (vgpu_mdevctl_list(h->root, &defs) < 0)
                        defs = NULL;
                hook_lease_init(h, &a.base);
                a.base.state = VGPU_LEASE_ACTIVE;
                a.host = host;
                a.defs = defs;
                rel->adopt = &a;
        }
        r = rel ? vgpu_release_domain(rel, h->dom->uuid, VGPU_DEVICE_MDEV, NULL, &err) : -ENOMEM;

        if (r < 0)
                hook_fail(h, "the lease ledger is unusable (%s); see 'vgpuctl leases' or 'vgpuctl reconcile'",
                          hook_why(&err, r, VGPU_LEDGER_FILE, why, sizeof(why)));
        for (size_t i = 0; r == 0 && i < rel->n; i++)
                report(h, &rel->devices[i]);
        vgpu_release_free(rel);
        vgpu_mdevctl_defs_free(defs);
        vgpu_host_free(host);
        return 0;
}
