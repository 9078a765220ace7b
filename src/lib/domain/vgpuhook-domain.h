/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpuhook: what the hook and vgpuctl read from a libvirt domain XML —
 * the hostdevs, our metadata and the NUMA hints.  Included by vgpuhook.h.
 */
#ifndef VGPUHOOK_DOMAIN_H
#define VGPUHOOK_DOMAIN_H

#include "base/vgpuhook-base.h"

/* The metadata namespace; bump the version segment on incompatible change. */
#define VGPU_XMLNS        "http://vgpu-hook.org/xmlns/domain/1.0"
#define VGPU_XMLNS_PREFIX "vgpu"

/* Domain XML we read is capped: libvirt's are a few KiB. */
#define VGPU_DOMAIN_XML_MAX (4u << 20)

enum vgpu_hostdev_kind {
        VGPU_HOSTDEV_MDEV,
        VGPU_HOSTDEV_PCI,
};

/* A <hostdev mode='subsystem'> of type mdev or pci. */
struct vgpu_hostdev {
        enum vgpu_hostdev_kind kind;
        char uuid[VGPU_UUID_STRLEN]; /* mdev */
        char *model;                 /* mdev: "vfio-pci", "vfio-ccw", … */
        struct vgpu_pci_addr addr;   /* pci */
        bool managed;                /* pci: managed='yes' */
        char *driver_model;          /* pci: <driver model=…> ("vfio-pci", "mlx5_vfio_pci"); NULL: libvirt's choice */
        int line;                    /* in the XML, for messages */
};

enum vgpu_spec_kind {
        VGPU_SPEC_MDEV, /* <vgpu:mdev uuid= (profile= | type= [parent=])> */
        VGPU_SPEC_VF,   /* <vgpu:vf address= profile=> */
        VGPU_SPEC_PCI,  /* <vgpu:pci address= profile=> */
};

/* One device our metadata asks for. */
struct vgpu_spec {
        enum vgpu_spec_kind kind;
        char uuid[VGPU_UUID_STRLEN]; /* mdev */
        struct vgpu_pci_addr addr;   /* vf, pci */
        char *profile;               /* NULL when type is given */
        char *type;                  /* mdev type (sysfs name or id) */
        char *parent;                /* pinned parent, or NULL */
        int line;
};

enum vgpu_numa_mode {
        VGPU_NUMA_NONE,      /* no <numatune><memory> */
        VGPU_NUMA_STRICT,    /* also when mode is absent */
        VGPU_NUMA_PREFERRED, /* preferred, interleave, restrictive */
};

struct vgpu_domain {
        char *name;
        char uuid[VGPU_UUID_STRLEN];
        size_t n_hostdevs;
        struct vgpu_hostdev *hostdevs;
        size_t n_specs;
        struct vgpu_spec *specs;
        enum vgpu_numa_mode numa_mode;
        char *numa_nodeset; /* <numatune><memory nodeset>, as a plain list ("^N" applied) */
        char *vcpu_cpuset;  /* union of <vcpupin cpuset> and <vcpu cpuset> (plain lists), or NULL */
};

/*
 * Cheap test, without parsing, that @xml may concern us: an mdev hostdev or
 * our namespace.  False means "plain VM" for sure; true means parse it.
 */
bool vgpu_domain_xml_maybe_ours(const char *xml, size_t len);

/*
 * Parse a domain XML safely: no network, no DOCTYPE (so no entity of any
 * kind), at most VGPU_DOMAIN_XML_MAX bytes.  Malformed XML, a bad UUID or
 * PCI address, an unknown element in our namespace: -EINVAL with the line
 * in @err.  Free the result with vgpu_domain_free().
 */
int vgpu_domain_parse(const char *xml, size_t len, struct vgpu_domain **ret_domain, struct vgpu_error *err);
void vgpu_domain_free(struct vgpu_domain *domain);

/* A profile name: [a-z0-9][a-z0-9._-]*, at most 64 characters. */
bool vgpu_profile_name_valid(const char *name);

/* ---- questions about a domain (domain-query.c) ---------------------------- */

/* The domain's mdev hostdev for @uuid (lower case, as read), or NULL. */
const struct vgpu_hostdev *vgpu_domain_find_mdev(const struct vgpu_domain *domain, const char *uuid);

/* The domain's PCI hostdev for @addr, or NULL. */
const struct vgpu_hostdev *vgpu_domain_find_pci(const struct vgpu_domain *domain, const struct vgpu_pci_addr *addr);

