/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Why a placement found no room, in the words of the candidate that decided
 * it: a pinned parent that is missing, or does not offer the type, says so
 * instead of blaming capacity.
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

/* The first candidate refused for a reason of its own: not the type's absence nor the request's filters. */
static const struct vgpu_candidate *deciding(const struct vgpu_placement *pl)
{
        for (size_t i = 0; i < pl->n; i++) {
                enum vgpu_fit f = pl->candidates[i].fit;

                if (f != VGPU_FIT_TYPE_ABSENT && f != VGPU_FIT_PINNED_ELSEWHERE && f != VGPU_FIT_FILTERED)
                        return &pl->candidates[i];
        }
        return NULL;
}

static bool any_fit(const struct vgpu_placement *pl, enum vgpu_fit fit)
{
        for (size_t i = 0; i < pl->n; i++)
                if (pl->candidates[i].fit == fit)
                        return true;
        return false;
}

static void candidate_why(const struct vgpu_candidate *c, char *buf, size_t size)
{
        if (c->fit == VGPU_FIT_TYPE_ABSENT)
                snprintf(buf, size, "%s does not offer the type; 'vgpuctl inventory' lists what it offers",
                         c->parent->name);
        else
                snprintf(buf, size, "%s: %s%s%s%s", c->parent->name, vgpu_fit_reason(c->fit), *c->detail ? " (" : "",
                         c->detail, *c->detail ? ")" : "");
}

void vgpu_placement_why(const struct vgpu_placement *pl, const char *parent, char *buf, size_t size)
{
        const struct vgpu_candidate *c = parent ? named(pl, parent) : deciding(pl);

        if (c)
                candidate_why(c, buf, size);
        else if (parent)
                snprintf(buf, size, "%s is not an mdev parent on this host; 'vgpuctl inventory' lists them", parent);
        else if (any_fit(pl, VGPU_FIT_FILTERED))
                snprintf(buf, size, "the profile's addresses or PCI ids exclude every parent that offers the type");
        else
                snprintf(buf, size, "no mdev parent here offers the type; 'vgpuctl inventory' lists the types");
}
