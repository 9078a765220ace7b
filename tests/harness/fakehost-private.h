/* fakehost internals: the model shared by the parser, the model queries and
 * the writer.  Not for test code; use fakehost.h. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fakehost.h"

static inline void fh_freep(void *p)
{
        free(*(void **)p);
}

static inline void fh_closep(int *fd)
{
        if (*fd >= 0)
                close(*fd);
}

#define _cleanup_(f)    __attribute__((cleanup(f)))
#define _cleanup_free_  _cleanup_(fh_freep)
#define _cleanup_close_ _cleanup_(fh_closep)
#define TAKE_PTR(p)                      \
        ({                               \
                __typeof__(p) _tp = (p); \
                (p) = NULL;              \
                _tp;                     \
        })

#define FH_MAX_CPUS 1024

struct fh_cpuset {
        uint64_t bits[FH_MAX_CPUS / 64];
};

/* Where a directive came from; FILE points into fakehost.files. */
struct fh_where {
        const char *file;
        int line;
};

struct fh_vec {
        void **v;
        size_t n, cap;
};

struct fh_node {
        struct fh_where at;
        int id;
        struct fh_cpuset cpus;
};

#define FH_MIG_MAX 8

/* How an NVIDIA PF shares its framebuffer among its VFs' vGPUs. */
enum fh_vgpu_mode {
        FH_VGPU_CAPACITY, /* any types that fit (no vgpu-mode=) */
        FH_VGPU_EQUAL,    /* equal-size: the first size chosen is the only one */
        FH_VGPU_MIXED,    /* mixed-size: sizes side by side at aligned placements */
        FH_VGPU_MIG,      /* MIG-backed: each vGPU in the GPU instance its VF selects */
};

struct fh_pci {
        struct fh_where at;
        char addr[16]; /* canonical, lower-case */
        unsigned domain, bus, slot, func;
        unsigned vendor, device, subvendor, subdevice, revision, class_code;
        struct fh_pci *bridge, *physfn;
        char *driver, *override;
        int group, numa, vfio; /* -1: none */
        bool numa_set, cpus_set;
        struct fh_cpuset cpus;
        bool is_pf;
        int totalvfs, numvfs, autoprobe, vf_offset, vf_stride;
        unsigned vf_device;
        int vf_index;     /* K in the PF's virtfnK */
        char *vgpu_types; /* "ID:NAME[:COST],...": the types the VF supports */
        char *current_type;
        char *path;          /* root-relative device dir, set once parsing is complete */
        char *home;          /* the driver that claims it by its IDs; NULL: none */
        int numvfs_errno;    /* PF driver without sriov_configure (AMD GIM) */
        bool vfio_fail;      /* vfio-pci's probe refuses the device */
        int vgpu_fb;         /* PF: framebuffer its VFs' types share; 0: no limit */
        char *vf_vgpu_types; /* PF: the vgpu-types its VFs get by default */
        char *netdev;        /* the network interface its driver registers (net/NAME) */
        char *vf_param;      /* PF: its driver's module parameter holding the VF count */
        /* NVIDIA vendor VFIO, the driver's answers in fakehost-nvidia.c */
        int vgpu_mode;                              /* PF: enum fh_vgpu_mode */
        bool vgpu_name_first;                       /* PF: creatable_vgpu_types rows "NAME ID", not "ID : NAME" */
        int mig_id[FH_MIG_MAX], mig_fb[FH_MIG_MAX]; /* PF in MIG mode: GPU instances, framebuffer */
        int n_mig;
        int gpu_instance;  /* VF: nvidia/gpu_instance_id, -1 none */
        int placement;     /* VF: nvidia/placement_id, -1 none (the driver's choice once typed) */
        char *vgpu_params; /* VF: nvidia/vgpu_params */
        struct fh_xe *xe;  /* PF: Intel xe's sriov_admin tree (fakehost-xe.c); NULL: none */
        char *compute_partition, *memory_partition; /* AMD: current_{compute,memory}_partition */
};

