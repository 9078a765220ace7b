/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "vgpuhook-private.h"

int vgpu_uuid_normalize(const char *s, char ret[VGPU_UUID_STRLEN])
{
        char out[VGPU_UUID_STRLEN];

        /* The kernel and mdevctl take the canonical form only; so do we. */
        for (size_t i = 0; i < 36; i++) {
                bool dash = i == 8 || i == 13 || i == 18 || i == 23;

                if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
                        return -EINVAL;
                out[i] = (char)tolower((unsigned char)s[i]);
        }
        if (s[36])
                return -EINVAL;
        out[36] = '\0';
        memcpy(ret, out, sizeof(out));
        return 0;
}
