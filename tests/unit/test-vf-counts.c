/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The configured VF counts (config/sriov-config.c): vgpu_vf_counts_check()
 * judges each PF of "sriov_vfs" against the host, vgpu_vf_count_apply()
 * writes sriov_numvfs, through the real functions on simulated hosts whose
 * kernel answers come from the kshim emulation.  The rules: a PF already
 * right is left alone; one that is absent, no SR-IOV PF, bound to nvidia
 * (sriov-manage's), asked for more than sriov_totalvfs or without a driver
 * is refused; a PF with a VF a VM holds, a lease names or an mdev sits on is
 * busy, but only when its count would change; the kernel's answers to the
 * store (EBUSY, ERANGE, ENOENT from a module-parameter driver, others) set
 * the final state.  Asserted on the states, sentences and the host tree.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testsuite.h"

#define NVME_PF "0000:01:00.0" /* nvme-sriov: nvme, 2 of 4 VFs; VF .1 in IOMMU group 10 */
#define VF_MDEV "3b0e1c2d-0000-4000-8000-00000000aa01"

/* PFs the presets lack: one without a driver, one whose kernel answers EIO, one with an mdev on its VF. */
static const char odd_pfs[] =
        "pci 0000:05:00.0 vendor=0x1b36 device=0x0010 class=0x010802 group=20 totalvfs=4 numvfs=0 autoprobe=0 "
        "vf-offset=1 vf-stride=1 vf-device=0x0010\n"
        "pci 0000:06:00.0 vendor=0x1b36 device=0x0010 class=0x010802 driver=nvme group=30 totalvfs=4 numvfs=0 "
        "autoprobe=0 vf-offset=1 vf-stride=1 vf-device=0x0010 numvfs-errno=EIO\n"
        "pci 0000:07:00.0 vendor=0x8086 device=0x56c0 class=0x030000 driver=i915 group=40 totalvfs=4 numvfs=1 "
        "autoprobe=0 vf-offset=1 vf-stride=1 vf-device=0x56c0\n"
        "pci 0000:07:00.1 physfn=0000:07:00.0 vendor=0x8086 device=0x56c0 class=0x030000 driver=i915 group=41\n"
        "pci 0000:08:00.0 vendor=0x1002 device=0x6929 class=0x030000 driver=gim group=50 totalvfs=4 numvfs=0 "
        "autoprobe=0 vf-offset=1 vf-stride=1 vf-device=0x692f numvfs-errno=ENOENT\n"
        "mdev-pool vf-pool size=4\n"
        "mdev-parent 0000:07:00.1 pool=vf-pool mdev-driver=i915\n"
        "mdev-type 0000:07:00.1 i915-x name=x api=vfio-pci cost=1\n"
        "mdev " VF_MDEV " parent=0000:07:00.1 type=i915-x group=42\n";

static struct testsuite_host sim;
static struct vgpu_vf_count *counts;

static void use_root(char *dir)
{
        testsuite_host_open(&sim, dir);
}

static void teardown(void)
{
        free(counts);
        counts = NULL;
        testsuite_host_close(&sim);
}

static int stores(void)
{
        return testsuite_host_stores(&sim);
}

/* Check the "sriov_vfs" of @sriov_vfs (a JSON object's text) against the host as it is now, with @ledger. */
static int check_with(const char *sriov_vfs, const struct vgpu_ledger *ledger)
{
        struct vgpu_config *config = NULL;
        struct vgpu_host *host = testsuite_load(sim.dir);
        struct vgpu_error err = {0};
        char text[512];
        int n;

        snprintf(text, sizeof(text), "{\"sriov_vfs\": %s}", sriov_vfs);
        ck_assert_msg(vgpu_config_parse("test.conf", text, strlen(text), &config, &err) == 0, "%s", err.text);
        free(counts);
        counts = NULL;
        n = vgpu_vf_counts_check(host, config, ledger, &counts);
        vgpu_config_free(config);
        vgpu_host_free(host);
        return n;
}

static int check(const char *sriov_vfs)
{
        return check_with(sriov_vfs, NULL);
}

static char *attr(const char *path)
{
        char *s = NULL;

        ck_assert_msg(vgpu_root_read_attr(sim.root, path, &s) >= 0, "cannot read %s", path);
        return s;
}

static void assert_attr(const char *path, const char *want)
{
        char *s = attr(path);

        ck_assert_str_eq(s, want);
        free(s);
}

static const char *describe(const struct vgpu_vf_count *c, bool dry_run)
{
        static char buf[512];

        return vgpu_vf_count_describe(c, dry_run, buf, sizeof(buf));
}

START_TEST(as_configured_left_alone)
{
        use_root(testsuite_fake_root("nvme-sriov"));
        ck_assert_int_eq(check("{\"" NVME_PF "\": 2}"), 1);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_OK);
        ck_assert_int_eq(counts[0].current, 2);
        ck_assert_int_eq(counts[0].total, 4);
        ck_assert_str_eq(counts[0].driver, "nvme");
        ck_assert(!vgpu_vf_count_refused(counts[0].state));
        ck_assert_int_eq(vgpu_vf_count_apply(sim.root, &counts[0]), 0);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_OK);
        ck_assert_str_eq(describe(&counts[0], false), NVME_PF ": 2 VFs, as configured");
        ck_assert_int_eq(stores(), 0);
        /* a VM holding a VF does not matter when nothing is to change */
        testsuite_hold_group(sim.dir, 10, true);
        ck_assert_int_eq(check("{\"" NVME_PF "\": 2}"), 1);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_OK);
}
END_TEST

