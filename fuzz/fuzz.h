/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer targets, one per parser: each file defines the entry point
 * below.  Built with clang by `make fuzz`; the same files, linked with
 * replay-main.c, replay the corpora and the regression inputs in
 * `make check` (built by the project's compiler, with sanitizers under
 * --enable-sanitizers).
 */
#ifndef VGPU_FUZZ_H
#define VGPU_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpuhook-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as the readers deliver files and attributes: NUL-terminated. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1);

        if (!s)
                abort();
        memcpy(s, data, size);
        s[size] = '\0';
        return s;
}

/* An invariant broke: a finding, as a crash would be. */
#define FUZZ_ASSERT(cond)                                                                            \
        do {                                                                                         \
                if (!(cond)) {                                                                       \
                        fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
                        abort();                                                                     \
                }                                                                                    \
        } while (0)

/* Every parse error names where it was: a source and a sentence. */
static inline void fuzz_check_error(const struct vgpu_error *err)
{
        char buf[1024];

        FUZZ_ASSERT(err->text[0] != '\0');
        FUZZ_ASSERT(err->line >= 0 && err->column >= 0);
        vgpu_error_format(err, buf, sizeof(buf));
}

#endif
