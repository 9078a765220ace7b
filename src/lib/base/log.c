/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The log callback on the root: the library decides, the programs print. */
#include "config.h"

#include "vgpuhook-private.h"

void vgpu_root_set_log_fn(struct vgpu_root *root, vgpu_log_fn fn, void *data)
{
        root->log_fn = fn;
        root->log_data = data;
}

void vgpu_root_set_log_priority(struct vgpu_root *root, enum vgpu_log_level priority)
{
        root->log_priority = priority;
}

enum vgpu_log_level vgpu_root_get_log_priority(const struct vgpu_root *root)
{
        return root->log_priority;
}

void vgpu_log(const struct vgpu_root *root, enum vgpu_log_level priority, const char *file, int line, const char *fn,
              const char *format, ...)
{
        va_list args;
        int saved = errno; /* a message must not change what the caller returns */

        if (!vgpu_log_enabled(root, priority))
                return;
        va_start(args, format);
        root->log_fn(root->log_data, (int)priority, file, line, fn, format, args);
        va_end(args);
        errno = saved;
}
