/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Editing a domain XML (domxml-edit.c) and reading libvirt's CPU sets: what
 * vgpuctl render and attach/detach write must read back, through
 * vgpu_domain_parse(), as exactly the devices they meant.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testsuite.h"

#define DOM "5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01"
#define U0  "3b0e1c2d-0000-4000-8000-00000000aa01"

static struct vgpu_domain_doc *doc_of(const char *xml)
{
        struct vgpu_domain_doc *d = NULL;
        struct vgpu_error err = {0};

        ck_assert_msg(vgpu_domain_doc_parse(xml, strlen(xml), &d, &err) == 0, "%s", err.text);
        return d;
}

static void same_str(const char *a, const char *b)
{
        ck_assert(!a == !b);
        if (a)
                ck_assert_str_eq(a, b);
}

/* @a and @b say the same of the domain (the lines aside: a reformatted text has its own). */
static void same_domain(const struct vgpu_domain *a, const struct vgpu_domain *b)
{
        ck_assert_str_eq(a->name, b->name);
        ck_assert_str_eq(a->uuid, b->uuid);
        ck_assert_uint_eq(a->n_hostdevs, b->n_hostdevs);
        for (size_t i = 0; i < a->n_hostdevs; i++) {
                ck_assert_int_eq(a->hostdevs[i].kind, b->hostdevs[i].kind);
                ck_assert_str_eq(a->hostdevs[i].uuid, b->hostdevs[i].uuid);
                same_str(a->hostdevs[i].model, b->hostdevs[i].model);
                ck_assert_int_eq(vgpu_pci_addr_cmp(&a->hostdevs[i].addr, &b->hostdevs[i].addr), 0);
                ck_assert_int_eq(a->hostdevs[i].managed, b->hostdevs[i].managed);
        }
        ck_assert_uint_eq(a->n_specs, b->n_specs);
        for (size_t i = 0; i < a->n_specs; i++) {
                ck_assert_int_eq(a->specs[i].kind, b->specs[i].kind);
                ck_assert_str_eq(a->specs[i].uuid, b->specs[i].uuid);
                ck_assert_int_eq(vgpu_pci_addr_cmp(&a->specs[i].addr, &b->specs[i].addr), 0);
                same_str(a->specs[i].profile, b->specs[i].profile);
                same_str(a->specs[i].type, b->specs[i].type);
                same_str(a->specs[i].parent, b->specs[i].parent);
        }
        ck_assert_int_eq(a->numa_mode, b->numa_mode);
        same_str(a->numa_nodeset, b->numa_nodeset);
        same_str(a->vcpu_cpuset, b->vcpu_cpuset);
}

/*
 * The document as vgpu_domain_parse() reads it; the text in *ret_text if
 * wanted.  The document's own read model says the same, without the text.
 */
static struct vgpu_domain *reread(const struct vgpu_domain_doc *d, char **ret_text)
{
        struct vgpu_domain *dom = NULL, *direct = NULL;
        struct vgpu_error err = {0};
        char *text = NULL;

        ck_assert_int_gt(vgpu_domain_doc_format(d, &text), 0);
        ck_assert_msg(vgpu_domain_parse(text, strlen(text), &dom, &err) == 0, "%s: %s", err.text, text);
        ck_assert_msg(vgpu_domain_doc_domain(d, &direct, &err) == 0, "%s: %s", err.text, text);
        same_domain(dom, direct);
        vgpu_domain_free(direct);
        if (ret_text)
                *ret_text = text;
        else
                free(text);
        return dom;
}

START_TEST(uuid_given_or_made)
{
        struct vgpu_domain_doc *d = doc_of("<domain type='kvm'><name>a</name><uuid>" DOM "</uuid></domain>");
        char uuid[VGPU_UUID_STRLEN];

        ck_assert_int_eq(vgpu_domain_doc_ensure_uuid(d, uuid), 0);
        ck_assert_str_eq(uuid, DOM);
        vgpu_domain_doc_free(d);

        d = doc_of("<domain type='kvm'><name>a</name><memory>1</memory></domain>");
        ck_assert_int_eq(vgpu_domain_doc_ensure_uuid(d, uuid), 1);
        ck_assert_int_eq(uuid[14], '4');                 /* version 4 */
        ck_assert_ptr_nonnull(strchr("89ab", uuid[19])); /* RFC 4122 variant */
        struct vgpu_domain *dom = reread(d, NULL);
        ck_assert_str_eq(dom->uuid, uuid);
        vgpu_domain_free(dom);
        vgpu_domain_doc_free(d);

        d = doc_of("<domain><name>a</name><uuid>nope</uuid></domain>");
        ck_assert_int_eq(vgpu_domain_doc_ensure_uuid(d, uuid), -EINVAL);
        vgpu_domain_doc_free(d);
}
END_TEST

