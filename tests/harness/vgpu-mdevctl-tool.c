/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpu-mdevctl-tool: the library's mdevctl definitions from the command
 * line, for the interop test against the real mdevctl (vgpuctl has no
 * `define` yet).
 *
 *   vgpu-mdevctl-tool ROOT define PARENT UUID TYPE auto|manual [NAME=VALUE]...
 *   vgpu-mdevctl-tool ROOT show PARENT UUID    the definition as the library
 *                                              read it, formatted as a file
 *   vgpu-mdevctl-tool ROOT list                all of them, in the format of
 *                                              `mdevctl list --defined --dumpjson`;
 *                                              problems on stderr, exit 1
 *   vgpu-mdevctl-tool ROOT undefine PARENT UUID
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpuhook.h"

static int fail(const char *what, int r, const struct vgpu_error *err)
{
        char buf[600];

        if (err && err->text[0])
                fprintf(stderr, "%s: %s\n", what, vgpu_error_format(err, buf, sizeof(buf)));
        else
                fprintf(stderr, "%s: %s\n", what, strerror(-r));
        return 1;
}

static int cmd_define(struct vgpu_root *root, int argc, char **argv)
{
        struct vgpu_mdev_attr attrs[64];
        struct vgpu_mdevctl_def def = {.parent = argv[0], .type = argv[2]};
        struct vgpu_error err = {0};
        int r;

        if (argc < 4 || argc - 4 > 64 || strlen(argv[1]) >= sizeof(def.uuid))
                return 2;
        snprintf(def.uuid, sizeof(def.uuid), "%s", argv[1]);
        def.autostart = strcmp(argv[3], "auto") == 0;
        for (int i = 4; i < argc; i++) {
                char *eq = strchr(argv[i], '=');

                if (!eq)
                        return 2;
                *eq = '\0';
                attrs[def.n_attrs++] = (struct vgpu_mdev_attr){.name = argv[i], .value = eq + 1};
        }
        def.attrs = attrs;
        r = vgpu_mdevctl_write(root, &def, &err);
        return r < 0 ? fail("define", r, &err) : 0;
}

static int cmd_show(struct vgpu_root *root, int argc, char **argv)
{
        struct vgpu_mdevctl_def *def = NULL;
        struct vgpu_error err = {0};
        char *text = NULL;
        int r;

        if (argc != 2)
                return 2;
        r = vgpu_mdevctl_read(root, argv[0], argv[1], &def, &err);
        if (r >= 0)
                r = vgpu_mdevctl_def_format(def, &text, &err);
        vgpu_mdevctl_def_free(def);
        if (r < 0)
                return fail("show", r, &err);
        printf("%s\n", text);
        free(text);
        return 0;
}

/* serde_json, which mdevctl uses, writes \u escapes in lower case. */
static void lower_escapes(char *s)
{
        for (; *s; s++)
                if (*s == '\\' && *++s == 'u')
                        for (int i = 1; i <= 4 && s[i]; i++)
                                if (s[i] >= 'A' && s[i] <= 'F')
                                        s[i] = (char)(s[i] - 'A' + 'a');
}

/* { UUID: definition } */
static json_t *def_entry(const struct vgpu_mdevctl_def *def)
{
        json_t *entry = json_object(), *obj;
        char *text = NULL;

        if (vgpu_mdevctl_def_format(def, &text, NULL) < 0)
                return NULL;
        obj = json_loads(text, 0, NULL);
        free(text);
        json_object_set_new(entry, def->uuid, obj);
        return entry;
}

/* [{PARENT: [{UUID: definition}, …], …}] as mdevctl prints it. */
static json_t *defs_json(const struct vgpu_mdevctl_defs *defs)
{
        json_t *top = json_array(), *parents = json_object();

        for (size_t i = 0; i < defs->n_defs; i++) {
                json_t *list = json_object_get(parents, defs->defs[i].parent);

                if (!list) {
                        list = json_array();
                        json_object_set_new(parents, defs->defs[i].parent, list);
                }
                json_array_append_new(list, def_entry(&defs->defs[i]));
        }
        if (json_object_size(parents))
                json_array_append(top, parents);
        json_decref(parents);
        return top;
}

static int cmd_list(struct vgpu_root *root, int argc, char **argv)
{
        struct vgpu_mdevctl_defs *defs = NULL;
        json_t *top;
        char *text, buf[600];
        int r;

        if (argc != 0)
                return 2;
        r = vgpu_mdevctl_list(root, &defs);
        if (r < 0)
                return fail("list", r, NULL);
        top = defs_json(defs);
        text = json_dumps(top, JSON_INDENT(2));
        lower_escapes(text);
        printf("%s\n", text);
        free(text);
        json_decref(top);
        for (size_t i = 0; i < defs->n_problems; i++)
                fprintf(stderr, "%s\n", vgpu_error_format(&defs->problems[i], buf, sizeof(buf)));
        r = defs->n_problems ? 1 : 0;
        vgpu_mdevctl_defs_free(defs);
        return r;
}

static int cmd_undefine(struct vgpu_root *root, int argc, char **argv)
{
        int r;

        if (argc != 2)
                return 2;
        r = vgpu_mdevctl_remove(root, argv[0], argv[1]);
        return r < 0 ? fail("undefine", r, NULL) : 0;
}

int main(int argc, char **argv)
{
        static const struct {
                const char *name;
                int (*fn)(struct vgpu_root *root, int argc, char **argv);
        } cmds[] = {{"define", cmd_define}, {"show", cmd_show}, {"list", cmd_list}, {"undefine", cmd_undefine}};
        struct vgpu_root *root = NULL;
        int r = 2;

        if (argc < 3 || vgpu_root_new(argv[1], &root) < 0) {
                fprintf(stderr, "usage: %s ROOT define|show|list|undefine ARGS...\n", argv[0]);
                return 2;
        }
        for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
                if (strcmp(argv[2], cmds[i].name) == 0)
                        r = cmds[i].fn(root, argc - 3, argv + 3);
        if (r == 2)
                fprintf(stderr, "usage: %s ROOT define|show|list|undefine ARGS...\n", argv[0]);
        vgpu_root_unref(root);
        return r;
}
