/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What an 'nvidia_vgpu_type' profile may ask of NVIDIA's driver besides the
 * type (vGPU 17-19, vendor VFIO): the MIG GPU instance its vGPU lives in
 * (gpu_instance_id), its place on a mixed-size GPU (placement_id), and the
 * plugin's parameters (vgpu_params).  The hook writes them at prepare.
 */
#include "config.h"

#include <string.h>

#include "vgpuhook-private.h"

#define GPU_INSTANCE_MAX 255
#define PLACEMENT_MAX    65535
#define PARAMS_MAX       1024

#define KEY_CHARS   "abcdefghijklmnopqrstuvwxyz_"
#define VALUE_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_."

/* "frame_rate_limiter=0, disable_vnc=1": key=value pairs, commas between. */
static bool params_valid(const char *s)
{
        for (;;) {
                size_t key = strspn(s, KEY_CHARS), value;

                if (!key || s[key] != '=')
                        return false;
                s += key + 1;
                value = strspn(s, VALUE_CHARS);
                if (!value)
                        return false;
                s += value;
                if (!*s)
                        return true;
                if (*s != ',')
                        return false;
                s += 1 + strspn(s + 1, " ");
        }
}

static int get_params(const struct vgpu_json_node *node, struct vgpu_profile *p, struct vgpu_error *err)
{
        const char *s;
        int r = vgpu_json_get_string(node, &s, err);

        if (r < 0)
                return r;
        if (!*s || strlen(s) > PARAMS_MAX || !params_valid(s))
                return vgpu_json_error(node, false, err, EINVAL,
                                       "expected vgpu_params like \"frame_rate_limiter=0, disable_vnc=1\": key=value "
                                       "pairs (keys a-z and '_'), commas between, at most %d characters",
                                       PARAMS_MAX);
        p->nvidia.vgpu_params = strdup(s);
        return p->nvidia.vgpu_params ? 0 : -ENOMEM;
}

static int get_number(const struct vgpu_json_node *node, unsigned max, const char *what, bool *set, unsigned *ret,
                      struct vgpu_error *err)
{
        if (!json_is_integer(node->value) || json_integer_value(node->value) < 0 ||
            json_integer_value(node->value) > max)
                return vgpu_json_error(node, false, err, EINVAL, "expected %s, a number from 0 to %u", what, max);
        *ret = (unsigned)json_integer_value(node->value);
        *set = true;
        return 0;
}

int vgpu_profile_nvidia_member(const struct vgpu_json_node *member, struct vgpu_profile *p, struct vgpu_error *err)
{
        const char *key = member->key;
        int r;

        if (strcmp(key, "gpu_instance_id") != 0 && strcmp(key, "placement_id") != 0 && strcmp(key, "vgpu_params") != 0)
                return 0;
        if (p->kind != VGPU_PROFILE_NVIDIA_VFIO)
                return vgpu_json_error(member, true, err, EINVAL,
                                       "only 'nvidia_vgpu_type' profiles take %s (a setting of NVIDIA's vendor-VFIO "
                                       "VFs); mdev profiles put vgpu_params in 'attrs'",
                                       key);
        if (strcmp(key, "gpu_instance_id") == 0)
                r = get_number(member, GPU_INSTANCE_MAX, "the MIG GPU instance id ('nvidia-smi mig -lgi' lists them)",
                               &p->nvidia.gpu_instance_set, &p->nvidia.gpu_instance_id, err);
        else if (strcmp(key, "placement_id") == 0)
                r = get_number(member, PLACEMENT_MAX,
                               "a placement id of the type on a mixed-size GPU (NVIDIA's vGPU user guide lists "
                               "them per board)",
                               &p->nvidia.placement_set, &p->nvidia.placement_id, err);
        else
                r = get_params(member, p, err);
        return r < 0 ? r : 1;
}