START_TEST(hostile_input)
{
        static const char doctype[] = "<!DOCTYPE d [<!ENTITY x 'y'>]><domain><name>&x;</name></domain>";
        struct vgpu_domain_doc *d = NULL;
        struct vgpu_error err = {0};

        ck_assert_int_eq(vgpu_domain_doc_parse(doctype, strlen(doctype), &d, &err), -EINVAL);
        ck_assert_int_eq(vgpu_domain_doc_parse("<network/>", 10, &d, &err), -EINVAL);
        ck_assert_int_eq(vgpu_domain_doc_parse("<domain>", 8, &d, &err), -EINVAL);
        ck_assert_int_eq(vgpu_domain_doc_parse("", 0, &d, &err), -EINVAL);
        ck_assert_ptr_null(d);
}
END_TEST

START_TEST(pci_driver_model)
{
        struct vgpu_domain_doc *d = doc_of("<domain type='kvm'>\n  <name>a</name>\n  <uuid>" DOM "</uuid>\n"
                                           "  <devices>\n    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
                                           "      <source><address domain='0x0000' bus='0x86' slot='0x02' "
                                           "function='0x1'/></source>\n      <alias name='hostdev0'/>\n"
                                           "    </hostdev>\n  </devices>\n</domain>\n");
        struct vgpu_pci_addr vf, other;
        struct vgpu_domain *dom;
        char *text;

        ck_assert_int_eq(vgpu_pci_addr_parse("0000:86:02.1", &vf), 0);
        ck_assert_int_eq(vgpu_pci_addr_parse("0000:86:02.2", &other), 0);
        dom = reread(d, NULL);
        ck_assert_ptr_null(dom->hostdevs[0].driver_model);
        vgpu_domain_free(dom);
        ck_assert_int_eq(vgpu_domain_doc_set_pci_driver(d, &vf, "vfio-pci"), 1);
        /* a second call replaces the model, never adds a second <driver> */
        ck_assert_int_eq(vgpu_domain_doc_set_pci_driver(d, &vf, "amd-vfio-pci"), 1);
        ck_assert_int_eq(vgpu_domain_doc_set_pci_driver(d, &other, "vfio-pci"), -ENOENT);
        ck_assert_int_eq(vgpu_domain_doc_set_pci_driver(d, &vf, "amd vfio"), -EINVAL);
        ck_assert_int_eq(vgpu_domain_doc_set_pci_driver(d, &vf, "../x"), -EINVAL);
        dom = reread(d, &text);
        ck_assert_str_eq(dom->hostdevs[0].driver_model, "amd-vfio-pci");
        /* first in the hostdev, as libvirt writes it */
        ck_assert_ptr_nonnull(strstr(text, "managed=\"yes\">\n      <driver model=\"amd-vfio-pci\"/>\n      <source>"));
        ck_assert_ptr_null(strstr(strstr(text, "<driver") + 1, "<driver"));
        free(text);
        vgpu_domain_free(dom);
        vgpu_domain_doc_free(d);
}
END_TEST

