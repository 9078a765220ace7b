/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Replacing a file so that a reader (or a crash) sees the old or the new
 * text, never half of it: a temp file in the same directory, fsync, rename,
 * fsync of the directory.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "vgpuhook-private.h"

int vgpu_root_open_dir_p(const struct vgpu_root *root, const char *path)
{
        int fd = vgpu_root_open(root, path, O_RDONLY | O_DIRECTORY);
        _cleanup_free_ char *up = NULL;
        _cleanup_close_ int up_fd = -1;
        const char *base = strrchr(path, '/');

        if (fd != -ENOENT || !base || !base[1])
                return fd;
        up = base == path ? strdup("/") : strndup(path, (size_t)(base - path));
        if (!up)
                return -ENOMEM;
        up_fd = vgpu_root_open_dir_p(root, up);
        if (up_fd < 0)
                return up_fd;
        if (mkdirat(up_fd, base + 1, 0755) < 0 && errno != EEXIST)
                return -errno;
        return vgpu_root_open(root, path, O_RDONLY | O_DIRECTORY);
}

/* A new hidden file next to @name (which readers skip): its fd, its name in @tmp. */
static int create_temp(int dir_fd, const char *name, mode_t mode, char tmp[64])
{
        for (unsigned i = 0; i < 16; i++) {
                uint32_t rnd;
                int fd;

                if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
                        rnd = (uint32_t)getpid() * 2654435761u + i;
                snprintf(tmp, 64, ".%.40s.%08x", name, rnd);
                fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
                if (fd >= 0 || errno != EEXIST)
                        return fd < 0 ? -errno : fd;
        }
        return -EEXIST;
}

int vgpu_write_file_atomic(int dir_fd, const char *name, const char *text, size_t len, mode_t mode)
{
        char tmp[64];
        int fd = create_temp(dir_fd, name, mode, tmp);
        int r;

        if (fd < 0)
                return fd;
        /* the umask must not narrow what the old file allowed */
        r = fchmod(fd, mode) < 0 ? -errno : 0;
        if (r == 0)
                r = vgpu_write_all(fd, text, len);
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && renameat(dir_fd, tmp, dir_fd, name) < 0)
                r = -errno;
        if (r < 0) {
                unlinkat(dir_fd, tmp, 0);
                return r;
        }
        return fsync(dir_fd) < 0 ? -errno : 0;
}
