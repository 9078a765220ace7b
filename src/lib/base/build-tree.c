/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The programs' modules when they run from their build tree: an admin's
 * first try is ./vgpuctl in the tree just built, before `make install`.
 * Installed programs always load from the absolute path compiled in.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vgpuhook-private.h"

/* The directory of this process's executable (symlinks resolved), or -errno. */
static int self_dir(char *buf, size_t size)
{
        ssize_t n = readlink("/proc/self/exe", buf, size - 1);
        char *slash;

        if (n < 0)
                return -errno;
        if ((size_t)n >= size - 1)
                return -ENAMETOOLONG;
        buf[n] = '\0';
        slash = strrchr(buf, '/');
        if (!slash || slash == buf)
                return -ENOENT;
        *slash = '\0';
        return 0;
}

/* Owned by us or root, and writable by nobody else: what we will run code from. */
static bool trusted(int dir_fd, const char *name, mode_t type)
{
        struct stat st;

        return fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == type &&
               (st.st_uid == 0 || st.st_uid == geteuid()) && !(st.st_mode & (S_IWGRP | S_IWOTH));
}

int vgpu_build_tree_module(const char *installed_dir, const char *name, char *buf, size_t size)
{
        char dir[PATH_MAX];
        _cleanup_close_ int dir_fd = -1, libs_fd = -1;
        int r = self_dir(dir, sizeof(dir));

        if (r < 0)
                return r;
        /* an installed program never looks beside itself */
        if (installed_dir && strcmp(dir, installed_dir) == 0)
                return 0;
        dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return -errno;
        /* configure's config.status marks a build tree; libtool puts the module in .libs */
        if (!trusted(dir_fd, ".", S_IFDIR) || !trusted(dir_fd, "config.status", S_IFREG))
                return 0;
        libs_fd = openat(dir_fd, ".libs", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (libs_fd < 0 || !trusted(libs_fd, ".", S_IFDIR) || !trusted(libs_fd, name, S_IFREG))
                return 0;
        if ((size_t)snprintf(buf, size, "%s/.libs/%s", dir, name) >= size)
                return -ENAMETOOLONG;
        return 1;
}

const char *vgpu_module_path(const char *env, const char *installed_dir, const char *name, const char *installed,
                             char *buf, size_t size)
{
        const char *path = secure_getenv(env);

        if (path && *path)
                return path;
        return vgpu_build_tree_module(installed_dir, name, buf, size) > 0 ? buf : installed;
}
