/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl start DOMAIN: repair the definition, then start.  The hook cannot
 * rewrite XML at start (docs/design.md §2.3), so what it would refuse is fixed here
 * first: a VF or GPU that another domain holds (or that this host lacks) is
 * swapped for a free one of the same profile, and a clone's mdevs, whose
 * UUIDs its source holds, get the clone's own name-based UUIDs.  Every
 * change is one line on stdout; the definition is stored, then started.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpuctl-libvirt.h"
#include "vgpuctl.h"

static const char usage[] = "Usage: vgpuctl start DOMAIN [--dry-run] [--root DIR] [-c URI]\n"
                            "\n"
                            "Start DOMAIN after repairing its definition: a VF or GPU that another\n"
                            "domain holds, or that this host lacks, is replaced by a free one of the\n"
                            "same profile; mdevs whose UUIDs another domain holds (a clone keeps its\n"
                            "source's) get fresh name-based UUIDs.  One line per change; --dry-run\n"
                            "prints them and changes nothing.\n";

/* What the other domains known to libvirt hold. */
struct others {
        struct vgpu_domain **defined; /* every other domain (definition, or live XML if transient) */
        size_t n_defined;
        struct vgpu_domain **running; /* the live XML of the other running ones */
        size_t n_running;
};

struct repair {
        const struct vgpuctl_ctx *ctx;
        struct vgpuctl_virt virt;
        const char *domain;
        bool dry_run;
        struct vgpuctl_state st;
        struct vgpu_domain_doc *doc;
        struct vgpu_domain *dom; /* the definition as it was */
        struct others o;
        int changes;
};

static size_t strv_len(char **v)
{
        size_t n = 0;

        while (v[n])
                n++;
        return n;
}

static void domains_free(struct vgpu_domain **doms, size_t n)
{
        for (size_t i = 0; i < n; i++)
                vgpu_domain_free(doms[i]);
        free(doms);
}

/* The domains in state @which, except the one being repaired. */
static int load_others(struct repair *rp, int which, struct vgpu_domain ***ret, size_t *ret_n)
{
        _cleanup_strv_ char **xmls = NULL;
        char msg[512];
        size_t n = 0;
        int r = which ? rp->virt.ops->list_xml(rp->virt.conn, which, &xmls, msg, sizeof(msg))
                      : rp->virt.ops->all_xml(rp->virt.conn, &xmls, msg, sizeof(msg));
        struct vgpu_domain **doms;

        if (r < 0)
                return vgpuctl_fail("cannot list libvirt's domains: %s", msg);
        doms = calloc(strv_len(xmls) + 1, sizeof(*doms));
        if (!doms)
                return vgpuctl_fail("out of memory");
        for (char **x = xmls; r == VGPUCTL_OK && *x; x++) {
                r = vgpuctl_domain_of(*x, strlen(*x), &doms[n]);
                if (r == VGPUCTL_OK && strcmp(doms[n]->uuid, rp->dom->uuid) == 0)
                        vgpu_domain_free(doms[n]);
                else if (r == VGPUCTL_OK)
                        n++;
        }
        if (r != VGPUCTL_OK) {
                domains_free(doms, n);
                return r;
        }
        *ret = doms;
        *ret_n = n;
        return VGPUCTL_OK;
}

/* A lease of another domain on the device: "leased to domain X", into @why. */
static bool leased_elsewhere(const struct repair *rp, enum vgpu_device_kind kind, const char *device, char *why,
                             size_t size)
{
        const struct vgpu_lease *l = vgpu_ledger_find(rp->st.ledger, kind, device);

        if (!l || strcmp(l->domain_uuid, rp->dom->uuid) == 0)
                return false;
        snprintf(why, size, "leased to domain %.64s", l->domain_name ? l->domain_name : l->domain_uuid);
        return true;
}

/* Does another domain hold mdev @uuid?  A clone's source does: its UUIDs are name-based on the source. */
static bool mdev_held(const struct repair *rp, const char *uuid, char *why, size_t size)
{
        if (leased_elsewhere(rp, VGPU_DEVICE_MDEV, uuid, why, size))
                return true;
        /* the domain the UUID derives from owns it; a copy elsewhere is the clone's problem, not ours */
        if (vgpu_domain_derives_mdev(rp->dom, uuid))
                return false;
        for (size_t i = 0; i < rp->o.n_defined; i++)
                if (vgpu_domain_names_mdev(rp->o.defined[i], uuid)) {
                        snprintf(why, size, "named by domain %.64s", rp->o.defined[i]->name);
                        return true;
                }
        return false;
}

