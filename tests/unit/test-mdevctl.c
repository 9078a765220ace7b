/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mdevctl definitions: the exact bytes mdevctl 1.2 writes, round trips,
 * attrs order and duplicates, atomic writes, and lists where one bad file
 * never hides the others.  tests/e2e/test-mdevctl-interop.sh checks the same
 * against the real mdevctl.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testsuite.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MDEVCTL_D     "etc/mdevctl.d"
#define U1            "6a7e1c2d-0000-4000-8000-0000000000a1"
#define U2            "6a7e1c2d-0000-4000-8000-0000000000a2"

static char *dir;
static struct vgpu_root *root;

static void setup(void)
{
        umask(022);
        dir = testsuite_fake_root("samples");
        ck_assert_int_eq(vgpu_root_new(dir, &root), 0);
}

static void teardown(void)
{
        root = vgpu_root_unref(root);
        testsuite_remove_root(dir);
        dir = NULL;
}

static char *full_path(const char *rel)
{
        char *p;

        ck_assert_int_ge(asprintf(&p, "%s/%s", dir, rel), 0);
        return p;
}

static void make_dir(const char *rel)
{
        char *p = full_path(rel);

        ck_assert(mkdir(p, 0755) == 0 || errno == EEXIST);
        free(p);
}

static char *read_back(const char *rel)
{
        char *p = full_path(rel), *buf = NULL;
        size_t len = 0;
        FILE *f = fopen(p, "r"), *m = open_memstream(&buf, &len);
        int c;

        ck_assert_msg(f, "cannot open %s", p);
        while ((c = fgetc(f)) != EOF)
                fputc(c, m);
        fclose(f);
        fclose(m);
        free(p);
        return buf;
}

static mode_t mode_of(const char *rel)
{
        char *p = full_path(rel);
        struct stat st;

        ck_assert_int_eq(stat(p, &st), 0);
        free(p);
        return st.st_mode & 07777;
}

/* The names in directory @rel, one a line, sorted. */
static char *names_in(const char *rel)
{
        struct vgpu_root *r = NULL;
        char **names = NULL, *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);

        ck_assert_int_eq(vgpu_root_new(dir, &r), 0);
        ck_assert_int_ge(vgpu_root_list_dir(r, rel, &names), 0);
        for (char **n = names; *n; n++)
                fprintf(m, "%s\n", *n);
        fclose(m);
        vgpu_strv_free(names);
        vgpu_root_unref(r);
        return buf;
}

static struct vgpu_mdev_attr attrs3[] = {
        {"nvidia/vgpu_params", "frame_rate_limiter=0"},
        {"a", "1"},
        {"nvidia/vgpu_params", "enable_uvm=1"},
};

static const char text3[] = "{\n"
                            "  \"mdev_type\": \"nvidia-224\",\n"
                            "  \"start\": \"auto\",\n"
                            "  \"attrs\": [\n"
                            "    {\n"
                            "      \"nvidia/vgpu_params\": \"frame_rate_limiter=0\"\n"
                            "    },\n"
                            "    {\n"
                            "      \"a\": \"1\"\n"
                            "    },\n"
                            "    {\n"
                            "      \"nvidia/vgpu_params\": \"enable_uvm=1\"\n"
                            "    }\n"
                            "  ]\n"
                            "}";

START_TEST(format_as_mdevctl)
{
        struct vgpu_mdevctl_def def = {.uuid = U1, .parent = "mtty", .type = "mtty-2"};
        struct vgpu_mdev_attr odd = {"z", "tab\there, unit\037sep, \"quoted\" back\\slash, caf\303\251, a/b"};
        char *text = NULL;

        /* Byte for byte what `mdevctl define` wrote on Debian 12, no final newline. */
        ck_assert_int_eq(vgpu_mdevctl_def_format(&def, &text, NULL), 63);
        ck_assert_str_eq(text, "{\n  \"mdev_type\": \"mtty-2\",\n  \"start\": \"manual\",\n  \"attrs\": []\n}");
        free(text);
        def.type = "nvidia-224";
        def.autostart = true;
        def.attrs = attrs3;
        def.n_attrs = 3;
        ck_assert_int_eq(vgpu_mdevctl_def_format(&def, &text, NULL), (int)strlen(text3));
        ck_assert_str_eq(text, text3);
        free(text);
        /* serde_json's escapes: \u001f in lower case, '/' and UTF-8 as they are. */
        def.attrs = &odd;
        def.n_attrs = 1;
        ck_assert_int_gt(vgpu_mdevctl_def_format(&def, &text, NULL), 0);
        ck_assert_ptr_nonnull(
                strstr(text, "\"z\": \"tab\\there, unit\\u001fsep, \\\"quoted\\\" back\\\\slash, caf\303\251, a/b\""));
        free(text);
}
END_TEST

