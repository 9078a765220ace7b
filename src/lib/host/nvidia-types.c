/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The text of an NVIDIA VF's nvidia/creatable_vgpu_types.  Published examples
 * disagree on the row's form, so both are read: "1428 : NVIDIA H200X-141C"
 * (id first, as vGPU 17-19 user guides print it) and "NVIDIA A40-2Q    558"
 * (name first, id last).  A header line may come first in either form.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

#define NAME_MAX_LEN 128
#define EXPECTED     "expected 'ID : NAME' (1428 : NVIDIA H200X-141C) or 'NAME ID' (NVIDIA A40-2Q    558)"

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

static const char *trim_end(const char *start, const char *end)
{
        while (end > start && isspace((unsigned char)end[-1]))
                end--;
        return end;
}

/* Where the trailing run of digits of [line, end) starts, if a blank or ':' comes before it. */
static const char *trailing_id(const char *line, const char *end)
{
        const char *p = end;

        while (p > line && isdigit((unsigned char)p[-1]))
                p--;
        return p < end && p > line && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == ':') ? p : NULL;
}

static int set_id(const char *p, const char *end, const char *line, const char *source, int lineno, unsigned *ret,
                  struct vgpu_error *err)
{
        unsigned long long id = 0;

        for (const char *q = p; q < end; q++) {
                id = id * 10 + (unsigned)(*q - '0');
                if (id > UINT32_MAX)
                        return vgpu_error_set(err, ERANGE, source, lineno, (int)(q - line) + 1, "type id too large");
        }
        if (id == 0)
                return vgpu_error_set(err, EINVAL, source, lineno, (int)(p - line) + 1, "type id 0 means 'none'");
        *ret = (unsigned)id;
        return 0;
}

static int set_name(const char *name, const char *end, const char *line, const char *source, int lineno,
                    struct vgpu_nvidia_type *t, struct vgpu_error *err)
{
        size_t len;

        end = trim_end(name, end);
        len = (size_t)(end - name);
        if (len == 0 || len > NAME_MAX_LEN || memchr(name, '\0', len))
                return vgpu_error_set(err, EINVAL, source, lineno, (int)(name - line) + 1, "bad type name; %s",
                                      EXPECTED);
        t->name = strndup(name, len);
        return t->name ? 0 : -ENOMEM;
}

/* One row in [line, end), either form; fills @t. */
static int parse_row(const char *line, const char *end, const char *source, int lineno, struct vgpu_nvidia_type *t,
                     struct vgpu_error *err)
{
        const char *p = skip_blank(line, end), *id_end = p, *tail;
        int r;

        while (id_end < end && isdigit((unsigned char)*id_end))
                id_end++;
        if (id_end > p) { /* id first: "ID : NAME" */
                const char *colon = skip_blank(id_end, end);

                if (colon == end || *colon != ':')
                        return vgpu_error_set(err, EINVAL, source, lineno, (int)(colon - line) + 1,
                                              "no ':' after the type id; %s", EXPECTED);
                r = set_id(p, id_end, line, source, lineno, &t->id, err);
                return r < 0 ? r : set_name(skip_blank(colon + 1, end), end, line, source, lineno, t, err);
        }
        end = trim_end(p, end);
        tail = trailing_id(p, end);
        if (!tail) /* name first: "NAME ID" */
                return vgpu_error_set(err, EINVAL, source, lineno, (int)(p - line) + 1, "no type id at either end; %s",
                                      EXPECTED);
        r = set_id(tail, end, line, source, lineno, &t->id, err);
        if (r < 0)
                return r;
        while (tail > p && (tail[-1] == ':' || tail[-1] == ' ' || tail[-1] == '\t'))
                tail--;
        return set_name(p, tail, line, source, lineno, t, err);
}

/* A header names the columns ("ID    : vGPU Name", "vGPU Name    ID"): no id at either end. */
static bool is_header(const char *line, const char *end)
{
        const char *p = skip_blank(line, end), *q = p;

        end = trim_end(p, end);
        while (q < end && isdigit((unsigned char)*q))
                q++;
        return q == p && !trailing_id(p, end);
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
                if ((lineno == 1 && is_header(line, end)) || skip_blank(line, end) >= trim_end(line, end))
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
