/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The inventory JSON: on the real kernel capture it must equal the
 * hand-checked golden file; on presets its documented fields must be there.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static Suite *inventory_suite(void)
{
        Suite *s = suite_create("inventory");
        TCase *tc = tcase_create("json");

        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_test(tc, capture_equals_golden);
        tcase_add_test(tc, preset_matches_capture);
        tcase_add_test(tc, documented_fields);
        tcase_add_test(tc, problems_reach_json);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return testsuite_run(inventory_suite());
}
