/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Placement golden tables (docs/design.md §6.2): each row is a request on a known
 * host and the exact ranking it must produce, reasons included.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testsuite.h"

#define DOM_UUID "5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a2b"

static const char *const fit_names[] = {
        [VGPU_FIT_OK] = "ok",
        [VGPU_FIT_PINNED_ELSEWHERE] = "pinned",
        [VGPU_FIT_FILTERED] = "filtered",
        [VGPU_FIT_CORDONED] = "cordoned",
        [VGPU_FIT_TYPE_ABSENT] = "absent",
        [VGPU_FIT_OTHER_TYPE] = "other-type",
        [VGPU_FIT_SAME_VM_GPU] = "same-vm",
        [VGPU_FIT_NUMA] = "numa",
        [VGPU_FIT_FULL] = "full",
        [VGPU_FIT_LEASED] = "leased",
        [VGPU_FIT_NAMED] = "named",
        [VGPU_FIT_IN_USE] = "in-use",
};

struct row {
        const char *name;
        const char *type_name;
        enum vgpu_policy policy;
        const char *numa_xml; /* inside <domain>, or NULL */
        const char *pin;
        const char *taken; /* a physical GPU this VM already has */
        const char *cordon;
        const char *address; /* profile address filter */
        int vendor;          /* profile vendor filter, or -1 */
        const char *pending; /* "PARENT TYPE-ID COUNT": another domain's pending leases */
        const char *want;    /* the ranking, T4-capable parents then the rest as "absent" */
};

#define ABSENT " 0000:00:02.0=absent mbochs=absent mdpy=absent mtty=absent"
#define REST   " mbochs=absent mdpy=absent mtty=absent"

