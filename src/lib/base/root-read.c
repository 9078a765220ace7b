/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading below the root: small files, sysfs attributes, links and
 * directories, each named by a path from the root (vgpu_root_*) or by a name
 * in a directory already open (vgpu_dir_*, base/dir.c).  Both share one body.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "vgpuhook-private.h"

#define ATTR_MAX 4096

/* Where a name is looked up: from the root, or in an open directory. */
struct place {
        const struct vgpu_root *root;
        const struct vgpu_dir *dir;
};

static int cmp_names(const void *a, const void *b)
{
        return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* Not in the directory's list (its first component, for "nvidia/creatable_vgpu_types"): no lookup needed. */
static bool unlisted(struct place at, const char *name)
{
        char first[NAME_MAX + 1];
        const char *key = first;
        size_t len = strcspn(name, "/");

        if (!at.dir || !at.dir->names || len > NAME_MAX || (len == 1 && *name == '.') ||
            (len == 2 && name[0] == '.' && name[1] == '.'))
                return false;
        memcpy(first, name, len);
        first[len] = '\0';
        return !bsearch(&key, at.dir->names, at.dir->n_names, sizeof(char *), cmp_names);
}

static int open_in(struct place at, const char *name, int flags)
{
        if (unlisted(at, name))
                return -ENOENT;
        return at.dir ? vgpu_dir_open_at(at.dir, name, flags) : vgpu_root_open(at.root, name, flags);
}

/* @want bytes on the heap: @heap grown, or a new block holding the @len bytes read into @small. */
static char *grow(char *small, char *heap, size_t len, size_t want)
{
        char *p = realloc(heap, want);

        if (p && !heap)
                memcpy(p, small, len);
        return p;
}

/*
 * Read up to @max bytes (and one past it, so that "exactly max" and "more"
 * differ).  Most files are a few bytes: they are read on the stack and kept
 * in an allocation of their own size, not in one of @max (an inventory keeps
 * thousands of attributes, and a 4 KiB block each is a page fault each).
 */
static int read_fd(int fd, size_t max, char **ret)
{
        char small[ATTR_MAX + 1];
        _cleanup_free_ char *heap = NULL;
        size_t len = 0, cap = max + 1 < sizeof(small) ? max + 1 : sizeof(small);
        char *buf = small, *grown;

        for (;;) {
                size_t room = cap - len;
                ssize_t n = read(fd, buf + len, room);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                len += (size_t)n;
                /* A short read of a regular file (sysfs attributes too) is the end: no read(2) to see 0. */
                if ((size_t)n < room)
                        break;
                if (len > max)
                        return -EFBIG;
                cap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
                grown = grow(small, heap, len, cap);
                if (!grown)
                        return -ENOMEM;
                buf = heap = grown;
        }
        buf[len] = '\0';
        if (!heap && !(heap = grow(small, NULL, len + 1, len + 1)))
                return -ENOMEM;
        *ret = TAKE_PTR(heap);
        return (int)len;
}

static int read_file(struct place at, const char *name, size_t max, char **ret)
{
        _cleanup_close_ int fd = open_in(at, name, O_RDONLY | O_NOCTTY | O_NONBLOCK);
        struct stat st;

        if (fd < 0)
                return fd;
        /* A FIFO or device here would block or stream forever: refuse it. */
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        if (max > INT32_MAX)
                max = INT32_MAX;
        return read_fd(fd, max, ret);
}

static int read_attr(struct place at, const char *name, char **ret)
{
        char *s;
        int r = read_file(at, name, ATTR_MAX, &s);

        if (r < 0)
                return r;
        if (r > 0 && s[r - 1] == '\n')
                s[--r] = '\0';
        *ret = s;
        return r;
}

static int link_target(struct place at, const char *name, char *buf, size_t size)
{
        _cleanup_close_ int fd = -1;
        ssize_t n;

        if (unlisted(at, name))
                return -ENOENT;
        /* A plain name in an open directory: readlinkat() it there, no open needed. */
        if (at.dir && at.dir->fd >= 0 && !strchr(name, '/')) {
                n = readlinkat(at.dir->fd, name, buf, size - 1);
                if (n < 0)
                        return -errno;
        } else {
                fd = open_in(at, name, O_PATH | O_NOFOLLOW);
                if (fd < 0)
                        return fd;
                n = readlinkat(fd, "", buf, size - 1);
                if (n < 0)
                        return errno == ENOENT ? -EINVAL : -errno; /* not a link */
        }
        buf[n] = '\0';
        return (int)n;
}

static int read_link(struct place at, const char *name, char **ret)
{
        char buf[PATH_MAX];
        int n = link_target(at, name, buf, sizeof(buf));

        if (n < 0)
                return n;
        *ret = strdup(buf);
        return *ret ? n : -ENOMEM;
}

static int read_link_name(struct place at, const char *name, char **ret)
{
        _cleanup_free_ char *target = NULL;
        const char *base;
        char *s;
        int r = read_link(at, name, &target);

        if (r < 0)
                return r;
        base = strrchr(target, '/');
        base = base ? base + 1 : target;
        if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
                return -EINVAL;
        s = strdup(base);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return (int)strlen(s);
}

/* Append @name to the NULL-terminated @names (@n of them). */
static int add_name(char ***names, size_t *n, const char *name)
{
        char **grown = reallocarray(*names, *n + 2, sizeof(char *));

        if (!grown)
                return -ENOMEM;
        *names = grown;
        grown[*n + 1] = NULL;
        grown[*n] = strdup(name);
        if (!grown[*n])
                return -ENOMEM;
        (*n)++;
        return 0;
}

/*
 * getdents64() on the descriptor itself: fdopendir() would spend two fcntl()
 * calls on each of the hundreds of directories an inventory lists.
 */
int vgpu_fd_list(int fd, char ***ret)
{
        _cleanup_strv_ char **names = calloc(1, sizeof(char *));
        char buf[16384] __attribute__((aligned(8)));
        size_t n = 0;
        ssize_t len;

        if (!names)
                return -ENOMEM;
        while ((len = getdents64(fd, buf, sizeof(buf))) > 0)
                for (ssize_t o = 0; o < len;) {
                        const struct dirent64 *de = (const struct dirent64 *)(buf + o);

                        o += de->d_reclen;
                        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
                            add_name(&names, &n, de->d_name) < 0)
                                return -ENOMEM;
                }
        /* an error ends the list, as it ended readdir(3) */
        vgpu_qsort(names, n, sizeof(char *), cmp_names);
        *ret = TAKE_PTR(names);
        return (int)n;
}

