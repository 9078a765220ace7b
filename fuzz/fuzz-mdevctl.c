/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An mdevctl definition, /etc/mdevctl.d/PARENT/UUID: parsed, then written
 * as mdevctl would and read back, which must give the same definition.
 */
#include "config.h"

#include "fuzz.h"

#define PARENT "0000:3b:00.0"
#define UUID   "3b0e1c2d-0000-4000-8000-00000000aa01"

static bool attrs_equal(const struct vgpu_mdevctl_def *a, const struct vgpu_mdevctl_def *b)
{
        if (a->n_attrs != b->n_attrs)
                return false;
        for (size_t i = 0; i < a->n_attrs; i++)
                if (strcmp(a->attrs[i].name, b->attrs[i].name) != 0 ||
                    strcmp(a->attrs[i].value, b->attrs[i].value) != 0)
                        return false;
        return true;
}

static void round_trip(const struct vgpu_mdevctl_def *def)
{
        struct vgpu_mdevctl_def *again = NULL;
        struct vgpu_error err = {0};
        _cleanup_free_ char *text = NULL;
        int len = vgpu_mdevctl_def_format(def, &text, &err);

        FUZZ_ASSERT(len >= 0);
        FUZZ_ASSERT(vgpu_mdevctl_def_parse(PARENT, UUID, "again", text, (size_t)len, &again, &err) == 0);
        FUZZ_ASSERT(strcmp(def->type, again->type) == 0 && def->autostart == again->autostart);
        FUZZ_ASSERT(attrs_equal(def, again));
        vgpu_mdevctl_def_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct vgpu_mdevctl_def *def = NULL;
        struct vgpu_error err = {0};
        int r = vgpu_mdevctl_def_parse(PARENT, UUID, VGPU_MDEVCTL_DIR "/" PARENT "/" UUID, (const char *)data, size,
                                       &def, &err);

        if (r < 0) {
                if (r != -ENOMEM)
                        fuzz_check_error(&err);
                return 0;
        }
        FUZZ_ASSERT(vgpu_mdevctl_name_valid(def->type) && strcmp(def->uuid, UUID) == 0);
        round_trip(def);
        vgpu_mdevctl_def_free(def);
        return 0;
}
