/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An NVIDIA GPU's vGPU mode (equal-size, mixed-size, MIG-backed), inferred
 * from its VFs.  The mode is nvidia-smi state that sysfs does not show; what
 * the VFs show follows from it (NVIDIA vGPU 17-19 user guides): in
 * equal-size mode a GPU with a vGPU offers only that vGPU's size, mixed-size
 * offers other sizes beside it, and MIG-backed types carry the instance's
 * slice count in their name ("H200X-1-18C") and VFs select a GPU instance.
 * An untyped GPU offers every size in both equal- and mixed-size mode: the
 * driver's default (equal-size) is reported, marked uncertain.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

static const char *const mode_names[] = {"none", "equal-size", "mixed-size", "mig"};

const char *vgpu_nvidia_mode_name(enum vgpu_nvidia_mode mode)
{
        return (size_t)mode < ARRAY_SIZE(mode_names) ? mode_names[mode] : "?";
}

static bool all_digits(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!isdigit((unsigned char)s[i]))
                        return false;
        return n > 0;
}

int vgpu_nvidia_type_size(const char *name, bool *mig)
{
        const char *last = strrchr(name, '-'), *prev;
        int size = 0;

        *mig = false;
        if (!last || !isdigit((unsigned char)last[1]))
                return -1;
        for (const char *p = last + 1; isdigit((unsigned char)*p) && size < 100000; p++)
                size = size * 10 + (*p - '0');
        /* "-N-SIZE…": N compute slices of a GPU instance */
        for (prev = last; prev > name && prev[-1] != '-'; prev--)
                ;
        *mig = prev > name && all_digits(prev, (size_t)(last - prev));
        return size;
}

/* The name of type @id from any VF of @pf's list (a VF with a type lists nothing), NULL when none lists it. */
static const char *type_name(const struct vgpu_host *host, const struct vgpu_pci_dev *pf, int id)
{
        for (size_t i = 0; i < pf->sriov->n_vfs; i++) {
                const struct vgpu_pci_dev *vf = vgpu_host_find_pci(host, &pf->sriov->vfs[i]);

                for (size_t t = 0; vf && vf->nvidia_vfio && t < vf->n_nvidia_types; t++)
                        if ((int)vf->nvidia_types[t].id == id)
                                return vf->nvidia_types[t].name;
        }
        return NULL;
}

static void add_instance(struct vgpu_nvidia_gpu *g, unsigned gi)
{
        size_t i = 0;

        while (i < g->n_instances && g->instances[i] < gi)
                i++;
        if ((i < g->n_instances && g->instances[i] == gi) || g->n_instances == VGPU_NVIDIA_INSTANCES_MAX)
                return;
        memmove(&g->instances[i + 1], &g->instances[i], (g->n_instances - i) * sizeof(g->instances[0]));
        g->instances[i] = gi;
        g->n_instances++;
}

/* What one pass over the VFs found. */
struct seen {
        const char *mig_type, *mig_vf; /* a MIG-backed type offered, and where */
        const char *gi_vf;             /* a VF selecting a GPU instance */
        int typed_size;                /* the framebuffer of a vGPU there, 0 none or unknown */
        const char *typed_vf;
        int other_size; /* a vGPU or an offered type of another size, and where */
        const char *other_type, *other_vf;
};

static void see_size(struct seen *s, int size, const char *name, const char *vf, bool typed)
{
        if (size <= 0 || s->other_type)
                return;
        if (typed && !s->typed_size) {
                s->typed_size = size;
                s->typed_vf = vf;
        } else if (s->typed_size && size != s->typed_size) {
                s->other_size = size;
                s->other_type = name;
                s->other_vf = vf;
        }
}

static void see_vf(const struct vgpu_host *host, const struct vgpu_pci_dev *pf, const struct vgpu_pci_dev *vf,
                   struct vgpu_nvidia_gpu *g, struct seen *s)
{
        const char *cur = vf->nvidia_current_type > 0 ? type_name(host, pf, vf->nvidia_current_type) : NULL;
        bool mig;

        g->n_vfs++;
        g->n_typed += vf->nvidia_current_type > 0;
        g->n_offering += vf->n_nvidia_types > 0;
        if (vf->nvidia_current_type > 0 && !s->typed_vf)
                s->typed_vf = vf->name;
        if (vf->nvidia_gpu_instance >= 0) {
                add_instance(g, (unsigned)vf->nvidia_gpu_instance);
                s->gi_vf = s->gi_vf ? s->gi_vf : vf->name;
        }
        for (size_t i = 0; i < vf->n_nvidia_types; i++)
                if (vgpu_nvidia_type_size(vf->nvidia_types[i].name, &mig) >= 0 && mig && !s->mig_type) {
                        s->mig_type = vf->nvidia_types[i].name;
                        s->mig_vf = vf->name;
                }
        if (cur)
                see_size(s, vgpu_nvidia_type_size(cur, &mig), cur, vf->name, true);
}