static const struct row rows[] = {
        {"pack fills the used GPU first", "GRID T4-4Q", VGPU_POLICY_PACK, NULL, NULL, NULL, NULL, NULL, -1, NULL,
         "0000:3b:00.0=ok 0000:5e:00.0=ok 10000:01:00.0=ok" ABSENT},
        {"spread opens the emptiest GPU first", "GRID T4-4Q", VGPU_POLICY_SPREAD, NULL, NULL, NULL, NULL, NULL, -1,
         NULL, "0000:5e:00.0=ok 10000:01:00.0=ok 0000:3b:00.0=ok" ABSENT},
        {"one type per NVIDIA GPU", "GRID T4-1Q", VGPU_POLICY_PACK, NULL, NULL, NULL, NULL, NULL, -1, NULL,
         "0000:5e:00.0=ok 10000:01:00.0=ok 0000:00:02.0=absent 0000:3b:00.0=other-type" REST},
        {"numatune without mode is strict", "GRID T4-4Q", VGPU_POLICY_PACK,
         "<numatune><memory nodeset='1'/></numatune>", NULL, NULL, NULL, NULL, -1, NULL,
         "0000:5e:00.0=ok 0000:00:02.0=absent 0000:3b:00.0=numa 10000:01:00.0=numa" REST},
        {"numatune preferred orders only", "GRID T4-4Q", VGPU_POLICY_PACK,
         "<numatune><memory mode='preferred' nodeset='1'/></numatune>", NULL, NULL, NULL, NULL, -1, NULL,
         "0000:5e:00.0=ok 0000:3b:00.0=ok 10000:01:00.0=ok" ABSENT},
        {"vCPU pinning maps to nodes", "GRID T4-4Q", VGPU_POLICY_SPREAD,
         "<cputune><vcpupin vcpu='0' cpuset='1'/><vcpupin vcpu='1' cpuset='2-3'/></cputune>", NULL, NULL, NULL, NULL,
         -1, NULL, "10000:01:00.0=ok 0000:3b:00.0=ok 0000:5e:00.0=ok" ABSENT},
        {"cordoned GPU", "GRID T4-4Q", VGPU_POLICY_PACK, NULL, NULL, NULL, "0000:3b:00.0", NULL, -1, NULL,
         "0000:5e:00.0=ok 10000:01:00.0=ok 0000:00:02.0=absent 0000:3b:00.0=cordoned" REST},
        {"a VM's vGPUs on different GPUs", "GRID T4-4Q", VGPU_POLICY_PACK, NULL, NULL, "0000:3b:00.0", NULL, NULL, -1,
         NULL, "0000:5e:00.0=ok 10000:01:00.0=ok 0000:00:02.0=absent 0000:3b:00.0=same-vm" REST},
        {"pinned parent", "GRID T4-4Q", VGPU_POLICY_PACK, NULL, "10000:01:00.0", NULL, NULL, NULL, -1, NULL,
         "10000:01:00.0=ok 0000:00:02.0=pinned 0000:3b:00.0=pinned 0000:5e:00.0=pinned mbochs=pinned mdpy=pinned "
         "mtty=pinned"},
        {"address filter", "GRID T4-4Q", VGPU_POLICY_PACK, NULL, NULL, NULL, NULL, "10000:01:00.0", -1, NULL,
         "10000:01:00.0=ok 0000:00:02.0=filtered 0000:3b:00.0=filtered 0000:5e:00.0=filtered mbochs=filtered "
         "mdpy=filtered mtty=filtered"},
        {"vendor filter", "GRID T4-4Q", VGPU_POLICY_PACK, NULL, NULL, NULL, NULL, NULL, 0x8086, NULL,
         "0000:00:02.0=absent 0000:3b:00.0=filtered 0000:5e:00.0=filtered 10000:01:00.0=filtered mbochs=filtered "
         "mdpy=filtered mtty=filtered"},
        {"another domain's pending type", "GRID T4-4Q", VGPU_POLICY_PACK, NULL, NULL, NULL, NULL, NULL, -1,
         "0000:5e:00.0 nvidia-222 1",
         "0000:3b:00.0=ok 10000:01:00.0=ok 0000:00:02.0=absent 0000:5e:00.0=other-type" REST},
        {"pending reservations fill a GPU", "GRID T4-4Q", VGPU_POLICY_PACK, NULL, NULL, NULL, NULL, NULL, -1,
         "10000:01:00.0 nvidia-224 4", "0000:3b:00.0=ok 0000:5e:00.0=ok 0000:00:02.0=absent 10000:01:00.0=full" REST},
        {"libvirt's cpuset exclusions", "GRID T4-4Q", VGPU_POLICY_SPREAD, "<vcpu cpuset='0-7,^0,^1,^2,^3'>2</vcpu>",
         NULL, NULL, NULL, NULL, -1, NULL, "0000:5e:00.0=ok 10000:01:00.0=ok 0000:3b:00.0=ok" ABSENT},
        {"GVT-g shares one parent", "GVTg_V5_4", VGPU_POLICY_PACK, NULL, NULL, NULL, NULL, NULL, -1, NULL,
         "0000:00:02.0=ok 0000:3b:00.0=absent 0000:5e:00.0=absent 10000:01:00.0=absent mbochs=absent mdpy=absent "
         "mtty=absent"},
};

static struct vgpu_domain *domain_for(const struct row *r)
{
        char xml[1024];
        struct vgpu_domain *d = NULL;

        snprintf(xml, sizeof(xml), "<domain type='kvm'><name>vm</name><uuid>%s</uuid>%s</domain>", DOM_UUID,
                 r->numa_xml ? r->numa_xml : "");
        ck_assert_int_eq(vgpu_domain_parse(xml, strlen(xml), &d, NULL), 0);
        return d;
}

static void add_pending(struct vgpu_ledger *l, const char *spec)
{
        char parent[64], type[64];
        int count;

        ck_assert_int_eq(sscanf(spec, "%63s %63s %d", parent, type, &count), 3);
        for (int i = 0; i < count; i++) {
                struct vgpu_lease lease = {.state = VGPU_LEASE_PENDING, .kind = VGPU_DEVICE_MDEV};
                char uuid[48];

                snprintf(uuid, sizeof(uuid), "0b5e7a52-1c3d-4e5f-8a9b-0c1d2e3f4a%02d", i % 100);
                memcpy(lease.domain_uuid, "11111111-2222-4333-8444-555555555555", VGPU_UUID_STRLEN);
                lease.domain_name = "other";
                lease.device = uuid;
                lease.parent = parent;
                lease.type = type;
                ck_assert_ptr_nonnull(vgpu_ledger_add(l, &lease));
        }
}

