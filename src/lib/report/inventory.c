/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The inventory JSON: what a cloud platform syncs from a node.  Field names
 * and meanings are documented in docs/vgpuctl.md; bump
 * VGPU_INVENTORY_SCHEMA_VERSION whenever a field is added, changed or removed
 * (docs/vgpuctl.md).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

/* Unknown (-1) becomes null, as docs/vgpuctl.md promises. */
static json_t *int_or_null(long v)
{
        return v < 0 ? json_null() : json_integer(v);
}

static json_t *str_or_null(const char *s)
{
        /* Bytes that are not UTF-8 (garbage in a sysfs attribute) have no JSON string. */
        json_t *j = s ? json_string(s) : NULL;

        return j ? j : json_null();
}

static json_t *hex_or_null(long v, int digits)
{
        char buf[24];

        if (v < 0)
                return json_null();
        snprintf(buf, sizeof(buf), "0x%0*lx", digits, v);
        return json_string(buf);
}

static json_t *addr_json(const struct vgpu_pci_addr *addr)
{
        char buf[VGPU_PCI_ADDR_STRLEN];

        vgpu_pci_addr_format(addr, buf);
        return json_string(buf);
}

static json_t *sriov_json(const struct vgpu_sriov *s)
{
        json_t *vfs = json_array();

        for (size_t i = 0; vfs && i < s->n_vfs; i++)
                json_array_append_new(vfs, addr_json(&s->vfs[i]));
        return json_pack("{s:o, s:o, s:o, s:o}", "total_vfs", int_or_null(s->total_vfs), "num_vfs",
                         int_or_null(s->num_vfs), "drivers_autoprobe",
                         s->autoprobe < 0 ? json_null() : json_boolean(s->autoprobe), "vfs", vfs);
}

static json_t *nvidia_json(const struct vgpu_pci_dev *dev)
{
        json_t *types = json_array();

        for (size_t i = 0; types && i < dev->n_nvidia_types; i++)
                json_array_append_new(types, json_pack("{s:i, s:s}", "id", (json_int_t)dev->nvidia_types[i].id, "name",
                                                       dev->nvidia_types[i].name));
        return json_pack("{s:o, s:o}", "current_type", int_or_null(dev->nvidia_current_type), "creatable_types", types);
}

static json_t *names_json(char **names)
{
        json_t *a = json_array();

        for (char **n = names; a && n && *n; n++)
                if (json_array_append_new(a, json_string(*n)) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

/* A VF's PF's interfaces: how a NIC VF is told apart, and named. */
static json_t *pf_netdevs_json(const struct vgpu_host *host, const struct vgpu_pci_dev *d)
{
        const struct vgpu_pci_dev *pf = d->is_vf ? vgpu_host_find_pci(host, &d->physfn) : NULL;

        if (!d->is_vf)
                return json_null();
        return names_json(pf ? pf->netdevs : NULL);
}

/* Who holds a device, by its lease: the ledger is how the tool knows. */
static json_t *owner_json(const struct vgpu_inventory_state *st, bool pci, const char *device)
{
        const struct vgpu_lease *l = vgpu_inventory_owner(st->ledger, pci, device);

        if (!l)
                return json_null();
        return json_pack("{s:s, s:o, s:s}", "domain_uuid", l->domain_uuid, "domain_name", str_or_null(l->domain_name),
                         "state", vgpu_lease_state_name(l->state));
}

/* null when the configuration could not be read: unknown, not "no". */
static json_t *cordon_json(const struct vgpu_inventory_state *st, const char *name, const char *physical)
{
        return st->config ? json_boolean(vgpu_cordoned(st->config, name, physical)) : json_null();
}

static json_t *pci_json(const struct vgpu_inventory_state *st, const struct vgpu_pci_dev *d)
{
        char pf[VGPU_PCI_ADDR_STRLEN] = "";
        json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "address", d->name,
                              "kind", vgpu_pci_dev_kind(d), "vendor", hex_or_null(d->vendor, 4), "device",
                              hex_or_null(d->device, 4), "model", str_or_null(d->model), "subsystem_vendor",
                              hex_or_null(d->subsystem_vendor, 4), "subsystem_device",
                              hex_or_null(d->subsystem_device, 4), "class", hex_or_null(d->class_code, 6), "driver",
                              str_or_null(d->driver), "driver_override", str_or_null(d->driver_override), "iommu_group",
                              int_or_null(d->iommu_group), "numa_node", int_or_null(d->numa_node));

        if (!o)
                return NULL;
        json_object_set_new(o, "physfn", d->is_vf ? addr_json(&d->physfn) : json_null());
        json_object_set_new(o, "sriov", d->sriov ? sriov_json(d->sriov) : json_null());
        json_object_set_new(o, "nvidia_vfio", d->nvidia_vfio ? nvidia_json(d) : json_null());
        json_object_set_new(o, "vfio_variant", str_or_null(d->vfio_variant));
        if (json_object_set_new(o, "netdevs", names_json(d->netdevs)) < 0 ||
            json_object_set_new(o, "pf_netdevs", pf_netdevs_json(st->host, d)) < 0) {
                json_decref(o);
                return NULL;
        }
        if (d->is_vf)
                vgpu_pci_addr_format(&d->physfn, pf);
        json_object_set_new(o, "cordoned", cordon_json(st, d->name, *pf ? pf : NULL));
        json_object_set_new(o, "owner", owner_json(st, true, d->name));
        return o;
}

static json_t *type_json(const struct vgpu_mdev_type *t)
{
        /* What a platform calls the total: in use plus what the driver still offers. */
        long total = t->available < 0 ? -1 : t->available + (long)t->n_instances;

        return json_pack("{s:s, s:o, s:o, s:o, s:o, s:i, s:o}", "id", t->id, "name", str_or_null(t->name),
                         "description", str_or_null(t->description), "device_api", str_or_null(t->device_api),
                         "available_instances", int_or_null(t->available), "instances", (json_int_t)t->n_instances,
                         "total", int_or_null(total));
}

static json_t *parent_json(const struct vgpu_inventory_state *st, const struct vgpu_mdev_parent *p)
{
        json_t *types = json_array();

        for (size_t i = 0; types && i < p->n_types; i++)
                json_array_append_new(types, type_json(&p->types[i]));
        return json_pack("{s:s, s:b, s:s, s:o, s:o, s:o}", "name", p->name, "pci", p->is_pci, "physical_device",
                         p->physical, "numa_node", int_or_null(p->numa_node), "cordoned",
                         cordon_json(st, p->name, p->physical), "types", types);
}

static const char *type_name(const struct vgpu_host *host, const struct vgpu_mdev *m)
{
        const struct vgpu_mdev_type *t = vgpu_host_find_type(host, m->parent, m->type_id);

        return t ? t->name : NULL;
}

static json_t *mdev_json(const struct vgpu_inventory_state *st, const struct vgpu_mdev *m)
{
        return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "uuid", m->uuid, "parent", str_or_null(m->parent), "type",
                         str_or_null(m->type_id), "type_name", str_or_null(type_name(st->host, m)), "iommu_group",
                         int_or_null(m->iommu_group), "owner", owner_json(st, false, m->uuid));
}

