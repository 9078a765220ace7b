/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal helpers of libvgpuhook, grouped by the file that defines them. */
#ifndef VGPUHOOK_PRIVATE_H
#define VGPUHOOK_PRIVATE_H

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "vgpuhook.h"

/* ---- cleanup attributes -------------------------------------------------- */

static inline void freep(void *p)
{
        free(*(void **)p);
}

static inline void closep(int *fd)
{
        if (*fd >= 0)
                close(*fd);
}

static inline void strv_freep(char ***strv)
{
        vgpu_strv_free(*strv);
}

static inline void jsonp(json_t **j)
{
        json_decref(*j);
}

#define _cleanup_(f)    __attribute__((cleanup(f)))
#define _cleanup_free_  _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_strv_  _cleanup_(strv_freep)
#define _cleanup_json_  _cleanup_(jsonp)

/* Hand a cleanup-owned pointer to someone else. */
#define TAKE_PTR(p)                       \
        ({                                \
                __typeof__(p) _tp_ = (p); \
                (p) = NULL;               \
                _tp_;                     \
        })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- util.c -------------------------------------------------------------- */

/* asprintf that returns NULL on failure. */
char *vgpu_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *array (of *n elements of @size) by one zeroed element; NULL on ENOMEM. */
void *vgpu_array_push(void *array_p, size_t *n, size_t size);

/* ---- host.c -------------------------------------------------------------- */

/* Record one sentence in host->problems; allocation failure is ignored. */
void vgpu_host_problem(struct vgpu_host *host, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- pci.c --------------------------------------------------------------- */

int vgpu_pci_load(struct vgpu_host *host);
/* qsort/bsearch order of struct vgpu_pci_dev: by address. */
int vgpu_pci_dev_cmp(const void *a, const void *b);
/* The group number behind @dir/iommu_group, or -1 when there is none. */
int vgpu_read_iommu_group(struct vgpu_host *host, const char *dir);
void vgpu_pci_dev_clear(struct vgpu_pci_dev *dev);

/* ---- sriov.c ------------------------------------------------------------- */

/* Fill dev->sriov / dev->physfn from the device directory @dir. */
int vgpu_sriov_load(struct vgpu_host *host, struct vgpu_pci_dev *dev, const char *dir);
void vgpu_sriov_free(struct vgpu_sriov *sriov);

/* ---- nvidia.c ------------------------------------------------------------ */

/* Fill dev->nvidia_* when @dir/nvidia/creatable_vgpu_types exists. */
int vgpu_nvidia_load(struct vgpu_host *host, struct vgpu_pci_dev *dev, const char *dir);

/* ---- mdev.c -------------------------------------------------------------- */

int vgpu_mdev_load(struct vgpu_host *host);
void vgpu_mdev_parent_clear(struct vgpu_mdev_parent *parent);

/* ---- iommu.c ------------------------------------------------------------- */

int vgpu_iommu_load(struct vgpu_host *host);

/* ---- numa.c -------------------------------------------------------------- */

int vgpu_numa_load(struct vgpu_host *host);

#endif
