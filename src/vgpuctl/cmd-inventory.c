/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vgpuctl inventory: the host's GPUs, VFs, mdev parents, types and instances. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vgpuctl.h"

static void print_num(long v, int width)
{
        if (v < 0)
                printf("%-*s", width, "-");
        else
                printf("%-*ld", width, v);
}

static const char *or_dash(const char *s)
{
        return s && *s ? s : "-";
}

static void print_ids(const struct vgpu_pci_dev *d)
{
        char ids[24];

        if (d->vendor < 0 || d->device < 0)
                snprintf(ids, sizeof(ids), "?");
        else
                snprintf(ids, sizeof(ids), "%04x:%04x", d->vendor, d->device);
        printf("%-11s", ids);
}

/* The SR-IOV / vendor-VFIO column of one PCI function. */
/* " (LABEL eth0, eth1)" */
static void print_netdevs(const char *label, char **names)
{
        for (char **n = names; n && *n; n++)
                printf("%s%s", n == names ? label : ", ", *n);
        if (names && *names)
                putchar(')');
}

static void print_role(const struct vgpu_host *host, const struct vgpu_pci_dev *d)
{
        const struct vgpu_pci_dev *physfn;
        char pf[VGPU_PCI_ADDR_STRLEN];

        if (d->sriov)
                printf("PF: %d of %d VFs, autoprobe %s", d->sriov->num_vfs, d->sriov->total_vfs,
                       d->sriov->autoprobe < 0 ? "?"
                       : d->sriov->autoprobe   ? "on"
                                               : "off");
        if (d->sriov)
                print_netdevs(" (netdev ", d->netdevs);
        if (d->is_vf) {
                vgpu_pci_addr_format(&d->physfn, pf);
                printf("VF of %s", pf);
                physfn = vgpu_host_find_pci(host, &d->physfn);
                print_netdevs(" (PF netdev ", physfn ? physfn->netdevs : NULL);
        }
        if (d->nvidia_vfio) {
                const char *cur = NULL;

                for (size_t i = 0; i < d->n_nvidia_types; i++)
                        if ((int)d->nvidia_types[i].id == d->nvidia_current_type)
                                cur = d->nvidia_types[i].name;
                if (d->nvidia_current_type > 0)
                        printf(", vGPU type %d%s%s%s", d->nvidia_current_type, cur ? " (" : "", cur ? cur : "",
                               cur ? ")" : "");
                else
                        printf(", vGPU type none, %zu creatable", d->n_nvidia_types);
        }
        putchar('\n');
}

static void print_pci(const struct vgpu_host *host)
{
        printf("PCI functions\n%-14s %-6s %-11s %-14s %-5s %-6s %s\n", "ADDRESS", "KIND", "ID", "DRIVER", "NUMA",
               "GROUP", "SR-IOV / vGPU");
        for (size_t i = 0; i < host->n_pci; i++) {
                const struct vgpu_pci_dev *d = &host->pci[i];

                if (!vgpu_host_pci_is_listed(host, d))
                        continue;
                printf("%-14s %-6s ", d->name, vgpu_pci_dev_kind(d));
                print_ids(d);
                printf(" %-14s ", or_dash(d->driver));
                print_num(d->numa_node, 5);
                putchar(' ');
                print_num(d->iommu_group, 6);
                putchar(' ');
                print_role(host, d);
        }
}

static void print_parents(const struct vgpu_host *host)
{
        printf("\nmdev parents and types\n%-14s %-14s %-5s %-18s %-22s %-9s %-9s %s\n", "PARENT", "PHYSICAL", "NUMA",
               "TYPE", "NAME", "API", "AVAILABLE", "IN USE");
        for (size_t i = 0; i < host->n_parents; i++) {
                const struct vgpu_mdev_parent *p = &host->parents[i];

                for (size_t t = 0; t < p->n_types; t++) {
                        printf("%-14s %-14s ", t ? "" : p->name, t ? "" : p->physical);
                        if (t)
                                printf("%-5s", "");
                        else
                                print_num(p->numa_node, 5);
                        printf(" %-18s %-22s %-9s ", p->types[t].id, or_dash(p->types[t].name),
                               or_dash(p->types[t].device_api));
                        print_num(p->types[t].available, 9);
                        printf(" %zu\n", p->types[t].n_instances);
                }
        }
}

static const char *owner_of(const struct vgpu_ledger *ledger, const char *uuid)
{
        const struct vgpu_lease *l = vgpu_ledger_find(ledger, VGPU_DEVICE_MDEV, uuid);

        return !l ? NULL : l->domain_name ? l->domain_name : l->domain_uuid;
}

static void print_mdevs(const struct vgpu_host *host, const struct vgpu_ledger *ledger)
{
        printf("\nmdev instances\n%-36s  %-14s %-18s %-6s %s\n", "UUID", "PARENT", "TYPE", "GROUP", "OWNER");
        for (size_t i = 0; i < host->n_mdevs; i++) {
                const struct vgpu_mdev *m = &host->mdevs[i];

                printf("%-36s  %-14s %-18s ", m->uuid, or_dash(m->parent), or_dash(m->type_id));
                print_num(m->iommu_group, 6);
                printf(" %s\n", or_dash(owner_of(ledger, m->uuid)));
        }
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

static int print_table(const struct vgpu_host *host, const struct vgpu_config *config, const struct vgpu_ledger *ledger)
{
        print_pci(host);
        print_parents(host);
        print_mdevs(host, ledger);
        print_cordoned(config);
        for (size_t i = 0; i < host->n_problems; i++)
                fprintf(stderr, "vgpuctl: warning: %s\n", host->problems[i]);
        return VGPUCTL_OK;
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
        r = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(j);
        if (r < 0 || putchar('\n') == EOF)
                return vgpuctl_fail("cannot write to standard output");
        return VGPUCTL_OK;
}

static void help(void)
{
        puts("Usage: vgpuctl inventory [--json] [--committed [-c URI]] [--root DIR]\n"
             "\n"
             "List GPUs, SR-IOV PFs and VFs, mdev parents with their types (available,\n"
             "in use) and mdev instances with their parent and type.\n"
             "\n"
             "  --json      machine-readable output (documented fields, schema_version)\n"
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
        }
}

int vgpuctl_inventory(const struct vgpuctl_ctx *gctx, int argc, char *argv[])
{
        static const struct option opts[] = {
                {"json", no_argument, NULL, 'j'},          {"committed", no_argument, NULL, 'C'},
                {"connect", required_argument, NULL, 'c'}, {"root", required_argument, NULL, 'r'},
                {"help", no_argument, NULL, 'h'},          {},
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
        for (size_t i = 0; i < n_why; i++)
                if (why[i] && !json)
                        fprintf(stderr, "vgpuctl: warning: %s\n", why[i]);
        r = json ? print_json(host, config, ledger, why, n_why) : print_table(host, config, ledger);
        for (size_t i = 0; i < n_why; i++)
                free(why[i]);
        vgpu_ledger_free(ledger);
        vgpu_config_free(config);
        vgpu_host_free(host);
        return r;
}
