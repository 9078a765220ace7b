/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mdevctl's persistent definitions, /etc/mdevctl.d/<parent>/<uuid>, read and
 * written as mdevctl 1.2 and 1.4 do (the same bytes), so that each tool sees
 * what the other wrote.
 * mdevctl serialises with serde_json's pretty printer; jansson's
 * JSON_INDENT(2) prints the same bytes except the hex digits of \uXXXX
 * escapes, which serde writes in lower case.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "vgpuhook-private.h"

#define DEF_SOURCE "mdevctl definition"

bool vgpu_mdevctl_name_valid(const char *name)
{
        return name && *name && !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
               strlen(name) < 256;
}

/* ---- attrs, as mdevctl writes them (profiles take the same) --------------- */

void vgpu_mdev_attrs_free(struct vgpu_mdev_attr *attrs, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(attrs[i].name);
                free(attrs[i].value);
        }
        free(attrs);
}

/* One element of attrs: {"name": "value"}. */
static int get_attr(const struct vgpu_json_node *elem, struct vgpu_mdev_attr *ret, struct vgpu_error *err)
{
        struct vgpu_json_node member;
        const char *key, *value;
        void *iter = json_object_iter(elem->value);
        int r;

        if (!json_is_object(elem->value) || json_object_size(elem->value) != 1)
                return vgpu_json_error(elem, false, err, EINVAL,
                                       "expected an object with one key, like {\"name\": \"value\"}");
        key = json_object_iter_key(iter);
        member = vgpu_json_member(elem, key, json_object_iter_value(iter));
        if (!vgpu_mdev_attr_name_valid(key))
                return vgpu_json_error(&member, true, err, EINVAL,
                                       "not a safe attribute path (relative, no \".\" or \"..\" components)");
        r = vgpu_json_get_string(&member, &value, err);
        if (r < 0)
                return r;
        ret->name = strdup(key);
        ret->value = strdup(value);
        return ret->name && ret->value ? 0 : -ENOMEM;
}

int vgpu_json_get_attrs(const struct vgpu_json_node *node, struct vgpu_mdev_attr **ret, size_t *ret_n,
                        struct vgpu_error *err)
{
        size_t n = json_array_size(node->value);
        struct vgpu_mdev_attr *attrs;
        int r = 0;

        if (json_is_null(node->value)) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        r = vgpu_json_expect(node, JSON_ARRAY, err);
        if (r < 0)
                return r;
        attrs = calloc(n + 1, sizeof(*attrs));
        if (!attrs)
                return -ENOMEM;
        for (size_t i = 0; i < n && r >= 0; i++) {
                struct vgpu_json_node elem = vgpu_json_element(node, i);

                r = get_attr(&elem, &attrs[i], err);
        }
        if (r < 0) {
                vgpu_mdev_attrs_free(attrs, n);
                return r;
        }
        *ret = attrs;
        *ret_n = n;
        return 0;
}

/* ---- definitions ---------------------------------------------------------- */

static void def_clear(struct vgpu_mdevctl_def *def)
{
        free(def->parent);
        free(def->type);
        vgpu_mdev_attrs_free(def->attrs, def->n_attrs);
        *def = (struct vgpu_mdevctl_def){0};
}

void vgpu_mdevctl_def_free(struct vgpu_mdevctl_def *def)
{
        if (!def)
                return;
        def_clear(def);
        free(def);
}

void vgpu_mdevctl_defs_free(struct vgpu_mdevctl_defs *defs)
{
        if (!defs)
                return;
        for (size_t i = 0; i < defs->n_defs; i++)
                def_clear(&defs->defs[i]);
        free(defs->defs);
        free(defs->problems);
        free(defs);
}

/* ---- reading ------------------------------------------------------------- */

