/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpuhook: the host model, a read-only snapshot of the host's GPUs, VFs
 * and mdevs, and the VFIO busy probe.  Included by vgpuhook.h.
 */
#ifndef VGPUHOOK_HOST_H
#define VGPUHOOK_HOST_H

#include "base/vgpuhook-base.h"

/* ---- NVIDIA vendor VFIO (host/nvidia.c) ---------------------------------- */

struct vgpu_nvidia_type {
        unsigned id;
        char *name; /* e.g. "NVIDIA L40-4Q" */
};

/*
 * Parse the text of nvidia/creatable_vgpu_types: an optional header line,
 * then rows "ID : NAME" or "NAME ID" (published examples show both).  Returns the number of rows, the array in
 * *ret_types (free with vgpu_nvidia_types_free()); a malformed row is -EINVAL with its position in
 * @err.  An empty list (nothing creatable now) is valid.
 */
int vgpu_nvidia_types_parse(const char *text, const char *source, struct vgpu_nvidia_type **ret_types,
                            struct vgpu_error *err);
void vgpu_nvidia_types_free(struct vgpu_nvidia_type *types, size_t n);

/* ---- an NVIDIA GPU's vGPU mode, inferred (host/nvidia-mode.c) ------------ */

/*
 * How an NVIDIA GPU shares itself among its VFs' vGPUs.  sysfs does not show
 * it (it is nvidia-smi state): it is inferred from what the VFs show, and
 * said from what.
 */
enum vgpu_nvidia_mode {
        VGPU_NVIDIA_MODE_NONE,  /* no VF shows anything to infer from */
        VGPU_NVIDIA_MODE_EQUAL, /* equal-size: one framebuffer size per GPU */
        VGPU_NVIDIA_MODE_MIXED, /* mixed-size (nvidia-smi vgpu -shm 1) */
        VGPU_NVIDIA_MODE_MIG,   /* MIG-backed: vGPUs in GPU instances */
};

#define VGPU_NVIDIA_INSTANCES_MAX 16

struct vgpu_nvidia_gpu {
        char pf[VGPU_PCI_ADDR_STRLEN];
        size_t n_vfs, n_typed, n_offering; /* its vendor-VFIO VFs; with a type; offering types now */
        enum vgpu_nvidia_mode mode;
        bool certain;       /* false: equal-size by default, nothing typed would tell mixed-size apart */
        char evidence[256]; /* what the mode is inferred from, for people */
        size_t n_instances; /* MIG: the GPU instances the VFs select, ascending */
        unsigned instances[VGPU_NVIDIA_INSTANCES_MAX];
};

struct vgpu_host;

/*
 * Every PF with NVIDIA vendor-VFIO VFs, in address order, with its mode
 * inferred from its VFs: a VF that selects a GPU instance or offers a
 * MIG-backed type ("NVIDIA H200X-1-18C") → MIG; vGPUs of different sizes, or a
 * size offered beside a vGPU of another → mixed-size; otherwise equal-size
 * (only certain once a VF has a type).  Returns the count and a new array in
 * *ret (free()), or -ENOMEM.
 */
int vgpu_nvidia_gpus(const struct vgpu_host *host, struct vgpu_nvidia_gpu **ret);

/* "none", "equal-size", "mixed-size", "mig". */
const char *vgpu_nvidia_mode_name(enum vgpu_nvidia_mode mode);

/* The framebuffer size a type's name gives ("NVIDIA H200X-1-18C" → 18), -1 none; *mig: a MIG-backed name. */
int vgpu_nvidia_type_size(const char *name, bool *mig);

/* ---- the host model (host/: host.c, pci.c, sriov.c, mdev.c, numa.c) ------- */

/*
 * A read-only snapshot of the host's GPUs, VFs and mdevs.  Every field that
 * could not be read is "unknown": -1 for numbers, NULL for strings.  What
 * was odd (garbage in an attribute, a dangling link) is listed in problems;
 * one bad device never hides the others.
 */

struct vgpu_sriov {
        int total_vfs; /* sriov_totalvfs */
        int num_vfs;   /* sriov_numvfs */
        int autoprobe; /* sriov_drivers_autoprobe: 0/1, -1 unknown */
        size_t n_vfs;  /* virtfnN links, in N order */
        struct vgpu_pci_addr *vfs;
};

