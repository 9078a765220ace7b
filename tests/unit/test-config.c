/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpu-hook.conf and profiles.d: the defaults, every key, and every bad
 * input with the file:line:column the admin is shown.  Bad inputs are the
 * fixtures in tests/data/bad/; each row of the tables below is one test.
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
#define CONF          "etc/vgpu-hook/vgpu-hook.conf"
#define PROFILES      "etc/vgpu-hook/profiles.d"

static char *dir;
static struct vgpu_root *root;

static void setup(void)
{
        dir = testsuite_fake_root("samples");
        ck_assert_int_eq(vgpu_root_new(dir, &root), 0);
}

static void teardown(void)
{
        root = vgpu_root_unref(root);
        testsuite_remove_root(dir);
        dir = NULL;
}

/* mkdir -p @rel below the root. */
static void make_dirs(const char *rel)
{
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/%s", dir, rel);
        for (char *p = path + strlen(dir) + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                ck_assert(mkdir(path, 0755) == 0 || errno == EEXIST);
                *p = '/';
        }
        ck_assert(mkdir(path, 0755) == 0 || errno == EEXIST);
}

static char *slurp(const char *srcrel)
{
        char *path = testsuite_srcpath(srcrel), *buf = NULL;
        size_t len = 0;
        FILE *f = fopen(path, "r"), *m = open_memstream(&buf, &len);
        int c;

        ck_assert_msg(f, "cannot open %s", path);
        while ((c = fgetc(f)) != EOF)
                fputc(c, m);
        fclose(f);
        fclose(m);
        free(path);
        return buf;
}

/* Copy tests/data/@srcrel to @dstrel below the root. */
static void install(const char *srcrel, const char *dstrel)
{
        char *content = slurp(srcrel), parent[PATH_MAX];

        snprintf(parent, sizeof(parent), "%s", dstrel);
        *strrchr(parent, '/') = '\0';
        make_dirs(parent);
        testsuite_write(dir, dstrel, content);
        free(content);
}

static void write_conf(const char *content)
{
        make_dirs("etc/vgpu-hook");
        testsuite_write(dir, CONF, content);
}

static void assert_error(const struct vgpu_error *e, const char *source, int line, int column, const char *text)
{
        char buf[600];

        vgpu_error_format(e, buf, sizeof(buf));
        ck_assert_msg(strcmp(e->source, source) == 0 && e->line == line && e->column == column && strstr(e->text, text),
                      "got \"%s\", want %s:%d:%d: …%s…", buf, source, line, column, text);
}

/* ---- configuration ------------------------------------------------------- */

START_TEST(config_defaults)
{
        struct vgpu_config *c = NULL;
        struct vgpu_error e = {0};

        /* No file at all, and no /etc/vgpu-hook: the defaults. */
        ck_assert_int_eq(vgpu_config_load(root, &c, &e), 0);
        ck_assert(!c->profiles_only);
        ck_assert_uint_eq(c->lock_wait_ms, 5000);
        ck_assert_uint_eq(c->release_retries, 3);
        ck_assert_int_eq(c->log_level, VGPU_LOG_INFO);
        ck_assert_str_eq(vgpu_log_level_name(c->log_level), "info");
        ck_assert_uint_eq(c->n_cordoned + c->n_sriov_vfs, 0);
        ck_assert_ptr_null(c->root);
        ck_assert(!vgpu_config_is_cordoned(c, "mtty"));
        vgpu_config_free(c);
        /* An empty object: the same. */
        write_conf("{}\n");
        ck_assert_int_eq(vgpu_config_load(root, &c, &e), 0);
        ck_assert_uint_eq(c->lock_wait_ms, 5000);
        vgpu_config_free(c);
}
END_TEST

START_TEST(config_example)
{
        struct vgpu_config *c = NULL;
        struct vgpu_error e = {0};
        char buf[VGPU_PCI_ADDR_STRLEN];

        install("tests/data/etc/vgpu-hook/vgpu-hook.conf", CONF);
        ck_assert_int_eq(vgpu_config_load(root, &c, &e), 0);
        ck_assert_uint_eq(c->n_cordoned, 1);
        ck_assert(vgpu_config_is_cordoned(c, "0000:5E:00.0"));
        ck_assert_uint_eq(c->n_sriov_vfs, 2);
        vgpu_pci_addr_format(&c->sriov_vfs[1].pf, buf);
        ck_assert_str_eq(buf, "0000:82:00.0");
        ck_assert_uint_eq(c->sriov_vfs[1].num_vfs, 4);
        vgpu_config_free(c);
}
END_TEST

