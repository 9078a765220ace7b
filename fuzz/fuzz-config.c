/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /etc/vgpu-hook/vgpu-hook.conf as vgpu_config_load() reads it. */
#include "config.h"

#include "fuzz.h"

static void check_config(const struct vgpu_config *c)
{
        FUZZ_ASSERT(vgpu_log_level_name(c->log_level));
        FUZZ_ASSERT(c->lock_wait_ms <= 60000 && c->release_retries <= 100);
        FUZZ_ASSERT(!c->root || c->root[0] == '/');
        for (size_t i = 0; i < c->n_cordoned; i++)
                FUZZ_ASSERT(vgpu_config_is_cordoned(c, c->cordoned[i]));
        for (size_t i = 1; i < c->n_sriov_vfs; i++)
                FUZZ_ASSERT(vgpu_pci_addr_cmp(&c->sriov_vfs[i - 1].pf, &c->sriov_vfs[i].pf) < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct vgpu_config *c = NULL;
        struct vgpu_error err = {0};
        int r = vgpu_config_parse(VGPU_CONFIG_PATH, (const char *)data, size, &c, &err);

        if (r < 0) {
                if (r != -ENOMEM)
                        fuzz_check_error(&err);
                return 0;
        }
        check_config(c);
        vgpu_config_free(c);
        return 0;
}
