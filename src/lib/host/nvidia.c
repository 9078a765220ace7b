/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * NVIDIA vendor VFIO (vGPU >= 17 on Ada/Hopper/Blackwell): no mdev; a VF gets
 * a vGPU type by writing an id to nvidia/current_vgpu_type.  We detect the
 * interface by these files, never by the GPU model.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vgpuhook-private.h"

#define NAME_MAX_LEN 128

void vgpu_nvidia_types_free(struct vgpu_nvidia_type *types, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(types[i].name);
        free(types);
}

static const char *skip_blank(const char *p, const char *end)
{
        while (p < end && (*p == ' ' || *p == '\t'))
                p++;
        return p;
}

/* One row "ID : NAME" in [line, end); fills @t. */
static int parse_row(const char *line, const char *end, const char *source, int lineno, struct vgpu_nvidia_type *t,
                     struct vgpu_error *err)
{
        const char *p = skip_blank(line, end), *name;
        unsigned long long id = 0;
        size_t len;

        if (p == end || !isdigit((unsigned char)*p))
                return vgpu_error_set(err, EINVAL, source, lineno, (int)(p - line) + 1, "expected a type id");
        for (; p < end && isdigit((unsigned char)*p); p++) {
                id = id * 10 + (unsigned)(*p - '0');
                if (id > UINT32_MAX)
                        return vgpu_error_set(err, ERANGE, source, lineno, (int)(p - line) + 1, "type id too large");
        }
        p = skip_blank(p, end);
        if (p == end || *p != ':')
                return vgpu_error_set(err, EINVAL, source, lineno, (int)(p - line) + 1,
                                      "expected ':' after the type id");
        name = skip_blank(p + 1, end);
        len = (size_t)(end - name);
        while (len > 0 && isspace((unsigned char)name[len - 1]))
                len--;
        if (len == 0 || len > NAME_MAX_LEN || memchr(name, '\0', len))
                return vgpu_error_set(err, EINVAL, source, lineno, (int)(name - line) + 1, "bad type name");
        if (id == 0)
                return vgpu_error_set(err, EINVAL, source, lineno, 1, "type id 0 means 'none'");
        t->id = (unsigned)id;
        t->name = strndup(name, len);
        return t->name ? 0 : -ENOMEM;
}

int vgpu_nvidia_types_parse(const char *text, const char *source, struct vgpu_nvidia_type **ret_types,
                            struct vgpu_error *err)
{
        struct vgpu_nvidia_type *types = NULL;
        size_t n = 0;
        int lineno = 0;

        for (const char *line = text; *line;) {
                const char *end = strchrnul(line, '\n');
                struct vgpu_nvidia_type *t;
                int r;

                lineno++;
                /* The first line is a header ("ID    : vGPU Name"); blank lines are harmless. */
                if ((lineno == 1 && !isdigit((unsigned char)*skip_blank(line, end))) || skip_blank(line, end) == end)
                        goto next;
                t = vgpu_array_push(&types, &n, sizeof(*types));
                r = t ? parse_row(line, end, source, lineno, t, err) : -ENOMEM;
                if (r < 0) {
                        vgpu_nvidia_types_free(types, n);
                        return r;
                }
        next:
                line = *end ? end + 1 : end;
        }
        *ret_types = types;
        return (int)n;
}

int vgpu_nvidia_load(struct vgpu_host *host, struct vgpu_pci_dev *dev, const char *dir)
{
        _cleanup_free_ char *path = vgpu_strdup_printf("%s/nvidia/creatable_vgpu_types", dir);
        _cleanup_free_ char *text = NULL, *cur = NULL;
        struct vgpu_error err = {0};
        long long v;
        int r;

        if (!path)
                return -ENOMEM;
        r = vgpu_root_read_file(host->root, path, 64 * 1024, &text);
        if (r == -ENOENT)
                return 0;
        dev->nvidia_vfio = true;
        dev->nvidia_current_type = -1;
        if (r < 0) {
                vgpu_host_problem(host, "%s: cannot read nvidia/creatable_vgpu_types: %s", dev->name, strerror(-r));
                return 0;
        }
        r = vgpu_nvidia_types_parse(text, "creatable_vgpu_types", &dev->nvidia_types, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                vgpu_host_problem(host, "%s: nvidia/creatable_vgpu_types line %d: %s", dev->name, err.line, err.text);
        else
                dev->n_nvidia_types = (size_t)r;

        free(path);
        path = vgpu_strdup_printf("%s/nvidia/current_vgpu_type", dir);
        if (!path)
                return -ENOMEM;
        r = vgpu_root_read_attr(host->root, path, &cur);
        if (r >= 0 && vgpu_parse_int(cur, 0, INT32_MAX, &v) == 0)
                dev->nvidia_current_type = (int)v;
        else
                vgpu_host_problem(host, "%s: nvidia/current_vgpu_type is unreadable or not a number", dev->name);
        return 0;
}

#define EPERM_RETRIES  5
#define EPERM_DELAY_NS (100 * 1000 * 1000)

static int write_type(const struct vgpu_root *root, const struct vgpu_pci_addr *vf, unsigned id)
{
        const struct timespec delay = {0, EPERM_DELAY_NS};
        char path[128], value[16];
        int r;

        vgpu_pci_path(vf, "nvidia/current_vgpu_type", path, sizeof(path));
        snprintf(value, sizeof(value), "%u", id);
        for (int i = 0;; i++) {
                r = vgpu_root_write_attr(root, path, value, strlen(value));
                if (r != -EPERM || i == EPERM_RETRIES)
                        return r;
                nanosleep(&delay, NULL);
        }
}

static int find_type(const struct vgpu_root *root, const struct vgpu_pci_addr *vf, const char *name, unsigned *ret_id)
{
        _cleanup_free_ char *text = NULL;
        struct vgpu_nvidia_type *types = NULL;
        char path[128];
        int n, r = -ENOENT;

        vgpu_pci_path(vf, "nvidia/creatable_vgpu_types", path, sizeof(path));
        n = vgpu_root_read_file(root, path, 64 * 1024, &text);
        if (n < 0)
                return n == -ENOENT ? -ENODEV : n;
        n = vgpu_nvidia_types_parse(text, path, &types, NULL);
        if (n < 0)
                return n;
        for (int i = 0; i < n; i++)
                if (strcmp(types[i].name, name) == 0) {
                        *ret_id = types[i].id;
                        r = 0;
                }
        vgpu_nvidia_types_free(types, (size_t)n);
        return r;
}

int vgpu_nvidia_set_type(const struct vgpu_root *root, const struct vgpu_pci_addr *vf, const char *type_name,
                         unsigned *ret_id)
{
        unsigned id = 0;
        int r = find_type(root, vf, type_name, &id);

        if (r < 0)
                return r;
        r = write_type(root, vf, id);
        if (r < 0)
                return r;
        if (ret_id)
                *ret_id = id;
        return 0;
}

int vgpu_nvidia_clear_type(const struct vgpu_root *root, const struct vgpu_pci_addr *vf)
{
        return write_type(root, vf, 0);
}