/*
 * What our metadata asks for mdev @uuid (<vgpu:mdev>), or when @uuid is NULL
 * for PCI device @addr (<vgpu:vf>, <vgpu:pci>); NULL if it does not name it.
 */
const struct vgpu_spec *vgpu_domain_find_spec(const struct vgpu_domain *domain, const char *uuid,
                                              const struct vgpu_pci_addr *addr);

/* Does the domain name mdev @uuid, in a hostdev or in our metadata? */
bool vgpu_domain_names_mdev(const struct vgpu_domain *domain, const char *uuid);

/* Does the domain name PCI device @addr, in a hostdev or in our metadata? */
bool vgpu_domain_names_pci(const struct vgpu_domain *domain, const struct vgpu_pci_addr *addr);

/* Does our metadata ask for a VF or a whole GPU (anything but mdevs)? */
bool vgpu_domain_wants_pci(const struct vgpu_domain *domain);

/*
 * Is @uuid one vgpuctl derives from the domain's UUID
 * (vgpu_mdev_uuid_for(@domain->uuid, i) for an i up to 16 past its hostdev
 * count), so that the domain owns it wherever else it is named?
 */
bool vgpu_domain_derives_mdev(const struct vgpu_domain *domain, const char *uuid);

/*
 * The first index i for which vgpu_mdev_uuid_for(@domain->uuid, i) is not
 * named by @domain (hostdev or metadata): where vgpuctl's next mdev goes.
 */
unsigned vgpu_domain_next_mdev_index(const struct vgpu_domain *domain);

/* ---- editing a domain XML (domxml-edit.c) -------------------------------- */

/*
 * A domain XML being edited by vgpuctl (render, attach/detach --config):
 * parsed as safely as vgpu_domain_parse() parses, and written back
 * re-indented, without an XML declaration, as virsh dumpxml shows it.
 * Our devices live in one <vgpu:devices> element of <metadata>: libvirt
 * keeps one element per namespace, so new ones join the existing element.
 */
struct vgpu_domain_doc;

/* Parse @xml: 0 and a new document (vgpu_domain_doc_free()), or -EINVAL with the line in @err. */
int vgpu_domain_doc_parse(const char *xml, size_t len, struct vgpu_domain_doc **ret_doc, struct vgpu_error *err);
void vgpu_domain_doc_free(struct vgpu_domain_doc *doc);

/*
 * The document as vgpu_domain_parse() reads it, edits and all, without
 * formatting it again: an error names the line of the text it was parsed
 * from (0 for an element added since).  0 and a new domain
 * (vgpu_domain_free()), or -EINVAL with the line in @err, -ENOMEM.
 */
int vgpu_domain_doc_domain(const struct vgpu_domain_doc *doc, struct vgpu_domain **ret_domain, struct vgpu_error *err);

/*
 * The domain's UUID into @ret, lower case.  A domain without <uuid> gets a
 * fresh random one first (returns 1 then, else 0); a malformed one is
 * -EINVAL.
 */
int vgpu_domain_doc_ensure_uuid(struct vgpu_domain_doc *doc, char ret[VGPU_UUID_STRLEN]);

/* The document as text: its length and a new string in *ret (free()). */
int vgpu_domain_doc_format(const struct vgpu_domain_doc *doc, char **ret);

/*
 * Add mdev @uuid: <vgpu:mdev uuid= profile=> in the metadata and a
 * <hostdev mode='subsystem' type='mdev' model=@model> (display='off' for
 * vfio-pci, the only model with a display).  0 or -ENOMEM.
 */
int vgpu_domain_doc_add_mdev(struct vgpu_domain_doc *doc, const char *uuid, const char *profile, const char *model);

/*
 * Add a PCI device: <vgpu:vf> (@kind VGPU_SPEC_VF) or <vgpu:pci>
 * (VGPU_SPEC_PCI) with address= and profile=, and a <hostdev type='pci'>
 * with managed='yes' or 'no'.  0, -EINVAL for VGPU_SPEC_MDEV, or -ENOMEM.
 */
int vgpu_domain_doc_add_pci(struct vgpu_domain_doc *doc, enum vgpu_spec_kind kind, const struct vgpu_pci_addr *addr,
                            const char *profile, bool managed);