struct vgpu_pci_dev {
        struct vgpu_pci_addr addr;
        char name[VGPU_PCI_ADDR_STRLEN];
        int vendor, device; /* -1 unknown */
        int subsystem_vendor, subsystem_device;
        long class_code;       /* 24 bits, -1 unknown */
        char *driver;          /* NULL: no driver bound */
        char *driver_override; /* NULL: none ("(null)") */
        int iommu_group;       /* -1: none */
        int numa_node;         /* -1: none or unknown */
        bool is_vf;
        struct vgpu_pci_addr physfn; /* when is_vf */
        struct vgpu_sriov *sriov;    /* when an SR-IOV PF */
        /* NVIDIA vendor VFIO: present when nvidia/creatable_vgpu_types is */
        bool nvidia_vfio;
        size_t n_nvidia_types;
        struct vgpu_nvidia_type *nvidia_types; /* creatable now */
        int nvidia_current_type;               /* 0 none, -1 unknown */
        int nvidia_gpu_instance;               /* nvidia/gpu_instance_id: -1 none or unknown */
        /* network interfaces its driver registered (net/NAME), sorted; NULL-terminated, NULL: none */
        char **netdevs;
        /* its name in the PCI ID database ("TU104GL [Tesla T4]"); NULL: not looked up or unknown */
        char *model;
        /* the module of its most specific vfio_pci: alias ("amd_vfio_pci", "vfio_pci"); NULL: not looked up or none */
        char *vfio_variant;
};

struct vgpu_mdev_type {
        char *id;           /* directory name, e.g. "nvidia-222" */
        char *name;         /* the "name" attribute; NULL if absent */
        char *description;  /* NULL if absent */
        char *device_api;   /* e.g. "vfio-pci" */
        int available;      /* available_instances, -1 unknown */
        size_t n_instances; /* instances of this type on this parent */
};

struct vgpu_mdev_parent {
        char *name; /* as in /sys/class/mdev_bus: "0000:3b:00.0", "mtty" */
        bool is_pci;
        struct vgpu_pci_addr addr; /* when is_pci */
        /* The physical GPU: the PF when the parent is a VF (Ampere), else itself. */
        char *physical;
        int numa_node;
        size_t n_types;
        struct vgpu_mdev_type *types;
};

struct vgpu_mdev {
        char uuid[VGPU_UUID_STRLEN];
        char *parent;  /* parent name; NULL if the link is odd */
        char *type_id; /* NULL if unknown */
        int iommu_group;
};

struct vgpu_iommu_group {
        int id;
        size_t n_devices;
        char **devices; /* member names, sorted */
};

struct vgpu_numa_node {
        int id;
        char *cpulist; /* as the kernel wrote it, e.g. "0-3" */
};

struct vgpu_mdev_reach;

struct vgpu_host {
        struct vgpu_root *root;
        size_t n_pci;
        struct vgpu_pci_dev *pci; /* sorted by address */
        size_t n_parents;
        struct vgpu_mdev_parent *parents; /* sorted by name */
        size_t n_mdevs;
        struct vgpu_mdev *mdevs; /* sorted by UUID */
        size_t n_groups;
        struct vgpu_iommu_group *groups; /* sorted by id */
        size_t n_nodes;
        struct vgpu_numa_node *nodes; /* sorted by id */
        size_t n_problems;
        char **problems; /* one sentence each */
        bool mdev_only;  /* read by vgpu_host_load_mdev() */
        /* vgpu_host_load_mdev_near() left parents out; reach: while it loads */
        bool partial;
        const struct vgpu_mdev_reach *reach;
};

/*
 * Read the whole host below @root.  Returns 0 and a new snapshot (free with
 * vgpu_host_free()), or -errno when not even /sys can be read.
 */
int vgpu_host_load(struct vgpu_root *root, struct vgpu_host **ret_host);
void vgpu_host_free(struct vgpu_host *host);

/*
 * Name the snapshot's PCI functions from the PCI ID database under the root
 * (/usr/share/misc/pci.ids, else /usr/share/hwdata/pci.ids), as lspci does:
 * sets each device's model.  Without a database the models stay NULL and
 * this returns 0 all the same: names are a courtesy.
 */
