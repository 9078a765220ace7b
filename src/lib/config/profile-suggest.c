/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* "Did you mean …?" for a profile name that names no profile. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vgpuhook-private.h"

char *vgpu_profile_suggest(const struct vgpu_root *root, const char *typed)
{
        _cleanup_strv_ char **entries = NULL;
        _cleanup_free_ const char **names = NULL;
        const char *meant;
        size_t n = 0;

        if (vgpu_root_list_dir(root, VGPU_PROFILES_DIR, &entries) < 0)
                return NULL;
        for (char **e = entries; e && *e; e++)
                n++;
        names = calloc(n + 1, sizeof(*names));
        if (!names)
                return NULL;
        n = 0;
        for (char **e = entries; e && *e; e++) {
                char *dot = strrchr(*e, '.');

                /* NAME.json with a valid NAME, as vgpu_profiles_load() takes them */
                if (!dot || strcmp(dot, ".json") != 0)
                        continue;
                *dot = '\0';
                if (vgpu_profile_name_valid(*e))
                        names[n++] = *e;
        }
        meant = vgpu_closest_name(typed, names, n);
        return meant ? strdup(meant) : NULL;
}