START_TEST(config_every_key)
{
        struct vgpu_config *c = NULL;
        struct vgpu_error e = {0};
        char buf[VGPU_PCI_ADDR_STRLEN];

        write_conf("{\"profiles_only\": true, \"lock_wait_ms\": 60000, \"release_retries\": 0,\n"
                   " \"log_level\": \"debug\", \"cordoned\": [\"mtty\", \"0000:3B:00.0\", \"10000:01:00.0\"],\n"
                   " \"sriov_vfs\": {\"0000:86:00.0\": 0, \"0000:01:00.0\": 65535, \"10000:02:00.0\": 2},\n"
                   " \"root\": \"/srv/fake host\"}");
        ck_assert_int_eq(vgpu_config_load(root, &c, &e), 0);
        ck_assert(c->profiles_only);
        ck_assert_uint_eq(c->lock_wait_ms, 60000);
        ck_assert_uint_eq(c->release_retries, 0);
        ck_assert_int_eq(c->log_level, VGPU_LOG_DEBUG);
        ck_assert_str_eq(c->cordoned[1], "0000:3b:00.0");
        ck_assert(vgpu_config_is_cordoned(c, "mtty"));
        ck_assert(vgpu_config_is_cordoned(c, "0000:3b:00.0"));
        ck_assert(vgpu_config_is_cordoned(c, "10000:01:00.0"));
        ck_assert(!vgpu_config_is_cordoned(c, "mdpy"));
        /* sorted by PF */
        vgpu_pci_addr_format(&c->sriov_vfs[0].pf, buf);
        ck_assert_str_eq(buf, "0000:01:00.0");
        ck_assert_uint_eq(c->sriov_vfs[0].num_vfs, 65535);
        ck_assert_uint_eq(c->sriov_vfs[1].num_vfs, 0);
        ck_assert_uint_eq(c->sriov_vfs[2].pf.domain, 0x10000);
        ck_assert_str_eq(c->root, "/srv/fake host");
        vgpu_config_free(c);
}
END_TEST

START_TEST(config_log_levels)
{
        static const char *const names[] = {"err", "warning", "info", "debug"};
        static const enum vgpu_log_level levels[] = {VGPU_LOG_ERR, VGPU_LOG_WARNING, VGPU_LOG_INFO, VGPU_LOG_DEBUG};

        for (size_t i = 0; i < 4; i++) {
                struct vgpu_config *c = NULL;
                char text[64];

                snprintf(text, sizeof(text), "{\"log_level\": \"%s\"}", names[i]);
                write_conf(text);
                ck_assert_int_eq(vgpu_config_load(root, &c, NULL), 0);
                ck_assert_int_eq(c->log_level, levels[i]);
                ck_assert_str_eq(vgpu_log_level_name(c->log_level), names[i]);
                vgpu_config_free(c);
        }
        ck_assert_ptr_null(vgpu_log_level_name(5));
}
END_TEST

struct bad {
        const char *file;
        int errnum;
        int line, column;
        const char *text;
};

/* An xe PF's object form: the count and the VFs' profile; what is left out stays -1. */
START_TEST(sriov_vfs_object)
{
        static const char text[] = "{\"sriov_vfs\": {\"03:00.0\": {\"vfs\": 4, \"exec_quantum_ms\": 25, "
                                   "\"sched_priority\": \"normal\", \"vram_quota\": 8589934592}, \"0000:01:00.0\": 2}}";
        static const struct {
                const char *text, *error;
        } bad[] = {
                {"{\"sriov_vfs\": {\"03:00.0\": {\"exec_quantum_ms\": 1}}}",
                 "missing \"vfs\": the VF count of this PF"},
                {"{\"sriov_vfs\": {\"03:00.0\": {\"vfs\": 1, \"exec_quantum_ms\": 4294967296}}}",
                 "key 'sriov_vfs.03:00.0.exec_quantum_ms': expected an integer from 0 to 4294967295"},
                {"{\"sriov_vfs\": {\"03:00.0\": {\"vfs\": 1, \"sched_priority\": \"high\"}}}",
                 "the xe driver gives \"high\" to the PF only"},
                {"{\"sriov_vfs\": {\"03:00.0\": {\"vfs\": 1, \"vram\": 1}}}", "unknown key"},
        };
        struct vgpu_config *c = NULL;
        struct vgpu_error e = {0};

        ck_assert_int_eq(vgpu_config_parse("t.conf", text, strlen(text), &c, &e), 0);
        ck_assert_uint_eq(c->n_sriov_vfs, 2);
        ck_assert_uint_eq(c->sriov_vfs[0].num_vfs, 2);
        ck_assert(vgpu_xe_profile_empty(&c->sriov_vfs[0].xe));
        ck_assert_uint_eq(c->sriov_vfs[1].num_vfs, 4);
        ck_assert_int_eq(c->sriov_vfs[1].xe.exec_quantum_ms, 25);
        ck_assert_int_eq(c->sriov_vfs[1].xe.preempt_timeout_us, -1);
        ck_assert_int_eq(c->sriov_vfs[1].xe.sched_priority, 1);
        ck_assert_int_eq(c->sriov_vfs[1].xe.vram_quota, 8589934592LL);
        vgpu_config_free(c);
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                c = NULL;
                ck_assert_int_eq(vgpu_config_parse("t.conf", bad[i].text, strlen(bad[i].text), &c, &e), -EINVAL);
                ck_assert_ptr_null(c);
                ck_assert_msg(strstr(e.text, bad[i].error), "%s: %s", bad[i].text, e.text);
        }
}
END_TEST