START_TEST(add_and_remove)
{
        struct vgpu_domain_doc *d = doc_of("<domain type='kvm'>\n  <name>a</name>\n  <uuid>" DOM "</uuid>\n"
                                           "  <metadata><other:x xmlns:other='urn:other'/></metadata>\n</domain>\n");
        struct vgpu_pci_addr vf, gpu;
        struct vgpu_domain *dom;
        char m0[VGPU_UUID_STRLEN], *text;

        ck_assert_int_eq(vgpu_pci_addr_parse("0000:86:02.1", &vf), 0);
        ck_assert_int_eq(vgpu_pci_addr_parse("10000:01:00.0", &gpu), 0);
        dom = reread(d, NULL);
        ck_assert_uint_eq(vgpu_domain_next_mdev_index(dom), 0);
        vgpu_mdev_uuid_for(DOM, 0, m0);
        vgpu_domain_free(dom);

        ck_assert_int_eq(vgpu_domain_doc_add_mdev(d, m0, "t4-4q", "vfio-pci"), 0);
        ck_assert_int_eq(vgpu_domain_doc_add_mdev(d, U0, "ccw", "vfio-ccw"), 0);
        ck_assert_int_eq(vgpu_domain_doc_add_pci(d, VGPU_SPEC_VF, &vf, "mxgpu", true), 0);
        ck_assert_int_eq(vgpu_domain_doc_add_pci(d, VGPU_SPEC_PCI, &gpu, "full", false), 0);
        ck_assert_int_eq(vgpu_domain_doc_add_pci(d, VGPU_SPEC_MDEV, &gpu, "full", false), -EINVAL);
        dom = reread(d, &text);
        ck_assert_uint_eq(dom->n_specs, 4);
        ck_assert_uint_eq(dom->n_hostdevs, 4);
        ck_assert_uint_eq(vgpu_domain_next_mdev_index(dom), 1);
        ck_assert_str_eq(dom->specs[0].uuid, m0);
        ck_assert_str_eq(dom->specs[0].profile, "t4-4q");
        ck_assert_str_eq(dom->hostdevs[1].model, "vfio-ccw");
        ck_assert(dom->hostdevs[2].managed);
        ck_assert(!dom->hostdevs[3].managed);
        ck_assert_int_eq(vgpu_pci_addr_cmp(&dom->hostdevs[3].addr, &gpu), 0);
        ck_assert_int_eq(dom->specs[3].kind, VGPU_SPEC_PCI);
        /* one element for our namespace, next to the foreign one; display only for vfio-pci */
        ck_assert_ptr_null(strstr(strstr(text, "xmlns:vgpu") + 1, "xmlns:vgpu"));
        ck_assert_ptr_nonnull(strstr(text, "<other:x xmlns:other=\"urn:other\"/>"));
        ck_assert_ptr_nonnull(strstr(text, "model=\"vfio-pci\" display=\"off\""));
        ck_assert_ptr_nonnull(strstr(text, "model=\"vfio-ccw\">"));
        ck_assert_ptr_nonnull(strstr(text, "domain=\"0x10000\" bus=\"0x01\" slot=\"0x00\" function=\"0x0\""));
        free(text);
        vgpu_domain_free(dom);

        ck_assert_int_eq(vgpu_domain_doc_remove_mdev(d, "3B0E1C2D-0000-4000-8000-00000000AA01"), 2);
        ck_assert_int_eq(vgpu_domain_doc_remove_mdev(d, U0), 0);
        ck_assert_int_eq(vgpu_domain_doc_remove_mdev(d, "junk"), -EINVAL);
        ck_assert_int_eq(vgpu_domain_doc_remove_pci(d, &vf), 2);
        ck_assert_int_eq(vgpu_domain_doc_remove_pci(d, &gpu), 2);
        ck_assert_int_eq(vgpu_domain_doc_remove_mdev(d, m0), 2);
        dom = reread(d, &text);
        ck_assert_uint_eq(dom->n_specs + dom->n_hostdevs, 0);
        /* our emptied element goes; the foreign metadata stays */
        ck_assert_ptr_null(strstr(text, "vgpu"));
        ck_assert_ptr_nonnull(strstr(text, "urn:other"));
        free(text);
        vgpu_domain_free(dom);
        vgpu_domain_doc_free(d);
}
END_TEST