/* Intel xe SR-IOV provisioning of one function (sriov_admin/{pf,vfN}/profile). */
enum fh_xe_prio { FH_XE_LOW, FH_XE_NORMAL, FH_XE_HIGH };
struct fh_xe_fn {
        unsigned long long eq, pt, vram; /* exec_quantum_ms, preempt_timeout_us, vram_quota */
        int prio;                        /* enum fh_xe_prio */
};

/* An xe PF's sriov_admin: function 0 is the PF, N is vfN (1-based, up to totalvfs). */
struct fh_xe {
        unsigned long long vram; /* VRAM the PF hands its VFs; 0: integrated (no vram_quota files) */
        int n;                   /* 1 + totalvfs */
        struct fh_xe_fn *fn;
};

/* A module parameter: sys/module/MODULE/parameters/NAME. */
struct fh_modparam {
        struct fh_where at;
        char *module, *name, *value;
};

struct fh_pool {
        struct fh_where at;
        char *name;
        int size;
        bool exclusive;
        int full_errno; /* create's answer when there is no room */
};

struct fh_parent {
        struct fh_where at;
        char *name;
        struct fh_pci *pci; /* NULL for a virtual parent */
        char *class_name;   /* virtual parents: /sys/devices/virtual/<class>/<name> */
        char *mdev_driver;
        struct fh_pool *pool;
        int max; /* 0: no per-parent limit */
        char *path;
};

struct fh_type {
        struct fh_where at;
        struct fh_parent *parent;
        char *id, *name, *api, *description;
        int cost;
};

struct fh_mdev {
        struct fh_where at;
        char uuid[37];
        struct fh_type *type;
        int group, vfio;
};

/* A kernel module of the running kernel (lib/modules/RELEASE). */
struct fh_kmod {
        struct fh_where at;
        char *name;    /* as modules.alias names it: "amd_vfio_pci" */
        char *aliases; /* "PATTERN,...": its modules.alias lines; NULL: none */
        bool builtin;  /* in modules.builtin, not modules.dep */
};

/* One entry of a vgpu-types list; ID and NAME point into the list. */
struct fh_vgpu {
        const char *id, *name;
        int idlen, namelen;
        int cost; /* 0: free */
};

struct fakehost {
        struct fh_vec files; /* display names of parsed presets (char *) */
        struct fh_vec real;  /* their realpath()s, to include each once */
        struct fh_vec nodes, pcis, pools, parents, types, mdevs;
        char *kernel;            /* uname -r: proc/sys/kernel/osrelease; NULL: no kernel files */
        struct fh_vec kmods;     /* struct fh_kmod *, in preset order */
        struct fh_vec modparams; /* struct fh_modparam * */
};