static const struct bad bad_configs[] = {
        {"syntax.conf", EINVAL, 3, 23, "string or '}' expected near ','"},
        {"bool-type.conf", EINVAL, 2, 20, "key 'profiles_only': expected true or false"},
        {"unknown-key.conf", EINVAL, 3, 3, "key 'profile_only': unknown key (known: profiles_only, lock_wait_ms"},
        {"lock-wait-range.conf", EINVAL, 2, 19, "key 'lock_wait_ms': 60001 is out of range: expected 0 to 60000"},
        {"retries-negative.conf", EINVAL, 2, 22, "key 'release_retries': -1 is out of range: expected 0 to 100"},
        {"lock-wait-real.conf", EINVAL, 2, 19, "key 'lock_wait_ms': expected an integer from 0 to 60000"},
        {"log-level.conf", EINVAL, 2, 16, "key 'log_level': expected one of \"err\", \"warning\", \"info\", \"debug\""},
        {"vfs-bad-pci.conf", EINVAL, 4, 5, "key 'sriov_vfs.0000:86:00': not a PCI address"},
        {"vfs-range.conf", EINVAL, 2, 33, "key 'sriov_vfs.0000:86:00.0': 70000 is out of range: expected 0 to 65535"},
        {"vfs-same-pf.conf", EINVAL, 4, 5, "key 'sriov_vfs.0000:8A:00.0': the same PF as an earlier key"},
        {"vfs-type.conf", EINVAL, 2, 16, "key 'sriov_vfs': expected an object"},
        {"duplicate-key.conf", EINVAL, 3, 13, "duplicate object key"},
        {"cordoned-type.conf", EINVAL, 2, 15, "key 'cordoned': expected an array"},
        {"cordoned-twice.conf", EINVAL, 2, 40, "key 'cordoned[2]': listed twice"},
        {"cordoned-dotdot.conf", EINVAL, 2, 24, "key 'cordoned[1]': expected an mdev parent or PCI address"},
        {"cordoned-number.conf", EINVAL, 2, 24, "key 'cordoned[1]': expected a string"},
        {"root-relative.conf", EINVAL, 2, 11, "key 'root': expected an absolute path"},
        {"array.conf", EINVAL, 1, 1, "expected an object"},
        {"empty.conf", EINVAL, 0, 0, "empty, expected a JSON object"},
        {"blank.conf", EINVAL, 0, 0, "empty, expected a JSON object"},
        {"trailing.conf", EINVAL, 4, 1, "end of file expected"},
        {"utf8-column.conf", EINVAL, 2, 42, "key 'cordoned[1]': expected a string"},
        {"utf8-syntax.conf", EINVAL, 2, 41, "invalid token near 'x'"},
        {"escaped-key.conf", EINVAL, 1, 23, "key 'lock_wait_ms': -5 is out of range"},
        {"tricky-strings.conf", EINVAL, 1, 41, "key 'cordoned[1]': expected a string"},
};

