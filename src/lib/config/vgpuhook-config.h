/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpuhook: the JSON files an admin writes or mdevctl shares with us —
 * /etc/vgpu-hook/vgpu-hook.conf, /etc/vgpu-hook/profiles.d/NAME.json and
 * /etc/mdevctl.d/<parent>/<uuid>.  Included by vgpuhook.h; same conventions.
 *
 * Every file is read below a struct vgpu_root, at most 1 MiB, a regular file
 * (a FIFO, device or directory is refused), parsed by jansson with duplicate
 * keys rejected.  Errors land in a struct vgpu_error: source is the path
 * below the root (e.g. "/etc/vgpu-hook/vgpu-hook.conf"), line and column
 * count from 1 (0: unknown).  Positions:
 *  - a syntax error has jansson's position: the last character it read (the
 *    end of the bad token);
 *  - a bad value has the position of its first character, and an unknown
 *    key that of the key.  jansson keeps no positions of values (and the
 *    json_error_t of json_unpack_ex() points into the format string, not the
 *    document), so the library finds them by walking the text along the
 *    value's path;
 *  - a missing key has the position of the object that lacks it.
 * Columns count characters (UTF-8 sequences), as jansson's do.
 */
#ifndef VGPUHOOK_CONFIG_H
#define VGPUHOOK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/vgpuhook-host.h"
#include "writes/vgpuhook-writes.h"

/* Largest JSON file read: a bigger one is -EFBIG. */
#define VGPU_JSON_FILE_MAX (1024 * 1024)

/*
 * "SOURCE:LINE:COLUMN: TEXT" into @buf (always NUL-terminated); the line and
 * column are left out when unknown.  Returns @buf.
 */
char *vgpu_error_format(const struct vgpu_error *err, char *buf, size_t size);

/* Free an array of @n attrs (names and values); NULL is fine. */
void vgpu_mdev_attrs_free(struct vgpu_mdev_attr *attrs, size_t n);

/* ---- mdevctl definitions (mdevctl.c) ------------------------------------- */

/*
 * /etc/mdevctl.d/<parent>/<uuid>, as mdevctl 1.2 (Debian 12) reads and writes
 * it: {"mdev_type": TYPE-ID, "start": "auto"|"manual", "attrs": [{NAME:
 * VALUE}, …]}, pretty-printed with two-space indents and no final newline.
 * Reading follows mdevctl: mdev_type and start are required, start "auto"
 * means autostart and any other value manual, attrs is optional (null or an
 * array of one-key objects with string values, order kept, duplicates
 * allowed), other keys are ignored.  Stricter than mdevctl: duplicate keys,
 * a non-string mdev_type (mdevctl panics) and attr names that are not safe
 * paths (vgpu_mdev_attr_name_valid(), e.g. "../x", which mdevctl stores) are
 * errors.  File names are UUIDs in any case (mdevctl accepts upper case too);
 * we always write lower case.
 */
#define VGPU_MDEVCTL_DIR "/etc/mdevctl.d"

struct vgpu_mdevctl_def {
        char uuid[VGPU_UUID_STRLEN]; /* lower case */
        char *parent;                /* the directory: "0000:3b:00.0", "mtty" */
        char *type;                  /* the mdev type id, e.g. "nvidia-224" */
        bool autostart;              /* "start": "auto" */
        size_t n_attrs;
        struct vgpu_mdev_attr *attrs; /* in file order */
};

/* Definitions and what was wrong with the files that are not among them. */
struct vgpu_mdevctl_defs {
        size_t n_defs;
        struct vgpu_mdevctl_def *defs; /* sorted by parent, then UUID */
        size_t n_problems;
        struct vgpu_error *problems; /* one per bad file, with its position */
};

/* Is @name usable as one path component (parent name, type id)? */
bool vgpu_mdevctl_name_valid(const char *name);

/*
 * Read the definition of @uuid (any case) under @parent.  Returns 0 and a new
 * definition in *ret_def (free with vgpu_mdevctl_def_free()); -ENOENT when
 * there is none; -EINVAL for a bad file, bad @parent or bad @uuid, with the
 * position in @err.
 */
int vgpu_mdevctl_read(const struct vgpu_root *root, const char *parent, const char *uuid,
                      struct vgpu_mdevctl_def **ret_def, struct vgpu_error *err);

/*
 * The same for the @len bytes of @text, as if read from the file @source
 * (for messages), the definition of @uuid under @parent.
 */
