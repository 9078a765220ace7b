/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A profile, /etc/vgpu-hook/profiles.d/NAME.json, as vgpu_profile_load() reads it. */
#include "config.h"

#include "fuzz.h"

static void check_profile(const struct vgpu_profile *p)
{
        FUZZ_ASSERT(vgpu_profile_kind_name(p->kind) && vgpu_policy_name(p->policy));
        FUZZ_ASSERT(vgpu_profile_numa_name(p->numa));
        if (p->kind == VGPU_PROFILE_MDEV)
                FUZZ_ASSERT(!p->mdev_type_name != !p->mdev_type_id);
        FUZZ_ASSERT(p->kind == VGPU_PROFILE_MDEV || p->n_attrs == 0);
        FUZZ_ASSERT(p->device < 0 || p->vendor >= 0);
        for (size_t i = 0; i < p->n_attrs; i++)
                FUZZ_ASSERT(vgpu_mdev_attr_name_valid(p->attrs[i].name) && p->attrs[i].value);
        for (size_t i = 1; i < p->n_numa_nodes; i++)
                FUZZ_ASSERT(p->numa_nodes[i - 1] < p->numa_nodes[i]);
        for (size_t i = 1; i < p->n_addresses; i++)
                FUZZ_ASSERT(vgpu_pci_addr_cmp(&p->addresses[i - 1], &p->addresses[i]) < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct vgpu_profile *p = NULL;
        struct vgpu_error err = {0};
        int r = vgpu_profile_parse("fuzz", VGPU_PROFILES_DIR "/fuzz.json", (const char *)data, size, &p, &err);

        if (r < 0) {
                if (r != -ENOMEM)
                        fuzz_check_error(&err);
                return 0;
        }
        check_profile(p);
        vgpu_profile_free(p);
        return 0;
}
