/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The domain XML reader: our contract, libvirt's spellings, hostile input. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testsuite.h"

static char *load(const char *name, size_t *len)
{
        char rel[256], *path, *buf;
        FILE *f;
        long n;

        snprintf(rel, sizeof(rel), "tests/data/xml/%s", name);
        path = testsuite_srcpath(rel);
        f = fopen(path, "r");
        ck_assert_msg(f, "cannot open %s", path);
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        rewind(f);
        buf = malloc((size_t)n + 1);
        ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
        buf[n] = '\0';
        fclose(f);
        free(path);
        *len = (size_t)n;
        return buf;
}

START_TEST(contract_example)
{
        struct vgpu_domain *d = NULL;
        struct vgpu_error err = {0};
        size_t len;
        char *xml = load("vgpu-all.xml", &len), buf[VGPU_PCI_ADDR_STRLEN];

        ck_assert(vgpu_domain_xml_maybe_ours(xml, len));
        ck_assert_msg(vgpu_domain_parse(xml, len, &d, &err) == 0, "%d: %s", err.line, err.text);
        ck_assert_str_eq(d->name, "web1");
        ck_assert_str_eq(d->uuid, "5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a2b");
        ck_assert_uint_eq(d->n_specs, 4);
        ck_assert_int_eq(d->specs[0].kind, VGPU_SPEC_MDEV);
        ck_assert_str_eq(d->specs[0].profile, "t4-4q");
        ck_assert_ptr_null(d->specs[0].type);
        ck_assert_str_eq(d->specs[1].type, "GVTg_V5_4");
        ck_assert_str_eq(d->specs[1].parent, "0000:00:02.0");
        ck_assert_int_eq(d->specs[2].kind, VGPU_SPEC_VF);
        vgpu_pci_addr_format(&d->specs[3].addr, buf);
        ck_assert_str_eq(buf, "10000:d8:00.0");
        ck_assert_int_eq(d->specs[3].line, 10);
        /* the USB hostdev is not ours */
        ck_assert_uint_eq(d->n_hostdevs, 4);
        ck_assert_ptr_nonnull(vgpu_domain_find_mdev(d, "9c1d1c2d-0000-4000-8000-00000000aa02"));
        ck_assert_str_eq(d->hostdevs[0].model, "vfio-pci");
        ck_assert(!d->hostdevs[2].managed);
        ck_assert(d->hostdevs[3].managed);
        vgpu_pci_addr_format(&d->hostdevs[3].addr, buf);
        ck_assert_str_eq(buf, "10000:d8:00.0");
        ck_assert_int_eq(d->numa_mode, VGPU_NUMA_STRICT); /* no mode= means strict */
        ck_assert_str_eq(d->numa_nodeset, "1");
        ck_assert_str_eq(d->vcpu_cpuset, "0-1,4,5-6");
        vgpu_domain_free(d);
        free(xml);
}
END_TEST

START_TEST(plain_vm)
{
        struct vgpu_domain *d = NULL;
        size_t len;
        char *xml = load("plain.xml", &len);

        ck_assert(!vgpu_domain_xml_maybe_ours(xml, len));
        ck_assert_int_eq(vgpu_domain_parse(xml, len, &d, NULL), 0);
        ck_assert_uint_eq(d->n_hostdevs + d->n_specs, 0);
        ck_assert_int_eq(d->numa_mode, VGPU_NUMA_NONE);
        vgpu_domain_free(d);
        free(xml);
}
END_TEST

static void refused(const char *file, int line, const char *needle)
{
        struct vgpu_domain *d = (void *)0x1;
        struct vgpu_error err = {0};
        size_t len;
        char *xml = load(file, &len);

        ck_assert_int_eq(vgpu_domain_parse(xml, len, &d, &err), -EINVAL);
        ck_assert_ptr_eq(d, (void *)0x1);
        ck_assert_msg(strstr(err.text, needle), "%s: '%s' lacks '%s'", file, err.text, needle);
        if (line)
                ck_assert_int_eq(err.line, line);
        free(xml);
}

