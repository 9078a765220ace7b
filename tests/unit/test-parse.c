/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Value parsers: PCI addresses, UUIDs, numbers, CPU lists, NVIDIA type lists. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "testsuite.h"

START_TEST(pci_addr_good)
{
        static const struct {
                const char *in, *out;
                uint32_t domain;
        } cases[] = {
                {"0000:01:00.1", "0000:01:00.1", 0},         {"0000:C1:1F.7", "0000:c1:1f.7", 0},
                {"10000:01:00.0", "10000:01:00.0", 0x10000}, {"ffff:ff:00.0", "ffff:ff:00.0", 0xffff},
                {"fffff:ff:1f.7", "fffff:ff:1f.7", 0xfffff},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct vgpu_pci_addr a;
                char buf[VGPU_PCI_ADDR_STRLEN];

                ck_assert_msg(vgpu_pci_addr_parse(cases[i].in, &a) == 0, "%s", cases[i].in);
                ck_assert_uint_eq(a.domain, cases[i].domain);
                vgpu_pci_addr_format(&a, buf);
                ck_assert_str_eq(buf, cases[i].out);
        }
}
END_TEST

START_TEST(pci_addr_bad)
{
        static const char *const bad[] = {
                "",
                "0000:01:00",
                "000:01:00.0",
                "100000:01:00.0",
                "0000:1:00.0",
                "0000:001:00.0",
                "0000:01:20.0",
                "0000:01:00.8",
                "0000:01:00.10",
                "0000:01:00.1 ",
                " 0000:01:00.1",
                "0000:01:00.1\n",
                "0000-01-00.1",
                "0000:0g:00.1",
                "0x00:01:00.1",
                "../../etc",
                "0000:01:00.-1",
                "0000:01:00.1/..",
        };
        struct vgpu_pci_addr a = {0x1234, 1, 2, 3};

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                ck_assert_msg(vgpu_pci_addr_parse(bad[i], &a) == -EINVAL, "accepted '%s'", bad[i]);
        /* ret_* untouched on failure */
        ck_assert_uint_eq(a.domain, 0x1234);
        ck_assert_uint_eq(a.function, 3);
}
END_TEST

/* What a person types: the kernel's form, or lspci's "BB:SS.F" (domain 0000). */
START_TEST(pci_addr_read_short)
{
        static const struct {
                const char *in, *out;
        } good[] = {
                {"3b:00.0", "0000:3b:00.0"},        {"3B:1F.7", "0000:3b:1f.7"}, {"0000:3b:00.0", "0000:3b:00.0"},
                {"10000:01:00.0", "10000:01:00.0"}, {"ff:00.1", "0000:ff:00.1"},
        };
        static const char *const bad[] = {"",         "3b:00",    "3b:20.0",   "3b:00.8", "b:00.0",    "3b:0.0",
                                          "3b:00.0 ", ":3b:00.0", "3b:00.0\n", "3b-00.0", "0:3b:00.0", "../3b:00.0"};
        struct vgpu_pci_addr a = {0x1234, 1, 2, 3};
        char buf[VGPU_PCI_ADDR_STRLEN];

        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                ck_assert_msg(vgpu_pci_addr_read(good[i].in, &a) == 0, "%s", good[i].in);
                vgpu_pci_addr_format(&a, buf);
                ck_assert_str_eq(buf, good[i].out);
        }
        /* the kernel's names stay strict: sysfs and the ledger never hold the short form */
        ck_assert_int_eq(vgpu_pci_addr_parse("3b:00.0", &a), -EINVAL);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                ck_assert_msg(vgpu_pci_addr_read(bad[i], &a) == -EINVAL, "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(device_name_canonical)
{
        static const struct {
                const char *in, *out;
        } cases[] = {
                {"3B:00.0", "0000:3b:00.0"}, {"0000:3B:00.0", "0000:3b:00.0"}, {"mtty", "mtty"}, {"3b:00", "3b:00"}};

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_free_ char *c = vgpu_device_name_canonical(cases[i].in);

                ck_assert_ptr_nonnull(c);
                ck_assert_str_eq(c, cases[i].out);
        }
}
END_TEST

