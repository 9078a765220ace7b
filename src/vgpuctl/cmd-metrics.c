/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl metrics: the host in Prometheus text exposition format (0.0.4),
 * for node_exporter's textfile collector: capacity, use and availability
 * per mdev parent and type, leases by state, VFs, cordons.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpuctl.h"

/* A label value: backslash, quote and newline escaped; other control or non-ASCII bytes as '?'. */
static void put_label(const char *name, const char *value, bool first)
{
        printf("%s%s=\"", first ? "" : ",", name);
        for (const unsigned char *p = (const unsigned char *)(value ? value : ""); *p; p++) {
                if (*p == '\\' || *p == '"')
                        printf("\\%c", *p);
                else if (*p == '\n')
                        fputs("\\n", stdout);
                else
                        putchar(*p < 0x20 || *p >= 0x7f ? '?' : *p);
        }
        putchar('"');
}

static void header(const char *name, const char *help)
{
        printf("# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void type_sample(const char *metric, const struct vgpu_mdev_parent *p, const struct vgpu_mdev_type *t,
                        long value)
{
        printf("%s{", metric);
        put_label("parent", p->name, true);
        put_label("physical", p->physical, false);
        put_label("type", t->id, false);
        put_label("type_name", t->name ? t->name : t->id, false);
        printf("} %ld\n", value);
}

/* One metric over every parent's types; @which: 0 capacity, 1 in use, 2 available. */
static void print_types(const struct vgpu_host *host, const char *metric, const char *help, int which)
{
        header(metric, help);
        for (size_t i = 0; i < host->n_parents; i++) {
                const struct vgpu_mdev_parent *p = &host->parents[i];

                for (size_t k = 0; k < p->n_types; k++) {
                        const struct vgpu_mdev_type *t = &p->types[k];
                        long used = (long)t->n_instances;

                        if (which != 1 && t->available < 0)
                                continue; /* unknown: no sample rather than a made-up one */
                        type_sample(metric, p, t, which == 0 ? used + t->available : which == 1 ? used : t->available);
                }
        }
}

static void print_cordons(const struct vgpu_host *host, const struct vgpu_config *config)
{
        size_t n = 0;

        if (!config)
                return;
        header("vgpu_mdev_parent_cordoned", "1 when the parent or its GPU is cordoned (kept out of placement).");
        for (size_t i = 0; i < host->n_parents; i++) {
                const struct vgpu_mdev_parent *p = &host->parents[i];
                bool c = vgpu_config_is_cordoned(config, p->name) || vgpu_config_is_cordoned(config, p->physical);

                n += c;
                printf("vgpu_mdev_parent_cordoned{");
                put_label("parent", p->name, true);
                put_label("physical", p->physical, false);
                printf("} %d\n", c);
        }
        header("vgpu_cordoned_parents", "mdev parents kept out of placement.");
        printf("vgpu_cordoned_parents %zu\n", n);
        header("vgpu_cordoned_entries", "names in the configuration's cordoned list.");
        printf("vgpu_cordoned_entries %zu\n", config->n_cordoned);
}

static void print_leases(const struct vgpu_ledger *ledger)
{
        static const enum vgpu_lease_state states[] = {VGPU_LEASE_PENDING, VGPU_LEASE_PREPARED, VGPU_LEASE_ACTIVE,
                                                       VGPU_LEASE_RELEASING};

        if (!ledger)
                return;
        header("vgpu_leases", "leases in the ledger, by state.");
        for (size_t s = 0; s < sizeof(states) / sizeof(states[0]); s++) {
                size_t n = 0;

                for (size_t i = 0; i < ledger->n_leases; i++)
                        n += ledger->leases[i].state == states[s];
                printf("vgpu_leases{state=\"%s\"} %zu\n", vgpu_lease_state_name(states[s]), n);
        }
}

/* One sample per quarantined device: since when (Unix time); the count even when none. */
static void print_quarantine(const struct vgpu_ledger *ledger)
{
        if (!ledger)
                return;
        header("vgpu_quarantined_devices", "devices (mdev parents, VFs, GPUs) quarantined: kept out of placement.");
        printf("vgpu_quarantined_devices %zu\n", ledger->n_quarantined);
        header("vgpu_quarantined_since_seconds",
               "when the device was quarantined (Unix time); cause: not freed, or crashes.");
        for (size_t i = 0; i < ledger->n_quarantined; i++) {
                const struct vgpu_quarantine *q = &ledger->quarantined[i];

                printf("vgpu_quarantined_since_seconds{");
                put_label("device", q->device, true);
                put_label("cause", vgpu_quarantine_cause_name(q->cause), false);
                printf("} %lld\n", q->since);
        }
}

/* Leases on VFs of @pf, and its VFs holding a vendor-VFIO vGPU type. */
static void vf_use(const struct vgpu_host *host, const struct vgpu_ledger *ledger, const struct vgpu_pci_dev *pf,
                   size_t *leased, size_t *typed)
{
        *leased = *typed = 0;
        for (size_t i = 0; i < host->n_pci; i++) {
                const struct vgpu_pci_dev *d = &host->pci[i];

                if (!d->is_vf || vgpu_pci_addr_cmp(&d->physfn, &pf->addr) != 0)
                        continue;
                *typed += d->nvidia_vfio && d->nvidia_current_type > 0;
                *leased += vgpu_ledger_find(ledger, VGPU_DEVICE_VF, d->name) != NULL;
        }
}

static void pf_sample(const char *metric, const struct vgpu_pci_dev *pf, long value)
{
        printf("%s{", metric);
        put_label("pf", pf->name, true);
        printf("} %ld\n", value);
}

/* @which: 0 enabled, 1 most, 2 configured, 3 leased, 4 typed. */
static void print_vf_metric(const struct vgpuctl_state *st, const char *metric, const char *help, int which)
{
        header(metric, help);
        for (size_t i = 0; i < st->host->n_pci; i++) {
                const struct vgpu_pci_dev *pf = &st->host->pci[i];
                size_t leased, typed;

                if (!pf->sriov)
                        continue;
                vf_use(st->host, st->ledger, pf, &leased, &typed);
                if (which == 0 && pf->sriov->num_vfs >= 0)
                        pf_sample(metric, pf, pf->sriov->num_vfs);
                else if (which == 1 && pf->sriov->total_vfs >= 0)
                        pf_sample(metric, pf, pf->sriov->total_vfs);
                else if (which == 3 && st->ledger)
                        pf_sample(metric, pf, (long)leased);
                else if (which == 4)
                        pf_sample(metric, pf, (long)typed);
        }
        for (size_t i = 0; which == 2 && st->config && i < st->config->n_sriov_vfs; i++) {
                char pf[VGPU_PCI_ADDR_STRLEN];

                vgpu_pci_addr_format(&st->config->sriov_vfs[i].pf, pf);
                printf("%s{", metric);
                put_label("pf", pf, true);
                printf("} %u\n", st->config->sriov_vfs[i].num_vfs);
        }
}

static void print_vfs(const struct vgpuctl_state *st)
{
        print_vf_metric(st, "vgpu_sriov_vfs", "VFs enabled on an SR-IOV PF (sriov_numvfs).", 0);
        print_vf_metric(st, "vgpu_sriov_vfs_max", "VFs the PF can have (sriov_totalvfs).", 1);
        print_vf_metric(st, "vgpu_sriov_vfs_configured", "VF count vgpu-hook.conf sets at boot (sriov_vfs).", 2);
        print_vf_metric(st, "vgpu_sriov_vfs_leased", "VFs of the PF that a lease holds.", 3);
        print_vf_metric(st, "vgpu_nvidia_vfs_typed", "NVIDIA vendor-VFIO VFs of the PF holding a vGPU type.", 4);
}

static void print_all(const struct vgpuctl_state *st)
{
        print_types(st->host, "vgpu_mdev_capacity",
                    "mdev instances of a type a parent holds or can still create (in use plus available).", 0);
        print_types(st->host, "vgpu_mdev_in_use", "mdev instances of a type on a parent.", 1);
        print_types(st->host, "vgpu_mdev_available", "mdev instances of a type a parent can still create.", 2);
        print_cordons(st->host, st->config);
        print_leases(st->ledger);
        print_quarantine(st->ledger);
        print_vfs(st);
        header("vgpu_host_problems", "odd sysfs entries skipped or read as unknown (see vgpuctl inventory).");
        printf("vgpu_host_problems %zu\n", st->host->n_problems);
        header("vgpu_config_readable", "1 when vgpu-hook.conf (or its absence: defaults) could be read.");
        printf("vgpu_config_readable %d\n", st->config != NULL);
        header("vgpu_ledger_readable", "1 when the lease ledger could be read (0 too while it is damaged).");
        printf("vgpu_ledger_readable %d\n", st->ledger != NULL);
}

static const char usage[] = "Usage: vgpuctl metrics [--root DIR]\n"
                            "\n"
                            "Print the host in Prometheus text format, for node_exporter's textfile\n"
                            "collector: mdev capacity, use and availability per parent and type,\n"
                            "leases by state, VFs per PF, cordoned parents.  Exit 1 (after printing\n"
                            "what could be read) when the configuration or the ledger cannot be read.\n";

int vgpuctl_metrics(const struct vgpuctl_ctx *gctx, int argc, char *argv[])
{
        static const struct option opts[] = {
                {"root", required_argument, NULL, 'r'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        struct vgpuctl_ctx ctx = *gctx;
        struct vgpuctl_state st = {0};
        struct vgpu_error err = {0};
        char where[512];
        int c, r;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1)
                if ((r = vgpuctl_common_option(&ctx, c, usage)) != VGPUCTL_MORE)
                        return r;
        if (optind < argc)
                return vgpuctl_usage_error("metrics takes no arguments ('%s')", argv[optind]);
        if (vgpuctl_load_host(&ctx, &st.host) != VGPUCTL_OK)
                return VGPUCTL_FAILED;
        r = VGPUCTL_OK;
        /* what cannot be read is reported as a gauge too, so Prometheus sees it */
        if (vgpu_config_load(st.host->root, &st.config, &err) < 0) {
                st.config = NULL;
                r = vgpuctl_fail("%s", vgpu_error_format(&err, where, sizeof(where)));
        }
        memset(&err, 0, sizeof(err));
        if (vgpu_ledger_read(st.host->root, &st.ledger, &err) < 0) {
                st.ledger = NULL;
                r = vgpuctl_fail("%s", vgpu_error_format(&err, where, sizeof(where)));
        } else if (st.ledger->damage[0]) {
                /* Read as empty, but the leases are not known: not readable, until it is rebuilt. */
                r = vgpuctl_fail("%s: damaged (%s): the next hook or 'vgpuctl reconcile' rebuilds it", VGPU_LEDGER_FILE,
                                 st.ledger->damage);
                vgpu_ledger_free(st.ledger);
                st.ledger = NULL;
        }
        print_all(&st);
        if (fflush(stdout) != 0 || ferror(stdout))
                r = vgpuctl_fail("cannot write to standard output");
        vgpuctl_state_clear(&st);
        return r;
}