static void ranking(const struct vgpu_placement *pl, char *buf, size_t size)
{
        size_t o = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < pl->n; i++)
                o += (size_t)snprintf(buf + o, size - o, "%s%s=%s", i ? " " : "", pl->candidates[i].parent->name,
                                      fit_names[pl->candidates[i].fit]);
}

START_TEST(golden)
{
        const struct row *r = &rows[_i];
        char *dir = testsuite_fake_root("placement"), got[1024];
        struct vgpu_host *host = testsuite_load(dir);
        struct vgpu_profile prof = {.policy = r->policy, .vendor = r->vendor, .device = -1};
        struct vgpu_pci_addr filter;
        struct vgpu_config *config = NULL;
        struct vgpu_ledger ledger = {.dir_fd = -1, .lock_fd = -1};
        struct vgpu_domain *dom = domain_for(r);
        struct vgpu_mdev_request req = {.type_name = r->type_name, .parent = r->pin, .profile = &prof};
        struct vgpu_placement *pl = NULL;
        char *cordon = (char *)r->cordon;

        ck_assert_int_eq(vgpu_config_new_default(&config), 0);
        if (r->cordon) {
                config->cordoned = &cordon;
                config->n_cordoned = 1;
        }
        if (r->address) {
                ck_assert_int_eq(vgpu_pci_addr_parse(r->address, &filter), 0);
                prof.addresses = &filter;
                prof.n_addresses = 1;
        }
        if (r->taken) {
                req.taken_physical = &r->taken;
                req.n_taken = 1;
        }
        if (r->pending)
                add_pending(&ledger, r->pending);
        ck_assert_int_eq(vgpu_place_mdev(host, config, &ledger, dom, &req, &pl), 0);
        ranking(pl, got, sizeof(got));
        ck_assert_msg(strcmp(got, r->want) == 0, "%s:\n got: %s\nwant: %s", r->name, got, r->want);
        if (r->pending && strstr(r->want, "other-type"))
                ck_assert_str_eq(pl->candidates[pl->n_usable + 1].detail,
                                 "0000:5e:00.0 is being given GRID T4-1Q for domain other");
        vgpu_placement_free(pl);
        config->cordoned = NULL;
        config->n_cordoned = 0;
        vgpu_config_free(config);
        for (size_t i = 0; i < ledger.n_leases; i++) {
                /* leases were copied by vgpu_ledger_add */
                free(ledger.leases[i].domain_name);
                free(ledger.leases[i].device);
                free(ledger.leases[i].parent);
                free(ledger.leases[i].type);
        }
        free(ledger.leases);
        vgpu_domain_free(dom);
        vgpu_host_free(host);
        testsuite_remove_root(dir);
}
END_TEST

START_TEST(other_type_names_holder)
{
        char *dir = testsuite_fake_root("t4");
        struct vgpu_host *host = testsuite_load(dir);
        struct vgpu_mdev_request req = {.type_name = "GRID T4-1Q"};
        struct vgpu_placement *pl = NULL;

        ck_assert_int_eq(vgpu_place_mdev(host, NULL, NULL, NULL, &req, &pl), 0);
        ck_assert_uint_eq(pl->n_usable, 0);
        ck_assert_int_eq(pl->candidates[0].fit, VGPU_FIT_OTHER_TYPE);
        ck_assert_str_eq(pl->candidates[0].detail, "0000:3b:00.0 holds GRID T4-4Q");
        ck_assert_str_eq(vgpu_fit_reason(pl->candidates[0].fit), "another type resident");
        vgpu_placement_free(pl);
        req.type_name = NULL;
        req.type_id = "nvidia-224";
        ck_assert_int_eq(vgpu_place_mdev(host, NULL, NULL, NULL, &req, &pl), 0);
        ck_assert_uint_eq(pl->n_usable, 1);
        ck_assert_int_eq(pl->candidates[0].free, 3);
        vgpu_placement_free(pl);
        req.type_name = "GRID T4-4Q"; /* both: refused */
        ck_assert_int_eq(vgpu_place_mdev(host, NULL, NULL, NULL, &req, &pl), -EINVAL);
        vgpu_host_free(host);
        testsuite_remove_root(dir);
}
END_TEST