START_TEST(closest_names)
{
        static const char *const names[] = {"inventory", "leases", "GRID T4-4Q", "GRID T4-1Q", "t4-4q", "help"};
        const size_t n = sizeof(names) / sizeof(names[0]);

        ck_assert_str_eq(vgpu_closest_name("inventroy", names, n), "inventory"); /* a swap is one edit */
        ck_assert_str_eq(vgpu_closest_name("hlep", names, n), "help");
        ck_assert_str_eq(vgpu_closest_name("T4-4Q", names, n), "t4-4q");      /* case first: 0 edits */
        ck_assert_str_eq(vgpu_closest_name("T4-1Q", names, n), "GRID T4-1Q"); /* the last words */
        ck_assert_str_eq(vgpu_closest_name("lease", names, n), "leases");
        ck_assert_ptr_null(vgpu_closest_name("leases", names, n)); /* nothing to suggest */
        ck_assert_ptr_null(vgpu_closest_name("xyz", names, n));
        ck_assert_ptr_null(vgpu_closest_name("", names, n));
        ck_assert_ptr_null(vgpu_closest_name("4Q", names, n)); /* a word's tail is not a word */
        ck_assert_ptr_null(vgpu_closest_name("inventory-of-everything-and-more", names, n));
}
END_TEST

START_TEST(pci_addr_from_xml_parts)
{
        struct vgpu_pci_addr a;
        char buf[VGPU_PCI_ADDR_STRLEN];

        ck_assert_int_eq(vgpu_pci_addr_from_parts("0x0000", "0xc1", "0x00", "0x4", &a), 0);
        vgpu_pci_addr_format(&a, buf);
        ck_assert_str_eq(buf, "0000:c1:00.4");
        /* libvirt also accepts decimal */
        ck_assert_int_eq(vgpu_pci_addr_from_parts("65536", "193", "31", "7", &a), 0);
        vgpu_pci_addr_format(&a, buf);
        ck_assert_str_eq(buf, "10000:c1:1f.7");
        ck_assert_int_eq(vgpu_pci_addr_from_parts(NULL, "1", "2", "3", &a), 0);
        ck_assert_uint_eq(a.domain, 0);

        ck_assert_int_eq(vgpu_pci_addr_from_parts("0x0", "0x100", "0", "0", &a), -EINVAL);
        ck_assert_int_eq(vgpu_pci_addr_from_parts("0x0", "1", "32", "0", &a), -EINVAL);
        ck_assert_int_eq(vgpu_pci_addr_from_parts("0x0", "1", "0", "8", &a), -EINVAL);
        ck_assert_int_eq(vgpu_pci_addr_from_parts("0x100000", "1", "0", "0", &a), -EINVAL);
        ck_assert_int_eq(vgpu_pci_addr_from_parts("0x", "1", "0", "0", &a), -EINVAL);
        ck_assert_int_eq(vgpu_pci_addr_from_parts("0", "-1", "0", "0", &a), -EINVAL);
        ck_assert_int_eq(vgpu_pci_addr_from_parts("0", "1a", "0", "0", &a), -EINVAL);
        ck_assert_int_eq(vgpu_pci_addr_from_parts("0", " 1", "0", "0", &a), -EINVAL);
        ck_assert_int_eq(vgpu_pci_addr_from_parts("0", NULL, "0", "0", &a), -EINVAL);
        ck_assert_int_eq(vgpu_pci_addr_from_parts("0", "1", "0", "", &a), -EINVAL);
}
END_TEST

START_TEST(pci_addr_order)
{
        struct vgpu_pci_addr a, b;

        ck_assert_int_eq(vgpu_pci_addr_parse("0000:ff:1f.7", &a), 0);
        ck_assert_int_eq(vgpu_pci_addr_parse("10000:00:00.0", &b), 0);
        ck_assert_int_lt(vgpu_pci_addr_cmp(&a, &b), 0);
        ck_assert_int_gt(vgpu_pci_addr_cmp(&b, &a), 0);
        ck_assert_int_eq(vgpu_pci_addr_cmp(&a, &a), 0);
}
END_TEST

START_TEST(uuid_forms)
{
        char u[VGPU_UUID_STRLEN] = "untouched";

        ck_assert_int_eq(vgpu_uuid_normalize("6A7E1C2D-0000-4000-8000-00000000000F", u), 0);
        ck_assert_str_eq(u, "6a7e1c2d-0000-4000-8000-00000000000f");
        strcpy(u, "untouched");
        ck_assert_int_eq(vgpu_uuid_normalize("6a7e1c2d-0000-4000-8000-00000000000", u), -EINVAL);
        ck_assert_int_eq(vgpu_uuid_normalize("6a7e1c2d-0000-4000-8000-0000000000001", u), -EINVAL);
        ck_assert_int_eq(vgpu_uuid_normalize("6a7e1c2d00000-4000-8000-000000000001", u), -EINVAL);
        ck_assert_int_eq(vgpu_uuid_normalize("6a7e1c2d-0000-4000-8000-00000000000g", u), -EINVAL);
        ck_assert_int_eq(vgpu_uuid_normalize("6a7e1c2d000040008000000000000001", u), -EINVAL);
        ck_assert_int_eq(vgpu_uuid_normalize("{6a7e1c2d-0000-4000-8000-000000000001}", u), -EINVAL);
        ck_assert_int_eq(vgpu_uuid_normalize("6a7e1c2d-0000-4000-8000-000000000001\n", u), -EINVAL);
        ck_assert_int_eq(vgpu_uuid_normalize("", u), -EINVAL);
        ck_assert_int_eq(vgpu_uuid_normalize("../../../../etc/passwd/xxxxxxxxxxxxxx", u), -EINVAL);
        ck_assert_str_eq(u, "untouched");
}
END_TEST

