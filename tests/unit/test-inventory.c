/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The inventory JSON: on the real kernel capture it must equal the
 * hand-checked golden file; on presets its documented fields must be there.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fakehost.h"
#include "testsuite.h"

static char *dir;
static struct vgpu_host *host;

static void teardown(void)
{
        vgpu_host_free(host);
        host = NULL;
        testsuite_remove_root(dir);
        dir = NULL;
}

static void dump_both(json_t *got, json_t *want)
{
        fputs("got:\n", stderr);
        json_dumpf(got, stderr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputs("\nwant:\n", stderr);
        json_dumpf(want, stderr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stderr);
}

START_TEST(capture_equals_golden)
{
        char *golden = testsuite_srcpath("tests/golden/inventory-capture.json");
        struct vgpu_config *config;
        json_error_t jerr;
        json_t *want, *got;

        dir = testsuite_capture_root();
        host = testsuite_load(dir);
        want = json_load_file(golden, 0, &jerr);
        ck_assert_msg(want, "%s:%d:%d: %s", golden, jerr.line, jerr.column, jerr.text);
        /* vgpuctl's view: the default configuration (nothing cordoned), no leases */
        ck_assert_int_eq(vgpu_config_new_default(&config), 0);
        got = vgpu_inventory_json(host, config, NULL);
        vgpu_config_free(config);
        ck_assert_ptr_nonnull(got);
        if (!json_equal(got, want))
                dump_both(got, want);
        ck_assert_msg(json_equal(got, want), "inventory of the kernel capture differs from %s", golden);
        json_decref(got);
        json_decref(want);
        free(golden);
}
END_TEST

START_TEST(preset_matches_capture)
{
        /* The simulated samples + nvme host reads exactly like the real one. */
        char *cap_dir = testsuite_capture_root();
        struct vgpu_host *cap = testsuite_load(cap_dir);
        json_t *a, *b;

        dir = testsuite_fake_root("capture-6.1");
        host = testsuite_load(dir);
        a = vgpu_inventory_json(host, NULL, NULL);
        b = vgpu_inventory_json(cap, NULL, NULL);
        if (!json_equal(a, b))
                dump_both(a, b);
        ck_assert(json_equal(a, b));
        json_decref(a);
        json_decref(b);
        vgpu_host_free(cap);
        testsuite_remove_root(cap_dir);
}
END_TEST

START_TEST(documented_fields)
{
        json_t *j, *dev, *parent, *t;

        dir = testsuite_fake_root("t4");
        host = testsuite_load(dir);
        j = vgpu_inventory_json(host, NULL, NULL);
        ck_assert_int_eq(json_integer_value(json_object_get(j, "schema_version")), VGPU_INVENTORY_SCHEMA_VERSION);
        dev = json_array_get(json_object_get(j, "pci_devices"), 0);
        ck_assert_str_eq(json_string_value(json_object_get(dev, "address")), "0000:3b:00.0");
        ck_assert_str_eq(json_string_value(json_object_get(dev, "kind")), "gpu");
        ck_assert_str_eq(json_string_value(json_object_get(dev, "vendor")), "0x10de");
        ck_assert_str_eq(json_string_value(json_object_get(dev, "class")), "0x030200");
        ck_assert_str_eq(json_string_value(json_object_get(dev, "driver")), "nvidia");
        ck_assert(json_is_null(json_object_get(dev, "sriov")));
        parent = json_array_get(json_object_get(j, "mdev_parents"), 0);
        ck_assert_str_eq(json_string_value(json_object_get(parent, "physical_device")), "0000:3b:00.0");
        t = json_array_get(json_object_get(parent, "types"), 2);
        ck_assert_str_eq(json_string_value(json_object_get(t, "name")), "GRID T4-4Q");
        ck_assert_int_eq(json_integer_value(json_object_get(t, "available_instances")), 3);
        ck_assert_int_eq(json_integer_value(json_object_get(t, "instances")), 1);
        ck_assert_str_eq(
                json_string_value(json_object_get(json_array_get(json_object_get(j, "mdevs"), 0), "type_name")),
                "GRID T4-4Q");
        ck_assert_uint_eq(json_array_size(json_object_get(j, "problems")), 0);
        json_decref(j);
}
END_TEST

START_TEST(problems_reach_json)
{
        json_t *j;

        dir = testsuite_fake_root("nvme-sriov");
        testsuite_write(dir, "sys/bus/pci/devices/0000:01:00.0/class", "\n");
        host = testsuite_load(dir);
        j = vgpu_inventory_json(host, NULL, NULL);
        ck_assert(json_is_null(json_object_get(json_array_get(json_object_get(j, "pci_devices"), 0), "class")));
        ck_assert_uint_eq(json_array_size(json_object_get(j, "problems")), 1);
        json_decref(j);
}
END_TEST

/* Pacemaker's node capacity: placement preset, three T4s, one T4-4Q running on 0000:3b:00.0. */
static void capacity_profiles(const char *t4_1q_addresses, const char *config)
{
        static const char *const dirs[] = {"etc", "etc/vgpu-hook", "etc/vgpu-hook/profiles.d"};

        for (size_t i = 0; i < 3; i++) {
                char *d = NULL;

                ck_assert_int_ge(asprintf(&d, "%s/%s", dir, dirs[i]), 0);
                ck_assert(mkdir(d, 0755) == 0 || errno == EEXIST);
                free(d);
        }
        testsuite_write(
                dir, "etc/vgpu-hook/profiles.d/t4-4q.json",
                "{\"mdev_type\": {\"name\": \"GRID T4-4Q\"}, \"addresses\": [\"0000:3b:00.0\", \"0000:5e:00.0\"]}\n");
        testsuite_write(dir, "etc/vgpu-hook/profiles.d/t4-1q.json", t4_1q_addresses);
        testsuite_write(dir, "etc/vgpu-hook/profiles.d/vf.json", "{\"sriov_vf\": {\"pf\": [\"0000:01:00.0\"]}}\n");
        testsuite_write(dir, "etc/vgpu-hook/vgpu-hook.conf", config);
}

static void capacity_check_with(const struct vgpu_ledger *ledger, long want_4q, size_t shared_4q, long want_1q,
                                size_t shared_1q)
{
        struct vgpu_config *config = NULL;
        struct vgpu_profiles *profiles = NULL;
        struct vgpu_capacity *caps = NULL;
        size_t n = 0;

        host = testsuite_load(dir);
        ck_assert_int_eq(vgpu_config_load(host->root, &config, NULL), 0);
        ck_assert_int_eq(vgpu_profiles_load(host->root, &profiles), 0);
        ck_assert_int_eq(vgpu_capacity_of(host, config, ledger, profiles, &caps, &n), 0);
        /* sorted by name; the VF profile is left out */
        ck_assert_uint_eq(n, 2);
        ck_assert_str_eq(caps[0].profile->name, "t4-1q");
        ck_assert_int_eq(caps[0].total, want_1q);
        ck_assert_uint_eq(caps[0].n_shared, shared_1q);
        ck_assert_str_eq(caps[1].profile->name, "t4-4q");
        ck_assert_int_eq(caps[1].total, want_4q);
        ck_assert_uint_eq(caps[1].n_shared, shared_4q);
        free(caps);
        vgpu_profiles_free(profiles);
        vgpu_config_free(config);
}

static void capacity_check(long want_4q, size_t shared_4q, long want_1q, size_t shared_1q)
{
        capacity_check_with(NULL, want_4q, shared_4q, want_1q, shared_1q);
}

START_TEST(capacity_pinned)
{
        dir = testsuite_fake_root("placement");
        capacity_profiles("{\"mdev_type\": {\"name\": \"GRID T4-1Q\"}, \"addresses\": [\"10000:01:00.0\"]}\n", "{}\n");
        /* two T4s of four T4-4Q, the one in use included; one T4 of sixteen T4-1Q */
        capacity_check(8, 0, 16, 0);
}
END_TEST

START_TEST(capacity_cordoned)
{
        dir = testsuite_fake_root("placement");
        capacity_profiles("{\"mdev_type\": {\"name\": \"GRID T4-1Q\"}, \"addresses\": [\"10000:01:00.0\"]}\n",
                          "{\"cordoned\": [\"0000:3b:00.0\", \"0000:5e:00.0\"]}\n");
        /* a cordoned GPU keeps its running T4-4Q and offers no more */
        capacity_check(1, 0, 16, 0);
}
END_TEST

START_TEST(capacity_quarantined)
{
        struct vgpu_ledger *l = NULL;
        struct vgpu_root *root;
        char run[4096];

        dir = testsuite_fake_root("placement");
        capacity_profiles("{\"mdev_type\": {\"name\": \"GRID T4-1Q\"}, \"addresses\": [\"10000:01:00.0\"]}\n", "{}\n");
        snprintf(run, sizeof(run), "%s/run", dir);
        ck_assert(mkdir(run, 0755) == 0 || errno == EEXIST);
        ck_assert_int_eq(vgpu_root_new(dir, &root), 0);
        ck_assert_int_eq(vgpu_ledger_lock(root, 100, &l, NULL), 0);
        ck_assert_int_eq(vgpu_quarantine_add(l, "5e:00.0", VGPU_DEVICE_MDEV, VGPU_QUARANTINE_NOT_FREED, "test"), 1);
        /* a quarantined GPU keeps its running devices (none on 5e) and offers no more: 3b's four */
        capacity_check_with(l, 4, 0, 16, 0);
        vgpu_ledger_free(l);
        vgpu_root_unref(root);
}
END_TEST

START_TEST(capacity_shared_gpu)
{
        dir = testsuite_fake_root("placement");
        capacity_profiles("{\"mdev_type\": {\"name\": \"GRID T4-1Q\"}}\n", "{}\n");
        /* 3b and 5e may take either type: neither profile counts them */
        capacity_check(0, 2, 16, 2);
}
END_TEST

static Suite *inventory_suite(void)
{
        Suite *s = suite_create("inventory");
        TCase *tc = tcase_create("json");

        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_test(tc, capture_equals_golden);
        tcase_add_test(tc, preset_matches_capture);
        tcase_add_test(tc, documented_fields);
        tcase_add_test(tc, problems_reach_json);
        tcase_add_test(tc, capacity_pinned);
        tcase_add_test(tc, capacity_cordoned);
        tcase_add_test(tc, capacity_quarantined);
        tcase_add_test(tc, capacity_shared_gpu);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return testsuite_run(inventory_suite());
}