/* Mixed-size mode: the driver keeps room for a second size beside T4-4Q, so placement trusts it. */
static const char t4_mixed[] =
        "pci 0000:3b:00.0 vendor=0x10de device=0x1eb8 class=0x030200 driver=nvidia group=20\n"
        "mdev-pool t4 size=16\n"
        "mdev-parent 0000:3b:00.0 pool=t4 mdev-driver=nvidia-vgpu-vfio\n"
        "mdev-type 0000:3b:00.0 nvidia-222 name=\"GRID T4-1Q\" api=vfio-pci cost=1\n"
        "mdev-type 0000:3b:00.0 nvidia-224 name=\"GRID T4-4Q\" api=vfio-pci cost=4\n"
        "mdev 3f2a6c1e-5b7d-4e0a-9c41-0d3e8b7a2f10 parent=0000:3b:00.0 type=nvidia-224 group=21\n";

START_TEST(mixed_size_trusts_driver)
{
        char *dir = testsuite_fake_root_text(t4_mixed);
        struct vgpu_host *host = testsuite_load(dir);
        struct vgpu_mdev_request req = {.type_name = "GRID T4-1Q"};
        struct vgpu_placement *pl = NULL;

        ck_assert_int_eq(vgpu_place_mdev(host, NULL, NULL, NULL, &req, &pl), 0);
        ck_assert_uint_eq(pl->n_usable, 1);
        ck_assert_int_eq(pl->candidates[0].free, 12);
        vgpu_placement_free(pl);
        vgpu_host_free(host);
        testsuite_remove_root(dir);
}
END_TEST

/* vgpu_placement_why(): the candidate that decided, not "no room" for every cause. */
START_TEST(why_refused)
{
        char *dir = testsuite_fake_root("t4");
        struct vgpu_host *host = testsuite_load(dir);
        struct vgpu_mdev_request req = {.type_name = "GRID T4-1Q"};
        struct vgpu_placement *pl = NULL;
        char why[256];

        ck_assert_int_eq(vgpu_place_mdev(host, NULL, NULL, NULL, &req, &pl), 0);
        ck_assert_int_eq(vgpu_placement_why(pl, &req, why, sizeof(why)), VGPU_FIT_OTHER_TYPE);
        ck_assert_str_eq(why, "0000:3b:00.0 holds GRID T4-4Q, and an NVIDIA GPU runs one vGPU type at a time; "
                              "stop the VMs on it or ask for that type");
        req.parent = "0000:3b:00.1";
        ck_assert_int_eq(vgpu_placement_why(pl, &req, why, sizeof(why)), VGPU_FIT_PINNED_ELSEWHERE);
        ck_assert_str_eq(why, "0000:3b:00.1 is not an mdev parent on this host; 'vgpuctl inventory' lists them");
        vgpu_placement_free(pl);
        req.parent = NULL;
        req.type_name = "Single port serial";
        ck_assert_int_eq(vgpu_place_mdev(host, NULL, NULL, NULL, &req, &pl), 0);
        ck_assert_int_eq(vgpu_placement_why(pl, &req, why, sizeof(why)), VGPU_FIT_TYPE_ABSENT);
        ck_assert_str_eq(why, "no mdev parent here offers Single port serial; 'vgpuctl inventory' lists the types");
        req.parent = "0000:3b:00.0";
        ck_assert_int_eq(vgpu_placement_why(pl, &req, why, sizeof(why)), VGPU_FIT_TYPE_ABSENT);
        ck_assert_str_eq(why,
                         "0000:3b:00.0 does not offer Single port serial; 'vgpuctl inventory' lists what it offers");
        vgpu_placement_free(pl);
        vgpu_host_free(host);
        testsuite_remove_root(dir);
}
END_TEST

