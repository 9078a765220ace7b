/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * migrate begin, restore begin: filters.  Is every device the XML names
 * usable here?  Where one is not, rewrite only its host-side source (a
 * taken mdev UUID, a VF in use) so that libvirt's ABI check still passes;
 * refuse a move that cannot work.  Writes nothing and takes no lease.
 */
#ifndef MIGRATE_H
#define MIGRATE_H

#include "hook.h"

/* One parent and type this domain will create an instance of. */
struct move_use {
        const struct vgpu_mdev_parent *parent;
        const struct vgpu_mdev_type *type;
};

struct move {
        struct hook *h;
        struct vgpu_host *host;
        struct vgpu_ledger *ledger;  /* read without the lock: nothing is written */
        struct vgpu_domain_doc *doc; /* made at the first rewrite */
        /* mdev UUIDs and PCI devices this domain gets here, so far */
        size_t n_uuids;
        char (*uuids)[VGPU_UUID_STRLEN];
        size_t n_addrs;
        struct vgpu_pci_addr *addrs;
        /* instances this domain will create here, per parent and type: room counted once */
        size_t n_uses;
        struct move_use *uses;
};

/* The document to rewrite, parsed at first need; NULL after a sentence. */
struct vgpu_domain_doc *move_doc(struct move *m);

/* Check (and if need be rename) the mdev of @spec; 0, or 1 after a sentence. */
int move_mdev(struct move *m, const struct vgpu_spec *spec);

/* Check (and if need be move) the VF or GPU of @spec; 0, or 1 after a sentence. */
int move_pci(struct move *m, const struct vgpu_spec *spec);

#endif