START_TEST(config_bad)
{
        const struct bad *b = &bad_configs[_i];
        struct vgpu_config *c = (void *)0x1;
        struct vgpu_error e = {0};
        char src[PATH_MAX];

        snprintf(src, sizeof(src), "tests/data/bad/config/%s", b->file);
        install(src, CONF);
        ck_assert_int_eq(vgpu_config_load(root, &c, &e), -b->errnum);
        ck_assert_ptr_eq(c, (void *)0x1);
        assert_error(&e, "/" CONF, b->line, b->column, b->text);
}
END_TEST

START_TEST(config_not_a_file)
{
        struct vgpu_config *c = (void *)0x1;
        struct vgpu_error e = {0};
        char path[PATH_MAX];

        make_dirs(CONF);
        ck_assert_int_eq(vgpu_config_load(root, &c, &e), -EISDIR);
        assert_error(&e, "/" CONF, 0, 0, "a directory");
        snprintf(path, sizeof(path), "%s/%s", dir, CONF);
        ck_assert_int_eq(rmdir(path), 0);
        /* A FIFO would block a reader forever: refused without opening it for long. */
        ck_assert_int_eq(mkfifo(path, 0644), 0);
        ck_assert_int_eq(vgpu_config_load(root, &c, &e), -EINVAL);
        assert_error(&e, "/" CONF, 0, 0, "not a regular file");
        ck_assert_ptr_eq(c, (void *)0x1);
        /* A NULL error record is fine. */
        ck_assert_int_eq(vgpu_config_load(root, &c, NULL), -EINVAL);
}
END_TEST

START_TEST(config_huge)
{
        struct vgpu_config *c = NULL;
        struct vgpu_error e = {0};
        char *text = malloc(VGPU_JSON_FILE_MAX + 2);

        /* Exactly the cap is read; one byte more is refused. */
        memset(text, ' ', VGPU_JSON_FILE_MAX);
        memcpy(text, "{}", 2);
        text[VGPU_JSON_FILE_MAX] = '\0';
        write_conf(text);
        ck_assert_int_eq(vgpu_config_load(root, &c, &e), 0);
        vgpu_config_free(c);
        c = (void *)0x1;
        strcpy(text + VGPU_JSON_FILE_MAX, " ");
        write_conf(text);
        ck_assert_int_eq(vgpu_config_load(root, &c, &e), -EFBIG);
        assert_error(&e, "/" CONF, 0, 0, "larger than 1024 KiB");
        ck_assert_ptr_eq(c, (void *)0x1);
        free(text);
}
END_TEST

START_TEST(config_stays_in_root)
{
        struct vgpu_config *c = NULL;

        /* An absolute link resolves inside the root: /etc/passwd of the root does not exist. */
        make_dirs("etc/vgpu-hook");
        testsuite_symlink(dir, CONF, "/etc/passwd");
        ck_assert_int_eq(vgpu_config_load(root, &c, NULL), 0);
        ck_assert_uint_eq(c->lock_wait_ms, 5000);
        vgpu_config_free(c);
}
END_TEST

START_TEST(error_format)
{
        struct vgpu_error e = {0};
        char buf[64];

        vgpu_error_set(&e, EINVAL, "/etc/x.conf", 3, 7, "bad %s", "thing");
        ck_assert_str_eq(vgpu_error_format(&e, buf, sizeof(buf)), "/etc/x.conf:3:7: bad thing");
        e.column = 0;
        ck_assert_str_eq(vgpu_error_format(&e, buf, sizeof(buf)), "/etc/x.conf:3: bad thing");
        e.line = 0;
        ck_assert_str_eq(vgpu_error_format(&e, buf, sizeof(buf)), "/etc/x.conf: bad thing");
        ck_assert_str_eq(vgpu_error_format(&e, buf, 5), "/etc");
}
END_TEST

/* ---- profiles ------------------------------------------------------------ */

static const char *const examples[] = {"a10-4q", "gpu-full", "gvtg-4", "l4-4q", "mtty-2", "nvme-vf", "t4-4q"};

static void install_examples(void)
{
        for (size_t i = 0; i < ARRAY_SIZE(examples); i++) {
                char src[PATH_MAX], dst[PATH_MAX];

                snprintf(src, sizeof(src), "tests/data/etc/vgpu-hook/profiles.d/%s.json", examples[i]);
                snprintf(dst, sizeof(dst), PROFILES "/%s.json", examples[i]);
                install(src, dst);
        }
}

static struct vgpu_profile *load_profile(const char *name)
{
        struct vgpu_profile *p = NULL;
        struct vgpu_error e = {0};
        char buf[600];
        int r = vgpu_profile_load(root, name, &p, &e);