static int copy_names(const struct vgpu_dir *dir, char ***ret)
{
        _cleanup_strv_ char **names = calloc(1, sizeof(char *));
        size_t n = 0;

        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < dir->n_names; i++)
                if (add_name(&names, &n, dir->names[i]) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(names);
        return (int)n;
}

static int list_dir(struct place at, const char *name, char ***ret)
{
        _cleanup_close_ int fd = -1;

        /* A listed directory answers for itself. */
        if (at.dir && at.dir->names && strcmp(name, ".") == 0)
                return copy_names(at.dir, ret);
        fd = open_in(at, name, O_RDONLY | O_DIRECTORY);
        return fd < 0 ? fd : vgpu_fd_list(fd, ret);
}

#define ROOT(r) ((struct place){.root = (r)})
#define DIR_(d) ((struct place){.root = (d)->root, .dir = (d)})

int vgpu_root_read_file(const struct vgpu_root *root, const char *path, size_t max, char **ret)
{
        return read_file(ROOT(root), path, max, ret);
}

int vgpu_root_read_attr(const struct vgpu_root *root, const char *path, char **ret)
{
        return read_attr(ROOT(root), path, ret);
}

int vgpu_root_read_link(const struct vgpu_root *root, const char *path, char **ret)
{
        return read_link(ROOT(root), path, ret);
}

int vgpu_root_read_link_name(const struct vgpu_root *root, const char *path, char **ret)
{
        return read_link_name(ROOT(root), path, ret);
}

int vgpu_root_list_dir(const struct vgpu_root *root, const char *path, char ***ret)
{
        return list_dir(ROOT(root), path, ret);
}

bool vgpu_root_exists(const struct vgpu_root *root, const char *path)
{
        _cleanup_close_ int fd = vgpu_root_open(root, path, O_PATH);

        return fd >= 0;
}

int vgpu_dir_read_file(const struct vgpu_dir *dir, const char *name, size_t max, char **ret)
{
        return read_file(DIR_(dir), name, max, ret);
}

int vgpu_dir_read_attr(const struct vgpu_dir *dir, const char *name, char **ret)
{
        return read_attr(DIR_(dir), name, ret);
}

int vgpu_dir_read_link(const struct vgpu_dir *dir, const char *name, char **ret)
{
        return read_link(DIR_(dir), name, ret);
}

int vgpu_dir_read_link_name(const struct vgpu_dir *dir, const char *name, char **ret)
{
        return read_link_name(DIR_(dir), name, ret);
}

int vgpu_dir_list(const struct vgpu_dir *dir, const char *name, char ***ret)
{
        return list_dir(DIR_(dir), name ? name : ".", ret);
}
