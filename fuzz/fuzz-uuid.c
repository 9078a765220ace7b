/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* UUIDs: the canonical form only, and the name-based UUIDs vgpuctl derives from them. */
#include "config.h"

#include <strings.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *s = fuzz_text(data, size);
        char uuid[VGPU_UUID_STRLEN], again[VGPU_UUID_STRLEN], mdev[VGPU_UUID_STRLEN];
        const char *name = s + strlen(s) + (strlen(s) < size);

        if (vgpu_uuid_normalize(s, uuid) < 0) {
                FUZZ_ASSERT(vgpu_uuid_v5(s, name, mdev) == -EINVAL);
                return 0;
        }
        FUZZ_ASSERT(strcasecmp(s, uuid) == 0 && strlen(uuid) == 36);
        FUZZ_ASSERT(vgpu_uuid_normalize(uuid, again) == 0 && strcmp(uuid, again) == 0);
        FUZZ_ASSERT(vgpu_uuid_v5(uuid, name, mdev) == 0 && vgpu_uuid_normalize(mdev, again) == 0);
        FUZZ_ASSERT(mdev[14] == '5');
        FUZZ_ASSERT(vgpu_mdev_uuid_for(uuid, 3, mdev) == 0 && vgpu_mdev_uuid_is_ours(uuid, mdev, 4));
        FUZZ_ASSERT(!vgpu_mdev_uuid_is_ours(uuid, mdev, 3));
        return 0;
}
