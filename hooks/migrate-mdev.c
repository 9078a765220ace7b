/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The filters' mdev side.  An mdev keeps its UUID unless that UUID is taken
 * here — leased to another domain, or present with another type or open by
 * a VM — and then gets the domain's next name-based UUID (docs/design.md §3.1), in
 * hostdev and metadata alike.  Where it must be created, a parent must
 * offer its type with room, counting this domain's other devices.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "migrate.h"

/* What the spec asks for: a profile's type, or a type by name or id. */
struct want {
        struct vgpu_profile *profile; /* owned; NULL for type= */
        struct vgpu_mdev_request req;
        const char *what; /* for sentences */
};

static int wanted(struct move *m, const struct vgpu_spec *s, struct want *w)
{
        w->req.parent = s->parent;
        if (hook_spec_profile(m->h, s, &w->profile))
                return 1;
        if (!w->profile) {
                w->req.type_name = w->what = s->type;
                return 0;
        }
        w->req.profile = w->profile;
        w->req.type_name = w->profile->mdev_type_name;
        w->req.type_id = w->profile->mdev_type_id;
        w->what = w->req.type_name ? w->req.type_name : w->req.type_id;
        return 0;
}

static bool type_is(const struct move *m, const struct want *w, const struct vgpu_mdev *md)
{
        const struct vgpu_mdev_type *t = vgpu_host_find_type(m->host, md->parent, md->type_id);

        if (!md->type_id)
                return false;
        if (w->req.type_id)
                return strcmp(md->type_id, w->req.type_id) == 0;
        /* type= may name the sysfs name or the id, as in prepare */
        return strcmp(md->type_id, w->what) == 0 || (t && t->name && strcmp(t->name, w->what) == 0);
}

static const struct vgpu_lease *lease_of(const struct move *m, const char *uuid)
{
        return vgpu_ledger_find(m->ledger, VGPU_DEVICE_MDEV, uuid);
}

static bool ours(const struct move *m, const struct vgpu_lease *l)
{
        return strcmp(l->domain_uuid, m->h->dom->uuid) == 0;
}

/* Why @uuid cannot be this domain's mdev here (into @why), or false when it can. */
static bool taken(const struct move *m, const struct want *w, const char *uuid, char *why, size_t size)
{
        const struct vgpu_lease *l = lease_of(m, uuid);
        const struct vgpu_mdev *md = vgpu_host_find_mdev(m->host, uuid);

        if (l && !ours(m, l) && !vgpu_lease_stale(m->h->root, l, (long long)time(NULL), VGPU_START_GRACE_S)) {
                snprintf(why, size, "leased to domain %.64s", l->domain_name ? l->domain_name : "?");
                return true;
        }
        if (!md || (l && ours(m, l)))
                return false;
        if (!type_is(m, w, md)) {
                snprintf(why, size, "present with type %s on %s", md->type_id ? md->type_id : "?",
                         md->parent ? md->parent : "?");
                return true;
        }
        if (vgpu_vfio_group_busy(m->h->root, md->iommu_group) > 0) {
                snprintf(why, size, "in use by a VM (IOMMU group %d is open)", md->iommu_group);
                return true;
        }
        return false;
}

static bool chosen(const struct move *m, const char *uuid)
{
        for (size_t i = 0; i < m->n_uuids; i++)
                if (strcmp(m->uuids[i], uuid) == 0)
                        return true;
        return false;
}

/* The domain's first name-based UUID that nothing here and nothing in the XML uses. */
static int fresh_uuid(const struct move *m, char ret[VGPU_UUID_STRLEN])
{
        for (unsigned i = 0; i < 4096; i++) {
                if (vgpu_mdev_uuid_for(m->h->dom->uuid, i, ret) < 0)
                        return -EINVAL;
                if (!vgpu_domain_names_mdev(m->h->dom, ret) && !chosen(m, ret) && !lease_of(m, ret) &&
                    !vgpu_host_find_mdev(m->host, ret))
                        return 0;
        }
        return -ENOSPC;
}

static int note_uuid(struct move *m, const char *uuid)
{
        char(*grown)[VGPU_UUID_STRLEN] = realloc(m->uuids, (m->n_uuids + 1) * sizeof(*grown));

        if (!grown)
                return hook_fail(m->h, "out of memory");
        m->uuids = grown;
        memcpy(m->uuids[m->n_uuids++], uuid, VGPU_UUID_STRLEN);
        return 0;
}

