/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpuhook — the helper library shared by vgpu-hook and vgpuctl.
 *
 * Private for now (a libtool convenience library, not installed): no ABI is
 * promised.  Conventions:
 *  - functions return >= 0 on success and a negative errno on failure;
 *  - out-parameters named ret_* are left untouched on failure;
 *  - a _new() function returns an object the caller owns; free it with the
 *    matching _free() or _unref(), which accept NULL;
 *  - the library never prints: parse errors land in a caller's
 *    struct vgpu_error, host oddities in vgpu_host.problems.
 */
#ifndef VGPUHOOK_H
#define VGPUHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* ---- errors -------------------------------------------------------------- */

/*
 * Where a parse failed.  line and column count from 1; 0 means "not known"
 * (e.g. a one-line value has no line).  source names the file or attribute.
 */
struct vgpu_error {
        char source[256];
        int line;
        int column;
        char text[256];
};

/* Fill @err (if not NULL) and return -@errnum (a negative errno). */
int vgpu_error_set(struct vgpu_error *err, int errnum, const char *source, int line, int column, const char *fmt, ...)
        __attribute__((format(printf, 6, 7)));

/* ---- root prefix (base/root.c) ------------------------------------------- */

/*
 * Every host path (/sys, /etc, /run, /proc, /dev) is resolved under one root
 * directory.  Lookups use openat2(RESOLVE_IN_ROOT): ".." and absolute symlinks
 * stay inside the root, so a hostile tree cannot make us read the real host.
 */
struct vgpu_root;

/*
 * Open the root @path; NULL means $VGPU_HOOK_ROOT (read with secure_getenv)
 * or else "/".  Returns 0 and a new reference in *ret_root.
 */
int vgpu_root_new(const char *path, struct vgpu_root **ret_root);
struct vgpu_root *vgpu_root_ref(struct vgpu_root *root);
struct vgpu_root *vgpu_root_unref(struct vgpu_root *root);
/* The directory this root stands for, as given (never NULL). */
const char *vgpu_root_path(const struct vgpu_root *root);

/*
 * openat2() @path (absolute or relative: both mean "below the root") with
 * @flags (O_CLOEXEC is added).  Returns a file descriptor or -errno.
 */
int vgpu_root_open(const struct vgpu_root *root, const char *path, int flags);

/*
 * Read a whole small file.  Returns its length and a NUL-terminated buffer in
 * *ret (free()), or -EFBIG when it holds more than @max bytes.
 */
int vgpu_root_read_file(const struct vgpu_root *root, const char *path, size_t max, char **ret);

/*
 * Read one sysfs attribute: like vgpu_root_read_file() with a 4 KiB cap and
 * one trailing newline removed.  Returns the remaining length.
 */
int vgpu_root_read_attr(const struct vgpu_root *root, const char *path, char **ret);

/* The last component of the target of symlink @path (e.g. a driver name). */
int vgpu_root_read_link_name(const struct vgpu_root *root, const char *path, char **ret);

/* The full target of symlink @path, as stored. */
int vgpu_root_read_link(const struct vgpu_root *root, const char *path, char **ret);

/*
 * The names in directory @path, sorted (strverscmp, so virtfn10 follows
 * virtfn9), without "." and "..".  Returns the count; *ret is a
 * NULL-terminated array: free with vgpu_strv_free().
 */
int vgpu_root_list_dir(const struct vgpu_root *root, const char *path, char ***ret);

/*
 * Store @len bytes into sysfs attribute @path in a single write(2), the way
 * the kernel expects a store.  Returns 0, or the kernel's -errno.  A short
 * write is -EIO.  The final component must not be a symlink.
 */
int vgpu_root_write_attr(const struct vgpu_root *root, const char *path, const void *buf, size_t len);

/* Does @path exist below the root (following links inside it)? */
bool vgpu_root_exists(const struct vgpu_root *root, const char *path);