START_TEST(format_refuses)
{
        struct vgpu_mdev_attr dotdot = {"../remove", "1"}, novalue = {"a", NULL}, noname = {NULL, "1"};
        struct vgpu_mdev_attr badutf8 = {"a", "\xff"};
        struct vgpu_mdevctl_def good = {.uuid = U1, .parent = "mtty", .type = "mtty-2"}, def;
        struct vgpu_error e = {0};
        char *text = (void *)0x1;

        def = good;
        strcpy(def.uuid, "6a7e1c2d-0000-4000-8000-0000000000a");
        ck_assert_int_eq(vgpu_mdevctl_def_format(&def, &text, &e), -EINVAL);
        ck_assert_ptr_nonnull(strstr(e.text, "is not a UUID"));
        def = good;
        def.parent = "../etc";
        ck_assert_int_eq(vgpu_mdevctl_def_format(&def, &text, &e), -EINVAL);
        ck_assert_ptr_nonnull(strstr(e.text, "'../etc' is not a valid parent name"));
        def.parent = "..";
        ck_assert_int_eq(vgpu_mdevctl_def_format(&def, &text, &e), -EINVAL);
        def.parent = NULL;
        ck_assert_int_eq(vgpu_mdevctl_def_format(&def, &text, &e), -EINVAL);
        def = good;
        def.type = "";
        ck_assert_int_eq(vgpu_mdevctl_def_format(&def, &text, &e), -EINVAL);
        ck_assert_ptr_nonnull(strstr(e.text, "not a valid mdev type id"));
        def.type = "a/b";
        ck_assert_int_eq(vgpu_mdevctl_def_format(&def, &text, &e), -EINVAL);
        def = good;
        def.n_attrs = 1;
        def.attrs = &dotdot;
        ck_assert_int_eq(vgpu_mdevctl_def_format(&def, &text, &e), -EINVAL);
        ck_assert_str_eq(e.text, "attr 0: '../remove' is not a safe path");
        def.attrs = &novalue;
        ck_assert_int_eq(vgpu_mdevctl_def_format(&def, &text, &e), -EINVAL);
        def.attrs = &noname;
        ck_assert_int_eq(vgpu_mdevctl_def_format(&def, &text, &e), -EINVAL);
        def.attrs = &badutf8;
        ck_assert_int_eq(vgpu_mdevctl_def_format(&def, &text, &e), -EINVAL);
        ck_assert_ptr_eq(text, (void *)0x1);
        /* Nothing reaches the disk either. */
        ck_assert_int_eq(vgpu_mdevctl_write(root, &def, &e), -EINVAL);
        ck_assert(!vgpu_root_exists(root, MDEVCTL_D));
}
END_TEST

START_TEST(write_read_round_trip)
{
        struct vgpu_mdevctl_def def = {.uuid = U2, .parent = "0000:3b:00.0", .type = "nvidia-224"};
        struct vgpu_mdevctl_def *back = NULL;
        struct vgpu_error e = {0};
        char *text;

        def.autostart = true;
        def.attrs = attrs3;
        def.n_attrs = 3;
        /* A fresh host has no /etc/mdevctl.d: created 0755, as mdevctl does. */
        ck_assert(!vgpu_root_exists(root, MDEVCTL_D));
        ck_assert_int_eq(vgpu_mdevctl_write(root, &def, &e), 0);
        ck_assert_uint_eq(mode_of(MDEVCTL_D), 0755);
        ck_assert_uint_eq(mode_of(MDEVCTL_D "/0000:3b:00.0"), 0755);
        ck_assert_uint_eq(mode_of(MDEVCTL_D "/0000:3b:00.0/" U2), 0644);
        text = read_back(MDEVCTL_D "/0000:3b:00.0/" U2);
        ck_assert_str_eq(text, text3);
        free(text);
        ck_assert_int_eq(vgpu_mdevctl_read(root, "0000:3b:00.0", U2, &back, &e), 0);
        ck_assert_str_eq(back->uuid, U2);
        ck_assert_str_eq(back->parent, "0000:3b:00.0");
        ck_assert_str_eq(back->type, "nvidia-224");
        ck_assert(back->autostart);
        ck_assert_uint_eq(back->n_attrs, 3);
        for (size_t i = 0; i < 3; i++) {
                ck_assert_str_eq(back->attrs[i].name, attrs3[i].name);
                ck_assert_str_eq(back->attrs[i].value, attrs3[i].value);
        }
        vgpu_mdevctl_def_free(back);
}
END_TEST