/*
 * Make PCI device @addr's <hostdev> name its driver: <driver model=@model/>
 * (libvirt >= 10.0 binds that VFIO driver instead of picking one from the
 * kernel's modules.alias), replacing one it named.  Returns how many
 * hostdevs got it, -ENOENT when none names @addr, -EINVAL for a @model that
 * is no module name (vgpu_kmod_name_valid()), -ENOMEM.
 */
int vgpu_domain_doc_set_pci_driver(struct vgpu_domain_doc *doc, const struct vgpu_pci_addr *addr, const char *model);

/*
 * Remove mdev @uuid: its hostdev and its <vgpu:mdev>; an emptied
 * <vgpu:devices> goes too.  Returns how many elements went (0: none named it).
 */
int vgpu_domain_doc_remove_mdev(struct vgpu_domain_doc *doc, const char *uuid);

/* The same for the PCI device @addr (<hostdev type='pci'>, <vgpu:vf>, <vgpu:pci>). */
int vgpu_domain_doc_remove_pci(struct vgpu_domain_doc *doc, const struct vgpu_pci_addr *addr);

/*
 * Migration and restore filters: give mdev @uuid the UUID @new_uuid, in its
 * hostdev's <source><address uuid=> and its <vgpu:mdev uuid=> alike; nothing
 * else of the hostdev changes (libvirt's ABI check).  Returns how many
 * elements changed (0: none named it), -EINVAL for a bad UUID, -ENOMEM.
 */
int vgpu_domain_doc_rename_mdev(struct vgpu_domain_doc *doc, const char *uuid, const char *new_uuid);

/* The same for PCI device @addr: its hostdev's source address and its <vgpu:vf>/<vgpu:pci> become @new_addr. */
int vgpu_domain_doc_move_pci(struct vgpu_domain_doc *doc, const struct vgpu_pci_addr *addr,
                             const struct vgpu_pci_addr *new_addr);

/*
 * Make vGPU @uuid the domain's console: display='on' (QEMU shows what it
 * draws in the <graphics>) and ramfb='on' (a boot framebuffer before the
 * guest driver loads).  Returns 1 if the domain has a <graphics> device, 0
 * if not; -EEXIST if another hostdev has display='on' (one per domain);
 * -ENOENT if no vfio-pci mdev hostdev names @uuid; -EINVAL; -ENOMEM.
 */
int vgpu_domain_doc_set_console(struct vgpu_domain_doc *doc, const char *uuid);

/*
 * The <hostdev> of mdev @uuid, or when @uuid is NULL of PCI device @addr: its
 * XML in *ret_xml and its <alias name> (in a live XML) in *ret_alias, NULL if
 * it has none; both free().  -ENOENT if no hostdev names it, -EINVAL for a
 * malformed @uuid, -ENOMEM.
 */
int vgpu_domain_doc_hostdev(const struct vgpu_domain_doc *doc, const char *uuid, const struct vgpu_pci_addr *addr,
                            char **ret_xml, char **ret_alias);

/* ---- libvirt node devices (nodedev.c) ------------------------------------- */

/* One mdev type a node device offers (<capability type='mdev_types'><type>). */
struct vgpu_nodedev_type {
        char *id;      /* "nvidia-224" */
        char *name;    /* "GRID T4-4Q"; NULL when libvirt shows none */
        int available; /* availableInstances, -1 unknown */
};

/*
 * What `vgpuctl migrate-check` reads of another host's node device, from
 * its libvirt (virNodeDeviceGetXMLDesc): mdev types and room, an mdev's
 * UUID, a PF's VF count, a VF's PF.
 */
struct vgpu_nodedev {
        char *name; /* libvirt's, e.g. "pci_0000_3b_00_0" */
        size_t n_types;
        struct vgpu_nodedev_type *types;
        char uuid[VGPU_UUID_STRLEN]; /* an mdev's; "" for other devices */
        bool is_pci;
        struct vgpu_pci_addr addr; /* when is_pci */
        int vendor;                /* PCI vendor id, -1 unknown */
        size_t n_vfs;              /* a PF's VFs (<capability type='virt_functions'>) */
        bool is_vf;
        struct vgpu_pci_addr physfn; /* when is_vf */
};

/*
 * Parse one <device> as safely as vgpu_domain_parse() parses.  Returns 0 and
 * a new device (vgpu_nodedev_free()), or -EINVAL with why in @err.
 */
int vgpu_nodedev_parse(const char *xml, size_t len, struct vgpu_nodedev **ret, struct vgpu_error *err);
void vgpu_nodedev_free(struct vgpu_nodedev *dev);

#endif
