/* SPDX-License-Identifier: GPL-2.0-or-later */
/* prepare: the devices one domain needs, and how each is to be had. */
#ifndef PREPARE_H
#define PREPARE_H

#include "hook.h"

struct item {
        enum vgpu_device_kind kind;
        char device[VGPU_UUID_STRLEN]; /* the ledger's key: the mdev UUID, or the PCI address */
        char uuid[VGPU_UUID_STRLEN];   /* mdev */
        /* VF, PCI: the address, its hostdev and the device on p->host */
        struct vgpu_pci_addr addr;
        const struct vgpu_hostdev *hostdev;
        bool nvidia;                  /* vendor VFIO: the hook sets (and clears) its vGPU type */
        const struct vgpu_spec *spec; /* NULL: an mdev hostdev without metadata */
        struct vgpu_profile *profile; /* owned */
        struct vgpu_mdevctl_def *def; /* owned: an mdevctl definition to start */
        struct vgpu_mdev_request req;
        const struct vgpu_mdev_attr *attrs;
        size_t n_attrs;
        bool present;                     /* exists: used as it is */
        bool created;                     /* made by this run */
        bool owned;                       /* the lease says we remove it at release */
        struct vgpu_placement *placement; /* when it must be created */
        char parent[128];                 /* where it is / goes; a VF's PF; "" for a whole GPU */
        char type[128];                   /* its type id; a VF's vendor-VFIO type name, or "" */
        char type_name[128];
};

struct prep {
        struct hook *h;
        struct vgpu_host *host;
        struct vgpu_host *partial; /* read first without some parents; kept for what points into it */
        struct vgpu_claim *claim;  /* the items' leases, once reserved */
        size_t n_items;
        struct item *items;
        const char **taken; /* physical GPUs given to this domain so far */
        size_t n_taken;
};

/* Build the items from the domain's metadata and mdev hostdevs; fails with a sentence. */
int prep_collect(struct prep *p);

/* Read the host under the lock: only the parents the items' profiles can use, when they all list addresses. */
int prep_load_host(struct prep *p);

/* Decide for each item: present, to create (with its placement), or refuse. */
int prep_resolve(struct prep *p, const struct vgpu_ledger *ledger);

/* The VF or whole GPU @s names (collect step): its hostdev and profile; fails with a sentence. */
int prep_collect_pci(struct prep *p, const struct vgpu_spec *s, struct item *it);

/* Resolve a VF or whole GPU: free, viable, managed as it must be; fails with a sentence. */
int prep_resolve_pci(struct prep *p, const struct vgpu_ledger *ledger, struct item *it);

/* "VF" or "GPU" (<vgpu:pci> may also name another whole device, but GPUs are what it is for). */
const char *prep_pci_what(const struct item *it);

void prep_clear(struct prep *p);

#endif