START_TEST(change_applied)
{
        use_root(testsuite_fake_root("nvme-sriov"));
        ck_assert_int_eq(check("{\"" NVME_PF "\": 3}"), 1);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_CHANGE);
        ck_assert(!vgpu_vf_count_refused(counts[0].state));
        ck_assert_str_eq(describe(&counts[0], true), NVME_PF ": would set 3 VFs (now 2)");
        ck_assert_str_eq(describe(&counts[0], false), NVME_PF ": to set 3 VFs (now 2)");
        ck_assert_int_eq(stores(), 0); /* checking writes nothing */
        ck_assert_int_eq(vgpu_vf_count_apply(sim.root, &counts[0]), 0);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_SET);
        ck_assert_str_eq(describe(&counts[0], false), NVME_PF ": set 3 VFs (was 2)");
        assert_attr("/sys/bus/pci/devices/" NVME_PF "/sriov_numvfs", "3");
        ck_assert(vgpu_root_exists(sim.root, "/sys/bus/pci/devices/0000:01:00.3/physfn"));
        /* checked again, the host has what is configured */
        ck_assert_int_eq(check("{\"" NVME_PF "\": 3}"), 1);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_OK);
        /* and down to none */
        ck_assert_int_eq(check("{\"" NVME_PF "\": 0}"), 1);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_CHANGE);
        ck_assert_int_eq(vgpu_vf_count_apply(sim.root, &counts[0]), 0);
        assert_attr("/sys/bus/pci/devices/" NVME_PF "/sriov_numvfs", "0");
        ck_assert(!vgpu_root_exists(sim.root, "/sys/bus/pci/devices/0000:01:00.1"));
}
END_TEST

