/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * NVIDIA vendor VFIO (vGPU >= 17 on Ada/Hopper/Blackwell): no mdev; a VF gets
 * a vGPU type by writing an id to nvidia/current_vgpu_type.  We detect the
 * interface by these files, never by the GPU model.  Setting a type is in
 * writes/nvidia-ops.c.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

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

int vgpu_nvidia_load(struct vgpu_host *host, struct vgpu_pci_dev *dev, const struct vgpu_dir *dir)
{
        _cleanup_free_ char *text = NULL, *cur = NULL;
        struct vgpu_error err = {0};
        long long v;
        int r = vgpu_dir_read_file(dir, "nvidia/creatable_vgpu_types", 64 * 1024, &text);

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

        r = vgpu_dir_read_attr(dir, "nvidia/current_vgpu_type", &cur);
        if (r >= 0 && vgpu_parse_int(cur, 0, INT32_MAX, &v) == 0)
                dev->nvidia_current_type = (int)v;
        else
                vgpu_host_problem(host, "%s: nvidia/current_vgpu_type is unreadable or not a number", dev->name);
        return 0;
}