int vgpu_mdevctl_def_parse(const char *parent, const char *uuid, const char *source, const char *text, size_t len,
                           struct vgpu_mdevctl_def **ret_def, struct vgpu_error *err);

/*
 * Every definition below /etc/mdevctl.d.  One bad file never hides the
 * others: it becomes one entry in problems.  mdevctl's own scripts.d, files
 * that are not directories at the top, and hidden files (our temp files) are
 * skipped silently.  Returns 0 and a new list in *ret_defs (free with
 * vgpu_mdevctl_defs_free()); a missing /etc/mdevctl.d is an empty list.
 * Fails (-errno) only when /etc/mdevctl.d cannot be listed or on ENOMEM.
 */
int vgpu_mdevctl_list(const struct vgpu_root *root, struct vgpu_mdevctl_defs **ret_defs);

/* The first definition of @uuid (any case), under @parent unless NULL. */
const struct vgpu_mdevctl_def *vgpu_mdevctl_defs_find(const struct vgpu_mdevctl_defs *defs, const char *uuid,
                                                      const char *parent);

/*
 * The file's text for @def, byte for byte as mdevctl 1.2 writes it (no final
 * newline).  Returns its length and a new string in *ret (free()); -EINVAL
 * (with the reason in @err, source "mdevctl definition") when @def is not
 * valid: bad UUID, parent, type or attr name.
 */
int vgpu_mdevctl_def_format(const struct vgpu_mdevctl_def *def, char **ret, struct vgpu_error *err);

/*
 * Write @def to /etc/mdevctl.d/<parent>/<uuid> atomically (a hidden temp
 * file in the same directory, fsync, rename, fsync of the directory),
 * creating missing directories 0755 as mdevctl does; the file is 0644.
 * Replaces an existing definition.  Returns 0 or -errno (-EINVAL for an
 * invalid @def, see vgpu_mdevctl_def_format(); @err says why).
 */
int vgpu_mdevctl_write(const struct vgpu_root *root, const struct vgpu_mdevctl_def *def, struct vgpu_error *err);

/* Remove the definition of @uuid under @parent (mdevctl undefine): 0, -ENOENT or -errno. */
int vgpu_mdevctl_remove(const struct vgpu_root *root, const char *parent, const char *uuid);

/* Free one definition from vgpu_mdevctl_read() / a list; NULL is fine. */
void vgpu_mdevctl_def_free(struct vgpu_mdevctl_def *def);
void vgpu_mdevctl_defs_free(struct vgpu_mdevctl_defs *defs);

/* ---- configuration (config.c) -------------------------------------------- */

/*
 * /etc/vgpu-hook/vgpu-hook.conf, a JSON object; a missing file means all
 * defaults, unknown keys are errors:
 *   "profiles_only": false     refuse <vgpu:mdev type=…> without a profile
 *   "lock_wait_ms": 5000       bounded wait for the ledger lock, 0–60000
 *   "release_retries": 3       retries of a busy release, 0–100
 *   "quarantine_crashes": 3    quarantine a device whose VMs crashed this many
 *                              times in a row (0: never), 0–100
 *   "quarantine_crash_window_s": 600   … within this many seconds, 1–604800
 *   "log_level": "info"        "err" | "warning" | "info" | "debug"
 *   "cordoned": []             mdev parents / PCI addresses kept out of placement
 *   "sriov_vfs": {}            PF PCI address → VF count (0–65535) set at boot,
 *                              or an object: {"vfs": N} and an Intel xe PF's
 *                              VF profile ("exec_quantum_ms", "preempt_timeout_us",
 *                              "sched_priority", "vram_quota") provisioned first
 *   "nvidia_vfs": {}           NVIDIA PF PCI address → its vGPU mode ("equal-size",
 *                              "mixed-size", "mig"): all its VFs enabled at boot
 *   "root": null               for test setups: an absolute path the programs
 *                              use as root prefix when none was given to them
 */
#define VGPU_CONFIG_PATH "/etc/vgpu-hook/vgpu-hook.conf"

struct vgpu_sriov_vf_count {
        struct vgpu_pci_addr pf;
        unsigned num_vfs;
        struct vgpu_xe_profile xe; /* each VF's sriov_admin profile; all -1: none */
};

/* An NVIDIA PF whose VFs the boot brings back (nvidia-pfs.c), and the mode it should run in. */
struct vgpu_nvidia_pf_config {
        struct vgpu_pci_addr pf;
        enum vgpu_nvidia_mode mode; /* EQUAL, MIXED or MIG */
};

