/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Lease state changes for the log.  States are set by the transactions of
 * the programs and of reconcile; what reaches the disk is what happened, so
 * the changes are found at commit, by comparing with the leases as read.
 */
#include "config.h"

#include <string.h>

#include "vgpuhook-private.h"

struct vgpu_lease_seen {
        enum vgpu_device_kind kind;
        enum vgpu_lease_state state;
        bool matched; /* by a lease at commit: not dropped */
        char domain_uuid[VGPU_UUID_STRLEN];
        char *device;
};

void vgpu_ledger_seen_free(struct vgpu_ledger *l)
{
        for (size_t i = 0; i < l->n_seen; i++)
                free(l->seen[i].device);
        free(l->seen);
        l->seen = NULL;
        l->n_seen = 0;
}

void vgpu_ledger_note_seen(struct vgpu_ledger *l)
{
        vgpu_ledger_seen_free(l);
        if (!vgpu_log_enabled(l->root, VGPU_LOG_DEBUG) || !l->n_leases)
                return;
        l->seen = calloc(l->n_leases, sizeof(*l->seen));
        if (!l->seen)
                return; /* the log loses the changes, nothing else */
        for (size_t i = 0; i < l->n_leases; i++) {
                struct vgpu_lease_seen *s = &l->seen[l->n_seen];

                s->device = strdup(l->leases[i].device);
                if (!s->device)
                        continue;
                s->kind = l->leases[i].kind;
                s->state = l->leases[i].state;
                memcpy(s->domain_uuid, l->leases[i].domain_uuid, sizeof(s->domain_uuid));
                l->n_seen++;
        }
}

static struct vgpu_lease_seen *seen_of(struct vgpu_ledger *l, const struct vgpu_lease *lease)
{
        for (size_t i = 0; i < l->n_seen; i++)
                if (!l->seen[i].matched && l->seen[i].kind == lease->kind &&
                    strcmp(l->seen[i].device, lease->device) == 0)
                        return &l->seen[i];
        return NULL;
}

static void log_lease(struct vgpu_ledger *l, const struct vgpu_lease *lease)
{
        struct vgpu_lease_seen *s = seen_of(l, lease);
        const char *kind = vgpu_device_kind_name(lease->kind), *state = vgpu_lease_state_name(lease->state);

        if (!s)
                vgpu_dbg(l->root, "lease %s %s: new, %s, domain %s", kind, lease->device, state, lease->domain_uuid);
        else if (strcmp(s->domain_uuid, lease->domain_uuid) != 0)
                vgpu_dbg(l->root, "lease %s %s: taken over from domain %s by domain %s, %s", kind, lease->device,
                         s->domain_uuid, lease->domain_uuid, state);
        else if (s->state != lease->state)
                vgpu_dbg(l->root, "lease %s %s: %s -> %s, domain %s", kind, lease->device,
                         vgpu_lease_state_name(s->state), state, lease->domain_uuid);
        if (s)
                s->matched = true;
}

void vgpu_ledger_log_changes(struct vgpu_ledger *l)
{
        if (!vgpu_log_enabled(l->root, VGPU_LOG_DEBUG))
                return;
        for (size_t i = 0; i < l->n_leases; i++)
                log_lease(l, &l->leases[i]);
        for (size_t i = 0; i < l->n_seen; i++)
                if (!l->seen[i].matched)
                        vgpu_dbg(l->root, "lease %s %s: dropped, was %s, domain %s",
                                 vgpu_device_kind_name(l->seen[i].kind), l->seen[i].device,
                                 vgpu_lease_state_name(l->seen[i].state), l->seen[i].domain_uuid);
        vgpu_ledger_note_seen(l);
}
