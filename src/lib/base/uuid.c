/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

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

int vgpu_uuid_random(char ret[VGPU_UUID_STRLEN])
{
        uint8_t b[16];
        ssize_t n = getrandom(b, sizeof(b), GRND_NONBLOCK);

        if (n != (ssize_t)sizeof(b))
                return n < 0 ? -errno : -EIO;
        b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
        b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
        snprintf(ret, VGPU_UUID_STRLEN, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                 b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
        return 0;
}