struct vgpu_config {
        bool profiles_only;
        unsigned lock_wait_ms;
        unsigned release_retries;
        unsigned quarantine_crashes;        /* K crashes in a row (0: crashes never quarantine) … */
        unsigned quarantine_crash_window_s; /* … within T seconds */
        enum vgpu_log_level log_level;      /* base/: the root's log priority takes it */
        size_t n_cordoned;
        char **cordoned; /* PCI addresses in the kernel's form ("0000:3b:00.0"), other names as given */
        size_t n_sriov_vfs;
        struct vgpu_sriov_vf_count *sriov_vfs; /* sorted by PF address */
        size_t n_nvidia_pfs;
        struct vgpu_nvidia_pf_config *nvidia_pfs; /* "nvidia_vfs", sorted by PF address */
        char *root;                               /* NULL: not set */
};

/*
 * Read the configuration below @root.  Returns 0 and a new config in
 * *ret_config (free with vgpu_config_free()), the defaults when the file
 * does not exist; else -errno with the file:line:column in @err (-EINVAL for
 * bad content, -EFBIG, -EISDIR, -EINVAL for a FIFO or device…).
 */
int vgpu_config_load(const struct vgpu_root *root, struct vgpu_config **ret_config, struct vgpu_error *err);

/*
 * The same for the @len bytes of @text, as if read from the file @source
 * (for messages): what a config file will mean before it is installed.
 */
int vgpu_config_parse(const char *source, const char *text, size_t len, struct vgpu_config **ret_config,
                      struct vgpu_error *err);

/* The defaults, as a missing file gives them: 0 or -ENOMEM. */
int vgpu_config_new_default(struct vgpu_config **ret_config);
void vgpu_config_free(struct vgpu_config *config);

/* Is @name (an mdev parent or a PCI address in any case) cordoned? */
bool vgpu_config_is_cordoned(const struct vgpu_config *config, const char *name);

/*
 * Cordon (@cordon true) or uncordon @name (an mdev parent, or a PCI address
 * in any spelling: stored as the kernel writes it) in the configuration
 * file, keeping its other keys and their order.  Under flock() of
 * /etc/vgpu-hook, the file (created with its directory when missing) is
 * replaced atomically.  A file that does not load (vgpu_config_load()) is
 * left alone: -EINVAL with its position in @err.  Returns 1 when the file
 * changed, 0 when @name already was (or was not) cordoned.
 */
int vgpu_config_set_cordoned(const struct vgpu_root *root, const char *name, bool cordon, struct vgpu_error *err);

/* "err", "warning", "info", "debug"; NULL for anything else. */
const char *vgpu_log_level_name(enum vgpu_log_level level);

/* ---- profiles (profile.c) ------------------------------------------------ */

/*
 * /etc/vgpu-hook/profiles.d/NAME.json: one profile a file, NAME from the file
 * name ([a-z0-9][a-z0-9._-]*, at most 64 characters).  A JSON object with
 * exactly one of these keys saying what a VM gets:
 *   "mdev_type": {"name": "GRID T4-4Q"}   an mdev type by its sysfs name
 *                                         (recommended: NVIDIA's type ids
 *                                         differ per board and driver), or
 *   "mdev_type": {"id": "nvidia-224"}     by its type id.  A plain string is
 *                                         refused: mdevctl's mdev_type is
 *                                         an id, ours would be ambiguous.
 *   "nvidia_vgpu_type": "NVIDIA L4-4Q"    NVIDIA vendor-VFIO type on a VF
 *   "sriov_vf": {"pfs": ["0000:86:00.0"]} a VF of one of these PFs
 *   "passthrough": {"devices": [...]}     a whole GPU: one of these, or
 *   "passthrough": {}                     any matching the filters (one
 *                                         filter or device list required)
 * and optionally:
 *   "description": "…"
 *   "addresses": ["0000:3b:00.0", …]  only these devices: a candidate
 *                                     (parent, VF, GPU) matches when its own
 *                                     address or its PF's is listed
 *   "vendor": "0x10de", "device": "0x1eb8"   PCI ids of the physical GPU
 *                                     (device needs vendor)
 *   "policy": "pack" | "spread"       default "pack"
 *   "numa": "auto" | "prefer" | "strict" | "ignore", or
 *           {"nodes": [0, 1], "mode": "prefer" | "strict"}   default "auto":
 *     auto   follow the VM (numatune, else vCPU pinning); strict only when
 *            the VM's <numatune><memory> is strict
 *     prefer the VM's nodes first, others when they are full
 *     strict only the VM's nodes (a VM without NUMA placement: any)
 *     ignore no NUMA ordering
 *     nodes  these nodes whatever the VM says (mode default "prefer")
 *   "attrs": [{"vgpu_params": "…"}, …]  mdev profiles only: stored in order
 *                                     after create, as mdevctl's attrs
 *   "driver": "amd-vfio-pci"          sriov_vf and passthrough profiles only:
 *                                     the VFIO driver the device must get
 *                                     ("vfio-pci" or a variant driver's
 *                                     module name); vgpuctl writes it as
 *                                     <driver model=> into the hostdev and
 *                                     prepare checks the hostdev names it
 *                                     and the kernel has it
 *   "gpu_instance_id": 1              nvidia_vgpu_type profiles only: the MIG
 *                                     GPU instance the vGPU lives in
 *   "placement_id": 70                ... its place on a mixed-size GPU
 *   "vgpu_params": "frame_rate_limiter=0"  ... the plugin's parameters
 *                                     (written at prepare: instance,
 *                                     placement, type, then parameters)
 */