START_TEST(ampere_vfs)
{
        char *dir = testsuite_fake_root("a10");
        struct vgpu_host *host = testsuite_load(dir);
        struct vgpu_mdev_request req = {.type_name = "NVIDIA A10-4Q"};
        struct vgpu_placement *pl = NULL;
        char got[512];

        ck_assert_int_eq(vgpu_place_mdev(host, NULL, NULL, NULL, &req, &pl), 0);
        ranking(pl, got, sizeof(got));
        ck_assert_str_eq(got, "0000:ca:00.5=ok 0000:ca:00.6=ok 0000:ca:00.7=ok 0000:ca:00.4=full");
        vgpu_placement_free(pl);
        req.type_name = "NVIDIA A10-8Q";
        ck_assert_int_eq(vgpu_place_mdev(host, NULL, NULL, NULL, &req, &pl), 0);
        ranking(pl, got, sizeof(got));
        ck_assert_str_eq(got, "0000:ca:00.4=other-type 0000:ca:00.5=other-type 0000:ca:00.6=other-type "
                              "0000:ca:00.7=other-type");
        vgpu_placement_free(pl);
        vgpu_host_free(host);
        testsuite_remove_root(dir);
}
END_TEST

static void pci_ranking(const struct vgpu_pci_placement *pl, char *buf, size_t size)
{
        size_t o = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < pl->n; i++)
                o += (size_t)snprintf(buf + o, size - o, "%s%s=%s", i ? " " : "", pl->candidates[i].dev->name,
                                      fit_names[pl->candidates[i].fit]);
}

/* Which VF or GPU a VF, vendor-VFIO or passthrough profile gets, and why not the others. */
/* Equal-size mode: VF .4 holds 35C, so the driver offers .5 only that size; plan says so. */
static const char h200_equal[] =
        "pci 0000:41:00.0 vendor=0x10de device=0x233b class=0x030200 driver=nvidia group=60 totalvfs=2 numvfs=2 "
        "vf-offset=4 vf-stride=1 vgpu-fb=141 vgpu-mode=equal "
        "vf-vgpu-types=\"1421:NVIDIA H200X-18C:18,1422:NVIDIA H200X-35C:35\"\n"
        "pci 0000:41:00.4 physfn=0000:41:00.0 vendor=0x10de device=0x233b class=0x030200 driver=nvidia group=61 "
        "current-type=1422\n"
        "pci 0000:41:00.5 physfn=0000:41:00.0 vendor=0x10de device=0x233b class=0x030200 driver=nvidia group=62\n";

START_TEST(nvidia_refusal_explained)
{
        char *dir = testsuite_fake_root_text(h200_equal);
        struct vgpu_host *host = testsuite_load(dir);
        struct vgpu_profile h18 = {.name = "h18",
                                   .kind = VGPU_PROFILE_NVIDIA_VFIO,
                                   .nvidia_type = "NVIDIA H200X-18C",
                                   .vendor = -1,
                                   .device = -1};
        struct vgpu_pci_request req = {.profile = &h18};
        struct vgpu_pci_placement *pl = NULL;

        ck_assert_int_eq(vgpu_place_pci(host, NULL, NULL, NULL, &req, &pl), 0);
        ck_assert_uint_eq(pl->n_usable, 0);
        ck_assert_int_eq(pl->candidates[1].fit, VGPU_FIT_TYPE_ABSENT);
        ck_assert_str_eq(pl->candidates[1].detail, "the driver offers NVIDIA H200X-35C");
        vgpu_pci_placement_free(pl);
        vgpu_host_free(host);
        testsuite_remove_root(dir);
}
END_TEST

