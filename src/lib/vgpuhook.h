/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpuhook — the helper library shared by vgpu-hook and vgpuctl.
 *
 * Private for now (a libtool convenience library, not installed): no ABI is
 * promised.  Conventions:
 *  - functions return >= 0 on success and a negative errno on failure;
 *  - out-parameters named ret_* are left untouched on failure;
 *  - a _new() function returns an object the caller owns; free it with the
 *    matching _free() or _unref(), which accept NULL;
 *  - the library never prints: parse errors land in a caller's
 *    struct vgpu_error, host oddities in vgpu_host.problems.
 */
#ifndef VGPUHOOK_H
#define VGPUHOOK_H

/* One header per layer of the library, lowest first (HACKING.md, "Layout"). */
#include "base/vgpuhook-base.h"
#include "host/vgpuhook-host.h"
#include "writes/vgpuhook-writes.h"
#include "domain/vgpuhook-domain.h"
#include "ledger/vgpuhook-ledger.h"
#include "config/vgpuhook-config.h"
#include "placement/vgpuhook-placement.h"
#include "report/vgpuhook-report.h"

#endif