/* What the hook would refuse on the device itself, with the same advice: run 'vgpuctl start'. */
static bool pci_busy(const struct repair *rp, const struct vgpu_pci_dev *dev, char *why, size_t size)
{
        const struct vgpu_lease *own = vgpu_ledger_find(rp->st.ledger, VGPU_DEVICE_VF, dev->name);
        const struct vgpu_mdev *m = vgpu_host_mdev_on(rp->st.host, dev);

        if (dev->iommu_group >= 0 && vgpu_vfio_group_busy(rp->st.root, dev->iommu_group) > 0)
                snprintf(why, size, "in use by a VM: IOMMU group %d is open", dev->iommu_group);
        else if (m)
                snprintf(why, size, "serves vGPUs: mdev %s", m->uuid);
        else if (dev->nvidia_vfio && dev->nvidia_current_type != 0 &&
                 !(own && own->created && strcmp(own->domain_uuid, rp->dom->uuid) == 0))
                snprintf(why, size, "has vGPU type %d, not this domain's", dev->nvidia_current_type);
        else
                return false;
        return true;
}

static bool pci_held(const struct repair *rp, const struct vgpu_spec *s, char *why, size_t size)
{
        const struct vgpu_pci_dev *dev = vgpu_host_find_pci(rp->st.host, &s->addr);
        char name[VGPU_PCI_ADDR_STRLEN];

        vgpu_pci_addr_format(&s->addr, name);
        if (!dev) {
                snprintf(why, size, "not on this host");
                return true;
        }
        if (leased_elsewhere(rp, s->kind == VGPU_SPEC_VF ? VGPU_DEVICE_VF : VGPU_DEVICE_PCI, name, why, size))
                return true;
        for (size_t i = 0; i < rp->o.n_running; i++)
                if (vgpu_domain_names_pci(rp->o.running[i], &s->addr)) {
                        snprintf(why, size, "used by running domain %.64s", rp->o.running[i]->name);
                        return true;
                }
        return pci_busy(rp, dev, why, size);
}

/* The definition as edited so far, parsed again: the next free index sees the renames. */
static int fresh_mdev(struct repair *rp, const struct vgpu_spec *s, const char *why)
{
        struct vgpu_domain *now = NULL;
        char uuid[VGPU_UUID_STRLEN];
        int r = vgpuctl_domain_of_doc(rp->doc, &now);

        if (r != VGPUCTL_OK)
                return r;
        for (unsigned i = vgpu_domain_next_mdev_index(now);; i++) {
                bool taken = false;

                vgpu_mdev_uuid_for(now->uuid, i, uuid);
                for (size_t j = 0; j < rp->o.n_defined && !taken; j++)
                        taken = vgpu_domain_names_mdev(rp->o.defined[j], uuid);
                if (!taken && !vgpu_domain_find_mdev(now, uuid))
                        break;
        }
        vgpu_domain_free(now);
        if (vgpu_domain_doc_rename_mdev(rp->doc, s->uuid, uuid) < 0)
                return vgpuctl_fail("out of memory");
        printf("%s: mdev %s -> %s (%s)\n", rp->domain, s->uuid, uuid, why);
        rp->changes++;
        return VGPUCTL_OK;
}

static int fresh_pci(struct repair *rp, struct vgpuctl_adder *a, const struct vgpu_spec *s, const char *why)
{
        struct vgpu_profile *prof = NULL;
        struct vgpu_pci_addr to;
        char from_name[VGPU_PCI_ADDR_STRLEN], to_name[VGPU_PCI_ADDR_STRLEN];
        int r = vgpuctl_profile_load(&rp->st, s->profile, &prof);

        vgpu_pci_addr_format(&s->addr, from_name);
        if (r == VGPUCTL_OK && prof->kind == VGPU_PROFILE_MDEV)
                r = vgpuctl_fail("%s %s: profile %s is an mdev profile", s->kind == VGPU_SPEC_VF ? "vf" : "pci",
                                 from_name, prof->name);
        if (r == VGPUCTL_OK)
                r = vgpuctl_pick_pci(a, prof, rp->dom, &to);
        if (r == VGPUCTL_OK && vgpu_domain_doc_move_pci(rp->doc, &s->addr, &to) < 0)
                r = vgpuctl_fail("out of memory");
        if (r == VGPUCTL_OK) {
                vgpu_pci_addr_format(&to, to_name);
                printf("%s: %s %s -> %s (%s)\n", rp->domain, s->kind == VGPU_SPEC_VF ? "vf" : "pci", from_name, to_name,
                       why);
                rp->changes++;
        }
        vgpu_profile_free(prof);
        return r;
}