START_TEST(write_upper_case_uuid)
{
        struct vgpu_mdevctl_def def = {
                .uuid = "6A7E1C2D-0000-4000-8000-0000000000A1", .parent = "mtty", .type = "mtty-2"};
        struct vgpu_mdevctl_def *back = NULL;
        char *names;

        /* mdevctl names the file in lower case whatever case it was given. */
        ck_assert_int_eq(vgpu_mdevctl_write(root, &def, NULL), 0);
        names = names_in(MDEVCTL_D "/mtty");
        ck_assert_str_eq(names, U1 "\n");
        free(names);
        ck_assert_int_eq(vgpu_mdevctl_read(root, "mtty", "6A7E1C2D-0000-4000-8000-0000000000A1", &back, NULL), 0);
        ck_assert_str_eq(back->uuid, U1);
        vgpu_mdevctl_def_free(back);
}
END_TEST

START_TEST(write_replaces_atomically)
{
        struct vgpu_mdevctl_def def = {.uuid = U1, .parent = "mtty", .type = "mtty-2"};
        struct vgpu_error e = {0};
        char *names, *text;

        ck_assert_int_eq(vgpu_mdevctl_write(root, &def, &e), 0);
        def.type = "mtty-1";
        def.autostart = true;
        ck_assert_int_eq(vgpu_mdevctl_write(root, &def, &e), 0);
        text = read_back(MDEVCTL_D "/mtty/" U1);
        ck_assert_str_eq(text, "{\n  \"mdev_type\": \"mtty-1\",\n  \"start\": \"auto\",\n  \"attrs\": []\n}");
        free(text);
        names = names_in(MDEVCTL_D "/mtty");
        ck_assert_str_eq(names, U1 "\n");
        free(names);
        /* A rename that fails (a non-empty directory in the way) leaves no temp file. */
        def.uuid[35] = '2';
        make_dir(MDEVCTL_D "/mtty/" U2);
        make_dir(MDEVCTL_D "/mtty/" U2 "/x");
        ck_assert_int_lt(vgpu_mdevctl_write(root, &def, &e), 0);
        ck_assert_ptr_nonnull(strstr(e.text, "cannot write " U2));
        names = names_in(MDEVCTL_D "/mtty");
        ck_assert_str_eq(names, U1 "\n" U2 "\n");
        free(names);
}
END_TEST

START_TEST(write_cannot_create_dir)
{
        struct vgpu_mdevctl_def def = {.uuid = U1, .parent = "mtty", .type = "mtty-2"};
        struct vgpu_error e = {0};

        testsuite_write(dir, MDEVCTL_D, "a file in the way");
        ck_assert_int_eq(vgpu_mdevctl_write(root, &def, &e), -ENOTDIR);
        ck_assert_str_eq(e.source, "/etc/mdevctl.d/mtty");
        ck_assert_ptr_nonnull(strstr(e.text, "cannot create the directory"));
}
END_TEST

