/* An index of recorded tree entries by path (fakehost-write.c's record: "PATH\0WHAT"),
 * so that a store's tree is compared with the one before it in one lookup per
 * entry: the kernel emulation's cost then follows what a store changes, not the
 * size of the host. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fakehost-private.h"

static size_t hash_path(const char *s)
{
        uint64_t h = 1469598103934665603ULL; /* FNV-1a */

        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211ULL;
        return (size_t)h;
}

static const char *what_of(const char *entry)
{
        return entry + strlen(entry) + 1;
}

/* The slot of PATH: where it is, or the empty one where it would go. */
static size_t slot_of(const struct fh_index *ix, const char *path)
{
        size_t i = hash_path(path) & ix->mask;

        while (ix->slot[i] && strcmp(ix->slot[i], path) != 0)
                i = (i + 1) & ix->mask;
        return i;
}

int fh_index_build(struct fh_index *ix, const struct fh_vec *entries)
{
        size_t cap = 64;

        while (cap < entries->n * 2)
                cap <<= 1;
        *ix = (struct fh_index){.slot = calloc(cap, sizeof(char *)), .mixed = calloc(cap, 1), .mask = cap - 1};
        if (!ix->slot || !ix->mixed) {
                fh_index_free(ix);
                return -ENOMEM;
        }
        for (size_t n = 0; n < entries->n; n++) {
                const char *e = entries->v[n];
                size_t i = slot_of(ix, e);

                if (!ix->slot[i])
                        ix->slot[i] = e;
                else if (strcmp(what_of(ix->slot[i]), what_of(e)) != 0)
                        ix->mixed[i] = true; /* written twice, differently: never "unchanged" */
        }
        return 0;
}

const char *fh_index_find(const struct fh_index *ix, const char *path, bool *mixed)
{
        size_t i;

        if (!ix->slot)
                return NULL;
        i = slot_of(ix, path);
        if (mixed)
                *mixed = ix->mixed[i];
        return ix->slot[i];
}

bool fh_index_holds(const struct fh_index *ix, const char *path, const char *what)
{
        bool mixed;
        const char *e = fh_index_find(ix, path, &mixed);

        return e && !mixed && strcmp(what_of(e), what) == 0;
}

void fh_index_free(struct fh_index *ix)
{
        free(ix->slot);
        free(ix->mixed);
        *ix = (struct fh_index){0};
}