START_TEST(metadata_and_devices_made)
{
        struct vgpu_domain_doc *d = doc_of("<domain type='kvm'><name>a</name><uuid>" DOM "</uuid></domain>");
        struct vgpu_domain *dom;
        char *text;

        ck_assert_int_eq(vgpu_domain_doc_add_mdev(d, U0, "p", "vfio-pci"), 0);
        dom = reread(d, &text);
        ck_assert_uint_eq(dom->n_specs, 1);
        /* <metadata> right after the identity, as libvirt writes it */
        ck_assert_ptr_nonnull(strstr(text, "<uuid>" DOM "</uuid>\n  <metadata>\n    <vgpu:devices"));
        ck_assert_uint_eq(vgpu_domain_next_mdev_index(dom), 0); /* U0 is not name-based */
        free(text);
        vgpu_domain_free(dom);
        vgpu_domain_doc_free(d);
}
END_TEST

START_TEST(libvirt_sets)
{
        uint64_t bits[2];

        ck_assert_int_eq(vgpu_parse_cpuset("0-7,^3", bits, 128), 7);
        ck_assert_uint_eq(bits[0], 0xf7);
        ck_assert_int_eq(vgpu_parse_cpuset(" 0 - 3 , ^1 ,64", bits, 128), 4);
        ck_assert_uint_eq(bits[0], 0xd);
        ck_assert_uint_eq(bits[1], 1);
        ck_assert_int_eq(vgpu_parse_cpuset("1,^1", bits, 128), -EINVAL); /* empty: libvirt refuses it */
        ck_assert_int_eq(vgpu_parse_cpuset("^2-3", bits, 128), -EINVAL);
        ck_assert_int_eq(vgpu_parse_cpuset("0-", bits, 128), -EINVAL);
        ck_assert_int_eq(vgpu_parse_cpuset("1,", bits, 128), -EINVAL);
        ck_assert_int_eq(vgpu_parse_cpuset("128", bits, 128), -ERANGE);
}
END_TEST

START_TEST(domain_sets_normalised)
{
        static const char xml[] = "<domain><name>a</name><uuid>" DOM "</uuid><vcpu cpuset='0-7,^2-3'>2</vcpu>"
                                  "<numatune><memory nodeset='0-1, ^0'/></numatune>"
                                  "<cputune><vcpupin vcpu='0' cpuset='9'/></cputune></domain>";
        struct vgpu_domain *dom = NULL;
        struct vgpu_domain_doc *d = NULL;

        /* "^2-3" is not libvirt's syntax: refused with the line */
        ck_assert_int_eq(vgpu_domain_parse(xml, strlen(xml), &dom, NULL), -EINVAL);
        d = doc_of("<domain><name>a</name><uuid>" DOM "</uuid><vcpu cpuset='0-7,^2,^3'>2</vcpu>"
                   "<numatune><memory nodeset='0-1, ^0'/></numatune>"
                   "<cputune><vcpupin vcpu='0' cpuset='9'/></cputune></domain>");
        dom = reread(d, NULL);
        ck_assert_str_eq(dom->vcpu_cpuset, "0-1,4-7,9");
        ck_assert_str_eq(dom->numa_nodeset, "1");
        ck_assert_int_eq(dom->numa_mode, VGPU_NUMA_STRICT);
        vgpu_domain_free(dom);
        vgpu_domain_doc_free(d);
}
END_TEST

