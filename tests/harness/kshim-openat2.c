/* openat2(RESOLVE_IN_ROOT) where "the kernel" lacks it.
 *
 * valgrind 3.19 (Debian 12) does not know the openat2 syscall and answers
 * ENOSYS, which would leave every root prefix unreadable under memcheck
 * (make check-valgrind).  Playing the kernel is the shim's job: it resolves
 * the path as the kernel does for RESOLVE_IN_ROOT, component by component
 * below the root fd, ".." never climbing above it and absolute symlinks
 * starting again from it, then opens the result with openat().  The
 * library's own code is unchanged.  Test trees only: unlike the kernel's,
 * this walk is not safe against a concurrent rename of a parent. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kshim-openat2.h"

#define LINKS_MAX 40 /* the kernel's MAXSYMLINKS */

/* Drop the last component of @done ("a/b" -> "a", "a" -> ""). */
static void climb(char *done)
{
        char *slash = strrchr(done, '/');

        *(slash ? slash : done) = '\0';
}

/* A symlink to follow at @cand: the rest of the walk becomes TARGET + @after. */
static int follow(int root, const char *cand, const char *after, char *done, char *rest, size_t size)
{
        char target[PATH_MAX], next[2 * PATH_MAX];
        ssize_t n = readlinkat(root, cand, target, sizeof(target) - 1);

        if (n < 0)
                return -errno;
        target[n] = '\0';
        if ((size_t)snprintf(next, sizeof(next), "%s%s", target, after) >= sizeof(next) || strlen(next) >= size)
                return -ENAMETOOLONG;
        if (target[0] == '/')
                done[0] = '\0';
        strcpy(rest, next);
        return 0;
}

/* @path below @root into @done, relative and free of links (but maybe the last). */
static int resolve(int root, const char *path, bool follow_last, char done[PATH_MAX])
{
        char rest[2 * PATH_MAX], cand[PATH_MAX];
        const char *p = rest;
        int links = 0;

        if ((size_t)snprintf(rest, sizeof(rest), "%s", path) >= sizeof(rest))
                return -ENAMETOOLONG;
        done[0] = '\0';
        while (*(p += strspn(p, "/"))) {
                const char *end = strchrnul(p, '/');
                size_t n = (size_t)(end - p);
                bool last = !end[strspn(end, "/")];
                struct stat st;
                int r;

                if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
                        if (n == 2)
                                climb(done);
                        p = end;
                        continue;
                }
                if ((size_t)snprintf(cand, sizeof(cand), "%s%s%.*s", done, *done ? "/" : "", (int)n, p) >= sizeof(cand))
                        return -ENAMETOOLONG;
                if ((!last || follow_last) && fstatat(root, cand, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                    S_ISLNK(st.st_mode)) {
                        if (++links > LINKS_MAX)
                                return -ELOOP;
                        r = follow(root, cand, end, done, rest, sizeof(rest));
                        if (r < 0)
                                return r;
                        p = rest;
                        continue;
                }
                strcpy(done, cand);
                p = end;
        }
        return 0;
}

long ks_openat2_emulated(int dirfd, const char *path, const struct open_how *how)
{
        char done[PATH_MAX];
        int r;

        if (!(how->resolve & RESOLVE_IN_ROOT)) {
                errno = ENOSYS;
                return -1;
        }
        r = resolve(dirfd, path, !(how->flags & O_NOFOLLOW), done);
        if (r < 0) {
                errno = -r;
                return -1;
        }
        return openat(dirfd, *done ? done : ".", (int)how->flags, (mode_t)how->mode);
}
