/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tables of vgpuctl: columns as wide as their widest cell (at least the
 * header's or the column's minimum), fitted to VGPUCTL_TABLE_COLUMNS: the
 * last column wraps at spaces and the columns marked wide-only are left
 * out.  --wide prints every column on one line each.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vgpuctl.h"

struct vgpuctl_table {
        const struct vgpuctl_col *cols;
        size_t n_cols;
        size_t n_rows;
        char **cells; /* n_rows * n_cols */
        bool failed;
};

/* Columns on a terminal, as UTF-8 characters (no wide ones in our output). */
static size_t text_width(const char *s, size_t len)
{
        size_t w = 0;

        for (size_t i = 0; i < len; i++)
                w += ((unsigned char)s[i] & 0xc0) != 0x80;
        return w;
}

struct vgpuctl_table *vgpuctl_table_new(const struct vgpuctl_col *cols, size_t n_cols)
{
        struct vgpuctl_table *t = calloc(1, sizeof(*t));

        if (t) {
                t->cols = cols;
                t->n_cols = n_cols;
        }
        return t;
}

void vgpuctl_table_free(struct vgpuctl_table *t)
{
        if (!t)
                return;
        for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
                free(t->cells[i]);
        free(t->cells);
        free(t);
}

void vgpuctl_table_add(struct vgpuctl_table *t, ...)
{
        char **grown;
        va_list ap;

        if (!t || t->failed)
                return;
        grown = realloc(t->cells, (t->n_rows + 1) * t->n_cols * sizeof(*grown));
        if (!grown) {
                t->failed = true;
                return;
        }
        t->cells = grown;
        va_start(ap, t);
        for (size_t c = 0; c < t->n_cols; c++) {
                const char *s = va_arg(ap, const char *);

                grown[t->n_rows * t->n_cols + c] = strdup(s && *s ? s : "-");
                t->failed |= !grown[t->n_rows * t->n_cols + c];
        }
        va_end(ap);
        t->n_rows++;
}

static bool shown(const struct vgpuctl_table *t, size_t c, bool wide)
{
        return wide || !(t->cols[c].flags & VGPUCTL_COL_WIDE);
}

static void pad(size_t n)
{
        printf("%*s", (int)n, "");
}

/* The last column from @start on: wrapped at spaces into lines of @room columns. */
static void print_wrapped(const char *s, size_t start, size_t room)
{
        for (bool first = true; *s; first = false) {
                size_t len = strlen(s), cut = len;

                if (text_width(s, len) > room) {
                        cut = 0;
                        for (size_t i = 1; i < len && text_width(s, i) <= room; i++)
                                if (s[i] == ' ')
                                        cut = i;
                        if (!cut) /* one long word: it overflows */
                                cut = strcspn(s, " ");
                }
                if (!first)
                        pad(start);
                printf("%.*s\n", (int)cut, s);
                s += cut;
                s += strspn(s, " ");
        }
}

static void print_row(const struct vgpuctl_table *t, char *const *row, const size_t *width, size_t last,
                      const char *indent, bool wide)
{
        size_t at = strlen(indent);

        fputs(indent, stdout);
        for (size_t c = 0; c < last; c++) {
                size_t w;

                if (!shown(t, c, wide))
                        continue;
                w = text_width(row[c], strlen(row[c]));
                if (t->cols[c].flags & VGPUCTL_COL_RIGHT)
                        pad(width[c] > w ? width[c] - w : 0);
                fputs(row[c], stdout);
                if (!(t->cols[c].flags & VGPUCTL_COL_RIGHT))
                        pad(width[c] > w ? width[c] - w : 0);
                putchar(' ');
                at += (width[c] > w ? width[c] : w) + 1;
        }
        if (wide || at + 20 > VGPUCTL_TABLE_COLUMNS)
                printf("%s\n", row[last]);
        else
                print_wrapped(row[last], at, VGPUCTL_TABLE_COLUMNS - at);
}

int vgpuctl_table_print(const struct vgpuctl_table *t, const char *indent, bool wide)
{
        _cleanup_free_ size_t *width = NULL;
        _cleanup_free_ char **header = NULL;
        size_t last = t->n_cols - 1;

        if (t->failed || !(width = calloc(t->n_cols, sizeof(*width))) || !(header = calloc(t->n_cols, sizeof(*header))))
                return vgpuctl_fail("out of memory");
        for (size_t c = 0; c < t->n_cols; c++) {
                header[c] = (char *)t->cols[c].header;
                width[c] = t->cols[c].min;
                for (size_t r = 0; r <= t->n_rows; r++) {
                        const char *s = r ? t->cells[(r - 1) * t->n_cols + c] : header[c];
                        size_t w = text_width(s, strlen(s));

                        width[c] = w > width[c] ? w : width[c];
                }
        }
        print_row(t, header, width, last, indent, wide);
        for (size_t r = 0; r < t->n_rows; r++)
                print_row(t, t->cells + r * t->n_cols, width, last, indent, wide);
        return VGPUCTL_OK;
}