        ck_assert_msg(r == 0, "profile %s: %s", name, vgpu_error_format(&e, buf, sizeof(buf)));
        return p;
}

START_TEST(profile_mdev)
{
        struct vgpu_profile *p;

        install_examples();
        p = load_profile("t4-4q");
        ck_assert_str_eq(p->name, "t4-4q");
        ck_assert_int_eq(p->kind, VGPU_PROFILE_MDEV);
        ck_assert_str_eq(p->mdev_type_name, "GRID T4-4Q");
        ck_assert_ptr_null(p->mdev_type_id);
        ck_assert_int_eq(p->vendor, 0x10de);
        ck_assert_int_eq(p->device, 0x1eb8);
        ck_assert_int_eq(p->policy, VGPU_POLICY_PACK);
        ck_assert_int_eq(p->numa, VGPU_PROFILE_NUMA_AUTO);
        ck_assert_uint_eq(p->n_attrs, 1);
        ck_assert_str_eq(p->attrs[0].name, "nvidia/vgpu_params");
        ck_assert_str_eq(p->attrs[0].value, "frame_rate_limiter=0");
        ck_assert_str_eq(p->description, "NVIDIA T4, 4 GB framebuffer, virtual workstation");
        vgpu_profile_free(p);
        p = load_profile("gvtg-4");
        ck_assert_str_eq(p->mdev_type_id, "i915-GVTg_V5_4");
        ck_assert_ptr_null(p->mdev_type_name);
        ck_assert_int_eq(p->device, -1);
        ck_assert_uint_eq(p->n_attrs, 0);
        vgpu_profile_free(p);
        p = load_profile("a10-4q");
        ck_assert_int_eq(p->policy, VGPU_POLICY_SPREAD);
        ck_assert_int_eq(p->numa, VGPU_PROFILE_NUMA_PREFER);
        ck_assert_uint_eq(p->n_numa_nodes, 1);
        ck_assert_uint_eq(p->numa_nodes[0], 1);
        ck_assert_uint_eq(p->n_addresses, 1);
        ck_assert_uint_eq(p->addresses[0].bus, 0xca);
        ck_assert_int_eq(p->vendor, -1);
        vgpu_profile_free(p);
        p = load_profile("mtty-2");
        ck_assert_int_eq(p->numa, VGPU_PROFILE_NUMA_IGNORE);
        ck_assert_str_eq(vgpu_profile_numa_name(p->numa), "ignore");
        vgpu_profile_free(p);
}
END_TEST

START_TEST(profile_other_kinds)
{
        struct vgpu_profile *p;

        install_examples();
        p = load_profile("l4-4q");
        ck_assert_int_eq(p->kind, VGPU_PROFILE_NVIDIA_VFIO);
        ck_assert_str_eq(p->nvidia_type, "NVIDIA L4-4Q");
        ck_assert_int_eq(p->numa, VGPU_PROFILE_NUMA_STRICT);
        ck_assert_uint_eq(p->n_numa_nodes, 0);
        ck_assert_str_eq(vgpu_profile_kind_name(p->kind), "nvidia_vgpu_type");
        vgpu_profile_free(p);
        p = load_profile("nvme-vf");
        ck_assert_int_eq(p->kind, VGPU_PROFILE_SRIOV_VF);
        ck_assert_uint_eq(p->n_devices, 1);
        ck_assert_uint_eq(p->devices[0].bus, 1);
        ck_assert_str_eq(vgpu_policy_name(p->policy), "pack");
        vgpu_profile_free(p);
        p = load_profile("gpu-full");
        ck_assert_int_eq(p->kind, VGPU_PROFILE_PASSTHROUGH);
        ck_assert_uint_eq(p->n_devices, 0);
        ck_assert_int_eq(p->device, 0x1eb8);
        ck_assert_str_eq(vgpu_policy_name(p->policy), "spread");
        ck_assert_str_eq(vgpu_profile_numa_name(p->numa), "prefer");
        vgpu_profile_free(p);
        ck_assert_ptr_null(vgpu_profile_kind_name(4));
        ck_assert_ptr_null(vgpu_policy_name(2));
        ck_assert_ptr_null(vgpu_profile_numa_name(4));
}
END_TEST