static json_t *group_json(const struct vgpu_iommu_group *g)
{
        json_t *devs = json_array();

        for (size_t i = 0; devs && i < g->n_devices; i++)
                json_array_append_new(devs, json_string(g->devices[i]));
        return json_pack("{s:i, s:o}", "id", (json_int_t)g->id, "devices", devs);
}

static json_t *node_json(const struct vgpu_numa_node *n)
{
        return json_pack("{s:i, s:o}", "id", (json_int_t)n->id, "cpus", str_or_null(n->cpulist));
}

/* Append each element's JSON; any NULL (ENOMEM) poisons the result. */
#define APPEND_ALL(arr, n, expr)                                   \
        for (size_t i_ = 0; (arr) && i_ < (n); i_++) {             \
                json_t *e_ = (expr);                               \
                if (!e_ || json_array_append_new((arr), e_) < 0) { \
                        json_decref(arr);                          \
                        (arr) = NULL;                              \
                }                                                  \
        }

json_t *vgpu_inventory_json(const struct vgpu_host *host, const struct vgpu_config *config,
                            const struct vgpu_ledger *ledger)
{
        const struct vgpu_inventory_state st = {host, config, ledger};
        json_t *pci = json_array(), *parents = json_array(), *mdevs = json_array();
        json_t *groups = json_array(), *nodes = json_array(), *problems = json_array();

        for (size_t i = 0; pci && i < host->n_pci; i++) {
                if (!vgpu_host_pci_is_listed(host, &host->pci[i]))
                        continue;
                if (json_array_append_new(pci, pci_json(&st, &host->pci[i])) < 0) {
                        json_decref(pci);
                        pci = NULL;
                }
        }
        APPEND_ALL(parents, host->n_parents, parent_json(&st, &host->parents[i_]));
        APPEND_ALL(mdevs, host->n_mdevs, mdev_json(&st, &host->mdevs[i_]));
        APPEND_ALL(groups, host->n_groups, group_json(&host->groups[i_]));
        APPEND_ALL(nodes, host->n_nodes, node_json(&host->nodes[i_]));
        APPEND_ALL(problems, host->n_problems, json_string(host->problems[i_]));
        return json_pack("{s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "schema_version",
                         (json_int_t)VGPU_INVENTORY_SCHEMA_VERSION, "pci_devices", pci, "mdev_parents", parents,
                         "mdevs", mdevs, "totals", vgpu_inventory_totals(&st), "iommu_groups", groups, "numa_nodes",
                         nodes, "problems", problems, "release_history", vgpu_history_json(ledger), "quarantine",
                         vgpu_quarantine_json(ledger), "nvidia_gpus", vgpu_inventory_nvidia_json(host));
}