void vgpu_strv_free(char **strv);

/* ---- value parsers (base/parse.c) ---------------------------------------- */

/*
 * Strict integer parsers for sysfs and XML values: the whole string must be
 * consumed (one trailing newline allowed), no sign unless said, no overflow.
 * _hex accepts an optional 0x prefix; _auto takes "0x…" as hex, else decimal.
 */
int vgpu_parse_uint(const char *s, unsigned long long max, unsigned long long *ret);
int vgpu_parse_hex(const char *s, unsigned long long max, unsigned long long *ret);
int vgpu_parse_auto(const char *s, unsigned long long max, unsigned long long *ret);
int vgpu_parse_int(const char *s, long long min, long long max, long long *ret);

/*
 * A CPU list as in nodeN/cpulist ("0-3,8,10-11").  Returns the number of
 * CPUs and a bitmap of @nbits bits (bit i set = cpu i) in @bits.
 */
int vgpu_parse_cpulist(const char *s, uint64_t *bits, unsigned nbits);

/*
 * A CPU or node set as libvirt's XML writes it (cpuset=, nodeset=): like a
 * cpulist, plus "^N" to drop N from what came before and spaces after
 * numbers and commas ("0-7, ^3").  Returns the number of bits left set
 * (0 is -EINVAL, as libvirt refuses an empty set).
 */
int vgpu_parse_cpuset(const char *s, uint64_t *bits, unsigned nbits);

/* ---- UUIDs (base/uuid.c) ------------------------------------------------- */

#define VGPU_UUID_STRLEN 37 /* 36 characters and NUL */

/*
 * Accept exactly the canonical 8-4-4-4-12 form, any case; write it
 * lower-case into @ret (VGPU_UUID_STRLEN bytes).  Anything else: -EINVAL.
 */
int vgpu_uuid_normalize(const char *s, char ret[VGPU_UUID_STRLEN]);

/*
 * RFC 4122 version-5 UUID of @name in namespace @namespace_uuid, lower-case
 * into @ret.  -EINVAL for a bad namespace.
 */
int vgpu_uuid_v5(const char *namespace_uuid, const char *name, char ret[VGPU_UUID_STRLEN]);

/*
 * The mdev UUID vgpuctl gives device @index of domain @domain_uuid
 * (UUIDv5 of "vgpu-hook/mdev/INDEX" in the domain's UUID), so that after a
 * lost ledger "is this ours?" can be answered; a hand-written UUID never is.
 */
int vgpu_mdev_uuid_for(const char *domain_uuid, unsigned index, char ret[VGPU_UUID_STRLEN]);

/* Is @uuid vgpu_mdev_uuid_for(@domain_uuid, i) for some i < @max_index? */
bool vgpu_mdev_uuid_is_ours(const char *domain_uuid, const char *uuid, unsigned max_index);

/*
 * A fresh random (version 4) UUID, lower-case into @ret, from getrandom():
 * for a domain XML that has no <uuid> yet.  -errno when the kernel has no
 * randomness to give (never blocks).
 */
int vgpu_uuid_random(char ret[VGPU_UUID_STRLEN]);

/* ---- PCI addresses (base/pci-addr.c) ------------------------------------- */

struct vgpu_pci_addr {
        uint32_t domain; /* up to 0xffff, or 0x10000–0xfffff (Intel VMD) */
        uint8_t bus;
        uint8_t slot;     /* 0–31 */
        uint8_t function; /* 0–7 */
};

#define VGPU_PCI_ADDR_STRLEN 14 /* "fffff:ff:1f.7" and NUL */

/*
 * Parse "DDDD:BB:SS.F" (domain 4 or 5 hex digits, any case).  Anything else,
 * including out-of-range slot/function, is -EINVAL.
 */
int vgpu_pci_addr_parse(const char *s, struct vgpu_pci_addr *ret);