#define VGPU_PROFILES_DIR     "/etc/vgpu-hook/profiles.d"
#define VGPU_PROFILE_NAME_MAX 64

enum vgpu_profile_kind {
        VGPU_PROFILE_MDEV,
        VGPU_PROFILE_NVIDIA_VFIO,
        VGPU_PROFILE_SRIOV_VF,
        VGPU_PROFILE_PASSTHROUGH,
};

enum vgpu_policy {
        VGPU_POLICY_PACK,
        VGPU_POLICY_SPREAD,
};

enum vgpu_profile_numa {
        VGPU_PROFILE_NUMA_AUTO,
        VGPU_PROFILE_NUMA_PREFER,
        VGPU_PROFILE_NUMA_STRICT,
        VGPU_PROFILE_NUMA_IGNORE,
};

#define VGPU_PROFILE_NUMA_NODE_MAX 1023

struct vgpu_profile {
        char *name;
        char *description; /* NULL: none */
        enum vgpu_profile_kind kind;
        /* VGPU_PROFILE_MDEV: exactly one of the two is set */
        char *mdev_type_name;
        char *mdev_type_id;
        /* VGPU_PROFILE_NVIDIA_VFIO: the type, and what else the driver is told (vgpu_params owned) */
        char *nvidia_type;
        struct vgpu_nvidia_setup nvidia;
        /* VGPU_PROFILE_SRIOV_VF: the PFs; VGPU_PROFILE_PASSTHROUGH: the GPUs (may be empty) */
        size_t n_devices;
        struct vgpu_pci_addr *devices;
        char *driver; /* SRIOV_VF, PASSTHROUGH: the VFIO driver it must get; NULL: libvirt's choice */
        /* filters */
        size_t n_addresses;
        struct vgpu_pci_addr *addresses;
        int vendor, device; /* -1: any */
        enum vgpu_policy policy;
        enum vgpu_profile_numa numa;
        size_t n_numa_nodes; /* > 0: fixed nodes, sorted; numa is PREFER or STRICT */
        unsigned *numa_nodes;
        size_t n_attrs;
        struct vgpu_mdev_attr *attrs;
};

struct vgpu_profiles {
        size_t n_profiles;
        struct vgpu_profile *profiles; /* sorted by name */
        size_t n_problems;
        struct vgpu_error *problems; /* one per bad file, with its position */
};

/* Names are checked with vgpu_profile_name_valid() (vgpuhook-domain.h). */

/*
 * Read profile @name.  Returns 0 and a new profile in *ret_profile (free with
 * vgpu_profile_free()); -ENOENT when there is no such file; -EINVAL for a bad
 * name or content, with file:line:column in @err.
 */
int vgpu_profile_load(const struct vgpu_root *root, const char *name, struct vgpu_profile **ret_profile,
                      struct vgpu_error *err);

/*
 * The same for the @len bytes of @text, as if read from the file @source
 * (for messages): what a profile will mean before it is installed.
 */
int vgpu_profile_parse(const char *name, const char *source, const char *text, size_t len,
                       struct vgpu_profile **ret_profile, struct vgpu_error *err);

/*
 * Every profile: files NAME.json (other names, hidden files and non-.json
 * files such as dpkg's leftovers are skipped; a *.json with a bad NAME is a
 * problem).  One bad file never hides the others.  Returns 0 and a new list
 * in *ret_profiles (free with vgpu_profiles_free()); no directory is an
 * empty list; -errno only when the directory cannot be listed or on ENOMEM.
 */