static size_t uses_of(const struct move *m, const struct vgpu_candidate *c)
{
        size_t n = 0;

        for (size_t i = 0; i < m->n_uses; i++)
                n += m->uses[i].parent == c->parent && m->uses[i].type == c->type;
        return n;
}

static const char **physical_taken(const struct move *m)
{
        const char **p = calloc(m->n_uses ? m->n_uses : 1, sizeof(*p));

        for (size_t i = 0; p && i < m->n_uses; i++)
                p[i] = m->uses[i].parent->physical;
        return p;
}

/* The reason that decided (the library's); no room, or none left after this domain's other devices, keeps its words. */
static void no_room(struct move *m, const struct want *w, const struct vgpu_placement *pl, const char *uuid)
{
        char why[256];

        if (pl->n_usable || (vgpu_placement_why(pl, &w->req, why, sizeof(why)) == VGPU_FIT_FULL && !w->req.parent))
                hook_fail(m->h, "no parent here has room for a %s instance (mdev %s); free one or choose another host",
                          w->what, uuid);
        else
                hook_fail(m->h, "cannot create mdev %s here: %s", uuid, why);
}

/* A parent that will have room for one more, after this domain's other devices. */
static int find_room(struct move *m, struct want *w, const char *uuid)
{
        struct vgpu_placement *pl = NULL;
        const char **taken_phys = physical_taken(m);
        struct move_use *grown;
        int r = taken_phys ? 0 : -ENOMEM;

        w->req.taken_physical = taken_phys;
        w->req.n_taken = m->n_uses;
        if (r == 0)
                r = vgpu_place_mdev(m->host, m->h->config, m->ledger, m->h->dom, &w->req, &pl);
        if (r == 0 && !vgpu_placement_offered(pl) && !w->profile && w->req.type_name) {
                vgpu_placement_free(pl); /* type= may also be a type id */
                w->req.type_id = w->req.type_name;
                w->req.type_name = NULL;
                r = vgpu_place_mdev(m->host, m->h->config, m->ledger, m->h->dom, &w->req, &pl);
        }
        free(taken_phys);
        if (r < 0)
                return hook_fail(m->h, "placement failed: %s", strerror(-r));
        r = 1;
        for (size_t i = 0; i < pl->n_usable && r; i++) {
                const struct vgpu_candidate *c = &pl->candidates[i];

                if ((size_t)c->free <= uses_of(m, c))
                        continue;
                grown = realloc(m->uses, (m->n_uses + 1) * sizeof(*grown));
                if (!grown)
                        break;
                m->uses = grown;
                m->uses[m->n_uses++] = (struct move_use){c->parent, c->type};
                r = 0;
        }
        if (r)
                no_room(m, w, pl, uuid);
        vgpu_placement_free(pl);
        return r;
}

static int rename_mdev(struct move *m, const char *uuid, const char *fresh, const char *why)
{
        struct vgpu_domain_doc *doc = move_doc(m);
        int r;

        if (!doc)
                return 1;
        r = vgpu_domain_doc_rename_mdev(doc, uuid, fresh);
        if (r < 0)
                return hook_fail(m->h, "cannot rewrite mdev %s: %s", uuid, strerror(-r));
        hook_log(m->h, LOG_NOTICE, "%s begin: mdev %s of domain %s is %s here; it becomes %s", m->h->op, uuid,
                 m->h->name, why, fresh);
        return 0;
}

int move_mdev(struct move *m, const struct vgpu_spec *s)
{
        struct want w = {0};
        char why[192], fresh[VGPU_UUID_STRLEN];
        const char *uuid = s->uuid;
        int r = hook_check_spec(m->h, s) ? 1 : wanted(m, s, &w);

        if (r == 0 && taken(m, &w, s->uuid, why, sizeof(why))) {
                r = fresh_uuid(m, fresh) < 0
                            ? hook_fail(m->h, "mdev %s is %s here, and no fresh UUID is left", uuid, why)
                            : 0;
                uuid = fresh;
        }
        if (r == 0 && !vgpu_host_find_mdev(m->host, uuid))
                r = find_room(m, &w, s->uuid);
        if (r == 0 && uuid == fresh)
                r = rename_mdev(m, s->uuid, fresh, why);
        if (r == 0)
                r = note_uuid(m, uuid);
        vgpu_profile_free(w.profile);
        return r;
}
