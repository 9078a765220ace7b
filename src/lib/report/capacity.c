/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What each mdev profile can have on this host, as a cluster manager counts
 * a node's capacity (Pacemaker's node utilization): the total the host can
 * give, from which the manager subtracts the demand of what it placed.  The
 * figure must stay true whatever the other profiles take, so a GPU that two
 * profiles could use counts for neither (docs/cluster.md, "Capacity").
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vgpuhook-private.h"

/* One parent serving one profile. */
struct serving {
        size_t profile;       /* index in the result */
        const char *physical; /* the GPU the parent is part of */
        long instances, available;
        bool held_back; /* cordoned or quarantined: keeps what runs on it, offers no more */
};

struct servings {
        size_t n;
        struct serving *s;
};

static const char *physical_key(const struct vgpu_mdev_parent *p)
{
        return p->physical ? p->physical : p->name;
}

static int add_serving(struct servings *all, const struct serving *s)
{
        struct serving *grown = reallocarray(all->s, all->n + 1, sizeof(*grown));

        if (!grown)
                return -ENOMEM;
        all->s = grown;
        all->s[all->n++] = *s;
        return 0;
}

/* The parents that offer @prof's type and pass its filters, cordoned, quarantined or not. */
static int collect(const struct vgpu_host *host, const struct vgpu_config *config, const struct vgpu_ledger *ledger,
                   const struct vgpu_profile *prof, size_t index, struct servings *all)
{
        struct vgpu_mdev_request req = {
                .type_name = prof->mdev_type_name,
                .type_id = prof->mdev_type_name ? NULL : prof->mdev_type_id,
                .profile = prof,
        };
        struct vgpu_placement *pl = NULL;
        int r = vgpu_place_mdev(host, config, ledger, NULL, &req, &pl);

        for (size_t i = 0; r >= 0 && i < pl->n; i++) {
                const struct vgpu_candidate *c = &pl->candidates[i];
                struct serving s = {.profile = index, .physical = physical_key(c->parent)};

                if (!c->type || c->fit == VGPU_FIT_FILTERED || c->fit == VGPU_FIT_TYPE_ABSENT)
                        continue;
                s.instances = (long)c->type->n_instances;
                s.available = c->type->available > 0 ? c->type->available : 0;
                s.held_back = c->fit == VGPU_FIT_CORDONED || c->fit == VGPU_FIT_QUARANTINED;
                r = add_serving(all, &s);
        }
        vgpu_placement_free(pl);
        return r;
}

static bool shared(const struct servings *all, const struct serving *s)
{
        for (size_t i = 0; i < all->n; i++)
                if (all->s[i].profile != s->profile && strcmp(all->s[i].physical, s->physical) == 0)
                        return true;
        return false;
}

static void add_up(const struct vgpu_host *host, const struct servings *all, struct vgpu_capacity *caps)
{
        for (size_t i = 0; i < all->n; i++) {
                const struct serving *s = &all->s[i];
                struct vgpu_capacity *c = &caps[s->profile];

                if (shared(all, s)) {
                        c->n_shared++;
                        vgpu_dbg(host->root, "capacity of profile %s: GPU %s left out, another profile may use it",
                                 c->profile->name, s->physical);
                        continue;
                }
                c->n_devices++;
                c->total += s->instances + (s->held_back ? 0 : s->available);
        }
}

int vgpu_capacity_of(const struct vgpu_host *host, const struct vgpu_config *config, const struct vgpu_ledger *ledger,
                     const struct vgpu_profiles *profiles, struct vgpu_capacity **ret, size_t *ret_n)
{
        struct servings all = {0};
        struct vgpu_capacity *caps = calloc(profiles->n_profiles ? profiles->n_profiles : 1, sizeof(*caps));
        size_t n = 0;
        int r = caps ? 0 : -ENOMEM;

        for (size_t i = 0; r >= 0 && i < profiles->n_profiles; i++) {
                const struct vgpu_profile *prof = &profiles->profiles[i];

                if (prof->kind != VGPU_PROFILE_MDEV)
                        continue;
                caps[n].profile = prof;
                r = collect(host, config, ledger, prof, n++, &all);
        }
        if (r >= 0)
                add_up(host, &all, caps);
        free(all.s);
        if (r < 0) {
                free(caps);
                return r;
        }
        *ret = caps;
        *ret_n = n;
        return 0;
}
