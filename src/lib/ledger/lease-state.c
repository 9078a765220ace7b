/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A lease's life: new (pending or prepared), prepared, active, releasing,
 * dropped.  Every change goes through here, stamps the time and says so at
 * debug level.  A ledger read without the lock (a listing, a plan) only
 * imagines changes: those are not logged.
 */
#include "config.h"

#include <time.h>

#include "vgpuhook-private.h"

void vgpu_lease_set_state(struct vgpu_ledger *ledger, struct vgpu_lease *lease, enum vgpu_lease_state state)
{
        if (ledger->lock_fd >= 0 && lease->state != state)
                vgpu_dbg(ledger->root, "lease %s %s: %s -> %s, domain %s", vgpu_device_kind_name(lease->kind),
                         lease->device, vgpu_lease_state_name(lease->state), vgpu_lease_state_name(state),
                         lease->domain_uuid);
        lease->state = state;
        lease->since = (long long)time(NULL);
}

void vgpu_ledger_log_added(const struct vgpu_ledger *ledger, const struct vgpu_lease *lease)
{
        if (ledger->lock_fd >= 0)
                vgpu_dbg(ledger->root, "lease %s %s: new, %s, domain %s", vgpu_device_kind_name(lease->kind),
                         lease->device, vgpu_lease_state_name(lease->state), lease->domain_uuid);
}

void vgpu_ledger_log_dropped(const struct vgpu_ledger *ledger, const struct vgpu_lease *lease)
{
        if (ledger->lock_fd >= 0)
                vgpu_dbg(ledger->root, "lease %s %s: dropped, was %s, domain %s", vgpu_device_kind_name(lease->kind),
                         lease->device, vgpu_lease_state_name(lease->state), lease->domain_uuid);
}