START_TEST(profile_inline_forms)
{
        struct vgpu_profile *p;

        make_dirs(PROFILES);
        testsuite_write(dir, PROFILES "/pt.json",
                        "{\"passthrough\": {\"devices\": [\"0000:d8:00.0\", \"0000:3b:00.0\"]},"
                        " \"numa\": {\"nodes\": [3, 1], \"mode\": \"strict\"}, \"vendor\": \"0X10DE\"}");
        p = load_profile("pt");
        ck_assert_uint_eq(p->n_devices, 2);
        ck_assert_uint_eq(p->devices[0].bus, 0x3b); /* sorted */
        ck_assert_int_eq(p->numa, VGPU_PROFILE_NUMA_STRICT);
        ck_assert_uint_eq(p->n_numa_nodes, 2);
        ck_assert_uint_eq(p->numa_nodes[0], 1);
        ck_assert_uint_eq(p->numa_nodes[1], 3);
        vgpu_profile_free(p);
        /* attrs in order, duplicates kept, null means none */
        testsuite_write(
                dir, PROFILES "/m.json",
                "{\"mdev_type\": {\"id\": \"mtty-2\"}, \"attrs\": [{\"b\": \"1\"}, {\"a\": \"2\"}, {\"b\": \"3\"}]}");
        p = load_profile("m");
        ck_assert_uint_eq(p->n_attrs, 3);
        ck_assert_str_eq(p->attrs[2].name, "b");
        ck_assert_str_eq(p->attrs[2].value, "3");
        vgpu_profile_free(p);
        testsuite_write(dir, PROFILES "/n.json", "{\"mdev_type\": {\"id\": \"mtty-2\"}, \"attrs\": null}");
        p = load_profile("n");
        ck_assert_uint_eq(p->n_attrs, 0);
        vgpu_profile_free(p);
}
END_TEST

static const struct bad bad_profiles[] = {
        {"two-kinds.json", EINVAL, 3, 3, "key 'nvidia_vgpu_type': cannot be combined with 'mdev_type'"},
        {"no-kind.json", EINVAL, 1, 1, "one of 'mdev_type', 'nvidia_vgpu_type', 'sriov_vf', 'passthrough' is needed"},
        {"mdev-type-string.json", EINVAL, 2, 16, "key 'mdev_type': expected {\"name\": \"GRID T4-4Q\"} or {\"id\":"},
        {"mdev-type-both.json", EINVAL, 2, 16, "key 'mdev_type': expected {\"name\""},
        {"mdev-type-key.json", EINVAL, 2, 17, "key 'mdev_type.nom': unknown key (known: name, id)"},
        {"mdev-type-id.json", EINVAL, 2, 23, "key 'mdev_type.id': not a valid mdev type id"},
        {"mdev-type-empty.json", EINVAL, 2, 25, "key 'mdev_type.name': expected a non-empty string"},
        {"attr-dotdot.json", EINVAL, 5, 6, "key 'attrs[1].../../x': not a safe attribute path"},
        {"attr-two-keys.json", EINVAL, 3, 13, "key 'attrs[0]': expected an object with one key"},
        {"attr-value-number.json", EINVAL, 3, 31, "key 'attrs[1].b': expected a string"},
        {"attrs-object.json", EINVAL, 3, 12, "key 'attrs': expected an array"},
        {"attrs-on-vf.json", EINVAL, 3, 3, "key 'attrs': only 'mdev_type' profiles take attrs"},
        {"bad-address.json", EINVAL, 3, 33, "key 'addresses[1]': expected a PCI address like \"0000:3b:00.0\""},
        {"address-twice.json", EINVAL, 3, 33, "key 'addresses[1]': listed twice"},
        {"vendor-no-0x.json", EINVAL, 3, 13, "key 'vendor': expected a PCI id like \"0x10de\""},
        {"device-range.json", EINVAL, 4, 13, "key 'device': expected a PCI id"},
        {"device-no-vendor.json", EINVAL, 3, 3, "key 'device': needs 'vendor' too"},
        {"passthrough-any.json", EINVAL, 2, 3, "key 'passthrough': needs 'devices', 'addresses' or 'vendor'"},
        {"passthrough-key.json", EINVAL, 2, 48, "key 'passthrough.driver': unknown key (known: devices)"},
        {"sriov-no-pfs.json", EINVAL, 2, 15, "key 'sriov_vf': key 'pfs' is missing"},
        {"sriov-empty-pfs.json", EINVAL, 2, 23, "key 'sriov_vf.pfs': expected at least one PF address"},
        {"sriov-array.json", EINVAL, 2, 15, "key 'sriov_vf': expected an object"},
        {"nvidia-type-number.json", EINVAL, 2, 23, "key 'nvidia_vgpu_type': expected a string"},
        {"numa-word.json", EINVAL, 3, 11, "key 'numa': expected one of \"auto\", \"prefer\", \"strict\", \"ignore\""},
        {"numa-nodes-twice.json", EINVAL, 3, 28, "key 'numa.nodes[2]': listed twice"},
        {"numa-mode.json", EINVAL, 3, 34, "key 'numa.mode': expected one of \"prefer\", \"strict\""},
        {"numa-no-nodes.json", EINVAL, 3, 11, "key 'numa': key 'nodes' is missing"},
        {"numa-node-range.json", EINVAL, 3, 22, "key 'numa.nodes[0]': 1024 is out of range: expected 0 to 1023"},
        {"policy-word.json", EINVAL, 3, 13, "key 'policy': expected one of \"pack\", \"spread\""},
        {"unknown-key.json", EINVAL, 3, 3, "key 'polcy': unknown key (known: description, mdev_type"},
        {"duplicate-key.json", EINVAL, 4, 10, "duplicate object key near '\"policy\"'"},
        {"syntax.json", EINVAL, 3, 10, "'}' expected near '\"policy\"'"},
        {"description-number.json", EINVAL, 3, 18, "key 'description': expected a string"},
};

