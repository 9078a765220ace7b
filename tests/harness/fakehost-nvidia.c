/* fakehost: what NVIDIA's vGPU host driver (vendor VFIO, vGPU 17-19) offers
 * a VF, as its user guides describe it:
 *  - a VF with a type offers none (creatable_vgpu_types empties);
 *  - the others offer the types that fit in what the GPU has left;
 *  - equal-size mode (the default after the VFs are enabled): once one VF
 *    has a type, only that framebuffer size stays creatable;
 *  - mixed-size mode (nvidia-smi vgpu -shm 1): sizes side by side, each at a
 *    placement aligned to its size (placement_id, in the same unit as the
 *    costs here: illustrative, the guides publish per-board tables);
 *  - MIG-backed: a VF's gpu_instance_id selects the GPU instance its vGPU
 *    lives in; an instance holds vGPUs of one framebuffer size.
 * Without vgpu-mode= the PF only counts capacity, as before these modes. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fakehost-private.h"

#define ALL_INSTANCES (-2)

static const char *const mode_names[] = {
        [FH_VGPU_CAPACITY] = "capacity",
        [FH_VGPU_EQUAL] = "equal",
        [FH_VGPU_MIXED] = "mixed",
        [FH_VGPU_MIG] = "mig",
};

const char *fh_vgpu_mode_name(int mode)
{
        return mode >= 0 && mode <= FH_VGPU_MIG ? mode_names[mode] : "?";
}

int fh_vgpu_mode_parse(const char *s)
{
        for (int i = 0; i <= FH_VGPU_MIG; i++)
                if (strcmp(s, mode_names[i]) == 0)
                        return i;
        return -EINVAL;
}

static bool has_type(const struct fh_pci *p)
{
        return p->current_type && strcmp(p->current_type, "0") != 0;
}

static int cost_of(const struct fh_pci *q)
{
        struct fh_vgpu cur;

        return has_type(q) && fh_vgpu_find(q->vgpu_types, q->current_type, &cur) ? cur.cost : 0;
}

struct use {
        int used; /* framebuffer the typed VFs hold */
        int size; /* the size one of them has; 0: none typed */
};

/* What the typed VFs of @pf hold, in GPU instance @gi or on the whole GPU. */
static struct use use_of(const struct fakehost *fh, const struct fh_pci *pf, int gi)
{
        struct use u = {0, 0};

        for (size_t i = 0; i < fh->pcis.n; i++) {
                const struct fh_pci *q = fh->pcis.v[i];

                if (q->physfn != pf || !has_type(q) || (gi != ALL_INSTANCES && q->gpu_instance != gi))
                        continue;
                u.used += cost_of(q);
                u.size = cost_of(q);
        }
        return u;
}

static bool slot_free(const struct fakehost *fh, const struct fh_pci *pf, int off, int cost)
{
        if (cost <= 0 || off < 0 || off % cost || off + cost > pf->vgpu_fb)
                return false;
        for (size_t i = 0; i < fh->pcis.n; i++) {
                const struct fh_pci *q = fh->pcis.v[i];
                int c = cost_of(q);

                if (q->physfn == pf && has_type(q) && q->placement < off + cost && off < q->placement + c)
                        return false;
        }
        return true;
}

static int lowest_slot(const struct fakehost *fh, const struct fh_pci *pf, int cost)
{
        for (int off = 0; cost > 0 && off + cost <= pf->vgpu_fb; off += cost)
                if (slot_free(fh, pf, off, cost))
                        return off;
        return -1;
}

/* Mixed-size: the placement the driver gives @p for a vGPU of @cost, -1 none:
 * the one its placement_id asks for, else the lowest free one. */
int fh_vgpu_placement(const struct fakehost *fh, const struct fh_pci *p, int cost)
{
        if (p->placement >= 0)
                return slot_free(fh, p->physfn, p->placement, cost) ? p->placement : -1;
        return lowest_slot(fh, p->physfn, cost);
}

static bool fits_instance(const struct fakehost *fh, const struct fh_pci *pf, int k, int cost)
{
        struct use u = use_of(fh, pf, pf->mig_id[k]);

        return (!u.size || u.size == cost) && cost <= pf->mig_fb[k] - u.used;
}

static bool mig_creatable(const struct fakehost *fh, const struct fh_pci *p, int cost)
{
        const struct fh_pci *pf = p->physfn;

        for (int k = 0; k < pf->n_mig; k++)
                if ((p->gpu_instance < 0 || pf->mig_id[k] == p->gpu_instance) && fits_instance(fh, pf, k, cost))
                        return true;
        return false;
}

bool fh_vgpu_creatable(const struct fakehost *fh, const struct fh_pci *p, const struct fh_vgpu *v)
{
        const struct fh_pci *pf = p->physfn;
        struct use u;

        if (has_type(p))
                return false;
        if (pf && pf->vgpu_mode == FH_VGPU_MIG)
                return mig_creatable(fh, p, v->cost);
        if (!pf || pf->vgpu_fb == 0)
                return true;
        if (pf->vgpu_mode == FH_VGPU_MIXED)
                return lowest_slot(fh, pf, v->cost) >= 0;
        u = use_of(fh, pf, ALL_INSTANCES);
        if (pf->vgpu_mode == FH_VGPU_EQUAL && u.size && v->cost != u.size)
                return false;
        return v->cost <= pf->vgpu_fb - u.used;
}

/* current_vgpu_type 0, as the driver leaves a VF whose type it cleared or refused. */
void fh_vgpu_reset(struct fh_pci *p)
{
        free(p->current_type);
        p->current_type = NULL;
        free(p->vgpu_params);
        p->vgpu_params = NULL;
        p->placement = p->gpu_instance = -1;
}