/*
 * Build an address from libvirt XML attributes, each "0x…" hex or decimal
 * (domain may be NULL: 0).  Out-of-range or junk is -EINVAL.
 */
int vgpu_pci_addr_from_parts(const char *domain, const char *bus, const char *slot, const char *function,
                             struct vgpu_pci_addr *ret);

/* Format as the kernel names the device: "0000:01:00.1", 5 digits if needed. */
void vgpu_pci_addr_format(const struct vgpu_pci_addr *addr, char buf[VGPU_PCI_ADDR_STRLEN]);
int vgpu_pci_addr_cmp(const struct vgpu_pci_addr *a, const struct vgpu_pci_addr *b);

/* ---- NVIDIA vendor VFIO (host/nvidia.c) ---------------------------------- */

struct vgpu_nvidia_type {
        unsigned id;
        char *name; /* e.g. "NVIDIA L40-4Q" */
};

/*
 * Parse the text of nvidia/creatable_vgpu_types: a header line, then rows
 * "ID : NAME".  Returns the number of rows, the array in *ret_types (free with
 * vgpu_nvidia_types_free()); a malformed row is -EINVAL with its position in
 * @err.  An empty list (nothing creatable now) is valid.
 */
int vgpu_nvidia_types_parse(const char *text, const char *source, struct vgpu_nvidia_type **ret_types,
                            struct vgpu_error *err);
void vgpu_nvidia_types_free(struct vgpu_nvidia_type *types, size_t n);

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
        /* network interfaces its driver registered (net/NAME), sorted; NULL-terminated, NULL: none */
        char **netdevs;
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
};

/*
 * Read the whole host below @root.  Returns 0 and a new snapshot (free with
 * vgpu_host_free()), or -errno when not even /sys can be read.
 */
int vgpu_host_load(struct vgpu_root *root, struct vgpu_host **ret_host);
void vgpu_host_free(struct vgpu_host *host);

/*
 * Like vgpu_host_load(), for placement only: the mdev parents, their types
 * and instances, the PCI devices of PCI parents (and of their PFs) and the
 * NUMA nodes — not the other PCI devices nor the IOMMU groups.  What the hook
 * reads at prepare on a host with hundreds of VFs.
 */
int vgpu_host_load_mdev(struct vgpu_root *root, struct vgpu_host **ret_host);

const struct vgpu_pci_dev *vgpu_host_find_pci(const struct vgpu_host *host, const struct vgpu_pci_addr *addr);
const struct vgpu_mdev_parent *vgpu_host_find_parent(const struct vgpu_host *host, const char *name);
const struct vgpu_mdev *vgpu_host_find_mdev(const struct vgpu_host *host, const char *uuid);
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

/* ---- VFIO (host/vfio.c, writes/vfio-bind.c) ------------------------------ */

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

/* vgpu_vfio_group_busy() of the group of device directory @dir. */
int vgpu_device_busy(const struct vgpu_root *root, const char *dir);

/*
 * Bind @addr to vfio-pci via driver_override and drivers_probe, unbinding
 * its current driver first.  drivers_probe reports success even when nothing
 * binds, so the driver link is read back: -ENXIO when vfio-pci did not take
 * the device.  Already on vfio-pci: 0, nothing written.
 */
int vgpu_pci_bind_vfio(const struct vgpu_root *root, const struct vgpu_pci_addr *addr);

/*
 * Give @addr back to its own driver: probe busy first (-EBUSY, nothing
 * written, while a VM holds it), unbind from vfio-pci, clear the override,
 * re-probe.
 */
int vgpu_pci_unbind_vfio(const struct vgpu_root *root, const struct vgpu_pci_addr *addr);

/* ---- writing SR-IOV and vendor-VFIO state (writes/: sriov-ops.c, nvidia-ops.c) */