/* mdevctl requires mdev_type and start; start other than "auto" is manual. */
static int def_from_json(const struct vgpu_json_file *file, struct vgpu_mdevctl_def *def, struct vgpu_error *err)
{
        struct vgpu_json_node top = vgpu_json_root(file);
        json_t *type = json_object_get(file->json, "mdev_type"), *start = json_object_get(file->json, "start");
        struct vgpu_json_node type_node = vgpu_json_member(&top, "mdev_type", type);
        struct vgpu_json_node attrs_node = vgpu_json_member(&top, "attrs", json_object_get(file->json, "attrs"));
        const char *s;
        int r;

        if (!type || json_is_null(type))
                return vgpu_json_error(&top, false, err, EINVAL, "key 'mdev_type' is missing");
        if (!start || json_is_null(start))
                return vgpu_json_error(&top, false, err, EINVAL, "key 'start' is missing");
        r = vgpu_json_get_string(&type_node, &s, err);
        if (r < 0)
                return r;
        if (!vgpu_mdevctl_name_valid(s))
                return vgpu_json_error(&type_node, false, err, EINVAL, "not a valid mdev type id");
        def->type = strdup(s);
        if (!def->type)
                return -ENOMEM;
        def->autostart = json_is_string(start) && strcmp(json_string_value(start), "auto") == 0;
        if (!attrs_node.value)
                return 0;
        return vgpu_json_get_attrs(&attrs_node, &def->attrs, &def->n_attrs, err);
}

/* @def from a parsed file; @uuid is already normalised. */
static int def_from_file(const struct vgpu_json_file *file, const char *parent, const char *uuid,
                         struct vgpu_mdevctl_def *def, struct vgpu_error *err)
{
        int r;

        memcpy(def->uuid, uuid, VGPU_UUID_STRLEN);
        def->parent = strdup(parent);
        r = def->parent ? def_from_json(file, def, err) : -ENOMEM;
        if (r < 0)
                def_clear(def);
        return r;
}

/* Read one file into @def; @uuid is already normalised. */
static int read_def(const struct vgpu_root *root, const char *parent, const char *file_name, const char *uuid,
                    struct vgpu_mdevctl_def *def, struct vgpu_error *err)
{
        _cleanup_free_ char *path = vgpu_strdup_printf(VGPU_MDEVCTL_DIR "/%s/%s", parent, file_name);
        struct vgpu_json_file *file = NULL;
        int r;

        if (!path)
                return -ENOMEM;
        r = vgpu_json_file_load(root, path, &file, err);
        if (r < 0)
                return r;
        r = def_from_file(file, parent, uuid, def, err);
        vgpu_json_file_free(file);
        return r;
}

int vgpu_mdevctl_def_parse(const char *parent, const char *uuid, const char *source, const char *text, size_t len,
                           struct vgpu_mdevctl_def **ret_def, struct vgpu_error *err)
{
        struct vgpu_json_file *file = NULL;
        struct vgpu_mdevctl_def *def = NULL;
        char id[VGPU_UUID_STRLEN];
        int r;

        if (!vgpu_mdevctl_name_valid(parent))
                return vgpu_error_set(err, EINVAL, DEF_SOURCE, 0, 0, "'%s' is not a valid parent name", parent);
        if (vgpu_uuid_normalize(uuid, id) < 0)
                return vgpu_error_set(err, EINVAL, DEF_SOURCE, 0, 0, "'%s' is not a UUID", uuid);
        r = vgpu_json_file_parse(source, text, len, &file, err);
        if (r >= 0)
                r = (def = calloc(1, sizeof(*def))) ? def_from_file(file, parent, id, def, err) : -ENOMEM;
        vgpu_json_file_free(file);
        if (r < 0) {
                free(def);
                return r;
        }
        *ret_def = def;
        return 0;
}

/*
 * The file name of @id under @parent: mdevctl writes lower case but reads any
 * case, so a hand-made upper-case name counts too.  -ENOENT when none.
 */