static int repair_all(struct repair *rp)
{
        struct vgpuctl_adder a = {.ctx = rp->ctx, .st = &rp->st, .virt = &rp->virt};
        char why[128];
        int r = VGPUCTL_OK;

        for (size_t i = 0; r == VGPUCTL_OK && i < rp->dom->n_specs; i++) {
                const struct vgpu_spec *s = &rp->dom->specs[i];

                if (s->kind == VGPU_SPEC_MDEV && mdev_held(rp, s->uuid, why, sizeof(why)))
                        r = fresh_mdev(rp, s, why);
                else if (s->kind != VGPU_SPEC_MDEV && !s->profile && pci_held(rp, s, why, sizeof(why)))
                        r = vgpuctl_fail("%s: a %s without a profile is %s: nothing to pick from", rp->domain,
                                         s->kind == VGPU_SPEC_VF ? "VF" : "GPU", why);
                else if (s->kind != VGPU_SPEC_MDEV && pci_held(rp, s, why, sizeof(why)))
                        r = fresh_pci(rp, &a, s, why);
        }
        vgpuctl_adder_clear(&a);
        return r;
}

static int load(struct repair *rp)
{
        _cleanup_free_ char *xml = NULL;
        struct vgpu_error err = {0};
        char msg[512], where[512];
        bool active = false;
        int r = rp->virt.ops->get_config(rp->virt.conn, rp->domain, &xml, &active, msg, sizeof(msg));

        if (r == -ENOENT)
                return vgpuctl_fail("no domain '%s' at %s", rp->domain,
                                    rp->ctx->uri ? rp->ctx->uri : "libvirt's default URI");
        if (r < 0)
                return vgpuctl_fail("cannot read the definition of '%s': %s", rp->domain, msg);
        if (active)
                return vgpuctl_fail("domain '%s' is running already", rp->domain);
        if (vgpu_domain_doc_parse(xml, strlen(xml), &rp->doc, &err) < 0)
                return vgpuctl_fail("the definition of '%s': %s", rp->domain,
                                    vgpu_error_format(&err, where, sizeof(where)));
        r = vgpuctl_domain_of_doc(rp->doc, &rp->dom);
        if (r == VGPUCTL_OK)
                r = vgpuctl_state_load(rp->ctx, &rp->st);
        if (r == VGPUCTL_OK)
                r = load_others(rp, 0, &rp->o.defined, &rp->o.n_defined);
        if (r == VGPUCTL_OK)
                r = load_others(rp, VGPUCTL_LV_RUNNING, &rp->o.running, &rp->o.n_running);
        return r;
}

static int store_and_start(struct repair *rp)
{
        _cleanup_free_ char *xml = NULL;
        char msg[512];

        if (rp->changes && vgpu_domain_doc_format(rp->doc, &xml) < 0)
                return vgpuctl_fail("out of memory");
        if (rp->changes && rp->virt.ops->define(rp->virt.conn, xml, msg, sizeof(msg)) < 0)
                return vgpuctl_fail("libvirt refused the repaired definition of '%s': %s", rp->domain, msg);
        if (rp->virt.ops->start(rp->virt.conn, rp->domain, msg, sizeof(msg)) < 0)
                return vgpuctl_fail("cannot start '%s'%s: %s", rp->domain,
                                    rp->changes ? " (its repaired definition is stored)" : "", msg);
        printf("%s: started\n", rp->domain);
        return VGPUCTL_OK;
}

static int start(const struct vgpuctl_ctx *ctx, const char *domain, bool dry_run)
{
        struct repair rp = {.ctx = ctx, .domain = domain, .dry_run = dry_run};
        int r = vgpuctl_virt_open(ctx, &rp.virt);

        if (r == VGPUCTL_OK)
                r = load(&rp);
        if (r == VGPUCTL_OK)
                r = repair_all(&rp);
        if (r == VGPUCTL_OK && dry_run && !rp.changes)
                printf("%s: nothing to repair\n", domain);
        if (r == VGPUCTL_OK && !dry_run)
                r = store_and_start(&rp);
        domains_free(rp.o.defined, rp.o.n_defined);
        domains_free(rp.o.running, rp.o.n_running);
        vgpu_domain_free(rp.dom);
        vgpu_domain_doc_free(rp.doc);
        vgpuctl_state_clear(&rp.st);
        vgpuctl_virt_close(&rp.virt);
        return r;
}

int vgpuctl_start(const struct vgpuctl_ctx *gctx, int argc, char *argv[])
{
        static const struct option opts[] = {
                {"dry-run", no_argument, NULL, 'n'},
                {"root", required_argument, NULL, 'r'},
                {"connect", required_argument, NULL, 'c'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        struct vgpuctl_ctx ctx = *gctx;
        bool dry_run = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
                if (c == 'n')
                        dry_run = true;
                else if ((r = vgpuctl_common_option(&ctx, c, usage)) != VGPUCTL_MORE)
                        return r;
        }
        if (argc - optind != 1)
                return vgpuctl_usage_error("start takes one DOMAIN (a name or UUID)");
        return start(&ctx, argv[optind], dry_run);
}