START_TEST(profile_bad)
{
        const struct bad *b = &bad_profiles[_i];
        struct vgpu_profile *p = (void *)0x1;
        struct vgpu_error e = {0};
        char src[PATH_MAX], dst[PATH_MAX], name[64];

        snprintf(src, sizeof(src), "tests/data/bad/profiles/%s", b->file);
        snprintf(dst, sizeof(dst), PROFILES "/%s", b->file);
        snprintf(name, sizeof(name), "%.*s", (int)(strlen(b->file) - 5), b->file);
        install(src, dst);
        ck_assert_int_eq(vgpu_profile_load(root, name, &p, &e), -b->errnum);
        ck_assert_ptr_eq(p, (void *)0x1);
        snprintf(dst, sizeof(dst), "/" PROFILES "/%s", b->file);
        assert_error(&e, dst, b->line, b->column, b->text);
}
END_TEST

START_TEST(profile_names)
{
        struct vgpu_profile *p = (void *)0x1;
        struct vgpu_error e = {0};

        ck_assert_int_eq(vgpu_profile_load(root, "t4-4q", &p, &e), -ENOENT);
        ck_assert_int_eq(vgpu_profile_load(root, "T4-4Q", &p, &e), -EINVAL);
        assert_error(&e, "/" PROFILES "/T4-4Q.json", 0, 0, "not a valid profile name");
        ck_assert_int_eq(vgpu_profile_load(root, "../vgpu-hook", &p, &e), -EINVAL);
        ck_assert_int_eq(vgpu_profile_load(root, "", &p, &e), -EINVAL);
        ck_assert_int_eq(vgpu_profile_load(root, "-x", &p, &e), -EINVAL);
        ck_assert_int_eq(
                vgpu_profile_load(root, "a234567890123456789012345678901234567890123456789012345678901234", &p, &e),
                -ENOENT);
        ck_assert_int_eq(
                vgpu_profile_load(root, "a2345678901234567890123456789012345678901234567890123456789012345", &p, &e),
                -EINVAL);
        ck_assert_ptr_eq(p, (void *)0x1);
}
END_TEST

START_TEST(profiles_all)
{
        struct vgpu_profiles *ps = NULL;

        /* No profiles.d: no profiles, no problem. */
        ck_assert_int_eq(vgpu_profiles_load(root, &ps), 0);
        ck_assert_uint_eq(ps->n_profiles + ps->n_problems, 0);
        ck_assert_ptr_null(vgpu_profiles_find(ps, "t4-4q"));
        vgpu_profiles_free(ps);
        install_examples();
        ck_assert_int_eq(vgpu_profiles_load(root, &ps), 0);
        ck_assert_uint_eq(ps->n_profiles, ARRAY_SIZE(examples));
        ck_assert_uint_eq(ps->n_problems, 0);
        for (size_t i = 0; i < ARRAY_SIZE(examples); i++)
                ck_assert_str_eq(ps->profiles[i].name, examples[i]);
        ck_assert_str_eq(vgpu_profiles_find(ps, "l4-4q")->nvidia_type, "NVIDIA L4-4Q");
        ck_assert_ptr_null(vgpu_profiles_find(ps, "l4"));
        vgpu_profiles_free(ps);
}
END_TEST