/* Refusals found by the check: apply writes nothing for them. */
START_TEST(refused_by_the_check)
{
        char *before;

        use_root(testsuite_fake_root("nvme-sriov"));
        /* in address order, as the configuration sorts them */
        ck_assert_int_eq(check("{\"" NVME_PF "\": 5, \"0000:00:04.0\": 1, \"0000:02:00.0\": 1}"), 3);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_NOT_SRIOV);
        ck_assert_str_eq(describe(&counts[0], false),
                         "0000:00:04.0 is not an SR-IOV PF (no sriov_totalvfs); remove it from sriov_vfs in "
                         "/etc/vgpu-hook/vgpu-hook.conf");
        ck_assert_int_eq(counts[1].state, VGPU_VF_COUNT_TOO_MANY);
        ck_assert_int_eq(counts[1].total, 4);
        ck_assert_str_eq(describe(&counts[1], false),
                         NVME_PF ": 5 VFs configured, but the PF has at most 4 (sriov_totalvfs); lower sriov_vfs");
        ck_assert_int_eq(counts[2].state, VGPU_VF_COUNT_ABSENT);
        ck_assert_int_eq(counts[2].current, -1);
        ck_assert_str_eq(
                describe(&counts[2], false),
                "0000:02:00.0: no such PCI device on this host; fix sriov_vfs in /etc/vgpu-hook/vgpu-hook.conf");
        before = attr("/sys/bus/pci/devices/" NVME_PF "/sriov_numvfs");
        for (int i = 0; i < 3; i++) {
                enum vgpu_vf_count_state s = counts[i].state;

                ck_assert(vgpu_vf_count_refused(s));
                ck_assert_int_eq(vgpu_vf_count_apply(sim.root, &counts[i]), -EINVAL);
                ck_assert_int_eq(counts[i].state, s);
        }
        assert_attr("/sys/bus/pci/devices/" NVME_PF "/sriov_numvfs", before);
        free(before);
        ck_assert_int_eq(stores(), 0);
}
END_TEST

/* NVIDIA's sriov-manage owns these VFs: never touched, whatever the count. */
START_TEST(nvidia_never_touched)
{
        use_root(testsuite_fake_root("l4"));
        for (int n = 4; n <= 8; n += 4) {
                char cfg[64];

                snprintf(cfg, sizeof(cfg), "{\"0000:82:00.0\": %d}", n);
                ck_assert_int_eq(check(cfg), 1);
                ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_NVIDIA);
                ck_assert(vgpu_vf_count_refused(counts[0].state));
                ck_assert_int_eq(vgpu_vf_count_apply(sim.root, &counts[0]), -EINVAL);
        }
        ck_assert_ptr_nonnull(strstr(describe(&counts[0], false), "NVIDIA's sriov-manage"));
        assert_attr("/sys/bus/pci/devices/0000:82:00.0/sriov_numvfs", "4");
        ck_assert_int_eq(stores(), 0);
}
END_TEST

START_TEST(busy_vf_held_or_leased)
{
        struct vgpu_lease lease = {.state = VGPU_LEASE_ACTIVE, .kind = VGPU_DEVICE_VF, .created = false};
        struct vgpu_ledger *ledger = NULL;

        use_root(testsuite_fake_root("nvme-sriov"));
        /* a VM holds VF .1 */
        testsuite_hold_group(sim.dir, 10, true);
        ck_assert_int_eq(check("{\"" NVME_PF "\": 3}"), 1);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_BUSY);
        ck_assert_str_eq(counts[0].detail, "VF 0000:01:00.1 is held by a VM (IOMMU group 10 is open)");
        ck_assert_str_eq(describe(&counts[0], false),
                         NVME_PF ": VF 0000:01:00.1 is held by a VM (IOMMU group 10 is open); VF counts change only "
                                 "while no VF is in use: stop the VMs using them, then run 'vgpuctl sriov apply' "
                                 "again");
        ck_assert_int_eq(vgpu_vf_count_apply(sim.root, &counts[0]), -EINVAL);
        testsuite_hold_group(sim.dir, 10, false);
        /* a lease names VF .2 */
        memcpy(lease.domain_uuid, "5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a2b", VGPU_UUID_STRLEN);
        lease.domain_name = "web1";
        lease.device = "0000:01:00.2";
        lease.parent = NVME_PF;
        lease.since = (long long)time(NULL);
        ck_assert_int_eq(vgpu_ledger_lock(sim.root, 1000, &ledger, NULL), 0);
        ck_assert_ptr_nonnull(vgpu_ledger_add(ledger, &lease));
        ck_assert_int_eq(vgpu_ledger_commit(ledger), 0);
        vgpu_ledger_free(ledger);
        ck_assert_int_eq(vgpu_ledger_read(sim.root, &ledger, NULL), 0);
        ck_assert_int_eq(check_with("{\"" NVME_PF "\": 0}", ledger), 1);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_BUSY);
        ck_assert_str_eq(counts[0].detail, "VF 0000:01:00.2 is leased to domain web1 (active)");
        /* without the ledger, the same host may change */
        ck_assert_int_eq(check_with("{\"" NVME_PF "\": 0}", NULL), 1);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_CHANGE);
        vgpu_ledger_free(ledger);
        assert_attr("/sys/bus/pci/devices/" NVME_PF "/sriov_numvfs", "2");
        ck_assert_int_eq(stores(), 0);
}
END_TEST