START_TEST(remove_definition)
{
        struct vgpu_mdevctl_def def = {.uuid = U1, .parent = "mtty", .type = "mtty-2"};
        struct vgpu_mdevctl_def *back = (void *)0x1;

        ck_assert_int_eq(vgpu_mdevctl_remove(root, "mtty", U1), -ENOENT);
        ck_assert_int_eq(vgpu_mdevctl_write(root, &def, NULL), 0);
        ck_assert_int_eq(vgpu_mdevctl_remove(root, "mtty", "6A7E1C2D-0000-4000-8000-0000000000A1"), 0);
        ck_assert_int_eq(vgpu_mdevctl_read(root, "mtty", U1, &back, NULL), -ENOENT);
        ck_assert_ptr_eq(back, (void *)0x1);
        ck_assert_int_eq(vgpu_mdevctl_remove(root, "mtty", U1), -ENOENT);
        ck_assert_int_eq(vgpu_mdevctl_remove(root, "..", U1), -EINVAL);
        ck_assert_int_eq(vgpu_mdevctl_remove(root, "mtty", "x"), -EINVAL);
}
END_TEST

START_TEST(read_refuses_bad_names)
{
        struct vgpu_mdevctl_def *back = (void *)0x1;
        struct vgpu_error e = {0};

        ck_assert_int_eq(vgpu_mdevctl_read(root, "mtty", U1, &back, &e), -ENOENT);
        ck_assert_int_eq(vgpu_mdevctl_read(root, "a/b", U1, &back, &e), -EINVAL);
        ck_assert_str_eq(e.text, "'a/b' is not a valid parent name");
        ck_assert_int_eq(vgpu_mdevctl_read(root, "", U1, &back, &e), -EINVAL);
        ck_assert_int_eq(vgpu_mdevctl_read(root, "mtty", "../../x", &back, &e), -EINVAL);
        ck_assert_str_eq(e.text, "'../../x' is not a UUID");
        ck_assert_ptr_eq(back, (void *)0x1);
        ck_assert(vgpu_mdevctl_name_valid("0000:3b:00.0"));
        ck_assert(!vgpu_mdevctl_name_valid("."));
        ck_assert(!vgpu_mdevctl_name_valid(NULL));
}
END_TEST

struct bad {
        const char *file;
        int line, column;
        const char *text;
};

static const struct bad bad_files[] = {
        {"truncated", 5, 0, "']' expected near end of file"},
        {"no-type", 1, 1, "key 'mdev_type' is missing"},
        {"no-start", 1, 1, "key 'start' is missing"},
        {"type-number", 2, 16, "key 'mdev_type': expected a string"},
        {"attr-two-keys", 5, 5, "key 'attrs[0]': expected an object with one key"},
        {"attr-dotdot", 6, 7, "key 'attrs[0].../x': not a safe attribute path"},
        {"attr-bool", 6, 12, "key 'attrs[0].a': expected a string"},
        {"attrs-string", 4, 12, "key 'attrs': expected an array"},
};

static void install_fixture(const char *file, const char *parent)
{
        char src[PATH_MAX], dst[PATH_MAX], *path = NULL, *content = NULL;
        size_t len = 0;
        FILE *f, *m = open_memstream(&content, &len);
        int c;

        snprintf(src, sizeof(src), "tests/data/bad/mdevctl/%s", file);
        path = testsuite_srcpath(src);
        f = fopen(path, "r");
        ck_assert_msg(f, "cannot open %s", path);
        while ((c = fgetc(f)) != EOF)
                fputc(c, m);
        fclose(f);
        fclose(m);
        make_dir("etc/mdevctl.d");
        snprintf(dst, sizeof(dst), MDEVCTL_D "/%s", parent);
        make_dir(dst);
        snprintf(dst, sizeof(dst), MDEVCTL_D "/%s/" U1, parent);
        testsuite_write(dir, dst, content);
        free(content);
        free(path);
}

START_TEST(read_bad_files)
{
        const struct bad *b = &bad_files[_i];
        struct vgpu_mdevctl_def *back = (void *)0x1;
        struct vgpu_error e = {0};
        char buf[600];

        install_fixture(b->file, "mtty");
        ck_assert_int_eq(vgpu_mdevctl_read(root, "mtty", U1, &back, &e), -EINVAL);
        ck_assert_ptr_eq(back, (void *)0x1);
        vgpu_error_format(&e, buf, sizeof(buf));
        ck_assert_msg(strcmp(e.source, "/etc/mdevctl.d/mtty/" U1) == 0 && e.line == b->line && e.column == b->column &&
                              strstr(e.text, b->text),
                      "%s: got \"%s\"", b->file, buf);
}
END_TEST

