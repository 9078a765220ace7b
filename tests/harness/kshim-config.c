/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kshim: the simulated host's root from the hook's configuration file, for
 * hooks run by a private libvirtd (tests/libvirtd/test-libvirtd.sh).  Test code: the
 * value is read with a plain scan, not a JSON parser, so it must be a
 * string without escapes — which the tests write.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kshim-config.h"

#define CONFIG "/etc/vgpu-hook/vgpu-hook.conf"

static bool read_config(char *buf, size_t size)
{
        int fd = open(CONFIG, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;

        if (fd >= 0)
                close(fd);
        if (n <= 0)
                return false;
        buf[n] = '\0';
        return true;
}

bool ks_config_root(char *root)
{
        char text[4096], *p, *end;

        if (!read_config(text, sizeof(text)) || !(p = strstr(text, "\"root\"")))
                return false;
        p += strlen("\"root\"");
        p += strspn(p, " \t\r\n");
        if (*p++ != ':')
                return false;
        p += strspn(p, " \t\r\n");
        if (*p++ != '"' || !(end = strchr(p, '"')))
                return false;
        *end = '\0';
        return *p == '/' && realpath(p, root) && strcmp(root, "/") != 0;
}
