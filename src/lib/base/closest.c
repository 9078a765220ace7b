/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* "Did you mean …?": the known name closest to one a person mistyped. */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "vgpuhook-private.h"

#define NAME_MAX_LEN 64

static bool same_char(char a, char b)
{
        return tolower((unsigned char)a) == tolower((unsigned char)b);
}

static unsigned char min3(unsigned a, unsigned b, unsigned c)
{
        unsigned m = a < b ? a : b;

        return (unsigned char)(m < c ? m : c);
}

/*
 * Edits from @a to @b ignoring case, a swap of two neighbours counting one
 * (optimal string alignment), or NAME_MAX_LEN when either is longer.
 */
static size_t distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        unsigned char d[NAME_MAX_LEN + 1][NAME_MAX_LEN + 1];

        if (la > NAME_MAX_LEN || lb > NAME_MAX_LEN)
                return NAME_MAX_LEN;
        for (size_t i = 0; i <= la; i++)
                d[i][0] = (unsigned char)i;
        for (size_t j = 0; j <= lb; j++)
                d[0][j] = (unsigned char)j;
        for (size_t i = 1; i <= la; i++)
                for (size_t j = 1; j <= lb; j++) {
                        d[i][j] = min3(d[i - 1][j] + 1u, d[i][j - 1] + 1u,
                                       d[i - 1][j - 1] + !same_char(a[i - 1], b[j - 1]));
                        if (i > 1 && j > 1 && same_char(a[i - 1], b[j - 2]) && same_char(a[i - 2], b[j - 1]) &&
                            d[i - 2][j - 2] + 1u < d[i][j])
                                d[i][j] = (unsigned char)(d[i - 2][j - 2] + 1u);
                }
        return d[la][lb];
}

/* @typed is the last words of @name, as "T4-4Q" of "GRID T4-4Q". */
static bool word_suffix(const char *typed, const char *name)
{
        size_t lt = strlen(typed), ln = strlen(name);

        return lt && lt < ln && name[ln - lt - 1] == ' ' && strcasecmp(name + ln - lt, typed) == 0;
}

const char *vgpu_closest_name(const char *typed, const char *const *names, size_t n)
{
        size_t limit = strlen(typed) / 3, best = (size_t)-1;
        const char *found = NULL;

        if (limit > 3)
                limit = 3;
        if (limit < 1)
                limit = 1;
        for (size_t i = 0; i < n; i++) {
                size_t d;

                if (!names[i] || strcmp(names[i], typed) == 0)
                        continue;
                /* the same name in other case first, then the last words of one */
                d = strcasecmp(typed, names[i]) == 0 ? 0 : word_suffix(typed, names[i]) ? 1 : distance(typed, names[i]);
                if (d <= limit && d < best) {
                        best = d;
                        found = names[i];
                }
        }
        return found;
}