/* Sizes offered beside the vGPUs: one other than theirs is mixed-size. */
static void see_offers(const struct vgpu_host *host, const struct vgpu_pci_dev *pf, struct seen *s)
{
        bool mig;

        for (size_t i = 0; s->typed_size > 0 && i < pf->sriov->n_vfs; i++) {
                const struct vgpu_pci_dev *vf = vgpu_host_find_pci(host, &pf->sriov->vfs[i]);

                for (size_t t = 0; vf && vf->nvidia_vfio && t < vf->n_nvidia_types; t++)
                        see_size(s, vgpu_nvidia_type_size(vf->nvidia_types[t].name, &mig), vf->nvidia_types[t].name,
                                 vf->name, false);
        }
}

static void judge(struct vgpu_nvidia_gpu *g, const struct seen *s)
{
        g->certain = true;
        if (s->gi_vf || s->mig_type) {
                g->mode = VGPU_NVIDIA_MODE_MIG;
                if (s->gi_vf)
                        snprintf(g->evidence, sizeof(g->evidence), "VF %s selects GPU instance %u", s->gi_vf,
                                 g->instances[0]);
                else
                        snprintf(g->evidence, sizeof(g->evidence), "VF %s offers %s, a MIG-backed type", s->mig_vf,
                                 s->mig_type);
        } else if (s->other_type) {
                g->mode = VGPU_NVIDIA_MODE_MIXED;
                snprintf(g->evidence, sizeof(g->evidence), "%s (%d GB) on VF %s beside a %d GB vGPU on VF %s",
                         s->other_type, s->other_size, s->other_vf, s->typed_size, s->typed_vf);
        } else if (s->typed_size) {
                g->mode = VGPU_NVIDIA_MODE_EQUAL;
                snprintf(g->evidence, sizeof(g->evidence), "beside the %d GB vGPU on VF %s only that size is offered",
                         s->typed_size, s->typed_vf);
        } else if (s->typed_vf) {
                g->mode = VGPU_NVIDIA_MODE_EQUAL;
                g->certain = false;
                snprintf(g->evidence, sizeof(g->evidence),
                         "no VF offers the type of the vGPU on VF %s (the GPU is full?): its size, and so the mode, "
                         "cannot be told",
                         s->typed_vf);
        } else if (g->n_offering) {
                g->mode = VGPU_NVIDIA_MODE_EQUAL;
                g->certain = false;
                snprintf(g->evidence, sizeof(g->evidence),
                         "no vGPU yet: every size is offered, as in the driver's default; mixed-size looks the same "
                         "until a VF has a type");
        } else {
                g->mode = VGPU_NVIDIA_MODE_NONE;
                g->certain = false;
                snprintf(g->evidence, sizeof(g->evidence), "%s",
                         g->n_vfs ? "no VF offers a type (MIG mode without GPU instances?)" : "no VFs enabled");
        }
}

static void infer(const struct vgpu_host *host, const struct vgpu_pci_dev *pf, struct vgpu_nvidia_gpu *g)
{
        struct seen s = {0};

        snprintf(g->pf, sizeof(g->pf), "%s", pf->name);
        for (size_t i = 0; i < pf->sriov->n_vfs; i++) {
                const struct vgpu_pci_dev *vf = vgpu_host_find_pci(host, &pf->sriov->vfs[i]);

                if (vf && vf->nvidia_vfio)
                        see_vf(host, pf, vf, g, &s);
        }
        see_offers(host, pf, &s);
        judge(g, &s);
}

/* An NVIDIA PF that has, or can have, vendor-VFIO VFs: on the nvidia driver with SR-IOV. */
static bool is_nvidia_pf(const struct vgpu_host *host, const struct vgpu_pci_dev *d)
{
        if (!d->sriov || d->is_vf)
                return false;
        for (size_t i = 0; i < d->sriov->n_vfs; i++) {
                const struct vgpu_pci_dev *vf = vgpu_host_find_pci(host, &d->sriov->vfs[i]);

                if (vf && vf->nvidia_vfio)
                        return true;
        }
        return false;
}

int vgpu_nvidia_gpus(const struct vgpu_host *host, struct vgpu_nvidia_gpu **ret)
{
        struct vgpu_nvidia_gpu *v = calloc(host->n_pci + 1, sizeof(*v));
        size_t n = 0;

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < host->n_pci; i++)
                if (is_nvidia_pf(host, &host->pci[i]))
                        infer(host, &host->pci[i], &v[n++]);
        *ret = v;
        return (int)n;
}