START_TEST(numbers)
{
        unsigned long long v = 7;
        long long s = 7;

        ck_assert_int_eq(vgpu_parse_uint("42\n", 100, &v), 0);
        ck_assert_uint_eq(v, 42);
        ck_assert_int_eq(vgpu_parse_uint("101", 100, &v), -ERANGE);
        ck_assert_int_eq(vgpu_parse_uint("18446744073709551616", UINT64_MAX, &v), -ERANGE);
        ck_assert_int_eq(vgpu_parse_uint("18446744073709551615", UINT64_MAX, &v), 0);
        ck_assert_int_eq(vgpu_parse_uint("", 100, &v), -EINVAL);
        ck_assert_int_eq(vgpu_parse_uint("\n", 100, &v), -EINVAL);
        ck_assert_int_eq(vgpu_parse_uint("1\n\n", 100, &v), -EINVAL);
        ck_assert_int_eq(vgpu_parse_uint("+1", 100, &v), -EINVAL);
        ck_assert_int_eq(vgpu_parse_uint(" 1", 100, &v), -EINVAL);
        ck_assert_int_eq(vgpu_parse_uint("1a", 100, &v), -EINVAL);
        ck_assert_int_eq(vgpu_parse_hex("0x1b36\n", 0xffff, &v), 0);
        ck_assert_uint_eq(v, 0x1b36);
        ck_assert_int_eq(vgpu_parse_hex("1B36", 0xffff, &v), 0);
        ck_assert_int_eq(vgpu_parse_hex("0x10000", 0xffff, &v), -ERANGE);
        ck_assert_int_eq(vgpu_parse_hex("0x", 0xffff, &v), -EINVAL);
        ck_assert_int_eq(vgpu_parse_auto("0x1f", 31, &v), 0);
        ck_assert_uint_eq(v, 31);
        ck_assert_int_eq(vgpu_parse_auto("1f", 31, &v), -EINVAL);
        ck_assert_int_eq(vgpu_parse_int("-1\n", -1, 10, &s), 0);
        ck_assert_int_eq(s, -1);
        ck_assert_int_eq(vgpu_parse_int("-2", -1, 10, &s), -ERANGE);
        ck_assert_int_eq(vgpu_parse_int("-9223372036854775808", INT64_MIN, 0, &s), 0);
        ck_assert_int_eq(s, INT64_MIN);
        ck_assert_int_eq(vgpu_parse_int("9223372036854775808", INT64_MIN, INT64_MAX, &s), -ERANGE);
        ck_assert_int_eq(vgpu_parse_int("-", -1, 10, &s), -EINVAL);
        ck_assert_int_eq(vgpu_parse_int("--1", -5, 10, &s), -EINVAL);
}
END_TEST

START_TEST(cpulists)
{
        uint64_t bits[2];

        ck_assert_int_eq(vgpu_parse_cpulist("0-3,8,10-11\n", bits, 128), 7);
        ck_assert_uint_eq(bits[0], 0xd0fULL);
        ck_assert_int_eq(vgpu_parse_cpulist("64-65", bits, 128), 2);
        ck_assert_uint_eq(bits[0], 0);
        ck_assert_uint_eq(bits[1], 3);
        ck_assert_int_eq(vgpu_parse_cpulist("\n", bits, 128), 0);
        ck_assert_int_eq(vgpu_parse_cpulist("3-1", bits, 128), -EINVAL);
        ck_assert_int_eq(vgpu_parse_cpulist("1,", bits, 128), -EINVAL);
        ck_assert_int_eq(vgpu_parse_cpulist("1-", bits, 128), -EINVAL);
        ck_assert_int_eq(vgpu_parse_cpulist("a", bits, 128), -EINVAL);
        ck_assert_int_eq(vgpu_parse_cpulist("128", bits, 128), -ERANGE);
        ck_assert_int_eq(vgpu_parse_cpulist("99999999999999999999", bits, 128), -ERANGE);
}
END_TEST

