/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Cleanup attributes for locals, shared by the library and the programs. */
#ifndef VGPU_CLEANUP_H
#define VGPU_CLEANUP_H

#include <stdlib.h>
#include <unistd.h>

#include <jansson.h>

void vgpu_strv_free(char **strv);

static inline void freep(void *p)
{
        free(*(void **)p);
}

static inline void closep(int *fd)
{
        if (*fd >= 0)
                close(*fd);
}

static inline void strv_freep(char ***strv)
{
        vgpu_strv_free(*strv);
}

static inline void jsonp(json_t **j)
{
        json_decref(*j);
}

#define _cleanup_(f)    __attribute__((cleanup(f)))
#define _cleanup_free_  _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_strv_  _cleanup_(strv_freep)
#define _cleanup_json_  _cleanup_(jsonp)

/* Hand a cleanup-owned pointer to someone else. */
#define TAKE_PTR(p)                       \
        ({                                \
                __typeof__(p) _tp_ = (p); \
                (p) = NULL;               \
                _tp_;                     \
        })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