/* vgpuctl start's repairs: the device changes name, everything around it stays. */
START_TEST(rename_and_move_in_place)
{
        static const char xml[] =
                "<domain type='kvm'><name>a</name><uuid>" DOM "</uuid><metadata>"
                "<vgpu:devices xmlns:vgpu='" VGPU_XMLNS "'><vgpu:mdev uuid='" U0
                "' type='GRID T4-4Q' parent='0000:3b:00.0'/>"
                "<vgpu:vf address='0000:01:00.1' profile='vf'/></vgpu:devices></metadata><devices>"
                "<hostdev mode='subsystem' type='mdev' model='vfio-pci' display='on' ramfb='on'>"
                "<source><address uuid='" U0 "'/></source><address type='pci' bus='0x07'/></hostdev>"
                "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0' bus='1' slot='0' "
                "function='1'/></source><rom bar='off'/></hostdev></devices></domain>";
        static const char u1[] = "3b0e1c2d-0000-4000-8000-00000000aa02";
        struct vgpu_domain_doc *d = doc_of(xml);
        struct vgpu_pci_addr from, to;
        struct vgpu_domain *dom;
        char *text;

        ck_assert_int_eq(vgpu_domain_doc_rename_mdev(d, U0, "3B0E1C2D-0000-4000-8000-00000000AA02"), 2);
        ck_assert_int_eq(vgpu_domain_doc_rename_mdev(d, U0, u1), 0);
        ck_assert_int_eq(vgpu_domain_doc_rename_mdev(d, "nope", u1), -EINVAL);
        ck_assert_int_eq(vgpu_pci_addr_parse("0000:01:00.1", &from), 0);
        ck_assert_int_eq(vgpu_pci_addr_parse("0000:01:00.2", &to), 0);
        ck_assert_int_eq(vgpu_domain_doc_move_pci(d, &from, &to), 2);
        ck_assert_int_eq(vgpu_domain_doc_move_pci(d, &from, &to), 0);
        dom = reread(d, &text);
        ck_assert_uint_eq(dom->n_specs, 2);
        ck_assert_str_eq(dom->specs[0].uuid, u1);
        ck_assert_str_eq(dom->specs[0].type, "GRID T4-4Q"); /* type and parent stay */
        ck_assert_str_eq(dom->specs[0].parent, "0000:3b:00.0");
        ck_assert_int_eq(vgpu_pci_addr_cmp(&dom->specs[1].addr, &to), 0);
        ck_assert_ptr_nonnull(vgpu_domain_find_mdev(dom, u1));
        ck_assert_uint_eq(dom->n_hostdevs, 2);
        ck_assert_int_eq(vgpu_pci_addr_cmp(&dom->hostdevs[1].addr, &to), 0);
        ck_assert_ptr_nonnull(strstr(text, "display=\"on\" ramfb=\"on\""));          /* the console stays */
        ck_assert_ptr_nonnull(strstr(text, "<address type=\"pci\" bus=\"0x07\"/>")); /* the guest address too */
        ck_assert_ptr_nonnull(strstr(text, "<rom bar=\"off\"/>"));
        ck_assert_ptr_null(strstr(text, U0));
        free(text);
        vgpu_domain_free(dom);
        vgpu_domain_doc_free(d);
}
END_TEST

/* The document's read model names the lines of the user's text, edits or not, as the hook's parse does. */
START_TEST(read_model_at_users_lines)
{
        static const char xml[] = "<domain type='kvm'>\n  <name>a</name>\n  <uuid>" DOM "</uuid>\n"
                                  "\n\n\n\n\n\n\n\n\n\n" /* lines 4 to 13 */
                                  "  <devices>\n"
                                  "    <hostdev mode='subsystem' type='mdev'><source><address uuid='nope'/></source>"
                                  "</hostdev>\n" /* line 15 */
                                  "  </devices>\n</domain>\n";
        struct vgpu_domain_doc *d = doc_of(xml);
        struct vgpu_domain *dom = NULL;
        struct vgpu_error hook = {0}, err = {0};
        char u[VGPU_UUID_STRLEN];

        ck_assert_int_eq(vgpu_domain_parse(xml, strlen(xml), &dom, &hook), -EINVAL);
        ck_assert_int_eq(hook.line, 15);
        ck_assert_int_eq(vgpu_domain_doc_domain(d, &dom, &err), -EINVAL);
        ck_assert_int_eq(err.line, 15);
        ck_assert_str_eq(err.text, hook.text);
        /* an edit elsewhere moves no line of the user's */
        vgpu_mdev_uuid_for(DOM, 0, u);
        ck_assert_int_eq(vgpu_domain_doc_add_mdev(d, u, "t4-4q", "vfio-pci"), 0);
        memset(&err, 0, sizeof(err));
        ck_assert_int_eq(vgpu_domain_doc_domain(d, &dom, &err), -EINVAL);
        ck_assert_int_eq(err.line, 15);
        ck_assert_str_eq(err.text, "'nope' is not a UUID");
        ck_assert_ptr_null(dom);
        vgpu_domain_doc_free(d);
}
END_TEST