START_TEST(no_entities)
{
        /* Neither file is read nor entity expanded: any DOCTYPE is refused. */
        refused("xxe.xml", 1, "DOCTYPE");
        /* libxml2 itself stops this one early, at the entity loop */
        refused("billion-laughs.xml", 0, "entity");
}
END_TEST

#define DOM(body) \
        "<domain type='kvm'>\n<name>x</name>\n<uuid>11111111-2222-4333-8444-555555555555</uuid>\n" body "</domain>\n"
#define META(body)                                                                               \
        DOM("<metadata><vgpu:devices xmlns:vgpu='http://vgpu-hook.org/xmlns/domain/1.0'>\n" body \
            "</vgpu:devices></metadata>\n")

static const struct {
        const char *xml;
        int line;
        const char *needle;
} bad[] = {
        {"<domain><name>x</name>", 1, ""},
        {"<domain type='kvm'>\n<name>x</name>\n<uuid>1</uuid></domain>", 3, "no valid <uuid>"},
        {"<domain type='kvm'>\n<uuid>11111111-2222-4333-8444-555555555555</uuid></domain>", 1, "no <name>"},
        {"<network><name>x</name></network>", 1, "not a <domain>"},
        {DOM("<devices><hostdev mode='subsystem' type='mdev'>\n<source><address uuid='../../etc'/></source>"
             "</hostdev></devices>\n"),
         5, "not a UUID"},
        {DOM("<devices><hostdev mode='subsystem' type='mdev'>\n</hostdev></devices>\n"), 4, "no <source>"},
        {DOM("<devices><hostdev mode='subsystem' type='pci'>\n<source><address domain='0' bus='0x100' slot='0' "
             "function='0'/></source></hostdev></devices>\n"),
         5, "bad address"},
        {DOM("<devices><hostdev mode='subsystem' type='pci'>\n<source><address bus='1' slot='0x20' "
             "function='0'/></source></hostdev></devices>\n"),
         5, "bad address"},
        {META("<vgpu:mdev uuid='3b0e1c2d-0000-4000-8000-00000000aa01'/>\n"), 5, "either profile= or type="},
        {META("<vgpu:mdev uuid='3b0e1c2d-0000-4000-8000-00000000aa01' profile='a' type='b'/>\n"), 5,
         "either profile= or type="},
        {META("<vgpu:mdev uuid='3b0e1c2d' profile='a'/>\n"), 5, "not a UUID"},
        {META("<vgpu:mdev uuid='3b0e1c2d-0000-4000-8000-00000000aa01' profile='../x'/>\n"), 5, "not a profile name"},
        {META("<vgpu:mdev uuid='3b0e1c2d-0000-4000-8000-00000000aa01' type='x/y'/>\n"), 5, "not an mdev type"},
        {META("<vgpu:mdev uuid='3b0e1c2d-0000-4000-8000-00000000aa01' type='x' parent='..'/>\n"), 5,
         "not an mdev parent"},
        {META("<vgpu:vf address='0000:c1:00.8' profile='a'/>\n"), 5, "needs address="},
        {META("<vgpu:vf address='0000:c1:00.4' type='a'/>\n"), 5, "needs a profile="},
        {META("<vgpu:gpu address='0000:c1:00.4' profile='a'/>\n"), 5, "unknown element <vgpu:gpu>"},
        {META("<vgpu:vf address='0000:c1:00.4' profile='a'/>\n<vgpu:pci address='0000:c1:00.4' profile='b'/>\n"), 6,
         "same device twice"},
        {META("<foo/>\n"), 5, "foreign element"},
        {DOM("<numatune><memory nodeset='0-'/></numatune>\n"), 4, "not a CPU list"},
        {DOM("<cputune><vcpupin vcpu='0' cpuset='x'/></cputune>\n"), 4, "not a CPU list"},
        {"", 0, "empty input"},
        {"\xff\xfe<domain/>", 1, ""},
};