static int file_name_of(const struct vgpu_root *root, const char *parent, const char *id, char name[VGPU_UUID_STRLEN])
{
        _cleanup_free_ char *path = vgpu_strdup_printf(VGPU_MDEVCTL_DIR "/%s/%s", parent, id);
        _cleanup_strv_ char **names = NULL;
        char other[VGPU_UUID_STRLEN];
        int r;

        if (!path)
                return -ENOMEM;
        memcpy(name, id, VGPU_UUID_STRLEN);
        if (vgpu_root_exists(root, path))
                return 0;
        *strrchr(path, '/') = '\0';
        r = vgpu_root_list_dir(root, path, &names);
        if (r < 0)
                return r == -ENOTDIR ? -ENOENT : r;
        for (char **n = names; *n; n++)
                if (vgpu_uuid_normalize(*n, other) == 0 && strcmp(other, id) == 0) {
                        memcpy(name, *n, VGPU_UUID_STRLEN);
                        return 0;
                }
        return -ENOENT;
}

int vgpu_mdevctl_read(const struct vgpu_root *root, const char *parent, const char *uuid,
                      struct vgpu_mdevctl_def **ret_def, struct vgpu_error *err)
{
        char id[VGPU_UUID_STRLEN], name[VGPU_UUID_STRLEN];
        struct vgpu_mdevctl_def *def;
        int r;

        if (!vgpu_mdevctl_name_valid(parent))
                return vgpu_error_set(err, EINVAL, DEF_SOURCE, 0, 0, "'%s' is not a valid parent name", parent);
        if (vgpu_uuid_normalize(uuid, id) < 0)
                return vgpu_error_set(err, EINVAL, DEF_SOURCE, 0, 0, "'%s' is not a UUID", uuid);
        r = file_name_of(root, parent, id, name);
        if (r < 0)
                return vgpu_error_set(err, r, VGPU_MDEVCTL_DIR, 0, 0, "%s/%s: %s", parent, id, strerror(-r));
        def = calloc(1, sizeof(*def));
        if (!def)
                return -ENOMEM;
        r = read_def(root, parent, name, id, def, err);
        if (r < 0) {
                free(def);
                return r;
        }
        *ret_def = def;
        return 0;
}

struct list {
        struct vgpu_mdevctl_defs *defs;
        const struct vgpu_root *root;
};

static int list_problem(struct list *l, int errnum, const char *source, const char *text)
{
        struct vgpu_error e;

        vgpu_error_set(&e, errnum, source, 0, 0, "%s", text);
        return vgpu_problem_push(&l->defs->problems, &l->defs->n_problems, &e);
}

static int list_file(struct list *l, const char *parent, const char *name)
{
        struct vgpu_mdevctl_defs *defs = l->defs;
        struct vgpu_mdevctl_def def = {0};
        struct vgpu_mdevctl_def *slot;
        char uuid[VGPU_UUID_STRLEN];
        struct vgpu_error e;
        int r;

        if (name[0] == '.')
                return 0; /* a temp file of ours, or an editor's */
        if (vgpu_uuid_normalize(name, uuid) < 0) {
                _cleanup_free_ char *path = vgpu_strdup_printf(VGPU_MDEVCTL_DIR "/%s/%s", parent, name);

                return path ? list_problem(l, EINVAL, path, "not named by a UUID: ignored") : -ENOMEM;
        }
        r = read_def(l->root, parent, name, uuid, &def, &e);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return vgpu_problem_push(&defs->problems, &defs->n_problems, &e);
        slot = vgpu_array_push(&defs->defs, &defs->n_defs, sizeof(*slot));
        if (!slot) {
                def_clear(&def);
                return -ENOMEM;
        }
        *slot = def;
        return 0;
}

