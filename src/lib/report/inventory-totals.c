/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the inventory adds for a cloud platform: who holds each device (by
 * its lease) and, per vGPU type, the host's totals as a platform counts
 * them — in use plus what the driver still offers (OpenStack's placement
 * counts an mdev type's total the same way).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vgpuhook-private.h"

const struct vgpu_lease *vgpu_inventory_owner(const struct vgpu_ledger *ledger, bool pci, const char *device)
{
        struct vgpu_pci_addr addr;

        if (!pci)
                return vgpu_ledger_find(ledger, VGPU_DEVICE_MDEV, device);
        return vgpu_pci_addr_parse(device, &addr) >= 0 ? vgpu_ledger_find_pci(ledger, &addr) : NULL;
}

struct tally {
        const char *kind; /* "mdev" or "nvidia_vfio" */
        const char *name; /* the type's name, else its id */
        long devices, in_use, available;
};

struct tallies {
        size_t n;
        struct tally *t;
        bool oom;
};

static struct tally *tally_of(struct tallies *ts, const char *kind, const char *name)
{
        struct tally *grown;

        for (size_t i = 0; i < ts->n; i++)
                if (strcmp(ts->t[i].kind, kind) == 0 && strcmp(ts->t[i].name, name) == 0)
                        return &ts->t[i];
        grown = reallocarray(ts->t, ts->n + 1, sizeof(*grown));
        if (!grown) {
                ts->oom = true;
                return NULL;
        }
        ts->t = grown;
        ts->t[ts->n] = (struct tally){.kind = kind, .name = name};
        return &ts->t[ts->n++];
}

/* Each parent offering a type counts; a cordoned one offers nothing to place. */
static void tally_mdev(struct tallies *ts, const struct vgpu_inventory_state *st)
{
        for (size_t i = 0; i < st->host->n_parents; i++) {
                const struct vgpu_mdev_parent *p = &st->host->parents[i];
                bool cordoned = vgpu_cordoned(st->config, p->name, p->physical);

                for (size_t k = 0; k < p->n_types; k++) {
                        const struct vgpu_mdev_type *t = &p->types[k];
                        struct tally *x = tally_of(ts, "mdev", t->name ? t->name : t->id);

                        if (!x)
                                return;
                        x->devices++;
                        x->in_use += (long)t->n_instances;
                        if (!cordoned && t->available > 0)
                                x->available += t->available;
                }
        }
}

/* A typed VF lists nothing creatable: its type's name is on its free siblings. */
static const char *nvidia_type_name(const struct vgpu_host *host, const struct vgpu_pci_dev *vf, int id)
{
        for (size_t i = 0; i < host->n_pci; i++) {
                const struct vgpu_pci_dev *d = &host->pci[i];

                if (!d->nvidia_vfio || d->is_vf != vf->is_vf ||
                    (d->is_vf && vgpu_pci_addr_cmp(&d->physfn, &vf->physfn) != 0))
                        continue;
                for (size_t k = 0; k < d->n_nvidia_types; k++)
                        if ((int)d->nvidia_types[k].id == id)
                                return d->nvidia_types[k].name;
        }
        return NULL;
}

static void tally_nvidia_vf(struct tallies *ts, const struct vgpu_inventory_state *st, const struct vgpu_pci_dev *d)
{
        char pf[VGPU_PCI_ADDR_STRLEN] = "";
        struct tally *x;

        if (d->nvidia_current_type > 0) {
                const char *name = nvidia_type_name(st->host, d, d->nvidia_current_type);

                x = tally_of(ts, "nvidia_vfio", name ? name : "?");
                if (x) {
                        x->devices++;
                        x->in_use++;
                }
                return;
        }
        if (d->is_vf)
                vgpu_pci_addr_format(&d->physfn, pf);
        for (size_t k = 0; k < d->n_nvidia_types; k++) {
                x = tally_of(ts, "nvidia_vfio", d->nvidia_types[k].name);
                if (!x)
                        return;
                x->devices++;
                /* a free VF takes one vGPU of any type it lists, unless leased or cordoned */
                if (d->nvidia_current_type == 0 && !vgpu_inventory_owner(st->ledger, true, d->name) &&
                    !vgpu_cordoned(st->config, d->name, *pf ? pf : NULL))
                        x->available++;
        }
}

static json_t *tallies_json(const struct tallies *ts)
{
        json_t *arr = json_array();

        for (size_t i = 0; arr && i < ts->n; i++) {
                const struct tally *x = &ts->t[i];
                /* a name that is not UTF-8 (garbage in sysfs) has no JSON string: null */
                json_t *name = json_string(x->name);
                json_t *o = json_pack("{s:s, s:o, s:I, s:I, s:I, s:I}", "kind", x->kind, "type_name",
                                      name ? name : json_null(), "devices", (json_int_t)x->devices, "in_use",
                                      (json_int_t)x->in_use, "available", (json_int_t)x->available, "total",
                                      (json_int_t)(x->in_use + x->available));

                if (!o || json_array_append_new(arr, o) < 0) {
                        json_decref(arr);
                        arr = NULL;
                }
        }
        return arr;
}

json_t *vgpu_inventory_totals(const struct vgpu_inventory_state *st)
{
        struct tallies ts = {0};
        json_t *j = NULL;

        tally_mdev(&ts, st);
        for (size_t i = 0; !ts.oom && i < st->host->n_pci; i++)
                if (st->host->pci[i].nvidia_vfio)
                        tally_nvidia_vf(&ts, st, &st->host->pci[i]);
        if (!ts.oom)
                j = tallies_json(&ts);
        free(ts.t);
        return j;
}