int vgpu_host_load_models(struct vgpu_host *host);
/* The short model name for a table: "Tesla T4" (the bracketed name), the whole name, or "10de:1eb8". */
const char *vgpu_pci_dev_model_short(const struct vgpu_pci_dev *dev, char *buf, size_t size);

/*
 * Like vgpu_host_load(), for placement only: the mdev parents, their types
 * and instances, the PCI devices of PCI parents (and of their PFs) and the
 * NUMA nodes — not the other PCI devices nor the IOMMU groups.  What the hook
 * reads at prepare on a host with hundreds of VFs.
 */
int vgpu_host_load_mdev(struct vgpu_root *root, struct vgpu_host **ret_host);

/*
 * Like vgpu_host_load_mdev(), for a placement limited to the PCI devices
 * @near (a profile's "addresses"): leaves out the mdev parents it would
 * refuse as not listed and that change nothing it counts (no mdev on them,
 * not on the physical GPU of a listed device), and sets host->partial when
 * it did.  A placement that finds no room on such a snapshot should read the
 * whole one before it says why: the reasons name every parent.
 */
int vgpu_host_load_mdev_near(struct vgpu_root *root, const struct vgpu_pci_addr *near, size_t n_near,
                             struct vgpu_host **ret_host);

const struct vgpu_pci_dev *vgpu_host_find_pci(const struct vgpu_host *host, const struct vgpu_pci_addr *addr);
const struct vgpu_mdev_parent *vgpu_host_find_parent(const struct vgpu_host *host, const char *name);
const struct vgpu_mdev *vgpu_host_find_mdev(const struct vgpu_host *host, const char *uuid);
/*
 * The mdev or vendor-VFIO type name here a person most likely meant by
 * @typed, which names none ("T4-4Q" for "GRID T4-4Q"; vgpu_closest_name()),
 * or NULL.  Points into @host.
 */
const char *vgpu_host_closest_type_name(const struct vgpu_host *host, const char *typed);
/* Does @name (a PCI address as a person writes it, or an mdev parent's name) name a device here? */
bool vgpu_host_has_device(const struct vgpu_host *host, const char *name);
/*
 * The index, @from or after, of the first of the @n addresses @addrs that
 * names no PCI function here (a profile's or the config's typo), or @n.
 */
size_t vgpu_host_absent_pci(const struct vgpu_host *host, const struct vgpu_pci_addr *addrs, size_t n, size_t from);
/* Type @type_id of parent @parent (either may be NULL: then NULL). */
const struct vgpu_mdev_type *vgpu_host_find_type(const struct vgpu_host *host, const char *parent, const char *type_id);
/*
 * An mdev living on @dev (or, for a whole GPU, on one of its VFs), or NULL:
 * a device that serves vGPUs cannot be given whole to a VM.
 */
const struct vgpu_mdev *vgpu_host_mdev_on(const struct vgpu_host *host, const struct vgpu_pci_dev *dev);

/*
 * What a PCI device is, by its class: "gpu" (display class 0x03), "bridge"
 * (0x06) or "other".  Whether it is an SR-IOV PF or VF is told by
 * dev->sriov and dev->is_vf.
 */
const char *vgpu_pci_dev_kind(const struct vgpu_pci_dev *dev);

/*
 * Whether the inventory lists @dev: GPUs, SR-IOV PFs and VFs, vendor-VFIO
 * functions, mdev parents and anything bound to vfio-pci — not the host's
 * bridges, disks and NICs that take no part.
 */
bool vgpu_host_pci_is_listed(const struct vgpu_host *host, const struct vgpu_pci_dev *dev);

/* ---- kernel modules: VFIO variant drivers (host/kmod.c) ----------------- */

/* Longest module name the kernel takes (MODULE_NAME_LEN less its NUL). */
#define VGPU_KMOD_NAME_MAX 55

/* Is @name a kernel module or driver name: letters, digits, '_' and '-', 1 to 55 of them? */
bool vgpu_kmod_name_valid(const char *name);

/* Do @a and @b name the same module ('-' and '_' alike, as modprobe takes them: "vfio-pci" is vfio_pci)? */
bool vgpu_kmod_name_eq(const char *a, const char *b);

/* The running kernel's release (uname -r) from /proc/sys/kernel/osrelease under the root: 0, or -errno. */
int vgpu_kernel_release(const struct vgpu_root *root, char *buf, size_t size);

