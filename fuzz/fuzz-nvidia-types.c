/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nvidia/creatable_vgpu_types of a vendor-VFIO VF: a header, then "ID : NAME" rows. */
#include "config.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *text = fuzz_text(data, size);
        struct vgpu_nvidia_type *types = NULL;
        struct vgpu_error err = {0};
        int n = vgpu_nvidia_types_parse(text, "creatable_vgpu_types", &types, &err);

        if (n < 0) {
                if (n != -ENOMEM)
                        fuzz_check_error(&err);
                return 0;
        }
        for (int i = 0; i < n; i++)
                FUZZ_ASSERT(types[i].id > 0 && types[i].name && *types[i].name && strlen(types[i].name) <= 128);
        vgpu_nvidia_types_free(types, (size_t)n);
        return 0;
}