START_TEST(malformed)
{
        struct vgpu_domain *d = (void *)0x1;
        struct vgpu_error err = {0};
        int r = vgpu_domain_parse(bad[_i].xml, strlen(bad[_i].xml), &d, &err);

        ck_assert_msg(r == -EINVAL, "case %d: %d", _i, r);
        ck_assert_ptr_eq(d, (void *)0x1);
        ck_assert_msg(strstr(err.text, bad[_i].needle), "case %d: '%s'", _i, err.text);
        ck_assert_msg(err.line == bad[_i].line, "case %d: line %d, want %d (%s)", _i, err.line, bad[_i].line, err.text);
        ck_assert_str_eq(err.source, "domain XML");
}
END_TEST

START_TEST(truncated_everywhere)
{
        size_t len;
        char *xml = load("vgpu-all.xml", &len);

        /* Every prefix of a good XML is refused cleanly (no crash, no leak). */
        for (size_t cut = 0; cut < len - 12; cut++) {
                struct vgpu_domain *d = NULL;

                ck_assert_msg(vgpu_domain_parse(xml, cut, &d, NULL) < 0, "prefix of %zu bytes accepted", cut);
        }
        free(xml);
}
END_TEST

START_TEST(size_cap)
{
        size_t len = VGPU_DOMAIN_XML_MAX + 1;
        char *big = malloc(len);
        struct vgpu_error err = {0};
        struct vgpu_domain *d = NULL;

        memset(big, ' ', len);
        ck_assert_int_eq(vgpu_domain_parse(big, len, &d, &err), -EFBIG);
        free(big);
}
END_TEST

START_TEST(templates)
{
        static const char *const files[] = {"xml-templates/vgpu-mdev-profile.xml",
                                            "xml-templates/vgpu-mdev-pinned.xml"};

        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                char *path = testsuite_srcpath(files[i]), *xml = NULL;
                struct vgpu_domain *d = NULL;
                struct vgpu_error err = {0};
                FILE *f = fopen(path, "r");
                size_t len = 0;

                ck_assert_ptr_nonnull(f);
                ck_assert_int_ge(getdelim(&xml, &len, '\0', f), 0);
                fclose(f);
                ck_assert_msg(vgpu_domain_parse(xml, strlen(xml), &d, &err) == 0, "%s:%d: %s", path, err.line,
                              err.text);
                ck_assert_uint_eq(d->n_specs, 1);
                ck_assert_uint_eq(d->n_hostdevs, 1);
                ck_assert_str_eq(d->specs[0].uuid, d->hostdevs[0].uuid);
                vgpu_domain_free(d);
                free(xml);
                free(path);
        }
}
END_TEST

START_TEST(scan)
{
        ck_assert(vgpu_domain_xml_maybe_ours("<hostdev type=\"mdev\">", 21));
        ck_assert(!vgpu_domain_xml_maybe_ours("<hostdev type='pci'>", 20));
        ck_assert(!vgpu_domain_xml_maybe_ours("", 0));
}
END_TEST

/* What libvirt 9.0 says of the mtty sample's parent, as `make check-vm` saw it: mdev_types in mdev_types. */
static const char nodedev_mtty[] =
        "<device>\n  <name>mtty_mtty</name>\n  <path>/sys/devices/virtual/mtty/mtty</path>\n"
        "  <parent>computer</parent>\n  <capability type='mdev_types'>\n    <capability type='mdev_types'>\n"
        "      <type id='mtty-1'>\n        <name>Single port serial</name>\n        <deviceAPI>vfio-pci</deviceAPI>\n"
        "        <availableInstances>24</availableInstances>\n      </type>\n      <type id='mtty-2'>\n"
        "        <name>Dual port serial</name>\n        <deviceAPI>vfio-pci</deviceAPI>\n"
        "        <availableInstances>12</availableInstances>\n      </type>\n    </capability>\n  </capability>\n"
        "</device>\n";

