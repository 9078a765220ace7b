/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * prepare, step one: what the domain asks for.  Metadata names a profile or
 * a type; a bare mdev hostdev is used as present, or started from its
 * mdevctl definition (virt-manager's "mediated device not found" case).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prepare.h"

static struct item *new_item(struct prep *p, const char *uuid)
{
        struct item *it = realloc(p->items, (p->n_items + 1) * sizeof(*it));

        if (!it)
                return NULL;
        p->items = it;
        it = &p->items[p->n_items++];
        memset(it, 0, sizeof(*it));
        it->kind = VGPU_DEVICE_MDEV;
        /* "" for a PCI item: a UUID is copied whole, anything shorter to its end */
        snprintf(it->uuid, sizeof(it->uuid), "%s", uuid);
        snprintf(it->device, sizeof(it->device), "%s", uuid);
        return it;
}

static int item_from_profile(struct prep *p, struct item *it)
{
        it->req.profile = it->profile;
        it->req.type_name = it->profile->mdev_type_name;
        it->req.type_id = it->profile->mdev_type_id;
        it->attrs = it->profile->attrs;
        it->n_attrs = it->profile->n_attrs;
        return 0;
}

static int item_from_spec(struct prep *p, const struct vgpu_spec *s)
{
        struct item *it;

        if (s->kind != VGPU_SPEC_MDEV) {
                it = new_item(p, "");
                return it ? prep_collect_pci(p, s, it) : hook_fail(p->h, "out of memory");
        }
        if (hook_check_spec(p->h, s))
                return 1;
        it = new_item(p, s->uuid);
        if (!it)
                return hook_fail(p->h, "out of memory");
        it->spec = s;
        it->req.parent = s->parent;
        if (hook_spec_profile(p->h, s, &it->profile))
                return 1;
        if (it->profile)
                return item_from_profile(p, it);
        /* A type names its sysfs name ("GRID T4-4Q") or its id ("nvidia-224"): try the name first. */
        it->req.type_name = s->type;
        return 0;
}

int prep_collect(struct prep *p)
{
        const struct vgpu_domain *dom = p->h->dom;

        for (size_t i = 0; i < dom->n_specs; i++) {
                int r = item_from_spec(p, &dom->specs[i]);

                if (r)
                        return -EINVAL;
        }
        for (size_t i = 0; i < dom->n_hostdevs; i++) {
                const struct vgpu_hostdev *hd = &dom->hostdevs[i];
                bool described = false;

                if (hd->kind != VGPU_HOSTDEV_MDEV)
                        continue;
                for (size_t j = 0; j < p->n_items; j++)
                        described |= strcmp(p->items[j].uuid, hd->uuid) == 0;
                if (!described && !new_item(p, hd->uuid))
                        return hook_fail(p->h, "out of memory"), -ENOMEM;
        }
        return 0;
}

void prep_clear(struct prep *p)
{
        for (size_t i = 0; i < p->n_items; i++) {
                vgpu_profile_free(p->items[i].profile);
                vgpu_mdevctl_def_free(p->items[i].def);
                vgpu_placement_free(p->items[i].placement);
        }
        free(p->items);
        free(p->taken);
        vgpu_host_free(p->host);
        vgpu_host_free(p->partial);
}
