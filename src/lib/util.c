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