/* A VM took a VF between the check and the store: the kernel's EBUSY makes it busy, nothing changed. */
START_TEST(busy_at_apply)
{
        use_root(testsuite_fake_root("nvme-sriov"));
        ck_assert_int_eq(check("{\"" NVME_PF "\": 3}"), 1);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_CHANGE);
        testsuite_hold_group(sim.dir, 10, true);
        ck_assert_int_eq(vgpu_vf_count_apply(sim.root, &counts[0]), -EBUSY);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_BUSY);
        ck_assert_int_eq(counts[0].error, -EBUSY);
        ck_assert_str_eq(counts[0].detail, "a VF is in use (the kernel said so)");
        assert_attr("/sys/bus/pci/devices/" NVME_PF "/sriov_numvfs", "2");
        ck_assert(vgpu_root_exists(sim.root, "/sys/bus/pci/devices/0000:01:00.1"));
        ck_assert_int_eq(stores(), 0);
}
END_TEST

START_TEST(odd_pfs_refused)
{
        use_root(testsuite_fake_root_text(odd_pfs));
        ck_assert_int_eq(check("{\"0000:05:00.0\": 2, \"0000:06:00.0\": 2, \"0000:07:00.0\": 2, \"0000:08:00.0\": 2}"),
                         4);
        /* no driver: the kernel cannot change its VFs */
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_NO_DRIVER);
        ck_assert_str_eq(counts[0].driver, "");
        ck_assert_str_eq(describe(&counts[0], false),
                         "0000:05:00.0: no driver is bound to the PF, so the kernel cannot set its VFs; load its "
                         "driver first");
        ck_assert_int_eq(vgpu_vf_count_apply(sim.root, &counts[0]), -EINVAL);
        /* the kernel refuses with EIO: failed, with its error */
        ck_assert_int_eq(counts[1].state, VGPU_VF_COUNT_CHANGE);
        ck_assert_int_eq(vgpu_vf_count_apply(sim.root, &counts[1]), -EIO);
        ck_assert_int_eq(counts[1].state, VGPU_VF_COUNT_FAILED);
        ck_assert_int_eq(counts[1].error, -EIO);
        ck_assert(vgpu_vf_count_refused(counts[1].state));
        ck_assert_str_eq(describe(&counts[1], false), "0000:06:00.0: cannot set 2 VFs: Input/output error");
        assert_attr("/sys/bus/pci/devices/0000:06:00.0/sriov_numvfs", "0");
        /* an mdev sits on a VF */
        ck_assert_int_eq(counts[2].state, VGPU_VF_COUNT_BUSY);
        ck_assert_str_eq(counts[2].detail, "VF 0000:07:00.1 is the parent of mdev " VF_MDEV);
        ck_assert_int_eq(vgpu_vf_count_apply(sim.root, &counts[2]), -EINVAL);
        assert_attr("/sys/bus/pci/devices/0000:07:00.0/sriov_numvfs", "1");
        /* a driver without sriov_configure, and no VF parameter to name */
        ck_assert_int_eq(counts[3].state, VGPU_VF_COUNT_CHANGE);
        ck_assert_int_eq(vgpu_vf_count_apply(sim.root, &counts[3]), -ENOENT);
        ck_assert_int_eq(counts[3].state, VGPU_VF_COUNT_MODULE_PARAM);
        ck_assert_ptr_nonnull(strstr(describe(&counts[3], false), "cannot set VFs through sriov_numvfs; set 2 VFs"));
}
END_TEST