/*
 * Set @pf's VF count to @num_vfs, and sriov_drivers_autoprobe to @autoprobe
 * first unless it is -1.  A change between two non-zero counts writes 0
 * first.  Refuses with -EBUSY, writing nothing, while a VM holds any VF.
 * The kernel's own refusals come back as they are: -ERANGE (above
 * sriov_totalvfs), -ENOENT (no SR-IOV capable PF driver: AMD GIM sets VFs by
 * module parameter), -EINVAL, -EBUSY.
 */
int vgpu_sriov_set_numvfs(const struct vgpu_root *root, const struct vgpu_pci_addr *pf, int num_vfs, int autoprobe);

/*
 * Give NVIDIA vendor-VFIO VF @vf the vGPU type called @type_name (e.g.
 * "NVIDIA L40-4Q"), resolved to its id in that VF's creatable_vgpu_types.
 * Returns 0 and the id in *ret_id (may be NULL); -ENOENT when the VF cannot
 * create that type now; -ENODEV when the VF has no nvidia/ interface.  The
 * driver refuses with EPERM while the VF is being released: retried a few
 * times, 100 ms apart.
 */
int vgpu_nvidia_set_type(const struct vgpu_root *root, const struct vgpu_pci_addr *vf, const char *type_name,
                         unsigned *ret_id);

/* Clear @vf's vGPU type (writes 0), with the same EPERM retries. */
int vgpu_nvidia_clear_type(const struct vgpu_root *root, const struct vgpu_pci_addr *vf);

/* ---- configured VF counts (config/sriov-config.c) -------------------------- */

/*
 * The VF counts of the configuration's "sriov_vfs", checked against the host
 * (vgpuctl sriov apply, vgpuctl doctor).  VF counts are host configuration
 * applied at boot, never changed per VM.
 */
struct vgpu_config;
struct vgpu_ledger;

enum vgpu_vf_count_state {
        VGPU_VF_COUNT_OK,           /* the PF has the configured count */
        VGPU_VF_COUNT_CHANGE,       /* it differs: applying writes sriov_numvfs */
        VGPU_VF_COUNT_SET,          /* applied: the count was changed */
        VGPU_VF_COUNT_ABSENT,       /* no such PCI device */
        VGPU_VF_COUNT_NOT_SRIOV,    /* not an SR-IOV PF (no sriov_totalvfs) */
        VGPU_VF_COUNT_NVIDIA,       /* bound to nvidia: its VFs are sriov-manage's, never touched */
        VGPU_VF_COUNT_TOO_MANY,     /* above sriov_totalvfs */
        VGPU_VF_COUNT_NO_DRIVER,    /* no PF driver: the kernel cannot change VFs */
        VGPU_VF_COUNT_BUSY,         /* a VM holds, or a lease names, one of its VFs */
        VGPU_VF_COUNT_MODULE_PARAM, /* ENOENT with a driver: it sets VFs by module parameter (AMD GIM) */
        VGPU_VF_COUNT_FAILED,       /* the kernel refused otherwise (error) */
};

struct vgpu_vf_count {
        struct vgpu_pci_addr pf;
        unsigned configured;
        int current; /* sriov_numvfs, -1 unknown */
        int total;   /* sriov_totalvfs, -1 unknown */
        char driver[64];
        enum vgpu_vf_count_state state;
        int error;        /* VGPU_VF_COUNT_FAILED: the kernel's -errno */
        char detail[192]; /* BUSY: which VF and who; MODULE_PARAM: "MODULE PARAM" or "MODULE" */
};

/*
 * Check every PF of @config->sriov_vfs against @host (loaded with
 * vgpu_host_load()), in the configuration's order (by address); @ledger
 * (may be NULL) names leased VFs.  States OK, CHANGE, or a refusal; busy is
 * only judged where the count would change.  Returns the count and a new
 * array in *ret (free()), or -ENOMEM.
 */
int vgpu_vf_counts_check(const struct vgpu_host *host, const struct vgpu_config *config,
                         const struct vgpu_ledger *ledger, struct vgpu_vf_count **ret);

