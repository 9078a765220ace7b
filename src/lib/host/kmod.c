/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The running kernel's module index, as modprobe and libvirt read it:
 * /lib/modules/RELEASE/modules.alias for the VFIO variant driver a device
 * would get (libvirt >= 10.0 binds the module of the most specific
 * "vfio_pci:" alias matching the device's modalias, the one with the fewest
 * '*', when a <hostdev managed='yes'> names no <driver model=>), and
 * modules.dep and modules.builtin for whether a driver is installed at all.
 * RELEASE is /proc/sys/kernel/osrelease (uname -r); all of it under the root.
 */
#include "config.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vgpuhook-private.h"

#define VFIO_ALIAS_PREFIX "vfio_pci:"

static void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}

bool vgpu_kmod_name_valid(const char *name)
{
        size_t len = name ? strlen(name) : 0;

        if (len == 0 || len > VGPU_KMOD_NAME_MAX)
                return false;
        return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == len;
}

/* Up to @len characters of @a and @b, '-' and '_' alike (as modprobe takes them). */
static bool same_name(const char *a, const char *b, size_t len)
{
        for (size_t i = 0; i < len; i++) {
                char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

                if (x != y)
                        return false;
                if (!x)
                        return true;
        }
        return true;
}

bool vgpu_kmod_name_eq(const char *a, const char *b)
{
        return a && b && strlen(a) == strlen(b) && same_name(a, b, strlen(a));
}

int vgpu_kernel_release(const struct vgpu_root *root, char *buf, size_t size)
{
        _cleanup_free_ char *release = NULL;
        int r = vgpu_root_read_attr(root, "/proc/sys/kernel/osrelease", &release);

        if (r < 0)
                return r;
        if (r == 0 || strchr(release, '/') || strcmp(release, "..") == 0 || strcmp(release, ".") == 0)
                return -EINVAL;
        return snprintf(buf, size, "%s", release) < (int)size ? 0 : -ENAMETOOLONG;
}

/* /lib/modules/RELEASE/@file opened for reading, or NULL (errno set). */
static FILE *open_index(const struct vgpu_root *root, const char *file)
{
        char release[256], path[512];
        int r = vgpu_kernel_release(root, release, sizeof(release));
        int fd;
        FILE *f;

        if (r < 0) {
                errno = -r;
                return NULL;
        }
        snprintf(path, sizeof(path), "/lib/modules/%s/%s", release, file);
        fd = vgpu_root_open(root, path, O_RDONLY | O_NONBLOCK | O_NOCTTY); /* a FIFO never blocks the hook */
        if (fd < 0) {
                errno = -fd;
                return NULL;
        }
        f = fdopen(fd, "r");
        if (!f)
                close(fd);
        return f;
}

/* "kernel/drivers/vfio/pci/vfio-pci.ko.xz": is it module @name? */
static bool path_is_module(const char *path, size_t len, const char *name)
{
        const char *base = memrchr(path, '/', len);
        const char *ko;

        base = base ? base + 1 : path;
        ko = strstr(base, ".ko");
        return ko && ko < path + len && (size_t)(ko - base) == strlen(name) && same_name(base, name, strlen(name));
}

/* Does index @file (modules.dep: "PATH: DEPS", modules.builtin: "PATH") list module @name? */
static int index_lists(const struct vgpu_root *root, const char *file, const char *name)
{
        _cleanup_(fclosep) FILE *f = open_index(root, file);
        _cleanup_free_ char *line = NULL;
        size_t size = 0;

        if (!f)
                return -errno;
        while (getline(&line, &size, f) > 0)
                if (path_is_module(line, strcspn(line, ":\n"), name))
                        return 1;
        return 0;
}

int vgpu_kmod_available(const struct vgpu_root *root, const char *name)
{
        int r;

        if (!vgpu_kmod_name_valid(name))
                return -EINVAL;
        r = index_lists(root, "modules.dep", name);
        if (r != 0)
                return r;
        r = index_lists(root, "modules.builtin", name);
        return r == -ENOENT ? 0 : r;
}

/* The device's modalias as the kernel writes it, "vfio_pci:" in front of "v…d…sv…sd…bc…sc…i…". */
static bool vfio_modalias(const struct vgpu_pci_dev *dev, char *buf, size_t size)
{
        if (dev->vendor < 0 || dev->device < 0 || dev->subsystem_vendor < 0 || dev->subsystem_device < 0 ||
            dev->class_code < 0)
                return false;
        snprintf(buf, size, VFIO_ALIAS_PREFIX "v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X", (unsigned)dev->vendor,
                 (unsigned)dev->device, (unsigned)dev->subsystem_vendor, (unsigned)dev->subsystem_device,
                 (unsigned)(dev->class_code >> 16) & 0xff, (unsigned)(dev->class_code >> 8) & 0xff,
                 (unsigned)dev->class_code & 0xff);
        return true;
}

static size_t count_stars(const char *s)
{
        size_t n = 0;

        for (; *s; s++)
                n += *s == '*';
        return n;
}

/* "alias vfio_pci:PATTERN MODULE": the pattern and module, in place; false for other lines. */
static bool vfio_alias_line(char *line, char **pattern, char **module)
{
        if (strncmp(line, "alias " VFIO_ALIAS_PREFIX, 6 + strlen(VFIO_ALIAS_PREFIX)) != 0)
                return false;
        *pattern = line + 6;
        *module = strchr(*pattern, ' ');
        if (!*module)
                return false;
        *(*module)++ = '\0';
        (*module)[strcspn(*module, " \n")] = '\0';
        return vgpu_kmod_name_valid(*module);
}

/* One alias line against every device: a match with fewer '*' than the best so far wins. */
static int match_alias(struct vgpu_host *host, char *line, size_t *stars)
{
        char *pattern, *module, alias[64];
        size_t n;

        if (!vfio_alias_line(line, &pattern, &module))
                return 0;
        n = count_stars(pattern);
        for (size_t i = 0; i < host->n_pci; i++) {
                struct vgpu_pci_dev *d = &host->pci[i];

                if (!vfio_modalias(d, alias, sizeof(alias)) || fnmatch(pattern, alias, 0) != 0 ||
                    (d->vfio_variant && n >= stars[i]))
                        continue;
                free(d->vfio_variant);
                d->vfio_variant = strdup(module);
                if (!d->vfio_variant)
                        return -ENOMEM;
                stars[i] = n;
        }
        return 0;
}

int vgpu_host_load_vfio_variants(struct vgpu_host *host)
{
        _cleanup_(fclosep) FILE *f = open_index(host->root, "modules.alias");
        _cleanup_free_ size_t *stars = NULL;
        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        int r = 0;

        if (!f) {
                vgpu_dbg(host->root, "no modules.alias of the running kernel (%s): no VFIO variant drivers shown",
                         strerror(errno));
                return 0;
        }
        stars = calloc(host->n_pci ? host->n_pci : 1, sizeof(*stars));
        if (!stars)
                return -ENOMEM;
        while (r >= 0 && getline(&line, &size, f) > 0)
                r = match_alias(host, line, stars);
        return r;
}
