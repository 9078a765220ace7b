/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who may use the ledger's directory and files, and the one sentence that
 * says what to do when they are wrong.  To change the ledger they must be
 * private: ours, mode 0700 and 0600.  To read it, ours and writable by no
 * one else is enough (config management's `chmod -R a+rX /run` must not stop
 * `vgpuctl leases`), though the hook refuses to lock such a ledger until the
 * mode is put right.
 */
#include "config.h"

#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vgpuhook-private.h"

static const char *user_name(uid_t uid, char *buf, size_t size)
{
        struct passwd pw, *found = NULL;
        char scratch[1024];

        if (getpwuid_r(uid, &pw, scratch, sizeof(scratch), &found) == 0 && found)
                snprintf(buf, size, "%s", found->pw_name);
        else
                snprintf(buf, size, "uid %u", (unsigned)uid);
        return buf;
}

static int refuse(const struct stat *st, bool dir, const char *path, struct vgpu_error *err)
{
        char want[64], have[64];

        user_name(geteuid(), want, sizeof(want));
        if (dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode))
                return vgpu_error_set(err, EPERM, path, 0, 0, "is not a %s; remove it (as %s) and retry",
                                      dir ? "directory" : "regular file", want);
        return vgpu_error_set(err, EPERM, path, 0, 0,
                              "is owned by %s with mode %04o; it must be %s's with mode %s: as root, chown -R %s %s && "
                              "chmod -R go= %s",
                              user_name(st->st_uid, have, sizeof(have)), (unsigned)(st->st_mode & 07777), want,
                              dir ? "0700" : "0600", want, VGPU_LEDGER_DIR, VGPU_LEDGER_DIR);
}

int vgpu_ledger_check_access(int fd, bool dir, bool to_write, const char *path, struct vgpu_error *err)
{
        struct stat st;

        if (fstat(fd, &st) < 0)
                return vgpu_error_set(err, errno, path, 0, 0, "%s", strerror(errno));
        if ((dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) || st.st_uid != geteuid() ||
            (st.st_mode & (to_write ? 077 : 022)))
                return refuse(&st, dir, path, err);
        return 0;
}

int vgpu_ledger_open_error(int errnum, const char *path, struct vgpu_error *err)
{
        if (errnum == ELOOP || errnum == ENOTDIR)
                return vgpu_error_set(err, EPERM, path, 0, 0,
                                      "is a symlink or not a directory; remove it (as root) and retry");
        if (errnum == EACCES)
                return vgpu_error_set(
                        err, EACCES, path, 0, 0,
                        "permission denied: only root may use the lease ledger (mode 0700); run this as root");
        return vgpu_error_set(err, errnum, path, 0, 0, "%s", strerror(errnum));
}

/* @name in @dir_fd, when there, private and ours?  0 also when absent. */
static int check_file(int dir_fd, const char *name, const char *path, struct vgpu_error *err)
{
        int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        int r;

        if (fd < 0)
                return errno == ENOENT ? 0 : vgpu_ledger_open_error(errno, path, err);
        r = vgpu_ledger_check_access(fd, false, true, path, err);
        close(fd);
        return r;
}

int vgpu_ledger_check_private(const struct vgpu_root *root, struct vgpu_error *err)
{
        _cleanup_close_ int run = vgpu_root_open(root, "/run", O_PATH | O_DIRECTORY);
        _cleanup_close_ int dir = -1;
        int r;

        if (run < 0)
                return vgpu_ledger_open_error(-run, "/run", err);
        dir = openat(run, "vgpu-hook", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir < 0)
                return errno == ENOENT ? -ENOENT : vgpu_ledger_open_error(errno, VGPU_LEDGER_DIR, err);
        r = vgpu_ledger_check_access(dir, true, true, VGPU_LEDGER_DIR, err);
        if (r == 0)
                r = check_file(dir, "ledger.lock", VGPU_LEDGER_LOCK, err);
        if (r == 0)
                r = check_file(dir, "ledger.json", VGPU_LEDGER_FILE, err);
        return r;
}
