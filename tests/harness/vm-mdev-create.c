/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vm-mdev-create PARENT TYPE-ID UUID: the library's vgpu_mdev_create on the
 * real sysfs of the `make check-vm` guest (scenario 4).  Prints 0 or the
 * kernel's answer as "-ENAME" (e.g. -ENOSPC, -EUSERS); exit 0 unless usage
 * or the root is wrong.
 */
#define _GNU_SOURCE
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vgpuhook.h"

int main(int argc, char **argv)
{
        struct vgpu_root *root = NULL;
        int r;

        if (argc != 4) {
                fprintf(stderr, "usage: vm-mdev-create PARENT TYPE-ID UUID\n");
                return 2;
        }
        r = vgpu_root_new("/", &root);
        if (r < 0) {
                fprintf(stderr, "vm-mdev-create: cannot open /: %s\n", strerror(-r));
                return 1;
        }
        r = vgpu_mdev_create(root, argv[1], argv[2], argv[3], NULL, 0, NULL);
        if (r == 0)
                printf("0\n");
        else
                printf("-%s\n", strerrorname_np(-r));
        vgpu_root_unref(root);
        return 0;
}