START_TEST(read_as_leniently_as_mdevctl)
{
        struct vgpu_mdevctl_def *back = NULL;

        /* "start": true is manual, attrs null is none, unknown keys are ignored. */
        install_fixture("lenient", "mtty");
        ck_assert_int_eq(vgpu_mdevctl_read(root, "mtty", U1, &back, NULL), 0);
        ck_assert(!back->autostart);
        ck_assert_uint_eq(back->n_attrs, 0);
        ck_assert_str_eq(back->type, "mtty-2");
        vgpu_mdevctl_def_free(back);
        /* No attrs key at all, and "start" that is not "auto". */
        testsuite_write(dir, MDEVCTL_D "/mtty/" U1, "{\"mdev_type\": \"mtty-1\", \"start\": \"Auto\"}\n");
        ck_assert_int_eq(vgpu_mdevctl_read(root, "mtty", U1, &back, NULL), 0);
        ck_assert(!back->autostart);
        ck_assert_ptr_null(back->attrs);
        vgpu_mdevctl_def_free(back);
}
END_TEST

START_TEST(read_upper_case_file_name)
{
        struct vgpu_mdevctl_def *back = NULL;
        char *names;

        /* mdevctl reads a hand-made upper-case name: so do we, and undefine it. */
        make_dir(MDEVCTL_D);
        make_dir(MDEVCTL_D "/mtty");
        testsuite_write(dir, MDEVCTL_D "/mtty/6A7E1C2D-0000-4000-8000-0000000000A1",
                        "{\"mdev_type\": \"mtty-1\", \"start\": \"manual\"}");
        ck_assert_int_eq(vgpu_mdevctl_read(root, "mtty", U1, &back, NULL), 0);
        ck_assert_str_eq(back->uuid, U1);
        ck_assert_str_eq(back->type, "mtty-1");
        vgpu_mdevctl_def_free(back);
        ck_assert_int_eq(vgpu_mdevctl_read(root, "mdpy", U1, &back, NULL), -ENOENT);
        ck_assert_int_eq(vgpu_mdevctl_remove(root, "mtty", U1), 0);
        names = names_in(MDEVCTL_D "/mtty");
        ck_assert_str_eq(names, "");
        free(names);
}
END_TEST

static void write_def(const char *parent, const char *uuid, const char *type)
{
        struct vgpu_mdevctl_def def = {.parent = (char *)parent, .type = (char *)type};

        snprintf(def.uuid, sizeof(def.uuid), "%s", uuid);
        ck_assert_int_eq(vgpu_mdevctl_write(root, &def, NULL), 0);
}

static bool has_problem(const struct vgpu_mdevctl_defs *defs, const char *source, int line, const char *text)
{
        for (size_t i = 0; i < defs->n_problems; i++)
                if (strcmp(defs->problems[i].source, source) == 0 && defs->problems[i].line == line &&
                    strstr(defs->problems[i].text, text))
                        return true;
        return false;
}

START_TEST(list_all)
{
        struct vgpu_mdevctl_defs *defs = NULL;

        /* No /etc/mdevctl.d: nothing defined. */
        ck_assert_int_eq(vgpu_mdevctl_list(root, &defs), 0);
        ck_assert_uint_eq(defs->n_defs + defs->n_problems, 0);
        ck_assert_ptr_null(vgpu_mdevctl_defs_find(defs, U1, NULL));
        vgpu_mdevctl_defs_free(defs);
        write_def("mtty", U2, "mtty-2");
        write_def("mtty", U1, "mtty-1");
        write_def("0000:3b:00.0", U2, "nvidia-224"); /* the same UUID under another parent */
        make_dir(MDEVCTL_D "/scripts.d");
        make_dir(MDEVCTL_D "/scripts.d/callouts");
        testsuite_write(dir, MDEVCTL_D "/README", "not a parent");
        ck_assert_int_eq(vgpu_mdevctl_list(root, &defs), 0);
        ck_assert_uint_eq(defs->n_problems, 0);
        ck_assert_uint_eq(defs->n_defs, 3);
        ck_assert_str_eq(defs->defs[0].parent, "0000:3b:00.0");
        ck_assert_str_eq(defs->defs[1].uuid, U1);
        ck_assert_str_eq(defs->defs[2].type, "mtty-2");
        ck_assert_str_eq(vgpu_mdevctl_defs_find(defs, U2, NULL)->parent, "0000:3b:00.0");
        ck_assert_str_eq(vgpu_mdevctl_defs_find(defs, "6A7E1C2D-0000-4000-8000-0000000000A2", "mtty")->type, "mtty-2");
        ck_assert_ptr_null(vgpu_mdevctl_defs_find(defs, U1, "mdpy"));
        ck_assert_ptr_null(vgpu_mdevctl_defs_find(defs, "bad", NULL));
        vgpu_mdevctl_defs_free(defs);
}
END_TEST