/*
 * Apply one checked count in state CHANGE: write sriov_numvfs (0 first
 * between two non-zero counts; a VF a VM holds makes it BUSY, nothing
 * written).  Sets the state to SET, BUSY, NO_DRIVER, MODULE_PARAM (detail:
 * the driver's module and its VF parameter when /sys/module shows one),
 * TOO_MANY or FAILED.  Other states are left alone.  Returns 0 when set.
 */
int vgpu_vf_count_apply(const struct vgpu_root *root, struct vgpu_vf_count *c);

/* Is @state one where the PF does not have (and will not get) the configured count? */
bool vgpu_vf_count_refused(enum vgpu_vf_count_state state);

/* "ok", "change", "set", "absent", "not-sriov", "nvidia", "too-many", "no-driver", "busy", "module-param", "failed". */
const char *vgpu_vf_count_state_name(enum vgpu_vf_count_state state);

/*
 * One sentence for people: what the PF has, and for a refusal what to do,
 * e.g. "0000:86:00.0: its driver gim sets VFs by module parameter vf_num,
 * not sriov_numvfs; …".  @dry_run words CHANGE as "would set".  Returns @buf.
 */
char *vgpu_vf_count_describe(const struct vgpu_vf_count *c, bool dry_run, char *buf, size_t size);

/* ---- writing mdevs (writes/mdev-ops.c) ------------------------------------ */

struct vgpu_mdev_attr {
        char *name; /* relative to the mdev's directory; may hold '/', never ".." */
        char *value;
};

/* Is @name a safe attribute path (relative, no "." or ".." component, no "//")? */
bool vgpu_mdev_attr_name_valid(const char *name);

/*
 * Create mdev @uuid of type @type_id on @parent: write the 36-byte UUID (no
 * newline) to the type's create, check /sys/bus/mdev/devices/@uuid appeared,
 * then store @attrs in order.  Returns 0 and, if @ret_available is not
 * NULL, the type's available_instances read afresh (pools are shared; -1 if
 * unreadable).  Errors are the kernel's: -EEXIST (the UUID exists under any
 * parent), -EINVAL, -ENOSPC or -EUSERS (no room); -ENODEV when the kernel
 * said yes but no device appeared; an attr's failure removes the new device
 * again and returns that attr's error.
 */
int vgpu_mdev_create(const struct vgpu_root *root, const char *parent, const char *type_id, const char *uuid,
                     const struct vgpu_mdev_attr *attrs, size_t n_attrs, int *ret_available);

/*
 * Remove mdev @uuid.  Probes busy first: -EBUSY without writing while a VM
 * holds it (remove would block in the kernel).  Already gone: 0.
 */
int vgpu_mdev_remove(const struct vgpu_root *root, const char *uuid);

/* ---- inventory (report/inventory.c) -------------------------------------- */

#define VGPU_INVENTORY_SCHEMA_VERSION 2

struct vgpu_config;
struct vgpu_ledger;

/*
 * The host as the documented inventory JSON (schema_version 2, see docs/vgpuctl.md):
 * @config (may be NULL: cordon flags unknown, null) gives the cordons,
 * @ledger (may be NULL: no owners) who holds each device.  Returns a new
 * reference, or NULL on allocation failure.
 */
json_t *vgpu_inventory_json(const struct vgpu_host *host, const struct vgpu_config *config,
                            const struct vgpu_ledger *ledger);

/* Configuration, profiles and mdevctl definitions: see vgpuhook-config.h. */
#include "config/vgpuhook-config.h"
/* The domain XML: see vgpuhook-domain.h. */
#include "domain/vgpuhook-domain.h"
/* Leases: see vgpuhook-ledger.h. */
#include "ledger/vgpuhook-ledger.h"
/* Placement: see vgpuhook-placement.h. */
#include "placement/vgpuhook-placement.h"

#endif