/* AMD GIM: VFs by module parameter; the sentence names it and what to write. */
START_TEST(module_parameter_named)
{
        use_root(testsuite_fake_root("s7150"));
        ck_assert_int_eq(check("{\"0000:86:00.0\": 8}"), 1);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_CHANGE);
        ck_assert_int_eq(counts[0].current, 16);
        ck_assert_int_eq(vgpu_vf_count_apply(sim.root, &counts[0]), -ENOENT);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_MODULE_PARAM);
        ck_assert_str_eq(counts[0].detail, "gim vf_num");
        ck_assert_str_eq(describe(&counts[0], false),
                         "0000:86:00.0: its driver gim sets VFs by the module parameter vf_num, not sriov_numvfs; "
                         "put 'options gim vf_num=8' in /etc/modprobe.d/gim.conf and reload gim (or reboot)");
        assert_attr("/sys/bus/pci/devices/0000:86:00.0/sriov_numvfs", "16");
}
END_TEST

#define XE_PF "0000:03:00.0" /* bmg-xe: xe with sriov_admin, 0 of 12 VFs, VRAM */

/* xe: the VFs' profiles and VRAM under sriov_admin, then sriov_numvfs. */
START_TEST(xe_provisioned_then_enabled)
{
        use_root(testsuite_fake_root("bmg-xe"));
        ck_assert_int_eq(check("{\"" XE_PF "\": {\"vfs\": 2, \"exec_quantum_ms\": 25, \"sched_priority\": \"normal\", "
                               "\"vram_quota\": 4096}}"),
                         1);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_CHANGE);
        ck_assert(!counts[0].provision_only);
        ck_assert_str_eq(describe(&counts[0], true), XE_PF ": would provision and set 2 VFs (now 0)");
        ck_assert_int_eq(vgpu_vf_count_apply(sim.root, &counts[0]), 0);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_SET);
        ck_assert_str_eq(describe(&counts[0], false), XE_PF ": provisioned and set 2 VFs (was 0)");
        /* 2 VFs x (vram_quota, exec_quantum_ms), the priority once, sriov_numvfs */
        ck_assert_int_eq(stores(), 6);
        assert_attr("/sys/bus/pci/devices/" XE_PF "/sriov_admin/vf2/profile/exec_quantum_ms", "25");
        assert_attr("/sys/bus/pci/devices/" XE_PF "/sriov_admin/vf2/profile/vram_quota", "4096");
        assert_attr("/sys/bus/pci/devices/" XE_PF "/sriov_admin/vf1/profile/sched_priority", "low [normal]");
        assert_attr("/sys/bus/pci/devices/" XE_PF "/sriov_numvfs", "2");
        /* as configured now; a changed quantum is written live, the count stays */
        ck_assert_int_eq(check("{\"" XE_PF "\": {\"vfs\": 2, \"exec_quantum_ms\": 25}}"), 1);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_OK);
        ck_assert_int_eq(check("{\"" XE_PF "\": {\"vfs\": 2, \"exec_quantum_ms\": 30}}"), 1);
        ck_assert(counts[0].provision_only);
        ck_assert_int_eq(vgpu_vf_count_apply(sim.root, &counts[0]), 0);
        ck_assert_str_eq(describe(&counts[0], false), XE_PF ": provisioned the profiles of its 2 VFs");
        ck_assert_int_eq(stores(), 8);
}
END_TEST