START_TEST(list_bad_files_hide_nothing)
{
        struct vgpu_mdevctl_defs *defs = NULL;

        write_def("mdpy", U1, "mdpy-vga");
        write_def("mtty", U2, "mtty-2");
        install_fixture("truncated", "mtty");
        install_fixture("attr-dotdot", "mbochs");
        /* mdevctl accepts upper-case file names: so do we, in lower case. */
        testsuite_write(dir, MDEVCTL_D "/mdpy/6A7E1C2D-0000-4000-8000-0000000000A3",
                        "{\"mdev_type\": \"mdpy-hd\", \"start\": \"auto\"}");
        testsuite_write(dir, MDEVCTL_D "/mdpy/notes.txt", "{}");
        testsuite_write(dir, MDEVCTL_D "/mdpy/." U2 ".0badc0de", "{"); /* a crashed write's temp file */
        make_dir(MDEVCTL_D "/mdpy/6a7e1c2d-0000-4000-8000-0000000000a4");
        ck_assert_int_eq(vgpu_mdevctl_list(root, &defs), 0);
        ck_assert_uint_eq(defs->n_defs, 3);
        ck_assert_str_eq(defs->defs[0].uuid, U1);
        ck_assert_str_eq(defs->defs[1].uuid, "6a7e1c2d-0000-4000-8000-0000000000a3");
        ck_assert(defs->defs[1].autostart);
        ck_assert_str_eq(defs->defs[2].uuid, U2);
        ck_assert_uint_eq(defs->n_problems, 4);
        ck_assert(has_problem(defs, "/etc/mdevctl.d/mtty/" U1, 5, "expected near end of file"));
        ck_assert(has_problem(defs, "/etc/mdevctl.d/mbochs/" U1, 6, "not a safe attribute path"));
        ck_assert(has_problem(defs, "/etc/mdevctl.d/mdpy/notes.txt", 0, "not named by a UUID"));
        ck_assert(has_problem(defs, "/etc/mdevctl.d/mdpy/6a7e1c2d-0000-4000-8000-0000000000a4", 0, "a directory"));
        vgpu_mdevctl_defs_free(defs);
}
END_TEST

START_TEST(list_unreadable)
{
        struct vgpu_mdevctl_defs *defs = (void *)0x1;

        testsuite_write(dir, MDEVCTL_D, "a file");
        ck_assert_int_eq(vgpu_mdevctl_list(root, &defs), -ENOTDIR);
        ck_assert_ptr_eq(defs, (void *)0x1);
}
END_TEST

static Suite *mdevctl_suite(void)
{
        Suite *s = suite_create("mdevctl");
        TCase *w = tcase_create("write"), *r = tcase_create("read");

        tcase_add_checked_fixture(w, setup, teardown);
        tcase_add_test(w, format_as_mdevctl);
        tcase_add_test(w, format_refuses);
        tcase_add_test(w, write_read_round_trip);
        tcase_add_test(w, write_upper_case_uuid);
        tcase_add_test(w, write_replaces_atomically);
        tcase_add_test(w, write_cannot_create_dir);
        tcase_add_test(w, remove_definition);
        suite_add_tcase(s, w);
        tcase_add_checked_fixture(r, setup, teardown);
        tcase_add_test(r, read_refuses_bad_names);
        tcase_add_loop_test(r, read_bad_files, 0, ARRAY_SIZE(bad_files));
        tcase_add_test(r, read_as_leniently_as_mdevctl);
        tcase_add_test(r, read_upper_case_file_name);
        tcase_add_test(r, list_all);
        tcase_add_test(r, list_bad_files_hide_nothing);
        tcase_add_test(r, list_unreadable);
        suite_add_tcase(s, r);
        return s;
}

int main(void)
{
        return testsuite_run(mdevctl_suite());
}
