/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A directory read many times: resolved once below the root, then each name
 * in it opened with one openat2(RESOLVE_BENEATH) instead of a walk from the
 * root through the /sys/bus and /sys/class links (util-linux's ul_path does
 * the same with its dir fd).  RESOLVE_BENEATH keeps the lookup inside the
 * directory; a name that would leave it (a link out, "..") is resolved from
 * the root, so both ways give the same answer.
 */
#include "config.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>

#include "vgpuhook-private.h"

/*
 * A directory that cannot be opened is kept with fd -1: its names are then
 * resolved from the root one by one and fail the way they always did.
 */
static int adopt(const struct vgpu_root *root, int fd, char *path, struct vgpu_dir *ret)
{
        if (!path) {
                if (fd >= 0)
                        close(fd);
                return -ENOMEM;
        }
        *ret = (struct vgpu_dir){.root = root, .fd = fd < 0 ? -1 : fd, .path = path};
        return fd < 0 ? fd : 0;
}

int vgpu_dir_open(const struct vgpu_root *root, const char *path, struct vgpu_dir *ret)
{
        return adopt(root, vgpu_root_open(root, path, O_PATH | O_DIRECTORY), strdup(path), ret);
}

int vgpu_dir_open_listed(const struct vgpu_root *root, const char *path, struct vgpu_dir *ret)
{
        int r = adopt(root, vgpu_root_open(root, path, O_RDONLY | O_DIRECTORY), strdup(path), ret);
        /* Not listed (an error, a directory that will not open): every name is looked up, as ever. */
        int n = r >= 0 ? vgpu_fd_list(ret->fd, &ret->names) : r;

        if (n >= 0)
                ret->n_names = (size_t)n;
        return n == -ENOMEM ? n : r;
}

void vgpu_dir_close(struct vgpu_dir *dir)
{
        if (dir->fd >= 0)
                close(dir->fd);
        free(dir->path);
        vgpu_strv_free(dir->names);
        *dir = (struct vgpu_dir){.fd = -1};
}

static int open_from_root(const struct vgpu_dir *dir, const char *name, int flags)
{
        _cleanup_free_ char *path = vgpu_strdup_printf("%s/%s", dir->path, name);

        return path ? vgpu_root_open(dir->root, path, flags) : -ENOMEM;
}

int vgpu_dir_open_at(const struct vgpu_dir *dir, const char *name, int flags)
{
        struct open_how how = {
                .flags = (uint64_t)(flags | O_CLOEXEC),
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
        };
        long fd;

        if (dir->fd < 0)
                return open_from_root(dir, name, flags);
        fd = syscall(SYS_openat2, dir->fd, name, &how, sizeof(how));
        if (fd >= 0)
                return (int)fd;
        /*
         * EXDEV: the name leaves the directory; EAGAIN: a rename raced with a
         * ".." step; ENOSYS: no openat2().  The root's own lookup handles all three.
         */
        if (errno == EXDEV || errno == EAGAIN || errno == ENOSYS)
                return open_from_root(dir, name, flags);
        return -errno;
}