START_TEST(nvidia_types)
{
        struct vgpu_nvidia_type *t = NULL;
        struct vgpu_error err = {0};
        int n;

        n = vgpu_nvidia_types_parse("ID    : vGPU Name\n557   : NVIDIA L40-1B\n560   : NVIDIA L40-4Q  \n", "x", &t,
                                    &err);
        ck_assert_int_eq(n, 2);
        ck_assert_uint_eq(t[0].id, 557);
        ck_assert_str_eq(t[0].name, "NVIDIA L40-1B");
        ck_assert_uint_eq(t[1].id, 560);
        ck_assert_str_eq(t[1].name, "NVIDIA L40-4Q");
        vgpu_nvidia_types_free(t, (size_t)n);

        /* Name first, id last (a header of that form, tabs, CRLF), and the id-first form on H200. */
        n = vgpu_nvidia_types_parse("vGPU Name    ID\nNVIDIA A40-2Q    558\r\nNVIDIA A40-48Q\t570\n", "x", &t, &err);
        ck_assert_int_eq(n, 2);
        ck_assert_uint_eq(t[0].id, 558);
        ck_assert_str_eq(t[0].name, "NVIDIA A40-2Q");
        ck_assert_uint_eq(t[1].id, 570);
        ck_assert_str_eq(t[1].name, "NVIDIA A40-48Q");
        vgpu_nvidia_types_free(t, (size_t)n);
        n = vgpu_nvidia_types_parse("NVIDIA A40-2Q    558\n", "x", &t, &err); /* no header */
        ck_assert_int_eq(n, 1);
        ck_assert_uint_eq(t[0].id, 558);
        vgpu_nvidia_types_free(t, (size_t)n);
        n = vgpu_nvidia_types_parse("1428 : NVIDIA H200X-141C\n", "x", &t, &err);
        ck_assert_int_eq(n, 1);
        ck_assert_uint_eq(t[0].id, 1428);
        ck_assert_str_eq(t[0].name, "NVIDIA H200X-141C");
        vgpu_nvidia_types_free(t, (size_t)n);

        /* Nothing creatable: only the header, or nothing at all. */
        ck_assert_int_eq(vgpu_nvidia_types_parse("ID    : vGPU Name\n", "x", &t, &err), 0);
        vgpu_nvidia_types_free(t, 0);
        ck_assert_int_eq(vgpu_nvidia_types_parse("", "x", &t, &err), 0);
        vgpu_nvidia_types_free(t, 0);
}
END_TEST

START_TEST(nvidia_types_malformed)
{
        static const struct {
                const char *text;
                int line, column;
        } bad[] = {
                {"ID : vGPU Name\n557 NVIDIA L40-1B\n", 2, 5}, {"ID : vGPU Name\n557 : \n", 2, 7},
                {"ID : vGPU Name\n557 : A\nx : B\n", 3, 1},    {"ID : vGPU Name\n99999999999 : A\n", 2, 10},
                {"ID : vGPU Name\n0 : none\n", 2, 1},          {"vGPU Name    ID\nNVIDIA A40-2Q\n", 2, 1},
                {"vGPU Name    ID\n   558\n", 2, 7},           {"x\nNVIDIA A40-2Q    0\n", 2, 18},
                {"x\nNVIDIA A40-2Q 99999999999\n", 2, 24},
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct vgpu_nvidia_type *t = (void *)0x1;
                struct vgpu_error err = {0};
                int r = vgpu_nvidia_types_parse(bad[i].text, "creatable_vgpu_types", &t, &err);

                ck_assert_int_lt(r, 0);
                ck_assert_msg(err.line == bad[i].line && err.column == bad[i].column, "case %zu: %d:%d %s", i, err.line,
                              err.column, err.text);
                ck_assert_str_eq(err.source, "creatable_vgpu_types");
                ck_assert_ptr_eq(t, (void *)0x1);
                if (r == -EINVAL && strstr(err.text, "id 0") == NULL)
                        ck_assert_msg(strstr(err.text, "expected 'ID : NAME' (1428 : NVIDIA H200X-141C) or 'NAME ID'"),
                                      "case %zu says no form: %s", i, err.text);
        }
}
END_TEST

static Suite *parse_suite(void)
{
        Suite *s = suite_create("parse");
        TCase *tc = tcase_create("values");

        tcase_add_test(tc, pci_addr_good);
        tcase_add_test(tc, pci_addr_bad);
        tcase_add_test(tc, pci_addr_read_short);
        tcase_add_test(tc, device_name_canonical);
        tcase_add_test(tc, closest_names);
        tcase_add_test(tc, pci_addr_from_xml_parts);
        tcase_add_test(tc, pci_addr_order);
        tcase_add_test(tc, uuid_forms);
        tcase_add_test(tc, numbers);
        tcase_add_test(tc, cpulists);
        tcase_add_test(tc, nvidia_types);
        tcase_add_test(tc, nvidia_types_malformed);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return testsuite_run(parse_suite());
}