static bool has_problem(const struct vgpu_profiles *ps, const char *source_end, int line, int column, const char *text)
{
        for (size_t i = 0; i < ps->n_problems; i++) {
                const struct vgpu_error *e = &ps->problems[i];
                size_t n = strlen(e->source), m = strlen(source_end);

                if (n >= m && strcmp(e->source + n - m, source_end) == 0 && e->line == line && e->column == column &&
                    strstr(e->text, text))
                        return true;
        }
        return false;
}

START_TEST(profiles_bad_ones_hide_nothing)
{
        struct vgpu_profiles *ps = NULL;

        install_examples();
        install("tests/data/bad/profiles/two-kinds.json", PROFILES "/two-kinds.json");
        install("tests/data/bad/profiles/syntax.json", PROFILES "/0-syntax.json");
        install("tests/data/bad/profiles/attr-dotdot.json", PROFILES "/zz-attr.json");
        testsuite_write(dir, PROFILES "/Upper.json", "{}");
        make_dirs(PROFILES "/dir.json");
        /* Not profiles at all: skipped silently. */
        testsuite_write(dir, PROFILES "/README", "not json");
        testsuite_write(dir, PROFILES "/t4-4q.json.dpkg-old", "{");
        testsuite_write(dir, PROFILES "/.t4-4q.json.swp", "{");
        testsuite_write(dir, PROFILES "/.json", "{");
        ck_assert_int_eq(vgpu_profiles_load(root, &ps), 0);
        ck_assert_uint_eq(ps->n_profiles, ARRAY_SIZE(examples));
        ck_assert_ptr_nonnull(vgpu_profiles_find(ps, "t4-4q"));
        ck_assert_ptr_null(vgpu_profiles_find(ps, "two-kinds"));
        ck_assert_uint_eq(ps->n_problems, 5);
        ck_assert(has_problem(ps, "/two-kinds.json", 3, 3, "cannot be combined"));
        ck_assert(has_problem(ps, "/0-syntax.json", 3, 10, "'}' expected"));
        ck_assert(has_problem(ps, "/zz-attr.json", 5, 6, "not a safe attribute path"));
        ck_assert(has_problem(ps, "/" PROFILES "/Upper.json", 0, 0, "not a valid profile name"));
        ck_assert(has_problem(ps, "/" PROFILES "/dir.json", 0, 0, "a directory"));
        vgpu_profiles_free(ps);
}
END_TEST

START_TEST(profiles_dir_unreadable)
{
        struct vgpu_profiles *ps = (void *)0x1;

        make_dirs("etc/vgpu-hook");
        testsuite_write(dir, PROFILES, "a file");
        ck_assert_int_eq(vgpu_profiles_load(root, &ps), -ENOTDIR);
        ck_assert_ptr_eq(ps, (void *)0x1);
}
END_TEST

static Suite *config_suite(void)
{
        Suite *s = suite_create("config");
        TCase *conf = tcase_create("vgpu-hook.conf"), *prof = tcase_create("profiles");

        tcase_add_checked_fixture(conf, setup, teardown);
        tcase_add_test(conf, config_defaults);
        tcase_add_test(conf, config_example);
        tcase_add_test(conf, config_every_key);
        tcase_add_test(conf, sriov_vfs_object);
        tcase_add_test(conf, config_log_levels);
        tcase_add_loop_test(conf, config_bad, 0, ARRAY_SIZE(bad_configs));
        tcase_add_test(conf, config_not_a_file);
        tcase_add_test(conf, config_huge);
        tcase_add_test(conf, config_stays_in_root);
        tcase_add_test(conf, error_format);
        suite_add_tcase(s, conf);
        tcase_add_checked_fixture(prof, setup, teardown);
        tcase_add_test(prof, profile_mdev);
        tcase_add_test(prof, profile_other_kinds);
        tcase_add_test(prof, profile_inline_forms);
        tcase_add_loop_test(prof, profile_bad, 0, ARRAY_SIZE(bad_profiles));
        tcase_add_test(prof, profile_names);
        tcase_add_test(prof, profiles_all);
        tcase_add_test(prof, profiles_bad_ones_hide_nothing);
        tcase_add_test(prof, profiles_dir_unreadable);
        suite_add_tcase(s, prof);
        return s;
}

int main(void)
{
        return testsuite_run(config_suite());
}