int vgpu_profiles_load(const struct vgpu_root *root, struct vgpu_profiles **ret_profiles);

/*
 * The profile a person most likely meant by @typed, which names none (any
 * case, a few letters off: vgpu_closest_name()), as a new string; NULL when
 * none is close.
 */
char *vgpu_profile_suggest(const struct vgpu_root *root, const char *typed);

/* The profile called @name, or NULL. */
const struct vgpu_profile *vgpu_profiles_find(const struct vgpu_profiles *profiles, const char *name);

void vgpu_profile_free(struct vgpu_profile *profile);
void vgpu_profiles_free(struct vgpu_profiles *profiles);

/* Names as in the files: "mdev_type", "nvidia_vgpu_type", "sriov_vf", "passthrough"; "pack"… */
const char *vgpu_profile_kind_name(enum vgpu_profile_kind kind);
const char *vgpu_policy_name(enum vgpu_policy policy);
const char *vgpu_profile_numa_name(enum vgpu_profile_numa numa);

/* ---- configured NVIDIA PFs (config/nvidia-pfs.c) ---------------------------- */

/*
 * The PFs of "nvidia_vfs" against the host: at boot every VF of each is
 * enabled (sriov_numvfs = sriov_totalvfs, as NVIDIA's sriov-manage -e does)
 * and bound to nvidia; the configured mode is compared with the one the VFs
 * show (host/nvidia-mode.c).  No sysfs file sets a mode: its nvidia-smi
 * command is named instead.
 */
enum vgpu_nvidia_pf_state {
        VGPU_NVIDIA_PF_OK,         /* all its VFs are enabled */
        VGPU_NVIDIA_PF_ENABLE,     /* none are: applying enables them */
        VGPU_NVIDIA_PF_ENABLED,    /* applied: they are now */
        VGPU_NVIDIA_PF_ABSENT,     /* no such PCI device */
        VGPU_NVIDIA_PF_NOT_NVIDIA, /* not an SR-IOV PF on the nvidia driver */
        VGPU_NVIDIA_PF_PARTIAL,    /* some, not all, are enabled: left alone */
        VGPU_NVIDIA_PF_NO_SYSFS,   /* the driver takes no sriov_numvfs (ENOENT): sriov-manage -e */
        VGPU_NVIDIA_PF_FAILED,     /* the kernel refused otherwise (error) */
};

struct vgpu_nvidia_pf {
        struct vgpu_pci_addr pf;
        char name[VGPU_PCI_ADDR_STRLEN];
        enum vgpu_nvidia_mode mode; /* configured */
        int current, total;         /* sriov_numvfs, sriov_totalvfs; -1 unknown */
        int bound;                  /* ENABLED: VFs bound to nvidia by us */
        enum vgpu_nvidia_pf_state state;
        int error; /* FAILED, NO_SYSFS: the kernel's -errno */
};

/* Each PF of @config->nvidia_pfs against @host, by address.  Returns the count and a new array in *ret (free()). */
int vgpu_nvidia_pfs_check(const struct vgpu_host *host, const struct vgpu_config *config, struct vgpu_nvidia_pf **ret);

/*
 * Apply one checked PF in state ENABLE: sriov_numvfs = sriov_totalvfs, then
 * each VF without a driver bound to nvidia (as sriov-manage does).  State
 * ENABLED, NO_SYSFS or FAILED.  Returns 0 when enabled.
 */
int vgpu_nvidia_pf_apply(const struct vgpu_root *root, struct vgpu_nvidia_pf *c);

bool vgpu_nvidia_pf_refused(enum vgpu_nvidia_pf_state state);

/* "ok", "enable", "enabled", "absent", "not-nvidia", "partial", "no-sysfs", "failed". */
const char *vgpu_nvidia_pf_state_name(enum vgpu_nvidia_pf_state state);

/* One sentence for people: what the PF has, and for a refusal what to do.  Returns @buf. */
char *vgpu_nvidia_pf_describe(const struct vgpu_nvidia_pf *c, bool dry_run, char *buf, size_t size);

/*
 * The one command that puts @pf into @mode, which no sysfs file sets
 * ("nvidia-smi vgpu -i 0000:61:00.0 -shm 1"); "" for equal-size, which every
 * enabling of the VFs restores.  Returns @buf.
 */
