/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Changing /etc/vgpu-hook/vgpu-hook.conf from vgpuctl (cordon, uncordon):
 * the admin's file is edited, not regenerated — other keys, their order and
 * unknown-to-us formatting choices of values survive — and replaced
 * atomically, so that a hook starting meanwhile reads the old or the new file.
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "vgpuhook-private.h"

#define CONFIG_DIR  "/etc/vgpu-hook"
#define CONFIG_NAME "vgpu-hook.conf"

/* The file as a JSON object (an empty one when there is none), its mode in *mode. */
static int load_object(int dir_fd, json_t **ret, mode_t *mode, struct vgpu_error *err)
{
        _cleanup_close_ int fd = openat(dir_fd, CONFIG_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        json_error_t jerr;
        struct stat st;

        *mode = 0644;
        if (fd < 0 && errno == ENOENT)
                return (*ret = json_object()) ? 0 : -ENOMEM;
        if (fd < 0 || fstat(fd, &st) < 0)
                return vgpu_error_set(err, errno, VGPU_CONFIG_PATH, 0, 0, "%s", strerror(errno));
        *mode = st.st_mode & 07777;
        *ret = json_loadfd(fd, JSON_REJECT_DUPLICATES, &jerr);
        if (!*ret || !json_is_object(*ret))
                return vgpu_error_set(err, EINVAL, VGPU_CONFIG_PATH, jerr.line, jerr.column, "not a JSON object");
        return 0;
}

/* Add @name to, or drop every spelling of it from, the "cordoned" array.  Returns 1 when changed. */
static int edit_cordoned(json_t *obj, const char *name, bool cordon)
{
        json_t *arr = json_object_get(obj, "cordoned");
        size_t i = 0;
        int changed = 0;

        if (!arr) {
                if (!cordon)
                        return 0;
                if (json_object_set_new(obj, "cordoned", arr = json_array()) < 0)
                        return -ENOMEM;
        }
        while (i < json_array_size(arr)) {
                _cleanup_free_ char *canon = vgpu_device_name_canonical(json_string_value(json_array_get(arr, i)));

                if (!canon)
                        return -ENOMEM;
                if (strcmp(canon, name) != 0) {
                        i++;
                        continue;
                }
                if (cordon)
                        return 0;
                json_array_remove(arr, i);
                changed = 1;
        }
        if (cordon && json_array_append_new(arr, json_string(name)) < 0)
                return -ENOMEM;
        return cordon ? 1 : changed;
}

static int write_object(int dir_fd, json_t *obj, mode_t mode)
{
        _cleanup_free_ char *text = json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        _cleanup_free_ char *line = text ? vgpu_strdup_printf("%s\n", text) : NULL;

        if (!line)
                return -ENOMEM;
        return vgpu_write_file_atomic(dir_fd, CONFIG_NAME, line, strlen(line), mode);
}

/* Under the directory's lock: a valid file in, a valid file out. */
static int locked_edit(const struct vgpu_root *root, int dir_fd, const char *name, bool cordon, struct vgpu_error *err)
{
        struct vgpu_config *config = NULL;
        _cleanup_json_ json_t *obj = NULL;
        mode_t mode;
        int r = vgpu_config_load(root, &config, err);

        /* a broken file is the admin's to fix: rewriting it would lose what they meant */
        if (r < 0)
                return r;
        vgpu_config_free(config);
        r = load_object(dir_fd, &obj, &mode, err);
        if (r < 0)
                return r;
        r = edit_cordoned(obj, name, cordon);
        if (r <= 0)
                return r;
        r = write_object(dir_fd, obj, mode);
        return r < 0 ? vgpu_error_set(err, -r, VGPU_CONFIG_PATH, 0, 0, "cannot write: %s", strerror(-r)) : 1;
}

int vgpu_config_set_cordoned(const struct vgpu_root *root, const char *name, bool cordon, struct vgpu_error *err)
{
        _cleanup_free_ char *canon = NULL;
        _cleanup_close_ int dir_fd = -1;

        if (!vgpu_mdevctl_name_valid(name))
                return vgpu_error_set(err, EINVAL, "cordon", 0, 0, "'%.64s' is not an mdev parent or PCI address",
                                      name);
        canon = vgpu_device_name_canonical(name);
        if (!canon)
                return -ENOMEM;
        dir_fd = cordon ? vgpu_root_open_dir_p(root, CONFIG_DIR)
                        : vgpu_root_open(root, CONFIG_DIR, O_RDONLY | O_DIRECTORY);
        if (dir_fd == -ENOENT)
                return 0; /* uncordon without a config: nothing is cordoned */
        if (dir_fd < 0)
                return vgpu_error_set(err, -dir_fd, CONFIG_DIR, 0, 0, "cannot open: %s", strerror(-dir_fd));
        /* two admins cordoning at once must not lose one's change: lock the directory, no lock file in /etc */
        if (flock(dir_fd, LOCK_EX) < 0)
                return vgpu_error_set(err, errno, CONFIG_DIR, 0, 0, "cannot lock: %s", strerror(errno));
        return locked_edit(root, dir_fd, canon, cordon, err);
}