START_TEST(nodedev)
{
        struct vgpu_nodedev *d = NULL;
        struct vgpu_error err = {0};
        static const char gpu[] =
                "<device><name>pci_0000_3b_00_0</name><capability type='pci'><domain>0</domain><bus>59</bus>"
                "<slot>0</slot><function>0</function><vendor id='0x10de'>NVIDIA</vendor>"
                "<capability type='mdev_types'><type id='nvidia-224'><name>GRID T4-4Q</name>"
                "<availableInstances>3</availableInstances></type></capability></capability></device>";
        static const char vf[] =
                "<device><name>pci_0000_86_02_1</name><capability type='pci'><domain>0</domain><bus>134</bus>"
                "<slot>2</slot><function>1</function><capability type='phys_function'>"
                "<address domain='0x0000' bus='0x86' slot='0x00' function='0x0'/></capability></capability></device>";
        static const char mdev[] = "<device><name>mdev_3b0e1c2d_0000_4000_8000_00000000aa01_0000_3b_00_0</name>"
                                   "<capability type='mdev'><type id='nvidia-224'/><iommuGroup number='21'/>"
                                   "</capability></device>";
        static const char no_id[] = "<device><capability type='mdev_types'><type/></capability></device>";
        char addr[VGPU_PCI_ADDR_STRLEN];

        ck_assert_int_eq(vgpu_nodedev_parse(nodedev_mtty, strlen(nodedev_mtty), &d, &err), 0);
        ck_assert_str_eq(d->name, "mtty_mtty");
        ck_assert_uint_eq(d->n_types, 2);
        ck_assert_str_eq(d->types[0].id, "mtty-1");
        ck_assert_str_eq(d->types[0].name, "Single port serial");
        ck_assert_int_eq(d->types[0].available, 24);
        ck_assert_int_eq(d->types[1].available, 12);
        ck_assert(!d->is_pci);
        vgpu_nodedev_free(d);

        ck_assert_int_eq(vgpu_nodedev_parse(gpu, strlen(gpu), &d, &err), 0);
        ck_assert(d->is_pci && !d->is_vf);
        vgpu_pci_addr_format(&d->addr, addr);
        ck_assert_str_eq(addr, "0000:3b:00.0");
        ck_assert_int_eq(d->vendor, 0x10de);
        ck_assert_uint_eq(d->n_types, 1);
        ck_assert_int_eq(d->types[0].available, 3);
        vgpu_nodedev_free(d);

        ck_assert_int_eq(vgpu_nodedev_parse(vf, strlen(vf), &d, &err), 0);
        ck_assert(d->is_vf);
        vgpu_pci_addr_format(&d->physfn, addr);
        ck_assert_str_eq(addr, "0000:86:00.0");
        vgpu_nodedev_free(d);

        /* libvirt before <uuid>: the UUID from the name */
        ck_assert_int_eq(vgpu_nodedev_parse(mdev, strlen(mdev), &d, &err), 0);
        ck_assert_str_eq(d->uuid, "3b0e1c2d-0000-4000-8000-00000000aa01");
        vgpu_nodedev_free(d);

        ck_assert_int_eq(vgpu_nodedev_parse("<domain/>", 9, &d, &err), -EINVAL);
        ck_assert_int_eq(vgpu_nodedev_parse(no_id, strlen(no_id), &d, &err), -EINVAL);
}
END_TEST

/* ---- questions about a domain (domain-query.c) ---------------------------- */

#define Q_DOM  "5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01"
#define Q_BOTH "3b0e1c2d-0000-4000-8000-00000000aa01" /* hostdev and metadata */
#define Q_META "3b0e1c2d-0000-4000-8000-00000000aa02" /* metadata only */
#define Q_HOST "3b0e1c2d-0000-4000-8000-00000000aa03" /* hostdev only */

