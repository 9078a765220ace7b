/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Creating and removing mediated devices through sysfs, as the kernel expects. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

/* A path component we put in a sysfs path: no '/', not "." or "..". */
static bool name_valid(const char *s)
{
        return *s && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0 && strlen(s) < 256;
}

bool vgpu_mdev_attr_name_valid(const char *name)
{
        const char *p = name;

        if (!*name || *name == '/' || strlen(name) > 255)
                return false;
        while (*p) {
                size_t len = strcspn(p, "/");

                if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                p += len;
                if (*p == '/' && !*++p)
                        return false; /* trailing slash */
        }
        return true;
}

static int read_available(const struct vgpu_root *root, const char *type_dir)
{
        _cleanup_free_ char *path = vgpu_strdup_printf("%s/available_instances", type_dir), *s = NULL;
        unsigned long long v;

        if (!path || vgpu_root_read_attr(root, path, &s) < 0 || vgpu_parse_uint(s, INT32_MAX, &v) < 0)
                return -1;
        return (int)v;
}

static int store_attrs(const struct vgpu_root *root, const char *dev_dir, const struct vgpu_mdev_attr *attrs,
                       size_t n_attrs)
{
        for (size_t i = 0; i < n_attrs; i++) {
                _cleanup_free_ char *path = vgpu_strdup_printf("%s/%s", dev_dir, attrs[i].name);
                int r;

                if (!path)
                        return -ENOMEM;
                r = vgpu_root_write_attr(root, path, attrs[i].value, strlen(attrs[i].value));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int write_remove(const struct vgpu_root *root, const char *dev_dir)
{
        _cleanup_free_ char *path = vgpu_strdup_printf("%s/remove", dev_dir);
        int r;

        if (!path)
                return -ENOMEM;
        r = vgpu_root_write_attr(root, path, "1", 1);
        /*
         * NVIDIA's driver may remove the mdev itself after QEMU exits: gone is
         * done.  A device that is still there without a remove attribute is not.
         */
        return r == -ENOENT && !vgpu_root_exists(root, dev_dir) ? 0 : r;
}

int vgpu_mdev_create(const struct vgpu_root *root, const char *parent, const char *type_id, const char *uuid,
                     const struct vgpu_mdev_attr *attrs, size_t n_attrs, int *ret_available)
{
        _cleanup_free_ char *type_dir = NULL, *dev_dir = NULL, *create = NULL;
        char id[VGPU_UUID_STRLEN];
        int r;

        if (!name_valid(parent) || !name_valid(type_id) || vgpu_uuid_normalize(uuid, id) < 0) {
                vgpu_dbg(root, "mdev create refused: a bad parent, type or UUID");
                return -EINVAL;
        }
        for (size_t i = 0; i < n_attrs; i++)
                if (!vgpu_mdev_attr_name_valid(attrs[i].name)) {
                        vgpu_dbg(root, "mdev %s: create refused: a bad attribute name", id);
                        return -EINVAL;
                }
        type_dir = vgpu_strdup_printf("/sys/class/mdev_bus/%s/mdev_supported_types/%s", parent, type_id);
        dev_dir = vgpu_strdup_printf("/sys/bus/mdev/devices/%s", id);
        create = vgpu_strdup_printf("%s/create", type_dir ? type_dir : "");
        if (!type_dir || !dev_dir || !create)
                return -ENOMEM;
        r = vgpu_root_write_attr(root, create, id, 36);
        if ((r == -ENOSPC || r == -EUSERS) && ret_available)
                *ret_available = read_available(root, type_dir); /* was the room taken, or never there? */
        if (r < 0)
                return r;
        if (!vgpu_root_exists(root, dev_dir)) {
                vgpu_dbg(root, "mdev %s: the store succeeded but no device appeared", id);
                return -ENODEV;
        }
        r = store_attrs(root, dev_dir, attrs, n_attrs);
        if (r < 0) {
                /* all or nothing; a VM cannot hold it yet */
                if (write_remove(root, dev_dir) < 0)
                        vgpu_err(root, "mdev %s: an attribute store failed and it could not be removed", id);
                return r;
        }
        vgpu_dbg(root, "mdev %s: created on %s, type %s", id, parent, type_id);
        if (ret_available)
                *ret_available = read_available(root, type_dir);
        return 0;
}

int vgpu_mdev_remove(const struct vgpu_root *root, const char *uuid)
{
        _cleanup_free_ char *dev_dir = NULL;
        char id[VGPU_UUID_STRLEN];
        int r;

        if (vgpu_uuid_normalize(uuid, id) < 0)
                return -EINVAL;
        dev_dir = vgpu_strdup_printf("/sys/bus/mdev/devices/%s", id);
        if (!dev_dir)
                return -ENOMEM;
        if (!vgpu_root_exists(root, dev_dir)) {
                vgpu_dbg(root, "mdev %s: already gone", id);
                return 0;
        }
        r = vgpu_device_busy(root, dev_dir);
        if (r > 0)
                vgpu_dbg(root, "mdev %s: not removed: a process holds it", id);
        if (r != 0)
                return r > 0 ? -EBUSY : r;
        r = write_remove(root, dev_dir);
        if (r == 0)
                vgpu_dbg(root, "mdev %s: removed", id);
        return r;
}
