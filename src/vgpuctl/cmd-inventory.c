/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vgpuctl inventory: the host's GPUs, VFs, mdev parents, types and instances. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vgpuctl.h"

static const char *num(long v, char *buf, size_t size)
{
        if (v < 0)
                return "-";
        snprintf(buf, size, "%ld", v);
        return buf;
}

static const char *or_dash(const char *s)
{
        return s && *s ? s : "-";
}

static const char *ids_of(const struct vgpu_pci_dev *d, char *buf, size_t size)
{
        if (d->vendor < 0 || d->device < 0)
                return "?";
        snprintf(buf, size, "%04x:%04x", d->vendor, d->device);
        return buf;
}

/* " (LABEL eth0, eth1)" appended at @o of @buf */
static size_t add_netdevs(char *buf, size_t size, size_t o, const char *label, char **names)
{
        for (char **n = names; n && *n && o < size; n++)
                o += (size_t)snprintf(buf + o, size - o, "%s%s", n == names ? label : ", ", *n);
        if (names && *names && o < size)
                o += (size_t)snprintf(buf + o, size - o, ")");
        return o;
}

/* The SR-IOV / vendor-VFIO column of one PCI function. */
static const char *role_of(const struct vgpu_host *host, const struct vgpu_pci_dev *d, char *buf, size_t size)
{
        const struct vgpu_pci_dev *physfn;
        char pf[VGPU_PCI_ADDR_STRLEN];
        size_t o = 0;

        buf[0] = '\0';
        if (d->sriov) {
                o += (size_t)snprintf(buf, size, "PF: %d of %d VFs, autoprobe %s", d->sriov->num_vfs,
                                      d->sriov->total_vfs,
                                      d->sriov->autoprobe < 0 ? "?"
                                      : d->sriov->autoprobe   ? "on"
                                                              : "off");
                o = add_netdevs(buf, size, o, " (netdev ", d->netdevs);
        }
        if (d->is_vf && o < size) {
                vgpu_pci_addr_format(&d->physfn, pf);
                o += (size_t)snprintf(buf + o, size - o, "VF of %s", pf);
                physfn = vgpu_host_find_pci(host, &d->physfn);
                o = add_netdevs(buf, size, o, " (PF netdev ", physfn ? physfn->netdevs : NULL);
        }
        if (d->nvidia_vfio && o < size) {
                const char *cur = NULL;

                for (size_t i = 0; i < d->n_nvidia_types; i++)
                        if ((int)d->nvidia_types[i].id == d->nvidia_current_type)
                                cur = d->nvidia_types[i].name;
                if (d->nvidia_current_type > 0)
                        snprintf(buf + o, size - o, ", vGPU type %d%s%s%s", d->nvidia_current_type, cur ? " (" : "",
                                 cur ? cur : "", cur ? ")" : "");
                else
                        snprintf(buf + o, size - o, ", vGPU type none, %zu creatable", d->n_nvidia_types);
        }
        return buf;
}

static int print_pci(const struct vgpu_host *host, bool wide)
{
        static const struct vgpuctl_col cols[] = {
                {"ADDRESS", 13, 0},      {"KIND", 5, 0},
                {"MODEL", 9, 0},         {"ID", 9, VGPUCTL_COL_WIDE},
                {"DRIVER", 8, 0},        {"VFIO", 8, VGPUCTL_COL_WIDE},
                {"NUMA", 4, 0},          {"GROUP", 5, 0},
                {"SR-IOV / vGPU", 0, 0},
        };
        _cleanup_table_ struct vgpuctl_table *t = vgpuctl_table_new(cols, ARRAY_SIZE(cols));

        for (size_t i = 0; i < host->n_pci; i++) {
                const struct vgpu_pci_dev *d = &host->pci[i];
                char model[128], ids[24], node[16], group[16], role[512];

                if (!vgpu_host_pci_is_listed(host, d))
                        continue;
                vgpuctl_table_add(t, d->name, vgpu_pci_dev_kind(d), vgpu_pci_dev_model_short(d, model, sizeof(model)),
                                  ids_of(d, ids, sizeof(ids)), or_dash(d->driver), or_dash(d->vfio_variant),
                                  num(d->numa_node, node, sizeof(node)), num(d->iommu_group, group, sizeof(group)),
                                  role_of(host, d, role, sizeof(role)));
        }
        puts("PCI functions");
        return t ? vgpuctl_table_print(t, "", wide) : vgpuctl_fail("out of memory");
}