static const char query_xml[] =
        "<domain><name>q</name><uuid>" Q_DOM "</uuid>\n"
        "<metadata><vgpu:devices xmlns:vgpu='" VGPU_XMLNS "'>\n"
        "<vgpu:mdev uuid='" Q_BOTH "' profile='a'/>\n"
        "<vgpu:mdev uuid='" Q_META "' profile='a'/>\n"
        "<vgpu:vf address='0000:c1:00.4' profile='v'/>\n"
        "<vgpu:pci address='0000:d8:00.0' profile='g'/>\n"
        "</vgpu:devices></metadata><devices>\n"
        "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='" Q_BOTH
        "'/></source></hostdev>\n"
        "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='" Q_HOST
        "'/></source></hostdev>\n"
        "<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='0xc1' slot='0' function='4'/></source>"
        "</hostdev>\n"
        "<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='0x3b' slot='0' function='0'/></source>"
        "</hostdev>\n"
        "</devices></domain>";

static struct vgpu_domain *parsed(const char *xml)
{
        struct vgpu_domain *d = NULL;
        struct vgpu_error err = {0};

        ck_assert_msg(vgpu_domain_parse(xml, strlen(xml), &d, &err) == 0, "%d: %s", err.line, err.text);
        return d;
}

static struct vgpu_pci_addr addr_of(const char *s)
{
        struct vgpu_pci_addr a;

        ck_assert_int_eq(vgpu_pci_addr_parse(s, &a), 0);
        return a;
}

START_TEST(names_mdev)
{
        struct vgpu_domain *d = parsed(query_xml);

        ck_assert_ptr_eq(vgpu_domain_find_mdev(d, Q_BOTH), &d->hostdevs[0]);
        ck_assert_ptr_eq(vgpu_domain_find_mdev(d, Q_HOST), &d->hostdevs[1]);
        ck_assert_ptr_null(vgpu_domain_find_mdev(d, Q_META));
        ck_assert_ptr_eq(vgpu_domain_find_spec(d, Q_BOTH, NULL), &d->specs[0]);
        ck_assert_ptr_eq(vgpu_domain_find_spec(d, Q_META, NULL), &d->specs[1]);
        ck_assert_ptr_null(vgpu_domain_find_spec(d, Q_HOST, NULL));
        /* named in either place, or both */
        ck_assert(vgpu_domain_names_mdev(d, Q_BOTH));
        ck_assert(vgpu_domain_names_mdev(d, Q_META));
        ck_assert(vgpu_domain_names_mdev(d, Q_HOST));
        ck_assert(!vgpu_domain_names_mdev(d, "3b0e1c2d-0000-4000-8000-00000000aa04"));
        ck_assert(!vgpu_domain_names_mdev(d, Q_DOM));
        vgpu_domain_free(d);
}
END_TEST

START_TEST(names_pci)
{
        struct vgpu_domain *d = parsed(query_xml);
        struct vgpu_pci_addr vf = addr_of("0000:c1:00.4"), gpu = addr_of("0000:d8:00.0"),
                             bare = addr_of("0000:3b:00.0"), none = addr_of("0000:c1:00.5"),
                             zero = addr_of("0000:00:00.0");

        ck_assert_ptr_eq(vgpu_domain_find_pci(d, &vf), &d->hostdevs[2]);
        ck_assert_ptr_eq(vgpu_domain_find_pci(d, &bare), &d->hostdevs[3]);
        ck_assert_ptr_null(vgpu_domain_find_pci(d, &gpu));
        ck_assert_ptr_eq(vgpu_domain_find_spec(d, NULL, &vf), &d->specs[2]);
        ck_assert_ptr_eq(vgpu_domain_find_spec(d, NULL, &gpu), &d->specs[3]);
        ck_assert_ptr_null(vgpu_domain_find_spec(d, NULL, &bare));
        ck_assert(vgpu_domain_names_pci(d, &vf));
        ck_assert(vgpu_domain_names_pci(d, &gpu));
        ck_assert(vgpu_domain_names_pci(d, &bare));
        ck_assert(!vgpu_domain_names_pci(d, &none));
        /* mdevs have no address: the zero one is not theirs */
        ck_assert(!vgpu_domain_names_pci(d, &zero));
        vgpu_domain_free(d);
}
END_TEST

