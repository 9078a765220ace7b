/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vgpu-uuid5 DOMAIN-UUID INDEX: the mdev UUID vgpuctl derives (for shell tests). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "vgpuhook.h"

int main(int argc, char *argv[])
{
        char uuid[VGPU_UUID_STRLEN];

        if (argc != 3 || vgpu_mdev_uuid_for(argv[1], (unsigned)strtoul(argv[2], NULL, 10), uuid) < 0) {
                fputs("usage: vgpu-uuid5 DOMAIN-UUID INDEX\n", stderr);
                return 2;
        }
        puts(uuid);
        return 0;
}
