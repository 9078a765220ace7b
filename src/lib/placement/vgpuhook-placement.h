/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpuhook: choosing where an mdev goes (docs/design.md §6), shared by the hook
 * and `vgpuctl plan`, and which VF or GPU a VF or passthrough profile gets
 * (`vgpuctl render`, `attach`).  Included by vgpuhook.h.
 */
#ifndef VGPUHOOK_PLACEMENT_H
#define VGPUHOOK_PLACEMENT_H

#include "host/vgpuhook-host.h"
#include "domain/vgpuhook-domain.h"
#include "config/vgpuhook-config.h"

/* Why a candidate cannot take the device (VGPU_FIT_OK: it can). */
enum vgpu_fit {
        VGPU_FIT_OK,
        VGPU_FIT_PINNED_ELSEWHERE, /* the request names another parent */
        VGPU_FIT_FILTERED,         /* the profile's addresses / ids exclude it */
        VGPU_FIT_CORDONED,
        VGPU_FIT_TYPE_ABSENT, /* the parent does not offer the type */
        VGPU_FIT_OTHER_TYPE,  /* NVIDIA: another type lives on that GPU */
        VGPU_FIT_SAME_VM_GPU, /* NVIDIA: this VM has a vGPU on that GPU already */
        VGPU_FIT_NUMA,        /* strict NUMA, other node */
        VGPU_FIT_FULL,        /* no instance available (pending leases counted) */
        /* PCI devices (VFs, vendor-VFIO VFs, whole GPUs): vgpu_place_pci() */
        VGPU_FIT_LEASED,      /* a lease of another domain holds it */
        VGPU_FIT_NAMED,       /* a defined domain names it in a <hostdev> */
        VGPU_FIT_IN_USE,      /* NVIDIA: the VF has a vGPU type already */
        VGPU_FIT_QUARANTINED, /* the parent or device is quarantined (ledger/quarantine.c) */
};

struct vgpu_candidate {
        const struct vgpu_mdev_parent *parent;
        const struct vgpu_mdev_type *type; /* NULL when absent */
        enum vgpu_fit fit;
        char detail[160]; /* e.g. "holds GRID T4-1Q for domain web1" */
        int free;         /* available_instances less pending reservations */
        bool numa_preferred;
        int gpu_used; /* instances on the same physical GPU */
};

struct vgpu_mdev_request {
        const char *type_name;              /* match the type's sysfs name, or */
        const char *type_id;                /* its id */
        const char *parent;                 /* pinned parent, or NULL */
        const struct vgpu_profile *profile; /* filters, policy, NUMA; may be NULL */
        /* physical GPUs this VM already got in this request batch */
        size_t n_taken;
        const char *const *taken_physical;
};

struct vgpu_placement {
        size_t n;
        struct vgpu_candidate *candidates; /* usable ones first, in order of preference */
        size_t n_usable;
};

/*
 * Rank every mdev parent for @req: usable ones first (NUMA preference, then
 * the policy — pack fills the most used physical GPU first, spread the
 * least used — then PCI address), then the others with the reason.  @ledger
 * (may be NULL) adds pending reservations; @domain (may be NULL) gives NUMA
 * hints; @config (may be NULL) the cordons.  Free with vgpu_placement_free().
 */
int vgpu_place_mdev(const struct vgpu_host *host, const struct vgpu_config *config, const struct vgpu_ledger *ledger,
                    const struct vgpu_domain *domain, const struct vgpu_mdev_request *req, struct vgpu_placement **ret);
void vgpu_placement_free(struct vgpu_placement *placement);
/* Does any parent offer the requested type, with room or not?  (A type= that names none may be a type id.) */
bool vgpu_placement_offered(const struct vgpu_placement *placement);

/* A PCI device that could serve a VF or passthrough profile. */
struct vgpu_pci_candidate {
        const struct vgpu_pci_dev *dev;
        enum vgpu_fit fit;
        char detail[160]; /* e.g. "leased to domain web1" */
        bool numa_preferred;
        int pf_used; /* devices of the same PF (or the device itself) already taken */
};