static int print_parents(const struct vgpu_host *host, bool wide)
{
        static const struct vgpuctl_col cols[] = {
                {"PARENT", 13, 0}, {"PHYSICAL", 13, 0}, {"NUMA", 4, 0},      {"TYPE", 0, 0},
                {"NAME", 0, 0},    {"API", 0, 0},       {"AVAILABLE", 0, 0}, {"IN USE", 0, 0},
        };
        _cleanup_table_ struct vgpuctl_table *t = vgpuctl_table_new(cols, ARRAY_SIZE(cols));

        for (size_t i = 0; i < host->n_parents; i++) {
                const struct vgpu_mdev_parent *p = &host->parents[i];

                for (size_t k = 0; k < p->n_types; k++) {
                        const struct vgpu_mdev_type *ty = &p->types[k];
                        char node[16], avail[16], used[16];

                        snprintf(used, sizeof(used), "%zu", ty->n_instances);
                        vgpuctl_table_add(t, k ? " " : p->name, k ? " " : p->physical,
                                          k ? " " : num(p->numa_node, node, sizeof(node)), ty->id, or_dash(ty->name),
                                          or_dash(ty->device_api), num(ty->available, avail, sizeof(avail)), used);
                }
        }
        puts("\nmdev parents and types");
        return t ? vgpuctl_table_print(t, "", wide) : vgpuctl_fail("out of memory");
}

static const char *owner_of(const struct vgpu_ledger *ledger, const char *uuid)
{
        const struct vgpu_lease *l = vgpu_ledger_find(ledger, VGPU_DEVICE_MDEV, uuid);

        return !l ? NULL : l->domain_name ? l->domain_name : l->domain_uuid;
}

static int print_mdevs(const struct vgpu_host *host, const struct vgpu_ledger *ledger, bool wide)
{
        static const struct vgpuctl_col cols[] = {
                {"UUID", 36, 0}, {"PARENT", 13, 0}, {"TYPE", 0, 0}, {"GROUP", 0, 0}, {"OWNER", 0, 0},
        };
        _cleanup_table_ struct vgpuctl_table *t = vgpuctl_table_new(cols, ARRAY_SIZE(cols));

        for (size_t i = 0; i < host->n_mdevs; i++) {
                const struct vgpu_mdev *m = &host->mdevs[i];
                char group[16];

                vgpuctl_table_add(t, m->uuid, m->parent, m->type_id, num(m->iommu_group, group, sizeof(group)),
                                  owner_of(ledger, m->uuid));
        }
        puts("\nmdev instances");
        return t ? vgpuctl_table_print(t, "", wide) : vgpuctl_fail("out of memory");
}

static void print_cordoned(const struct vgpu_config *config)
{
        if (!config || !config->n_cordoned)
                return;
        fputs("\ncordoned (kept out of placement):", stdout);
        for (size_t i = 0; i < config->n_cordoned; i++)
                printf(" %s", config->cordoned[i]);
        putchar('\n');
}

static void print_quarantine(const struct vgpu_ledger *ledger)
{
        char why[512];

        if (!ledger || !ledger->n_quarantined)
                return;
        puts("\nquarantined (kept out of placement; see 'vgpuctl quarantine'):");
        for (size_t i = 0; i < ledger->n_quarantined; i++)
                printf("  %s quarantined %s\n", ledger->quarantined[i].device,
                       vgpu_quarantine_describe(&ledger->quarantined[i], why, sizeof(why)));
}

static int print_table(const struct vgpu_host *host, const struct vgpu_config *config, const struct vgpu_ledger *ledger,
                       bool wide)
{
        int r = print_pci(host, wide);

        if (r == VGPUCTL_OK)
                r = vgpuctl_print_nvidia_modes(host, wide);
        if (r == VGPUCTL_OK)
                r = print_parents(host, wide);
        if (r == VGPUCTL_OK)
                r = print_mdevs(host, ledger, wide);
        print_cordoned(config);
        print_quarantine(ledger);
        for (size_t i = 0; i < host->n_problems; i++)
                fprintf(stderr, "vgpuctl: warning: %s\n", host->problems[i]);
        return r;
}