/* fakehost.c */
int fh_vec_push(struct fh_vec *vec, void *item);
struct fh_pci *fh_find_pci(const struct fakehost *fh, const char *addr);
struct fh_pool *fh_find_pool(const struct fakehost *fh, const char *name);
struct fh_parent *fh_find_parent(const struct fakehost *fh, const char *name);
struct fh_type *fh_find_type(const struct fakehost *fh, const struct fh_parent *parent, const char *id);
struct fh_mdev *fh_find_mdev(const struct fakehost *fh, const char *uuid);
struct fh_node *fh_find_node(const struct fakehost *fh, int id);
int fh_type_available(const struct fakehost *fh, const struct fh_type *type);
bool fh_group_used(const struct fakehost *fh, int group);
bool fh_vfio_used(const struct fakehost *fh, int vfio);
int fh_uuid_canonical(const char *in, char out[37]);
int fh_pci_addr_parse(const char *s, struct fh_pci *p);
int fh_pci_addr_cmp(const struct fh_pci *a, const struct fh_pci *b);
void fh_pci_free(struct fh_pci *p);
void fh_parent_free(struct fh_parent *p);
void fh_type_free(struct fh_type *t);
void fh_pool_free(struct fh_pool *p);
void fh_kmod_free(struct fh_kmod *k);
void fh_pci_remove(struct fakehost *fh, struct fh_pci *p);
const char *fh_default_home(const struct fh_pci *p);
bool fh_is_stub_driver(const char *driver);
int fh_next_group(const struct fakehost *fh);
int fh_next_vfio(const struct fakehost *fh);
int fh_errno_parse(const char *name);
const char *fh_errno_name(int err);
int fh_vgpu_next(const char **s, struct fh_vgpu *v);
bool fh_vgpu_is(const struct fh_vgpu *v, const char *id);
bool fh_vgpu_find(const char *list, const char *id, struct fh_vgpu *v);
bool fh_vgpu_creatable(const struct fakehost *fh, const struct fh_pci *p, const struct fh_vgpu *v);
int fh_vgpu_placement(const struct fakehost *fh, const struct fh_pci *p, int cost);
void fh_vgpu_reset(struct fh_pci *p);
const char *fh_vgpu_mode_name(int mode);
int fh_vgpu_mode_parse(const char *s);
int fh_cpuset_parse(const char *s, struct fh_cpuset *set);
void fh_cpuset_set(struct fh_cpuset *set, unsigned bit);
void fh_cpuset_or(struct fh_cpuset *dst, const struct fh_cpuset *src);
bool fh_cpuset_test(const struct fh_cpuset *set, unsigned cpu);
bool fh_cpuset_intersects(const struct fh_cpuset *a, const struct fh_cpuset *b);
int fh_cpuset_nbits(const struct fh_cpuset *set);
void fh_cpuset_list(const struct fh_cpuset *set, char *buf, size_t len);
void fh_cpuset_mask(const struct fh_cpuset *set, int nbits, char *buf, size_t len);

/* fakehost-xe.c */
int fh_xe_parse(struct fh_pci *pf, const char *vram, const char *profiles);
void fh_xe_free(struct fh_xe *x);
void fh_xe_dump(FILE *f, const struct fh_pci *pf);
void fh_xe_vfs_changed(struct fh_pci *pf);
const char *fh_xe_prio_name(int prio);
int fh_xe_prio_parse(const char *s);
int fh_modparam_add(struct fakehost *fh, struct fh_where at, const char *module, const char *tok);
void fh_modparam_free(struct fh_modparam *m);

/* fakehost-write.c: the tree alone (fakehost_write() adds the model file).
 * With DRY nothing is written; RECORD (may be NULL) collects every path
 * the tree holds, directories included, for fh_prune(). */
int fh_write_tree(const struct fakehost *fh, const char *root_dir, bool dry, struct fh_vec *record);
/* The tree of FH over the one BEFORE recorded (and sorts BEFORE): only the
 * files, links and directories it does not hold as they are now are written,
 * so a store costs what it changes.  RECORD as for fh_write_tree(). */
int fh_write_changes(const struct fakehost *fh, const char *root_dir, struct fh_vec *before, struct fh_vec *record);

/* fakehost-index.c: recorded entries ("PATH\0WHAT", see fakehost-write.c) by path. */
struct fh_index {
        const char **slot; /* the first entry of each path */
        bool *mixed;       /* the path was recorded with different contents */
        size_t mask;
};
int fh_index_build(struct fh_index *ix, const struct fh_vec *entries);
/* The entry recorded for PATH, or NULL; *MIXED (may be NULL) as above. */
const char *fh_index_find(const struct fh_index *ix, const char *path, bool *mixed);
/* Was PATH recorded, always as WHAT? */
bool fh_index_holds(const struct fh_index *ix, const char *path, const char *what);
void fh_index_free(struct fh_index *ix);

/* fakehost-dump.c: ROOT/.fakehost/model.host (and the marker dirs). */
int fh_write_model(const struct fakehost *fh, const char *root_dir);
/* Deletes what OLD recorded and NOW does not (sys/ and dev/vfio/ only). */
int fh_prune(const char *root_dir, struct fh_vec *old, struct fh_vec *now);
void fh_paths_free(struct fh_vec *paths);