/* Profile keys where there is no xe sriov_admin: refused before any store. */
START_TEST(xe_profile_without_admin)
{
        use_root(testsuite_fake_root("nvme-sriov"));
        ck_assert_int_eq(check("{\"" NVME_PF "\": {\"vfs\": 3, \"preempt_timeout_us\": 5}}"), 1);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_NO_ADMIN);
        ck_assert_str_eq(describe(&counts[0], false),
                         NVME_PF ": sriov_vfs sets VF profiles, but its driver is nvme, not xe; remove them from "
                                 "sriov_vfs in /etc/vgpu-hook/vgpu-hook.conf");
        ck_assert_int_eq(vgpu_vf_count_apply(sim.root, &counts[0]), -EINVAL);
        ck_assert_int_eq(stores(), 0);
}
END_TEST

/* AMD: the compute partition mode's limit, or sriov_totalvfs where the mode is unknown. */
START_TEST(amd_partition_limit)
{
        use_root(testsuite_fake_root("mi300x"));
        ck_assert_int_eq(check("{\"0000:05:00.0\": 3}"), 1);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_PARTITION);
        ck_assert_int_eq(counts[0].partition_limit, 2);
        ck_assert_str_eq(describe(&counts[0], false),
                         "0000:05:00.0: 3 VFs configured, but its compute partition mode DPX allows at most 2; lower "
                         "sriov_vfs or change the partition mode");
        ck_assert_int_eq(check("{\"0000:05:00.0\": 2}"), 1);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_CHANGE);
        ck_assert_str_eq(counts[0].partition, "DPX");
        teardown();
        use_root(testsuite_fake_root("v710"));
        ck_assert_int_eq(check("{\"0000:c3:00.0\": 12}"), 1);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_CHANGE);
        ck_assert_int_eq(counts[0].partition_limit, 0);
        ck_assert_int_eq(check("{\"0000:c3:00.0\": 13}"), 1);
        ck_assert_int_eq(counts[0].state, VGPU_VF_COUNT_TOO_MANY);
        ck_assert_ptr_nonnull(strstr(describe(&counts[0], false), "as its partition mode cannot be read here"));
        ck_assert_int_eq(stores(), 0);
}
END_TEST

START_TEST(none_configured)
{
        use_root(testsuite_fake_root("nvme-sriov"));
        ck_assert_int_eq(check("{}"), 0);
        ck_assert_ptr_nonnull(counts);
}
END_TEST

START_TEST(state_names)
{
        static const char *const names[] = {
                "ok",        "change", "set",          "absent", "not-sriov", "nvidia",         "too-many",
                "no-driver", "busy",   "module-param", "failed", "partition", "no-sriov-admin", "provision-failed"};

        for (int s = VGPU_VF_COUNT_OK; s <= VGPU_VF_COUNT_PROVISION_FAILED; s++) {
                ck_assert_str_eq(vgpu_vf_count_state_name((enum vgpu_vf_count_state)s), names[s]);
                ck_assert(vgpu_vf_count_refused((enum vgpu_vf_count_state)s) == (s > VGPU_VF_COUNT_SET));
        }
        ck_assert_str_eq(vgpu_vf_count_state_name((enum vgpu_vf_count_state)99), "?");
}
END_TEST

static Suite *vf_counts_suite(void)
{
        Suite *s = suite_create("vf-counts");
        TCase *tc = tcase_create("vf-counts");

        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_test(tc, as_configured_left_alone);
        tcase_add_test(tc, change_applied);
        tcase_add_test(tc, refused_by_the_check);
        tcase_add_test(tc, nvidia_never_touched);
        tcase_add_test(tc, busy_vf_held_or_leased);
        tcase_add_test(tc, busy_at_apply);
        tcase_add_test(tc, odd_pfs_refused);
        tcase_add_test(tc, module_parameter_named);
        tcase_add_test(tc, xe_provisioned_then_enabled);
        tcase_add_test(tc, xe_profile_without_admin);
        tcase_add_test(tc, amd_partition_limit);
        tcase_add_test(tc, none_configured);
        tcase_add_test(tc, state_names);
        suite_add_tcase(s, tc);
        return s;
}

int main(int argc, char *argv[])
{
        (void)argc;
        testsuite_preload_kshim(argv);
        return testsuite_run(vf_counts_suite());
}
