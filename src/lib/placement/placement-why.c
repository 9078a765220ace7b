/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Why a placement found no room, in the words of the candidate that decided
 * it, and what to do.  Room that a restriction hides decides first: a parent
 * with free instances that the profile's addresses leave out, or that is
 * cordoned, names that restriction, not capacity.  Then a pinned parent's
 * own reason, another NVIDIA type, and only then a lack of room.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

static const struct vgpu_candidate *named(const struct vgpu_placement *pl, const char *parent)
{
        for (size_t i = 0; i < pl->n; i++)
                if (strcmp(pl->candidates[i].parent->name, parent) == 0)
                        return &pl->candidates[i];
        return NULL;
}

static const char *type_of(const struct vgpu_mdev_request *req)
{
        return req->type_name ? req->type_name : req->type_id;
}

static bool has_room(const struct vgpu_candidate *c)
{
        return c->type && c->free > 0;
}

/* The first candidate refused as @fit (one that offers the type, if any), or with room when @room. */
static const struct vgpu_candidate *first(const struct vgpu_placement *pl, bool room, enum vgpu_fit fit)
{
        const struct vgpu_candidate *found = NULL;

        for (size_t i = 0; i < pl->n; i++) {
                const struct vgpu_candidate *c = &pl->candidates[i];

                if (room ? c->fit != VGPU_FIT_OK && c->fit != VGPU_FIT_PINNED_ELSEWHERE && has_room(c)
                         : c->fit == fit) {
                        if (room || c->type)
                                return c;
                        found = found ? found : c;
                }
        }
        return found;
}

/* Do the profile's addresses leave @c out (else its PCI ids do)? */
static bool unlisted(const struct vgpu_profile *prof, const struct vgpu_candidate *c)
{
        struct vgpu_pci_addr gpu;
        bool gpu_ok = vgpu_pci_addr_parse(c->parent->physical, &gpu) == 0;

        for (size_t i = 0; i < prof->n_addresses; i++)
                if ((c->parent->is_pci && vgpu_pci_addr_cmp(&c->parent->addr, &prof->addresses[i]) == 0) ||
                    (gpu_ok && vgpu_pci_addr_cmp(&gpu, &prof->addresses[i]) == 0))
                        return false;
        return prof->n_addresses > 0;
}

static void filtered_why(const struct vgpu_mdev_request *req, const struct vgpu_candidate *c, char *buf, size_t size)
{
        const char *prof = req->profile ? req->profile->name : "?";
        bool addr = req->profile && unlisted(req->profile, c);
        char room[48] = ":";

        if (has_room(c))
                snprintf(room, sizeof(room), " has %d free, but", c->free);
        snprintf(buf, size, "%s%s profile %s's %s leave it out; %s", c->parent->name, room, prof,
                 addr ? "addresses" : "PCI ids", addr ? "add it to them" : "widen its vendor or device");
}

/* One candidate's reason and what to do. */
static void candidate_why(const struct vgpu_mdev_request *req, const struct vgpu_candidate *c, char *buf, size_t size)
{
        const char *p = c->parent->name;

        switch (c->fit) {
        case VGPU_FIT_FILTERED:
                filtered_why(req, c, buf, size);
                break;
        case VGPU_FIT_TYPE_ABSENT:
                snprintf(buf, size, "%s does not offer %s; 'vgpuctl inventory' lists what it offers", p, type_of(req));
                break;
        case VGPU_FIT_CORDONED:
                snprintf(buf, size, "%s%s is cordoned; run 'vgpuctl uncordon %s' to use it", p,
                         has_room(c) ? " has room but" : "", p);
                break;
        case VGPU_FIT_QUARANTINED:
                snprintf(buf, size,
                         "%s is quarantined (%s); 'vgpuctl reconcile' lifts it once the device is free, or "
                         "'vgpuctl quarantine clear %s'",
                         p, c->detail, p);
                break;
        case VGPU_FIT_OTHER_TYPE:
                snprintf(buf, size,
                         "%s, and an NVIDIA GPU runs one vGPU type at a time; stop the VMs on it or ask for that type",
                         *c->detail ? c->detail : "its GPU holds another type");
                break;
        case VGPU_FIT_SAME_VM_GPU:
                snprintf(buf, size,
                         "this VM has a vGPU on the GPU of %s already, and NVIDIA allows one per GPU; ask for fewer",
                         p);
                break;
        case VGPU_FIT_NUMA:
                snprintf(buf, size,
                         "%s is on another NUMA node than the VM, and NUMA is strict; relax it or move the VM", p);
                break;
        default:
                snprintf(buf, size, "%s is full; stop a VM that uses it or pin another parent", p);
                break;
        }
}

enum vgpu_fit vgpu_placement_why(const struct vgpu_placement *pl, const struct vgpu_mdev_request *req, char *buf,
                                 size_t size)
{
        const struct vgpu_candidate *c = req->parent ? named(pl, req->parent) : first(pl, true, VGPU_FIT_OK);

        if (!c && req->parent) {
                snprintf(buf, size, "%s is not an mdev parent on this host; 'vgpuctl inventory' lists them",
                         req->parent);
                return VGPU_FIT_PINNED_ELSEWHERE;
        }
        if (!c)
                c = first(pl, false, VGPU_FIT_OTHER_TYPE);
        if (c) {
                candidate_why(req, c, buf, size);
                return c->fit;
        }
        if (first(pl, false, VGPU_FIT_FULL) || first(pl, false, VGPU_FIT_CORDONED) || first(pl, false, VGPU_FIT_NUMA) ||
            first(pl, false, VGPU_FIT_SAME_VM_GPU) || first(pl, false, VGPU_FIT_QUARANTINED)) {
                snprintf(buf, size, "every parent that offers %s is full; stop a VM or pick another profile",
                         type_of(req));
                return VGPU_FIT_FULL;
        }
        c = first(pl, false, VGPU_FIT_FILTERED);
        if (c && c->type) { /* it offers the type: the filter decided */
                filtered_why(req, c, buf, size);
                return VGPU_FIT_FILTERED;
        }
        snprintf(buf, size, "no mdev parent here offers %s; 'vgpuctl inventory' lists the types", type_of(req));
        return VGPU_FIT_TYPE_ABSENT;
}