/* detach --live: the hostdev libvirt shows, and the alias its event names. */
START_TEST(hostdev_and_alias)
{
        struct vgpu_domain_doc *d = doc_of(
                "<domain type='kvm'><name>a</name><devices>"
                "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='" U0 "'/></source>"
                "<alias name='hostdev0'/></hostdev>"
                "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x01' "
                "slot='0x00' function='0x1'/></source></hostdev></devices></domain>");
        struct vgpu_pci_addr a;
        char *xml = NULL, *alias = NULL;

        ck_assert_int_eq(vgpu_domain_doc_hostdev(d, U0, NULL, &xml, &alias), 0);
        ck_assert_str_eq(alias, "hostdev0");
        ck_assert_ptr_nonnull(strstr(xml, "<hostdev mode=\"subsystem\" type=\"mdev\""));
        ck_assert_ptr_nonnull(strstr(xml, U0));
        ck_assert_ptr_null(strstr(xml, "type=\"pci\""));
        free(xml);
        free(alias);
        ck_assert_int_eq(vgpu_pci_addr_parse("0000:01:00.1", &a), 0);
        ck_assert_int_eq(vgpu_domain_doc_hostdev(d, NULL, &a, &xml, &alias), 0);
        ck_assert_ptr_null(alias); /* a definition has none */
        ck_assert_ptr_nonnull(strstr(xml, "function=\"0x1\""));
        free(xml);
        ck_assert_int_eq(vgpu_domain_doc_hostdev(d, "3b0e1c2d-0000-4000-8000-00000000aa09", NULL, &xml, &alias),
                         -ENOENT);
        ck_assert_int_eq(vgpu_domain_doc_hostdev(d, "x", NULL, &xml, &alias), -EINVAL);
        vgpu_domain_doc_free(d);
}
END_TEST

START_TEST(console_on_one_vgpu)
{
        static const char u1[] = "3b0e1c2d-0000-4000-8000-00000000aa02";
        struct vgpu_domain_doc *d = doc_of("<domain type='kvm'><name>a</name><devices/></domain>");
        char *text;

        ck_assert_int_eq(vgpu_domain_doc_add_mdev(d, U0, "p", "vfio-pci"), 0);
        ck_assert_int_eq(vgpu_domain_doc_add_mdev(d, u1, "p", "vfio-pci"), 0);
        ck_assert_int_eq(vgpu_domain_doc_set_console(d, U0), 0); /* no <graphics> */
        ck_assert_int_eq(vgpu_domain_doc_set_console(d, U0), 0); /* again: no harm */
        ck_assert_int_eq(vgpu_domain_doc_set_console(d, u1), -EEXIST);
        ck_assert_int_gt(vgpu_domain_doc_format(d, &text), 0);
        ck_assert_ptr_nonnull(strstr(text, "display=\"on\" ramfb=\"on\""));
        ck_assert_ptr_null(strstr(strstr(text, "display=\"on\"") + 1, "display=\"on\"")); /* once */
        free(text);
        vgpu_domain_doc_free(d);

        d = doc_of("<domain type='kvm'><name>a</name><devices><graphics type='vnc'/></devices></domain>");
        ck_assert_int_eq(vgpu_domain_doc_add_mdev(d, U0, "p", "vfio-ccw"), 0);
        ck_assert_int_eq(vgpu_domain_doc_set_console(d, U0), -ENOENT); /* only vfio-pci has a display */
        ck_assert_int_eq(vgpu_domain_doc_add_mdev(d, u1, "p", "vfio-pci"), 0);
        ck_assert_int_eq(vgpu_domain_doc_set_console(d, u1), 1);
        vgpu_domain_doc_free(d);
}
END_TEST

static Suite *edit_suite(void)
{
        Suite *s = suite_create("domxml-edit");
        TCase *tc = tcase_create("edit");

        tcase_add_test(tc, uuid_given_or_made);
        tcase_add_test(tc, hostile_input);
        tcase_add_test(tc, add_and_remove);
        tcase_add_test(tc, pci_driver_model);
        tcase_add_test(tc, metadata_and_devices_made);
        tcase_add_test(tc, libvirt_sets);
        tcase_add_test(tc, domain_sets_normalised);
        tcase_add_test(tc, rename_and_move_in_place);
        tcase_add_test(tc, hostdev_and_alias);
        tcase_add_test(tc, console_on_one_vgpu);
        tcase_add_test(tc, read_model_at_users_lines);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return testsuite_run(edit_suite());
}