START_TEST(wants_pci)
{
        static const char mdev_only[] = "<domain><name>m</name><uuid>" Q_DOM "</uuid>"
                                        "<metadata><vgpu:devices xmlns:vgpu='" VGPU_XMLNS "'>"
                                        "<vgpu:mdev uuid='" Q_META "' profile='a'/>"
                                        "</vgpu:devices></metadata><devices>"
                                        "<hostdev mode='subsystem' type='pci'><source>"
                                        "<address domain='0' bus='0x3b' slot='0' function='0'/></source></hostdev>"
                                        "</devices></domain>";
        struct vgpu_domain *d = parsed(query_xml), *m = parsed(mdev_only);

        ck_assert(vgpu_domain_wants_pci(d));
        /* a PCI hostdev without our metadata is the admin's, not asked of us */
        ck_assert(!vgpu_domain_wants_pci(m));
        vgpu_domain_free(d);
        vgpu_domain_free(m);
}
END_TEST

START_TEST(derived_mdevs)
{
        struct vgpu_domain *d = parsed(query_xml);
        char u[VGPU_UUID_STRLEN];

        /* 4 hostdevs: indices up to 4 + 16 are the domain's */
        ck_assert_int_eq(vgpu_mdev_uuid_for(Q_DOM, 0, u), 0);
        ck_assert(vgpu_domain_derives_mdev(d, u));
        ck_assert_int_eq(vgpu_mdev_uuid_for(Q_DOM, 19, u), 0);
        ck_assert(vgpu_domain_derives_mdev(d, u));
        ck_assert_int_eq(vgpu_mdev_uuid_for(Q_DOM, 20, u), 0);
        ck_assert(!vgpu_domain_derives_mdev(d, u));
        ck_assert(!vgpu_domain_derives_mdev(d, Q_BOTH));
        vgpu_domain_free(d);
}
END_TEST

START_TEST(next_index_skips_named)
{
        char u0[VGPU_UUID_STRLEN], u1[VGPU_UUID_STRLEN], *xml;
        struct vgpu_domain *d;

        vgpu_mdev_uuid_for(Q_DOM, 0, u0);
        vgpu_mdev_uuid_for(Q_DOM, 1, u1);
        /* index 0 in a hostdev, index 1 only in the metadata: both taken */
        ck_assert_int_gt(asprintf(&xml,
                                  "<domain><name>n</name><uuid>%s</uuid>"
                                  "<metadata><vgpu:devices xmlns:vgpu='" VGPU_XMLNS "'>"
                                  "<vgpu:mdev uuid='%s' profile='a'/></vgpu:devices></metadata><devices>"
                                  "<hostdev mode='subsystem' type='mdev'><source><address uuid='%s'/></source>"
                                  "</hostdev></devices></domain>",
                                  Q_DOM, u1, u0),
                         0);
        d = parsed(xml);
        ck_assert_uint_eq(vgpu_domain_next_mdev_index(d), 2);
        vgpu_domain_free(d);
        free(xml);
}
END_TEST

static Suite *domxml_suite(void)
{
        Suite *s = suite_create("domxml");
        TCase *tc = tcase_create("parse");

        tcase_add_test(tc, contract_example);
        tcase_add_test(tc, plain_vm);
        tcase_add_test(tc, no_entities);
        tcase_add_loop_test(tc, malformed, 0, (int)(sizeof(bad) / sizeof(bad[0])));
        tcase_add_test(tc, truncated_everywhere);
        tcase_add_test(tc, size_cap);
        tcase_add_test(tc, templates);
        tcase_add_test(tc, scan);
        tcase_add_test(tc, nodedev);
        suite_add_tcase(s, tc);
        tc = tcase_create("query");
        tcase_add_test(tc, names_mdev);
        tcase_add_test(tc, names_pci);
        tcase_add_test(tc, wants_pci);
        tcase_add_test(tc, derived_mdevs);
        tcase_add_test(tc, next_index_skips_named);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return testsuite_run(domxml_suite());
}