struct vgpu_pci_request {
        const struct vgpu_profile *profile; /* VGPU_PROFILE_SRIOV_VF, _NVIDIA_VFIO or _PASSTHROUGH */
        /* devices that defined domains name (libvirt's view: vgpuctl reads it) */
        size_t n_named;
        const struct vgpu_pci_addr *named;
};

struct vgpu_pci_placement {
        size_t n;
        struct vgpu_pci_candidate *candidates; /* usable ones first, in order of preference */
        size_t n_usable;
};

/*
 * Rank every PCI device that @req->profile may give a VM: the VFs of its
 * PFs (sriov_vf), the VFs that can take its vendor-VFIO type
 * (nvidia_vgpu_type), or its GPUs (passthrough: the listed ones, else every
 * GPU that is no VF and passes the filters).  Usable ones first (NUMA
 * preference, then the policy over PFs — pack takes VFs of the busiest PF —
 * then address), then the others with the reason: filtered, cordoned,
 * type absent, leased, named by a defined domain, in use, wrong NUMA node.
 * -EINVAL for an mdev profile.  Free with vgpu_pci_placement_free().
 */
int vgpu_place_pci(const struct vgpu_host *host, const struct vgpu_config *config, const struct vgpu_ledger *ledger,
                   const struct vgpu_domain *domain, const struct vgpu_pci_request *req,
                   struct vgpu_pci_placement **ret);
void vgpu_pci_placement_free(struct vgpu_pci_placement *placement);

/*
 * May @prof give a VM @dev at all: a VF of one of its PFs (sriov_vf), a
 * vendor-VFIO VF (nvidia_vgpu_type), one of its GPUs (passthrough), passing
 * its filters?  Says nothing of whether @dev is free now (vgpu_place_pci()
 * ranks those; to move a domain to "a free VF of the same profile", take
 * its first usable candidate).
 */
bool vgpu_profile_serves_pci(const struct vgpu_host *host, const struct vgpu_profile *prof,
                             const struct vgpu_pci_dev *dev);

/* ---- what the hook refuses before it looks at devices (domain-check.c) ---- */

/* Does a <hostdev> use the device the metadata entry @s names?  Else -EINVAL and the sentence in @err. */
int vgpu_domain_check_spec(const struct vgpu_domain *domain, const struct vgpu_spec *s, struct vgpu_error *err);

/*
 * The profile @s names, loaded into *@ret, when it exists and is of the
 * kind @s needs (NULL when @s names a type, which @config's profiles_only
 * refuses); else -errno and the sentence in @err.
 */
int vgpu_spec_profile(const struct vgpu_root *root, const struct vgpu_config *config, const struct vgpu_spec *s,
                      struct vgpu_profile **ret, struct vgpu_error *err);

/*
 * Both, for every metadata entry of @domain: what `vgpuctl render` and
 * `attach` check before writing a definition the hook would refuse.
 */
int vgpu_domain_check(const struct vgpu_root *root, const struct vgpu_config *config, const struct vgpu_domain *domain,
                      struct vgpu_error *err);

/*
 * Why @placement (made for @req) found no usable parent, and what to do, as
 * one clause with no trailing period: room that a restriction hides (a
 * parent with free instances the profile's addresses or PCI ids leave out,
 * or that is cordoned) first; else the pinned @req->parent, missing or
 * refused for its own reason; else another NVIDIA type; else a lack of
 * room.  Returns the fit that decided: VGPU_FIT_FULL when capacity really
 * is exhausted, VGPU_FIT_TYPE_ABSENT when no parent offers the type,
 * VGPU_FIT_PINNED_ELSEWHERE when the pinned parent is not one here.
 */
enum vgpu_fit vgpu_placement_why(const struct vgpu_placement *placement, const struct vgpu_mdev_request *req, char *buf,
                                 size_t size);

/* A short phrase for @fit: "no instance available", … */
const char *vgpu_fit_reason(enum vgpu_fit fit);

#endif
