/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The root prefix: every host path is opened below one directory with
 * openat2(RESOLVE_IN_ROOT), so ".." and absolute symlinks in a (possibly
 * hostile) tree resolve inside it, as if we were chrooted there.
 */
#include "config.h"

#include <limits.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "vgpuhook-private.h"

#define OPENAT2_RETRIES 128

static bool is_process_root(int fd)
{
        struct stat a, b;

        return fstat(fd, &a) == 0 && stat("/", &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int vgpu_root_new(const char *path, struct vgpu_root **ret_root)
{
        struct vgpu_root *root;

        if (!path)
                path = secure_getenv("VGPU_HOOK_ROOT");
        if (!path || !*path)
                path = "/";
        root = calloc(1, sizeof(*root));
        if (!root)
                return -ENOMEM;
        root->refcount = 1;
        root->log_priority = VGPU_LOG_ERR;
        root->path = strdup(path);
        root->fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (!root->path || root->fd < 0) {
                int r = root->path ? -errno : -ENOMEM;

                vgpu_root_unref(root);
                return r;
        }
        root->is_slash = is_process_root(root->fd);
        *ret_root = root;
        return 0;
}

struct vgpu_root *vgpu_root_ref(struct vgpu_root *root)
{
        if (root)
                root->refcount++;
        return root;
}

struct vgpu_root *vgpu_root_unref(struct vgpu_root *root)
{
        if (!root || --root->refcount > 0)
                return NULL;
        if (root->fd >= 0)
                close(root->fd);
        free(root->path);
        free(root);
        return NULL;
}

const char *vgpu_root_path(const struct vgpu_root *root)
{
        return root->path;
}

int vgpu_root_open(const struct vgpu_root *root, const char *path, int flags)
{
        struct open_how how = {
                .flags = (uint64_t)(flags | O_CLOEXEC),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        long fd;

        while (*path == '/')
                path++;
        if (!*path)
                path = ".";
        /*
         * With RESOLVE_IN_ROOT the kernel answers EAGAIN when any rename on
         * the system raced with a ".." step (sysfs links are full of them):
         * retry, boundedly.
         */
        for (int tries = 0; tries < OPENAT2_RETRIES; tries++) {
                fd = syscall(SYS_openat2, root->fd, path, &how, sizeof(how));
                if (fd >= 0 || errno != EAGAIN)
                        break;
        }
        /*
         * No openat2() (Linux < 5.6; valgrind 3.19 does not know it either):
         * below the process's own "/", RESOLVE_IN_ROOT changes nothing (".."
         * of "/" is "/", absolute links resolve from "/"), so openat() opens
         * the same files.  Only RESOLVE_NO_MAGICLINKS is lost, which guards
         * against /proc/PID/fd links planted in a hostile tree; the host's
         * own sysfs, /etc and /run are not one.  Any other root fails with
         * ENOSYS rather than lose its containment.
         */
        if (fd < 0 && errno == ENOSYS && root->is_slash)
                fd = openat(root->fd, path, flags | O_CLOEXEC);
        return fd < 0 ? -errno : (int)fd;
}

/* The printable start of a stored value, for one log line. */
static int shown_len(const void *buf, size_t len)
{
        const unsigned char *p = buf;
        size_t n = 0;

        while (n < len && n < 128 && p[n] >= 0x20 && p[n] < 0x7f)
                n++;
        return (int)n;
}

static int store(const struct vgpu_root *root, const char *path, const void *buf, size_t len)
{
        _cleanup_close_ int fd = vgpu_root_open(root, path, O_WRONLY | O_NOCTTY | O_NOFOLLOW);
        ssize_t n;

        if (fd < 0)
                return fd;
        /*
         * A sysfs store sees one write(2): the kernel answers inside it with
         * its errno, so no retry loop that would split the value.
         */
        do
                n = write(fd, buf, len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        return (size_t)n == len ? 0 : -EIO;
}

int vgpu_root_write_attr(const struct vgpu_root *root, const char *path, const void *buf, size_t len)
{
        int r = store(root, path, buf, len);

        if (r < 0)
                vgpu_dbg(root, "store %s \"%.*s\" refused: %s", path, shown_len(buf, len), (const char *)buf,
                         strerror(-r));
        else
                vgpu_dbg(root, "store %s \"%.*s\"", path, shown_len(buf, len), (const char *)buf);
        return r;
}
