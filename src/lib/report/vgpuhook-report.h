/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpuhook: the inventory JSON a cloud platform syncs.  Included by
 * vgpuhook.h.
 */
#ifndef VGPUHOOK_REPORT_H
#define VGPUHOOK_REPORT_H

#include "host/vgpuhook-host.h"

/* ---- inventory (report/inventory.c) -------------------------------------- */

#define VGPU_INVENTORY_SCHEMA_VERSION 6

struct vgpu_config;
struct vgpu_ledger;

/*
 * The host as the documented inventory JSON (see docs/vgpuctl.md):
 * @config (may be NULL: cordon flags unknown, null) gives the cordons,
 * @ledger (may be NULL: no owners) who holds each device.  Returns a new
 * reference, or NULL on allocation failure.
 */
json_t *vgpu_inventory_json(const struct vgpu_host *host, const struct vgpu_config *config,
                            const struct vgpu_ledger *ledger);

/* ---- capacity for a cluster manager (report/capacity.c) ------------------ */

struct vgpu_profile;
struct vgpu_profiles;

/* What one mdev profile can have on this host. */
struct vgpu_capacity {
        const struct vgpu_profile *profile; /* borrowed from the profiles given */
        long total;                         /* instances the counted devices can give, in use or free */
        size_t n_devices;                   /* mdev parents counted */
        size_t n_shared;                    /* parents left out: a GPU another profile may use too */
};

/*
 * Each mdev profile of @profiles (VF and passthrough profiles name fixed
 * devices and are left out), in order, with the instances this host can
 * give it in all: for every mdev parent offering its type and passing its
 * filters, the instances of the type plus, unless the parent or its GPU is
 * cordoned (@config, may be NULL) or the parent quarantined (@ledger, may
 * be NULL), those still available.  A GPU that
 * serves more than one profile counts for none of them (one vGPU type at a
 * time on an NVIDIA GPU, shared room elsewhere): pin GPUs to profiles with
 * the profiles' "addresses".  Returns 0 and a new array of *@ret_n entries
 * in *@ret (free()), or -ENOMEM.
 */
int vgpu_capacity_of(const struct vgpu_host *host, const struct vgpu_config *config, const struct vgpu_ledger *ledger,
                     const struct vgpu_profiles *profiles, struct vgpu_capacity **ret, size_t *ret_n);

#endif
