/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl: one device of a profile into a domain XML, for render and attach.
 * mdevs get the domain's next name-based UUID (docs/design.md §3.1) and are placed by
 * the hook at start; VFs and GPUs must be named now, so one is picked that
 * no domain known to libvirt names and no lease holds.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpuctl.h"

void vgpuctl_adder_clear(struct vgpuctl_adder *a)
{
        if (a->own_virt && a->virt) {
                vgpuctl_virt_close(a->virt);
                free(a->virt);
        }
        free(a->named);
        a->virt = NULL;
        a->named = NULL;
        a->n_named = 0;
}

/* The device API of the type on this host ("vfio-pci", "vfio-ccw", …): libvirt's model. */
static const char *model_of(const struct vgpuctl_state *st, const struct vgpu_profile *prof)
{
        struct vgpu_mdev_request req = vgpuctl_mdev_request(prof);

        for (size_t i = 0; i < st->host->n_parents; i++)
                for (size_t j = 0; j < st->host->parents[i].n_types; j++) {
                        const struct vgpu_mdev_type *t = &st->host->parents[i].types[j];

                        if ((req.type_name ? t->name && strcmp(t->name, req.type_name) == 0
                                           : strcmp(t->id, req.type_id) == 0) &&
                            t->device_api)
                                return t->device_api;
                }
        return NULL;
}

static int add_mdev(struct vgpuctl_adder *a, struct vgpu_domain_doc *doc, const struct vgpu_profile *prof,
                    const struct vgpu_domain *dom, FILE *report)
{
        const char *model = model_of(a->st, prof);
        char uuid[VGPU_UUID_STRLEN];

        if (!model) {
                /* the VM may be defined on a host other than the one that runs it */
                fprintf(stderr, "vgpuctl: warning: no parent here offers %s; writing model='vfio-pci'\n",
                        prof->mdev_type_name ? prof->mdev_type_name : prof->mdev_type_id);
                model = "vfio-pci";
        }
        if (vgpu_mdev_uuid_for(dom->uuid, vgpu_domain_next_mdev_index(dom), uuid) < 0 ||
            vgpu_domain_doc_add_mdev(doc, uuid, prof->name, model) < 0)
                return vgpuctl_fail("out of memory");
        if (report)
                fprintf(report, "added mdev %s (profile %s, model %s)\n", uuid, prof->name, model);
        return VGPUCTL_OK;
}

int vgpuctl_adder_load_named(struct vgpuctl_adder *a)
{
        int r;

        if (a->named_loaded)
                return VGPUCTL_OK;
        if (!a->virt) {
                a->virt = calloc(1, sizeof(*a->virt));
                if (!a->virt)
                        return vgpuctl_fail("out of memory");
                a->own_virt = true;
                r = vgpuctl_virt_open(a->ctx, a->virt);
                if (r != VGPUCTL_OK)
                        return r;
        }
        r = vgpuctl_virt_named_pci(a->virt, &a->named, &a->n_named);
        a->named_loaded = r == VGPUCTL_OK;
        return r;
}

static int remember(struct vgpuctl_adder *a, const struct vgpu_pci_addr *addr)
{
        struct vgpu_pci_addr *grown = realloc(a->named, (a->n_named + 1) * sizeof(*grown));

        if (!grown)
                return -ENOMEM;
        grown[a->n_named++] = *addr;
        a->named = grown;
        return 0;
}

/* Why nothing fits, from the first refused candidates: one sentence. */
static int none_free(const struct vgpu_profile *prof, const struct vgpu_pci_placement *pl)
{
        char why[400] = "";
        size_t o = 0;

        for (size_t i = 0; i < pl->n && i < 4 && o < sizeof(why); i++)
                o += (size_t)snprintf(why + o, sizeof(why) - o, "%s%s: %s%s%s", i ? "; " : "",
                                      pl->candidates[i].dev->name, vgpu_fit_reason(pl->candidates[i].fit),
                                      *pl->candidates[i].detail ? " " : "", pl->candidates[i].detail);
        return vgpuctl_fail("profile %s: no free device (%s)", prof->name, pl->n ? why : "none on this host");
}

int vgpuctl_pick_pci(struct vgpuctl_adder *a, const struct vgpu_profile *prof, const struct vgpu_domain *dom,
                     struct vgpu_pci_addr *ret)
{
        struct vgpu_pci_request req = {.profile = prof};
        struct vgpu_pci_placement *pl = NULL;
        int r = vgpuctl_adder_load_named(a);

        if (r != VGPUCTL_OK)
                return r;
        for (size_t i = 0; i < dom->n_hostdevs; i++) /* the domain's own devices are taken too */
                if (dom->hostdevs[i].kind == VGPU_HOSTDEV_PCI && remember(a, &dom->hostdevs[i].addr) < 0)
                        return vgpuctl_fail("out of memory");
        req.named = a->named;
        req.n_named = a->n_named;
        if (vgpu_place_pci(a->st->host, a->st->config, a->st->ledger, dom, &req, &pl) < 0)
                return vgpuctl_fail("out of memory");
        if (!pl->n_usable) {
                r = none_free(prof, pl);
                vgpu_pci_placement_free(pl);
                return r;
        }
        *ret = pl->candidates[0].dev->addr;
        vgpu_pci_placement_free(pl);
        return remember(a, ret) < 0 ? vgpuctl_fail("out of memory") : VGPUCTL_OK;
}

static int add_pci(struct vgpuctl_adder *a, struct vgpu_domain_doc *doc, const struct vgpu_profile *prof,
                   const struct vgpu_domain *dom, FILE *report)
{
        enum vgpu_spec_kind kind = prof->kind == VGPU_PROFILE_PASSTHROUGH ? VGPU_SPEC_PCI : VGPU_SPEC_VF;
        /* NVIDIA vendor VFIO: managed='yes' would rebind the VF to vfio-pci and lose its vGPU type */
        bool managed = prof->kind != VGPU_PROFILE_NVIDIA_VFIO;
        struct vgpu_pci_addr addr;
        char name[VGPU_PCI_ADDR_STRLEN];
        int r = vgpuctl_pick_pci(a, prof, dom, &addr);

        if (r != VGPUCTL_OK)
                return r;
        if (vgpu_domain_doc_add_pci(doc, kind, &addr, prof->name, managed) < 0 ||
            (prof->driver && vgpu_domain_doc_set_pci_driver(doc, &addr, prof->driver) < 0))
                return vgpuctl_fail("out of memory");
        vgpu_pci_addr_format(&addr, name);
        if (report)
                fprintf(report, "added %s %s (profile %s, managed=%s%s%s)\n", kind == VGPU_SPEC_VF ? "vf" : "pci", name,
                        prof->name, managed ? "yes" : "no", prof->driver ? ", driver " : "",
                        prof->driver ? prof->driver : "");
        return VGPUCTL_OK;
}

int vgpuctl_add_profile(struct vgpuctl_adder *a, struct vgpu_domain_doc *doc, const char *name, FILE *report)
{
        struct vgpu_profile *prof = NULL;
        struct vgpu_domain *dom = NULL;
        int r = vgpuctl_profile_load(a->st, name, &prof);

        if (r == VGPUCTL_OK)
                r = vgpuctl_domain_of_doc(doc, &dom);
        if (r == VGPUCTL_OK)
                r = prof->kind == VGPU_PROFILE_MDEV ? add_mdev(a, doc, prof, dom, report)
                                                    : add_pci(a, doc, prof, dom, report);
        vgpu_domain_free(dom);
        vgpu_profile_free(prof);
        return r;
}