/*
 * Is driver @name (a module name, '-' or '_' alike) installed for the running
 * kernel: listed in /lib/modules/RELEASE/modules.dep or modules.builtin?
 * Returns 1 or 0; -ENOENT when the release or modules.dep cannot be read,
 * -EINVAL for a name that is no module name.
 */
int vgpu_kmod_available(const struct vgpu_root *root, const char *name);

/*
 * Set each PCI device's vfio_variant: the module of the most specific (fewest
 * '*') "vfio_pci:" alias in /lib/modules/RELEASE/modules.alias matching its
 * modalias, the driver libvirt >= 10.0 binds for <hostdev managed='yes'>
 * without <driver model=>.  Without that file they stay NULL and this returns
 * 0 all the same; -ENOMEM.
 */
int vgpu_host_load_vfio_variants(struct vgpu_host *host);

/* ---- VFIO: the busy probe (host/vfio.c) ---------------------------------- */

/*
 * Is IOMMU group @group held (by a VM)?  Opens /dev/vfio/@group: the kernel
 * answers EBUSY to a second opener.  Returns 1 held, 0 free (also when there
 * is no node or @group is -1), or -errno.  Probe before any write that would
 * block in the kernel while a VM holds the device (mdev remove, unbind,
 * sriov_numvfs).
 */
int vgpu_vfio_group_busy(const struct vgpu_root *root, int group);

/* The group of device directory @dir into *ret_group (-1: none). */
int vgpu_device_iommu_group(const struct vgpu_root *root, const char *dir, int *ret_group);
/* The same for a device directory already open. */
int vgpu_dir_iommu_group(const struct vgpu_dir *dir, int *ret_group);

/*
 * vgpu_vfio_group_busy() of the group of device directory @dir; where the
 * group has no node (a kernel with only the VFIO device cdev), whether a
 * process holds the device's /dev/vfio/devices/vfioN (its sysfs
 * vfio-dev/vfioN) open, from /proc.  1 held, 0 free, or -errno.
 */
int vgpu_device_busy(const struct vgpu_root *root, const char *dir);

/* ---- Intel xe SR-IOV provisioning (host/xe.c) -------------------------- */

/* One function's profile under sriov_admin/; -1: not set (or not read). */
struct vgpu_xe_profile {
        int64_t exec_quantum_ms;    /* 0: unlimited */
        int64_t preempt_timeout_us; /* 0: unlimited */
        int sched_priority;         /* 0 low, 1 normal, 2 high */
        int64_t vram_quota;         /* bytes; discrete parts, Linux >= 7.0 */
};

/* "low", "normal", "high"; and back (-EINVAL). */
const char *vgpu_xe_priority_name(int prio);
int vgpu_xe_priority_parse(const char *s);
/* Is nothing set in @p? */
bool vgpu_xe_profile_empty(const struct vgpu_xe_profile *p);
/* Does @have hold every value @want sets? */
bool vgpu_xe_profile_matches(const struct vgpu_xe_profile *want, const struct vgpu_xe_profile *have);

/*
 * Has PF @pf xe's sriov_admin/ (PF mode, Linux >= 6.19)?  1 yes, with
 * *ret_vram whether its VFs have vram_quota; 0 no; -errno.
 */
int vgpu_xe_admin(const struct vgpu_root *root, const struct vgpu_pci_addr *pf, bool *ret_vram);

/* VF @vf's (1-based) profile of PF @pf; vram_quota only with @vram.  0 or -errno. */
int vgpu_xe_read_profile(const struct vgpu_root *root, const struct vgpu_pci_addr *pf, unsigned vf, bool vram,
                         struct vgpu_xe_profile *ret);

/* ---- AMD MxGPU partition modes (host/amd.c) ---------------------------- */

#define VGPU_PCI_VENDOR_AMD 0x1002

/*
 * The VFs PF @pf's compute partition mode allows (SPX 1, DPX 2, CPX 8), its
 * mode ("DPX") into @mode; 0 when it cannot be known (no
 * current_compute_partition, or a mode not in the table: @mode says which),
 * or -errno.
 */
int vgpu_amd_vf_limit(const struct vgpu_root *root, const struct vgpu_pci_addr *pf, char *mode, size_t size);

#endif
