/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpuhook: the inventory JSON a cloud platform syncs.  Included by
 * vgpuhook.h.
 */
#ifndef VGPUHOOK_REPORT_H
#define VGPUHOOK_REPORT_H

#include "host/vgpuhook-host.h"

/* ---- inventory (report/inventory.c) -------------------------------------- */

#define VGPU_INVENTORY_SCHEMA_VERSION 2

struct vgpu_config;
struct vgpu_ledger;

/*
 * The host as the documented inventory JSON (schema_version 2, see docs/vgpuctl.md):
 * @config (may be NULL: cordon flags unknown, null) gives the cordons,
 * @ledger (may be NULL: no owners) who holds each device.  Returns a new
 * reference, or NULL on allocation failure.
 */
json_t *vgpu_inventory_json(const struct vgpu_host *host, const struct vgpu_config *config,
                            const struct vgpu_ledger *ledger);

#endif
