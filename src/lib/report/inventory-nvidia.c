/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The inventory's "nvidia_gpus": each GPU with NVIDIA vendor-VFIO VFs, its
 * vGPU mode as inferred from the VFs (host/nvidia-mode.c: sysfs does not
 * show it) and from what, its GPU instances, and which VFs offer each type.
 */
#include "config.h"

#include <string.h>

#include "vgpuhook-private.h"

/* The type @t (by id) in @arr, or a new entry for it. */
static json_t *type_entry(json_t *arr, const struct vgpu_nvidia_type *t)
{
        size_t i;
        json_t *e;

        for (i = 0; i < json_array_size(arr); i++) {
                e = json_array_get(arr, i);
                if (json_integer_value(json_object_get(e, "id")) == (json_int_t)t->id)
                        return e;
        }
        e = json_pack("{s:i, s:s, s:[]}", "id", (json_int_t)t->id, "name", t->name, "vfs");
        return e && json_array_append_new(arr, e) == 0 ? e : NULL;
}

/* Which VFs of @pf offer which type now. */
static json_t *creatable_json(const struct vgpu_host *host, const struct vgpu_pci_dev *pf)
{
        json_t *arr = json_array();

        for (size_t i = 0; arr && i < pf->sriov->n_vfs; i++) {
                const struct vgpu_pci_dev *vf = vgpu_host_find_pci(host, &pf->sriov->vfs[i]);

                for (size_t t = 0; vf && vf->nvidia_vfio && t < vf->n_nvidia_types; t++) {
                        json_t *e = type_entry(arr, &vf->nvidia_types[t]);

                        if (!e || json_array_append_new(json_object_get(e, "vfs"), json_string(vf->name)) < 0) {
                                json_decref(arr);
                                return NULL;
                        }
                }
        }
        return arr;
}

static json_t *gpu_json(const struct vgpu_host *host, const struct vgpu_nvidia_gpu *g)
{
        struct vgpu_pci_addr a;
        const struct vgpu_pci_dev *pf = vgpu_pci_addr_read(g->pf, &a) == 0 ? vgpu_host_find_pci(host, &a) : NULL;
        json_t *gis = json_array();

        for (size_t i = 0; gis && i < g->n_instances; i++)
                json_array_append_new(gis, json_integer(g->instances[i]));
        return json_pack("{s:s, s:s, s:b, s:s, s:i, s:i, s:i, s:o, s:o}", "pf", g->pf, "mode",
                         vgpu_nvidia_mode_name(g->mode), "mode_certain", g->certain, "inferred_from", g->evidence,
                         "vfs", (json_int_t)g->n_vfs, "vfs_with_vgpu", (json_int_t)g->n_typed, "vfs_offering",
                         (json_int_t)g->n_offering, "gpu_instances", gis, "creatable",
                         pf ? creatable_json(host, pf) : json_array());
}

json_t *vgpu_inventory_nvidia_json(const struct vgpu_host *host)
{
        _cleanup_free_ struct vgpu_nvidia_gpu *g = NULL;
        int n = vgpu_nvidia_gpus(host, &g);
        json_t *arr = n >= 0 ? json_array() : NULL;

        for (int i = 0; arr && i < n; i++) {
                json_t *e = gpu_json(host, &g[i]);

                if (!e || json_array_append_new(arr, e) < 0) {
                        json_decref(arr);
                        arr = NULL;
                }
        }
        return arr;
}
