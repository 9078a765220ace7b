/* kshim: the mdev core's stores (drivers/vfio/mdev/mdev_sysfs.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kshim-private.h"

/* The type whose directory PARENT/mdev_supported_types/TYPE holds the file. */
static struct fh_type *type_at(const struct kshim *k)
{
        for (size_t i = 0; i < k->fh->types.n; i++) {
                struct fh_type *t = k->fh->types.v[i];
                size_t plen = strlen(t->parent->path);
                const char *rest = k->dir + plen;

                if (strncmp(k->dir, t->parent->path, plen) == 0 && strncmp(rest, "/mdev_supported_types/", 22) == 0 &&
                    strcmp(rest + 22, t->id) == 0)
                        return t;
        }
        return NULL;
}

static struct fh_mdev *mdev_at(const struct kshim *k)
{
        for (size_t i = 0; i < k->fh->mdevs.n; i++) {
                struct fh_mdev *m = k->fh->mdevs.v[i];
                const char *path = m->type->parent->path;
                size_t plen = strlen(path);

                if (strncmp(k->dir, path, plen) == 0 && k->dir[plen] == '/' && strcmp(k->dir + plen + 1, m->uuid) == 0)
                        return m;
        }
        return NULL;
}

/* create_store(): 36 or 37 bytes whose first 36 are a UUID in any case
 * (guid_parse() ignores the 37th), then mdev_device_create(): EEXIST for a
 * UUID known under any parent, then the pool's own errno when it is full.
 * The device is named by the lower-case UUID (%pUl). */
int ks_mdev_create(struct kshim *k)
{
        struct fh_type *t = type_at(k);
        char uuid[37], canon[37];

        if (!t)
                return KS_PASS;
        if (k->count < 36 || k->count > 37 || strnlen(k->buf, 36) < 36)
                return -EINVAL;
        memcpy(uuid, k->buf, 36);
        uuid[36] = '\0';
        if (fh_uuid_canonical(uuid, canon) < 0)
                return -EINVAL;
        if (fh_find_mdev(k->fh, canon))
                return -EEXIST;
        if (fh_type_available(k->fh, t) < 1)
                return -t->parent->pool->full_errno;
        return fakehost_mdev_add(k->fh, canon, t->parent->name, t->id, fh_next_group(k->fh), fh_next_vfio(k->fh));
}

/* remove_store(): kstrtoul(buf, 0); 0 does nothing, anything else removes.
 * While a VM holds the device the kernel waits for it to be released. */
int ks_mdev_remove(struct kshim *k)
{
        struct fh_mdev *m = mdev_at(k);
        unsigned long long val;

        if (!m)
                return KS_PASS;
        if (ks_kstrtoull(k->buf, 0, &val) < 0)
                return -EINVAL;
        if (val == 0)
                return 0;
        if (ks_group_held(k, m->group))
                return ks_blocked(k);
        return fakehost_mdev_remove(k->fh, m->uuid);
}
