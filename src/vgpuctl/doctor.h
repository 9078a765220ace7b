/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vgpuctl doctor: the host checklist, one function per check. */
#ifndef VGPUCTL_DOCTOR_H
#define VGPUCTL_DOCTOR_H

#include "vgpuctl.h"

enum doctor_status {
        DOCTOR_OK,
        DOCTOR_FAIL,
        DOCTOR_SKIP, /* cannot be judged (another check says why): neither passes nor fails */
};

struct doctor_result {
        enum doctor_status status;
        char what[1024]; /* what was found, after the mark */
        char fix[512];   /* what to do, for DOCTOR_FAIL */
};

/* What the checks read; everything below the root prefix. */
struct doctor {
        struct vgpu_root *root;
        struct vgpu_host *host;
        struct vgpu_config *config; /* NULL: unreadable, see config_error */
        char config_error[512];
        struct vgpu_profiles *profiles; /* NULL: unreadable */
        struct vgpu_ledger *ledger;     /* NULL: unreadable, see ledger_error */
        char ledger_error[512];
        char *proc_modules;  /* /proc/modules, or NULL */
        const char *license; /* --license-server HOST[:PORT], or NULL */
};

struct doctor_check {
        const char *name;
        void (*fn)(const struct doctor *d, struct doctor_result *res);
};

/* --license-server: HOST, HOST:PORT, [V6] or [V6]:PORT, PORT 1 to 65535. */
bool doctor_license_valid(const char *server);

void doctor_set(struct doctor_result *res, enum doctor_status status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void doctor_fix(struct doctor_result *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Is kernel module @name loaded (or built in): /sys/module/@name or a line of /proc/modules. */
bool doctor_module_loaded(const struct doctor *d, const char *name);

/* doctor-kernel.c */
void doctor_iommu(const struct doctor *d, struct doctor_result *res);
void doctor_modules(const struct doctor *d, struct doctor_result *res);
void doctor_nouveau(const struct doctor *d, struct doctor_result *res);
void doctor_parents(const struct doctor *d, struct doctor_result *res);
void doctor_vgpu_manager(const struct doctor *d, struct doctor_result *res);

/* doctor-libvirt.c */
void doctor_hook(const struct doctor *d, struct doctor_result *res);
void doctor_confinement(const struct doctor *d, struct doctor_result *res);

/* doctor-host.c */
void doctor_vf_counts(const struct doctor *d, struct doctor_result *res);
void doctor_config(const struct doctor *d, struct doctor_result *res);
void doctor_license(const struct doctor *d, struct doctor_result *res);

/* doctor-vendor.c: run only where doctor_has_xe_pf() */
bool doctor_has_xe_pf(const struct doctor *d);
void doctor_xe_pf(const struct doctor *d, struct doctor_result *res);

/* doctor-nvidia.c: the driver branch, each vendor-VFIO GPU's VFs and mode against "nvidia_vfs" */
void doctor_nvidia(const struct doctor *d, struct doctor_result *res);
/* Is there an NVIDIA vendor-VFIO GPU, or one configured?  Else the check is left out. */
bool doctor_nvidia_relevant(const struct doctor *d);

/* doctor-ledger.c */
void doctor_ledger(const struct doctor *d, struct doctor_result *res);

#endif