static int print_json(const struct vgpu_host *host, const struct vgpu_config *config, const struct vgpu_ledger *ledger,
                      char **extra, size_t n_extra)
{
        json_t *j = vgpu_inventory_json(host, config, ledger);
        json_t *problems = json_object_get(j, "problems");
        int r;

        if (!j)
                return vgpuctl_fail("out of memory");
        for (size_t i = 0; i < n_extra; i++)
                json_array_append_new(problems, json_string(extra[i]));
        r = vgpuctl_json_print(j);
        json_decref(j);
        if (r < 0)
                return vgpuctl_fail("cannot write to standard output");
        return VGPUCTL_OK;
}

static void help(void)
{
        puts("Usage: vgpuctl inventory [--json] [--committed [-c URI]] [--wide] [--root DIR]\n"
             "\n"
             "List GPUs, SR-IOV PFs and VFs, mdev parents with their types (available,\n"
             "in use) and mdev instances with their parent and type.\n"
             "\n"
             "  --json      machine-readable output (documented fields, schema_version)\n"
             "  --wide      every column (the PCI IDs, the VFIO driver libvirt would bind),\n"
             "              lines not wrapped to 100 columns\n"
             "  --committed per profile, the devices that defined but stopped domains\n"
             "              would need against what this host can give now (libvirt)\n"
             "  --root DIR  read the host below DIR instead of /");
}

/*
 * Cordons and owners come from the configuration and the ledger; one that
 * cannot be read leaves them unknown (a warning, and a problem in the JSON)
 * but never hides the devices.
 */
static void load_extras(const struct vgpu_host *host, struct vgpu_config **config, struct vgpu_ledger **ledger,
                        char **why, size_t *n_why)
{
        struct vgpu_error err = {0};
        char buf[512];

        if (vgpu_config_load(host->root, config, &err) < 0) {
                *config = NULL;
                why[(*n_why)++] = strdup(vgpu_error_format(&err, buf, sizeof(buf)));
        }
        memset(&err, 0, sizeof(err));
        if (vgpu_ledger_read(host->root, ledger, &err) < 0) {
                *ledger = NULL;
                why[(*n_why)++] = strdup(vgpu_error_format(&err, buf, sizeof(buf)));
        } else if ((*ledger)->damage[0]) {
                snprintf(buf, sizeof(buf),
                         "%s: damaged (%s): owners unknown until the next hook or 'vgpuctl reconcile' rebuilds it",
                         VGPU_LEDGER_FILE, (*ledger)->damage);
                why[(*n_why)++] = strdup(buf);
        }
}

int vgpuctl_inventory(const struct vgpuctl_ctx *gctx, int argc, char *argv[])
{
        static const struct option opts[] = {
                {"json", no_argument, NULL, 'j'},
                {"committed", no_argument, NULL, 'C'},
                {"connect", required_argument, NULL, 'c'},
                {"root", required_argument, NULL, 'r'},
                {"wide", no_argument, NULL, 'W'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        struct vgpuctl_ctx ctx = *gctx;
        struct vgpu_config *config = NULL;
        struct vgpu_ledger *ledger = NULL;
        struct vgpu_host *host;
        char *why[2] = {NULL, NULL};
        size_t n_why = 0;
        bool json = false, committed = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
                switch (c) {
                case 'j':
                        json = true;
                        break;
                case 'C':
                        committed = true;
                        break;
                case 'c':
                        ctx.uri = optarg;
                        break;
                case 'r':
                        ctx.root = optarg;
                        break;
                case 'W':
                        ctx.wide = true;
                        break;
                case 'h':
                        help();
                        return VGPUCTL_OK;
                default:
                        return VGPUCTL_USAGE;
                }
        }
        if (optind < argc)
                return vgpuctl_usage_error("inventory takes no arguments ('%s')", argv[optind]);
        if (committed)
                return vgpuctl_inventory_committed(&ctx, json);
        r = vgpuctl_load_host(&ctx, &host);
        if (r != VGPUCTL_OK)
                return r;
        load_extras(host, &config, &ledger, why, &n_why);
        vgpu_host_load_models(host);
        for (size_t i = 0; i < n_why; i++)
                if (why[i] && !json)
                        fprintf(stderr, "vgpuctl: warning: %s\n", why[i]);
        if (vgpu_host_load_vfio_variants(host) < 0)
                r = vgpuctl_fail("out of memory");
        else
                r = json ? print_json(host, config, ledger, why, n_why) : print_table(host, config, ledger, ctx.wide);
        for (size_t i = 0; i < n_why; i++)
                free(why[i]);
        vgpu_ledger_free(ledger);
        vgpu_config_free(config);
        vgpu_host_free(host);
        return r;
}