char *vgpu_nvidia_mode_command(enum vgpu_nvidia_mode mode, const char *pf, char *buf, size_t size);

/*
 * Does @pf (configured) have all its VFs, each offering types or typed?
 * 1 yes, 0 not yet with what is missing in @why.
 */
int vgpu_nvidia_pf_ready(const struct vgpu_host *host, const struct vgpu_pci_addr *pf, char *why, size_t size);

/* ---- configured VF counts (config/sriov-config.c) -------------------------- */

/*
 * The VF counts of the configuration's "sriov_vfs", checked against the host
 * (vgpuctl sriov apply, vgpuctl doctor).  VF counts are host configuration
 * applied at boot, never changed per VM.
 */
struct vgpu_config;
struct vgpu_ledger;

enum vgpu_vf_count_state {
        VGPU_VF_COUNT_OK,               /* the PF has the configured count */
        VGPU_VF_COUNT_CHANGE,           /* it differs: applying writes sriov_numvfs */
        VGPU_VF_COUNT_SET,              /* applied: the count was changed */
        VGPU_VF_COUNT_ABSENT,           /* no such PCI device */
        VGPU_VF_COUNT_NOT_SRIOV,        /* not an SR-IOV PF (no sriov_totalvfs) */
        VGPU_VF_COUNT_NVIDIA,           /* bound to nvidia: its VFs are sriov-manage's, never touched */
        VGPU_VF_COUNT_TOO_MANY,         /* above sriov_totalvfs */
        VGPU_VF_COUNT_NO_DRIVER,        /* no PF driver: the kernel cannot change VFs */
        VGPU_VF_COUNT_BUSY,             /* a VM holds, or a lease names, one of its VFs */
        VGPU_VF_COUNT_MODULE_PARAM,     /* ENOENT with a driver: it sets VFs by module parameter (AMD GIM) */
        VGPU_VF_COUNT_FAILED,           /* the kernel refused otherwise (error) */
        VGPU_VF_COUNT_PARTITION,        /* AMD: above what its compute partition mode allows */
        VGPU_VF_COUNT_NO_ADMIN,         /* VF profiles configured, but no xe sriov_admin (detail: why) */
        VGPU_VF_COUNT_PROVISION_FAILED, /* xe refused a profile store (detail: the attribute); VFs not enabled */
};

struct vgpu_vf_count {
        struct vgpu_pci_addr pf;
        unsigned configured;
        int current; /* sriov_numvfs, -1 unknown */
        int total;   /* sriov_totalvfs, -1 unknown */
        char driver[64];
        enum vgpu_vf_count_state state;
        int error;                 /* VGPU_VF_COUNT_FAILED: the kernel's -errno */
        char detail[192];          /* BUSY: which VF and who; MODULE_PARAM: "MODULE PARAM" or "MODULE" */
        struct vgpu_xe_profile xe; /* the configured xe VF profile; all -1: none */
        bool provision_only;       /* CHANGE/SET: the count is right, only the xe profiles differ(ed) */
        char partition[16];        /* AMD: its compute partition mode ("DPX"); "" unknown */
        int partition_limit;       /* AMD: the VFs that mode allows, 0 unknown; -1 not judged */
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
 * written).  With an xe profile the VFs are provisioned through sriov_admin
 * between the two (PROVISION_FAILED: the refused attribute in detail, the
 * VFs left disabled).  Sets the state to SET, BUSY, NO_DRIVER, MODULE_PARAM (detail:
 * the driver's module and its VF parameter when /sys/module shows one),
 * TOO_MANY or FAILED.  Other states are left alone.  Returns 0 when set.
 */
int vgpu_vf_count_apply(const struct vgpu_root *root, struct vgpu_vf_count *c);

/* Is @state one where the PF does not have (and will not get) the configured count? */
bool vgpu_vf_count_refused(enum vgpu_vf_count_state state);

/* "ok", "change", "set", "absent", "not-sriov", "nvidia", "too-many", "no-driver", "busy", "module-param", "failed",
 * "partition", "no-sriov-admin", "provision-failed". */
const char *vgpu_vf_count_state_name(enum vgpu_vf_count_state state);

/*
 * One sentence for people: what the PF has, and for a refusal what to do,
 * e.g. "0000:86:00.0: its driver gim sets VFs by module parameter vf_num,
 * not sriov_numvfs; …".  @dry_run words CHANGE as "would set".  Returns @buf.
 */
char *vgpu_vf_count_describe(const struct vgpu_vf_count *c, bool dry_run, char *buf, size_t size);

#endif
