/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small allocation helpers and the error record. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

char *vgpu_strdup_printf(const char *fmt, ...)
{
        va_list ap;
        char *s;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        return r < 0 ? NULL : s;
}

void *vgpu_array_push(void *array_p, size_t *n, size_t size)
{
        void **array = array_p;
        char *grown;

        grown = reallocarray(*array, *n + 1, size);
        if (!grown)
                return NULL;
        *array = grown;
        memset(grown + *n * size, 0, size);
        return grown + (*n)++ * size;
}

void vgpu_strv_free(char **strv)
{
        if (!strv)
                return;
        for (char **s = strv; *s; s++)
                free(*s);
        free(strv);
}

int vgpu_error_set(struct vgpu_error *err, int errnum, const char *source, int line, int column, const char *fmt, ...)
{
        va_list ap;

        if (errnum < 0)
                errnum = -errnum;
        if (!err)
                return -errnum;
        snprintf(err->source, sizeof(err->source), "%s", source ? source : "");
        err->line = line;
        err->column = column;
        va_start(ap, fmt);
        vsnprintf(err->text, sizeof(err->text), fmt, ap);
        va_end(ap);
        return -errnum;
}

int vgpu_write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;

        while (len > 0) {
                ssize_t n = write(fd, p, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

int vgpu_pci_path(const struct vgpu_pci_addr *addr, const char *attr, char *buf, size_t len)
{
        char name[VGPU_PCI_ADDR_STRLEN];

        vgpu_pci_addr_format(addr, name);
        return snprintf(buf, len, "/sys/bus/pci/devices/%s%s%s", name, *attr ? "/" : "", attr) < (int)len
                       ? 0
                       : -ENAMETOOLONG;
}

int vgpu_pci_read_attr(const struct vgpu_root *root, const struct vgpu_pci_addr *addr, const char *attr, char **ret)
{
        char path[128];
        int r = vgpu_pci_path(addr, attr, path, sizeof(path));

        return r < 0 ? r : vgpu_root_read_attr(root, path, ret);
}

int vgpu_pci_write_attr(const struct vgpu_root *root, const struct vgpu_pci_addr *addr, const char *attr,
                        const char *value)
{
        char path[128];
        int r = vgpu_pci_path(addr, attr, path, sizeof(path));

        return r < 0 ? r : vgpu_root_write_attr(root, path, value, strlen(value));
}