START_TEST(pci_devices)
{
        char *dir = testsuite_fake_root("demo"), got[512], *cordon = "0000:82:00.0";
        struct vgpu_host *host = testsuite_load(dir);
        struct vgpu_profile l4 = {.name = "l4",
                                  .kind = VGPU_PROFILE_NVIDIA_VFIO,
                                  .nvidia_type = "NVIDIA L4-4Q",
                                  .vendor = -1,
                                  .device = -1};
        struct vgpu_profile full = {.name = "full",
                                    .kind = VGPU_PROFILE_PASSTHROUGH,
                                    .vendor = 0x10de,
                                    .device = 0x1eb8,
                                    .policy = VGPU_POLICY_SPREAD};
        struct vgpu_pci_request req = {.profile = &l4};
        struct vgpu_ledger ledger = {.dir_fd = -1, .lock_fd = -1};
        struct vgpu_lease lease = {
                .state = VGPU_LEASE_ACTIVE, .kind = VGPU_DEVICE_VF, .device = "0000:82:00.7", .domain_name = "web1"};
        struct vgpu_config *config = NULL;
        struct vgpu_pci_placement *pl = NULL;
        struct vgpu_pci_addr named;
        unsigned node0 = 0;

        ck_assert_int_eq(vgpu_place_pci(host, NULL, NULL, NULL, &req, &pl), 0);
        pci_ranking(pl, got, sizeof(got));
        ck_assert_str_eq(got, "0000:82:00.5=ok 0000:82:00.6=ok 0000:82:00.7=ok 0000:82:00.4=in-use");
        ck_assert_str_eq(pl->candidates[3].detail, "vGPU type 941");
        vgpu_pci_placement_free(pl);

        ck_assert_int_eq(vgpu_pci_addr_parse("0000:82:00.5", &named), 0);
        req.named = &named;
        req.n_named = 1;
        ck_assert_ptr_nonnull(vgpu_ledger_add(&ledger, &lease));
        ck_assert_int_eq(vgpu_place_pci(host, NULL, &ledger, NULL, &req, &pl), 0);
        pci_ranking(pl, got, sizeof(got));
        ck_assert_str_eq(got, "0000:82:00.6=ok 0000:82:00.4=in-use 0000:82:00.5=named 0000:82:00.7=leased");
        ck_assert_str_eq(pl->candidates[3].detail, "to domain web1, active");
        vgpu_pci_placement_free(pl);

        ck_assert_int_eq(vgpu_config_new_default(&config), 0);
        config->cordoned = &cordon;
        config->n_cordoned = 1;
        ck_assert_int_eq(vgpu_place_pci(host, config, NULL, NULL, &req, &pl), 0);
        ck_assert_uint_eq(pl->n_usable, 0);
        ck_assert_int_eq(pl->candidates[0].fit, VGPU_FIT_CORDONED);
        vgpu_pci_placement_free(pl);
        config->cordoned = NULL;
        config->n_cordoned = 0;
        vgpu_config_free(config);

        l4.numa = VGPU_PROFILE_NUMA_STRICT;
        l4.numa_nodes = &node0;
        l4.n_numa_nodes = 1;
        req.named = NULL;
        req.n_named = 0;
        ck_assert_int_eq(vgpu_place_pci(host, NULL, NULL, NULL, &req, &pl), 0);
        pci_ranking(pl, got, sizeof(got));
        ck_assert_str_eq(got, "0000:82:00.4=in-use 0000:82:00.5=numa 0000:82:00.6=numa 0000:82:00.7=numa");
        vgpu_pci_placement_free(pl);

        req.profile = &full;
        ck_assert_int_eq(vgpu_place_pci(host, NULL, NULL, NULL, &req, &pl), 0);
        pci_ranking(pl, got, sizeof(got));
        ck_assert_str_eq(got, "0000:5e:00.0=ok 10000:01:00.0=ok 0000:00:02.0=filtered 0000:3b:00.0=in-use "
                              "0000:82:00.0=filtered 0000:ca:00.0=filtered");
        vgpu_pci_placement_free(pl);

        full.kind = VGPU_PROFILE_MDEV;
        ck_assert_int_eq(vgpu_place_pci(host, NULL, NULL, NULL, &req, &pl), -EINVAL);
        free(ledger.leases[0].domain_name);
        free(ledger.leases[0].device);
        free(ledger.leases);
        vgpu_host_free(host);
        testsuite_remove_root(dir);
}
END_TEST

static Suite *placement_suite(void)
{
        Suite *s = suite_create("placement");
        TCase *tc = tcase_create("golden");

        tcase_add_loop_test(tc, golden, 0, (int)(sizeof(rows) / sizeof(rows[0])));
        tcase_add_test(tc, other_type_names_holder);
        tcase_add_test(tc, mixed_size_trusts_driver);
        tcase_add_test(tc, nvidia_refusal_explained);
        tcase_add_test(tc, why_refused);
        tcase_add_test(tc, ampere_vfs);
        tcase_add_test(tc, pci_devices);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return testsuite_run(placement_suite());
}