static int list_parent(struct list *l, const char *parent)
{
        _cleanup_free_ char *dir = vgpu_strdup_printf(VGPU_MDEVCTL_DIR "/%s", parent);
        _cleanup_strv_ char **names = NULL;
        int r;

        if (!dir)
                return -ENOMEM;
        /* mdevctl keeps its callout scripts here; a file here is not ours either. */
        if (strcmp(parent, "scripts.d") == 0 || parent[0] == '.')
                return 0;
        r = vgpu_root_list_dir(l->root, dir, &names);
        if (r == -ENOTDIR)
                return 0;
        if (r < 0)
                return r == -ENOMEM ? r : list_problem(l, -r, dir, strerror(-r));
        for (char **n = names; *n; n++) {
                r = list_file(l, parent, *n);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int cmp_def(const void *a, const void *b)
{
        const struct vgpu_mdevctl_def *x = a, *y = b;
        int c = strcmp(x->parent, y->parent);

        return c ? c : strcmp(x->uuid, y->uuid);
}

int vgpu_mdevctl_list(const struct vgpu_root *root, struct vgpu_mdevctl_defs **ret_defs)
{
        _cleanup_strv_ char **parents = NULL;
        struct list l = {.root = root};
        int r = vgpu_root_list_dir(root, VGPU_MDEVCTL_DIR, &parents);

        if (r < 0 && r != -ENOENT)
                return r;
        l.defs = calloc(1, sizeof(*l.defs));
        if (!l.defs)
                return -ENOMEM;
        for (char **p = parents; p && *p && r >= 0; p++)
                r = list_parent(&l, *p);
        if (r < 0 && r != -ENOENT) {
                vgpu_mdevctl_defs_free(l.defs);
                return r;
        }
        if (l.defs->n_defs)
                vgpu_qsort(l.defs->defs, l.defs->n_defs, sizeof(*l.defs->defs), cmp_def);
        *ret_defs = l.defs;
        return 0;
}

const struct vgpu_mdevctl_def *vgpu_mdevctl_defs_find(const struct vgpu_mdevctl_defs *defs, const char *uuid,
                                                      const char *parent)
{
        char id[VGPU_UUID_STRLEN];

        if (vgpu_uuid_normalize(uuid, id) < 0)
                return NULL;
        for (size_t i = 0; i < defs->n_defs; i++)
                if (strcmp(defs->defs[i].uuid, id) == 0 && (!parent || strcmp(defs->defs[i].parent, parent) == 0))
                        return &defs->defs[i];
        return NULL;
}

/* ---- writing ------------------------------------------------------------- */

static int def_validate(const struct vgpu_mdevctl_def *def, char uuid[VGPU_UUID_STRLEN], struct vgpu_error *err)
{
        if (vgpu_uuid_normalize(def->uuid, uuid) < 0)
                return vgpu_error_set(err, EINVAL, DEF_SOURCE, 0, 0, "'%s' is not a UUID", def->uuid);
        if (!vgpu_mdevctl_name_valid(def->parent))
                return vgpu_error_set(err, EINVAL, DEF_SOURCE, 0, 0, "'%s' is not a valid parent name",
                                      def->parent ? def->parent : "(null)");
        if (!vgpu_mdevctl_name_valid(def->type))
                return vgpu_error_set(err, EINVAL, DEF_SOURCE, 0, 0, "'%s' is not a valid mdev type id",
                                      def->type ? def->type : "(null)");
        for (size_t i = 0; i < def->n_attrs; i++) {
                if (!def->attrs[i].name || !vgpu_mdev_attr_name_valid(def->attrs[i].name))
                        return vgpu_error_set(err, EINVAL, DEF_SOURCE, 0, 0, "attr %zu: '%s' is not a safe path", i,
                                              def->attrs[i].name ? def->attrs[i].name : "(null)");
                if (!def->attrs[i].value)
                        return vgpu_error_set(err, EINVAL, DEF_SOURCE, 0, 0, "attr %zu has no value", i);
        }
        return 0;
}

/* The object in mdevctl's key order: mdev_type, start, attrs. */
static json_t *def_json(const struct vgpu_mdevctl_def *def)
{
        _cleanup_json_ json_t *obj = json_object(), *attrs = json_array();

        if (!obj || !attrs || json_object_set_new(obj, "mdev_type", json_string(def->type)) < 0 ||
            json_object_set_new(obj, "start", json_string(def->autostart ? "auto" : "manual")) < 0)
                return NULL;
        for (size_t i = 0; i < def->n_attrs; i++) {
                json_t *attr = json_object();

                if (json_array_append_new(attrs, attr) < 0 ||
                    json_object_set_new(attr, def->attrs[i].name, json_string(def->attrs[i].value)) < 0)
                        return NULL;
        }
        if (json_object_set(obj, "attrs", attrs) < 0)
                return NULL;
        return TAKE_PTR(obj);
}

/* serde_json writes "\u001f", jansson "\u001F": follow serde. */
static void lower_escapes(char *s)
{
        for (; *s; s++) {
                if (*s != '\\')
                        continue;
                s++;
                if (*s == 'u')
                        for (int i = 1; i <= 4 && s[i]; i++)
                                if (s[i] >= 'A' && s[i] <= 'F')
                                        s[i] = (char)(s[i] - 'A' + 'a');
        }
}

int vgpu_mdevctl_def_format(const struct vgpu_mdevctl_def *def, char **ret, struct vgpu_error *err)
{
        char uuid[VGPU_UUID_STRLEN];
        _cleanup_json_ json_t *obj = NULL;
        char *text;
        int r = def_validate(def, uuid, err);

        if (r < 0)
                return r;
        obj = def_json(def);
        /* jansson refuses invalid UTF-8 in a string: say so rather than ENOMEM. */
        if (!obj)
                return vgpu_error_set(err, EINVAL, DEF_SOURCE, 0, 0, "not valid UTF-8, or out of memory");
        text = json_dumps(obj, JSON_INDENT(2));
        if (!text)
                return -ENOMEM;
        lower_escapes(text);
        *ret = text;
        return (int)strlen(text);
}

int vgpu_mdevctl_write(const struct vgpu_root *root, const struct vgpu_mdevctl_def *def, struct vgpu_error *err)
{
        _cleanup_free_ char *text = NULL, *dir = NULL;
        _cleanup_close_ int dir_fd = -1;
        char uuid[VGPU_UUID_STRLEN];
        int len = vgpu_mdevctl_def_format(def, &text, err);
        int r;

        if (len < 0)
                return len;
        vgpu_uuid_normalize(def->uuid, uuid);
        dir = vgpu_strdup_printf(VGPU_MDEVCTL_DIR "/%s", def->parent);
        if (!dir)
                return -ENOMEM;
        dir_fd = vgpu_root_open_dir_p(root, dir);
        if (dir_fd < 0)
                return vgpu_error_set(err, dir_fd, dir, 0, 0, "cannot create the directory: %s", strerror(-dir_fd));
        r = vgpu_write_file_atomic(dir_fd, uuid, text, (size_t)len, 0644);
        if (r < 0)
                return vgpu_error_set(err, r, dir, 0, 0, "cannot write %s: %s", uuid, strerror(-r));
        return 0;
}

int vgpu_mdevctl_remove(const struct vgpu_root *root, const char *parent, const char *uuid)
{
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int dir_fd = -1;
        char id[VGPU_UUID_STRLEN], name[VGPU_UUID_STRLEN];
        int r;

        if (!vgpu_mdevctl_name_valid(parent) || vgpu_uuid_normalize(uuid, id) < 0)
                return -EINVAL;
        r = file_name_of(root, parent, id, name);
        if (r < 0)
                return r;
        dir = vgpu_strdup_printf(VGPU_MDEVCTL_DIR "/%s", parent);
        if (!dir)
                return -ENOMEM;
        dir_fd = vgpu_root_open(root, dir, O_RDONLY | O_DIRECTORY);
        if (dir_fd < 0)
                return dir_fd;
        if (unlinkat(dir_fd, name, 0) < 0)
                return -errno;
        return fsync(dir_fd) < 0 ? -errno : 0;
}
