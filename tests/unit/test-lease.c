/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The lease transactions of src/lib/ledger: claim (reserve → apply →
 * commit, or roll back) and release (mark → free → drop), through the real
 * functions on simulated hosts whose kernel answers come from the kshim
 * emulation (LD_PRELOAD).  The store log shows what reached "the kernel".
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fakehost.h"
#include "testsuite.h"

#define DOM       "5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a2b"
#define OTHER     "7f2e3d4c-5b6a-4798-8a9b-0c1d2e3f4a5b"
#define NEW_UUID  "0b5e7a52-1c3d-4e5f-8a9b-0c1d2e3f4a5b"
#define NEW_UUID2 "0b5e7a52-1c3d-4e5f-8a9b-0c1d2e3f4a5c"
#define MDPY_UUID "6a7e1c2d-0000-4000-8000-000000000002" /* samples: on mdpy, IOMMU group 8 */
#define WAIT_MS   1000

static const struct vgpu_proc_id self = {4242, 1000};
static struct testsuite_host sim;
static struct vgpu_root *root;

static void use_preset(const char *preset)
{
        testsuite_host_open(&sim, testsuite_fake_root(preset));
        root = sim.root;
}

static void teardown(void)
{
        testsuite_host_close(&sim);
        root = NULL;
}

static int stores(void)
{
        return testsuite_host_stores(&sim);
}

/* A VM holds IOMMU group @group (or lets go of it): the busy probe sees it. */
static void hold_group(int group, bool held)
{
        testsuite_hold_group(sim.dir, group, held);
}

/* How many leases the ledger holds on disk now. */
static size_t lease_count(void)
{
        struct vgpu_ledger *l = NULL;
        size_t n;

        ck_assert_int_eq(vgpu_ledger_read(root, &l, NULL), 0);
        n = l->n_leases;
        vgpu_ledger_free(l);
        return n;
}

static bool exists(const char *path)
{
        return vgpu_root_exists(root, path);
}

static char *vgpu_type_of(const char *vf)
{
        char path[128], *s = NULL;

        snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/nvidia/current_vgpu_type", vf);
        ck_assert_int_ge(vgpu_root_read_attr(root, path, &s), 0);
        return s;
}

static struct vgpu_lease lease_of(const char *domain, enum vgpu_device_kind kind, const char *device,
                                  enum vgpu_lease_state state)
{
        struct vgpu_lease l = {.state = state, .kind = kind, .created = true, .hook = self};

        memcpy(l.domain_uuid, domain, sizeof(l.domain_uuid));
        l.domain_name = "web1";
        l.device = (char *)device;
        l.since = (long long)time(NULL);
        return l;
}

/* The ledger as it is on disk now. */
static struct vgpu_ledger *ledger_now(void)
{
        struct vgpu_ledger *l = NULL;

        ck_assert_int_eq(vgpu_ledger_read(root, &l, NULL), 0);
        return l;
}

/* Reserve @claim on a freshly locked ledger. */
static int reserve(struct vgpu_claim *claim)
{
        struct vgpu_ledger *l = NULL;
        int r;

        ck_assert_int_eq(vgpu_ledger_lock(root, WAIT_MS, &l, NULL), 0);
        r = vgpu_claim_reserve(claim, l);
        vgpu_ledger_free(l);
        return r;
}

/* Apply: mdevs are created on the parent and type their lease names; a VF gets its lease's type. */
static int make(void *data, size_t i, struct vgpu_claim_device *d)
{
        const size_t *fail_at = data;
        struct vgpu_pci_addr a;

        if (fail_at && i == *fail_at)
                return -ENOSPC;
        if (d->lease.kind == VGPU_DEVICE_MDEV)
                return vgpu_mdev_create(root, d->lease.parent, d->lease.type, d->lease.device, NULL, 0, NULL);
        ck_assert_int_eq(vgpu_pci_addr_parse(d->lease.device, &a), 0);
        return vgpu_nvidia_set_type(root, &a, d->lease.type, NULL);
}

static struct vgpu_claim_device *claim_mdev(struct vgpu_claim *claim, const char *uuid, const char *parent,
                                            const char *type)
{
        struct vgpu_lease l = lease_of(DOM, VGPU_DEVICE_MDEV, uuid, VGPU_LEASE_PENDING);

        l.parent = (char *)parent;
        l.type = (char *)type;
        return vgpu_claim_add(claim, &l);
}

START_TEST(claim_commits)
{
        struct vgpu_claim *claim;
        struct vgpu_ledger *l;
        const struct vgpu_lease *x;

        use_preset("samples");
        claim = vgpu_claim_new(root, WAIT_MS);
        ck_assert_ptr_nonnull(claim_mdev(claim, NEW_UUID, "mtty", "mtty-2"));
        ck_assert_int_eq(reserve(claim), 0);
        l = ledger_now();
        x = vgpu_ledger_find(l, VGPU_DEVICE_MDEV, NEW_UUID);
        ck_assert_ptr_nonnull(x);
        ck_assert_int_eq(x->state, VGPU_LEASE_PENDING);
        vgpu_ledger_free(l);
        ck_assert_int_eq(vgpu_claim_apply(claim, make, NULL), 0);
        ck_assert(claim->devices[0].made);
        ck_assert(exists("/sys/bus/mdev/devices/" NEW_UUID));
        ck_assert_int_eq(vgpu_claim_commit(claim, VGPU_LEASE_ACTIVE, 777), 0);
        l = ledger_now();
        x = vgpu_ledger_find(l, VGPU_DEVICE_MDEV, NEW_UUID);
        ck_assert_int_eq(x->state, VGPU_LEASE_ACTIVE);
        ck_assert_int_eq(x->qemu_pid, 777);
        ck_assert_str_eq(x->parent, "mtty");
        ck_assert_str_eq(x->type, "mtty-2");
        vgpu_ledger_free(l);
        vgpu_claim_free(claim);
}
END_TEST

START_TEST(claim_rolls_back_a_failed_apply)
{
        struct vgpu_claim *claim;
        size_t fail_at = 1;

        use_preset("samples");
        claim = vgpu_claim_new(root, WAIT_MS);
        claim_mdev(claim, NEW_UUID, "mtty", "mtty-2");
        claim_mdev(claim, NEW_UUID2, "mtty", "mtty-2");
        ck_assert_int_eq(reserve(claim), 0);
        ck_assert_int_eq(vgpu_claim_apply(claim, make, &fail_at), -ENOSPC);
        ck_assert(exists("/sys/bus/mdev/devices/" NEW_UUID));
        ck_assert_int_eq(vgpu_claim_rollback(claim), 0);
        /* the first mdev was made and is removed again; no lease is left */
        ck_assert(!exists("/sys/bus/mdev/devices/" NEW_UUID));
        ck_assert(!exists("/sys/bus/mdev/devices/" NEW_UUID2));
        ck_assert_int_eq(claim->devices[0].result, 0);
        ck_assert_int_eq(stores(), 2); /* create, remove */
        ck_assert_uint_eq(lease_count(), 0);
        vgpu_claim_free(claim);
}
END_TEST

START_TEST(claim_rollback_keeps_a_held_vf_releasing)
{
        struct vgpu_lease vf = lease_of(DOM, VGPU_DEVICE_VF, "0000:82:00.5", VGPU_LEASE_PENDING);
        struct vgpu_claim *claim;
        struct vgpu_ledger *l;
        const struct vgpu_lease *x;
        struct vgpu_pci_addr addr52;
        char *type;
        size_t fail_at = 1;
        int n;

        use_preset("l4");
        ck_assert_int_eq(vgpu_pci_addr_parse("0000:82:00.5", &addr52), 0);
        claim = vgpu_claim_new(root, WAIT_MS);
        vf.type = "NVIDIA L4-4Q";
        vgpu_claim_add(claim, &vf);
        vf.device = "0000:82:00.6";
        vgpu_claim_add(claim, &vf);
        ck_assert_int_eq(reserve(claim), 0);
        ck_assert_int_eq(vgpu_claim_apply(claim, make, &fail_at), -ENOSPC);
        type = vgpu_type_of("0000:82:00.5");
        ck_assert_str_eq(type, "941");
        free(type);
        /* a VM opened the VF meanwhile: its type must stay, and so must its lease */
        ck_assert_int_eq(vgpu_pci_bind_vfio(root, &addr52), 0);
        hold_group(52, true);
        n = stores();
        ck_assert_int_eq(vgpu_claim_rollback(claim), 0);
        ck_assert_int_eq(claim->devices[0].result, -EBUSY);
        ck_assert_int_eq(stores(), n); /* no clearing store */
        type = vgpu_type_of("0000:82:00.5");
        ck_assert_str_eq(type, "941");
        free(type);
        l = ledger_now();
        ck_assert_uint_eq(l->n_leases, 1);
        x = vgpu_ledger_find(l, VGPU_DEVICE_VF, "0000:82:00.5");
        ck_assert_ptr_nonnull(x);
        ck_assert_int_eq(x->state, VGPU_LEASE_RELEASING);
        vgpu_ledger_free(l);
        vgpu_claim_free(claim);
}
END_TEST

START_TEST(claim_refuses_a_live_lease)
{
        struct vgpu_lease theirs = lease_of(OTHER, VGPU_DEVICE_MDEV, NEW_UUID, VGPU_LEASE_PENDING);
        struct vgpu_claim *claim;
        struct vgpu_ledger *l = NULL;

        use_preset("samples");
        ck_assert_int_eq(vgpu_ledger_lock(root, WAIT_MS, &l, NULL), 0);
        vgpu_ledger_add(l, &theirs);
        ck_assert_int_eq(vgpu_ledger_commit(l), 0);
        vgpu_ledger_free(l);
        claim = vgpu_claim_new(root, WAIT_MS);
        claim_mdev(claim, NEW_UUID2, "mtty", "mtty-2");
        claim_mdev(claim, NEW_UUID, "mtty", "mtty-2");
        /* another domain reserved it moments ago: nothing changes */
        ck_assert_int_eq(reserve(claim), -EBUSY);
        l = ledger_now();
        ck_assert_uint_eq(l->n_leases, 1);
        ck_assert_str_eq(vgpu_ledger_find(l, VGPU_DEVICE_MDEV, NEW_UUID)->domain_uuid, OTHER);
        vgpu_ledger_free(l);
        vgpu_claim_free(claim);
        /* long ago, and no QEMU runs for it: stale, taken over */
        theirs.since = 1000;
        ck_assert_int_eq(vgpu_ledger_lock(root, WAIT_MS, &l, NULL), 0);
        vgpu_ledger_drop(l, vgpu_ledger_find_mut(l, VGPU_DEVICE_MDEV, NEW_UUID));
        vgpu_ledger_add(l, &theirs);
        ck_assert_int_eq(vgpu_ledger_commit(l), 0);
        vgpu_ledger_free(l);
        claim = vgpu_claim_new(root, WAIT_MS);
        claim_mdev(claim, NEW_UUID, "mtty", "mtty-2");
        ck_assert_int_eq(reserve(claim), 0);
        l = ledger_now();
        ck_assert_uint_eq(l->n_leases, 1);
        ck_assert_str_eq(vgpu_ledger_find(l, VGPU_DEVICE_MDEV, NEW_UUID)->domain_uuid, DOM);
        vgpu_ledger_free(l);
        vgpu_claim_free(claim);
}
END_TEST

/* Lease @device (there already, made by us) to DOM, prepared, through a claim. */
static void leased(enum vgpu_device_kind kind, const char *device)
{
        struct vgpu_lease x = lease_of(DOM, kind, device, VGPU_LEASE_PREPARED);
        struct vgpu_claim *claim = vgpu_claim_new(root, WAIT_MS);

        ck_assert_ptr_nonnull(vgpu_claim_add(claim, &x));
        ck_assert_int_eq(reserve(claim), 0);
        ck_assert_int_eq(vgpu_claim_apply(claim, make, NULL), 0);
        ck_assert_int_eq(vgpu_claim_commit(claim, VGPU_LEASE_PREPARED, 0), 0);
        vgpu_claim_free(claim);
}

static struct vgpu_release *release_dom(void)
{
        struct vgpu_release *rel = vgpu_release_new(root, WAIT_MS, 0, &self);

        ck_assert_int_eq(vgpu_release_domain(rel, DOM, VGPU_DEVICE_MDEV, NULL, NULL), 0);
        return rel;
}

static enum vgpu_lease_state state_of(enum vgpu_device_kind kind, const char *device)
{
        struct vgpu_ledger *l = ledger_now();
        const struct vgpu_lease *x = vgpu_ledger_find(l, kind, device);
        enum vgpu_lease_state s;

        ck_assert_ptr_nonnull(x);
        s = x->state;
        ck_assert(x->hook.pid == self.pid && x->hook.start == self.start);
        vgpu_ledger_free(l);
        return s;
}

START_TEST(release_that_cannot_free_stays_releasing)
{
        struct vgpu_release *rel;

        use_preset("samples");
        leased(VGPU_DEVICE_MDEV, MDPY_UUID);
        hold_group(8, true);
        rel = release_dom();
        ck_assert_uint_eq(rel->n, 1);
        ck_assert(rel->devices[0].free);
        ck_assert_int_eq(rel->devices[0].result, -EBUSY);
        vgpu_release_free(rel);
        ck_assert(exists("/sys/bus/mdev/devices/" MDPY_UUID));
        ck_assert_int_eq(state_of(VGPU_DEVICE_MDEV, MDPY_UUID), VGPU_LEASE_RELEASING);
        ck_assert_int_eq(stores(), 0);
        /* the VM let go: the next release finishes */
        hold_group(8, false);
        rel = release_dom();
        ck_assert_int_eq(rel->devices[0].result, 0);
        vgpu_release_free(rel);
        ck_assert(!exists("/sys/bus/mdev/devices/" MDPY_UUID));
        ck_assert_uint_eq(lease_count(), 0);
}
END_TEST

START_TEST(release_keeps_the_type_of_a_held_vf)
{
        struct vgpu_release *rel;
        char *type;

        use_preset("l4");
        leased(VGPU_DEVICE_VF, "0000:82:00.4"); /* typed L4-4Q already, in IOMMU group 51 */
        hold_group(51, true);
        rel = release_dom();
        ck_assert_uint_eq(rel->n, 1);
        ck_assert_int_eq(rel->devices[0].result, -EBUSY);
        vgpu_release_free(rel);
        ck_assert_int_eq(stores(), 0);
        type = vgpu_type_of("0000:82:00.4");
        ck_assert_str_eq(type, "941");
        free(type);
        ck_assert_int_eq(state_of(VGPU_DEVICE_VF, "0000:82:00.4"), VGPU_LEASE_RELEASING);
        hold_group(51, false);
        rel = release_dom();
        ck_assert_int_eq(rel->devices[0].result, 0);
        vgpu_release_free(rel);
        type = vgpu_type_of("0000:82:00.4");
        ck_assert_str_eq(type, "0");
        free(type);
}
END_TEST

START_TEST(release_drops_only_its_own_marks)
{
        struct vgpu_release *rel = NULL;
        struct vgpu_ledger *l = NULL;
        struct vgpu_lease *x;

        use_preset("samples");
        leased(VGPU_DEVICE_MDEV, MDPY_UUID);
        rel = vgpu_release_new(root, WAIT_MS, 0, &self);
        ck_assert_int_eq(vgpu_ledger_lock(root, WAIT_MS, &l, NULL), 0);
        x = vgpu_ledger_find_own(l, VGPU_DEVICE_MDEV, MDPY_UUID, DOM);
        ck_assert_int_eq(vgpu_release_mark(rel, l, x, true), 0);
        ck_assert_int_eq(x->state, VGPU_LEASE_RELEASING);
        ck_assert_int_eq(vgpu_ledger_commit(l), 0);
        vgpu_ledger_free(l);
        vgpu_release_free_devices(rel);
        ck_assert_int_eq(rel->devices[0].result, 0);
        /* meanwhile another process took the lease over */
        ck_assert_int_eq(vgpu_ledger_lock(root, WAIT_MS, &l, NULL), 0);
        vgpu_ledger_find_mut(l, VGPU_DEVICE_MDEV, MDPY_UUID)->hook.pid = 4343;
        ck_assert_int_eq(vgpu_ledger_commit(l), 0);
        vgpu_ledger_free(l);
        ck_assert_int_eq(vgpu_release_drop(rel, NULL), 0);
        vgpu_release_free(rel);
        ck_assert_uint_eq(lease_count(), 1);
}
END_TEST

START_TEST(release_of_one_device)
{
        struct vgpu_release *rel;
        struct vgpu_lease other = lease_of(DOM, VGPU_DEVICE_PCI, "0000:82:00.7", VGPU_LEASE_PREPARED);
        struct vgpu_ledger *l = NULL;

        use_preset("l4");
        leased(VGPU_DEVICE_VF, "0000:82:00.4");
        ck_assert_int_eq(vgpu_ledger_lock(root, WAIT_MS, &l, NULL), 0);
        vgpu_ledger_add(l, &other);
        ck_assert_int_eq(vgpu_ledger_commit(l), 0);
        vgpu_ledger_free(l);
        rel = vgpu_release_new(root, WAIT_MS, 0, &self);
        /* spelled otherwise, the address names the same VF */
        ck_assert_int_eq(vgpu_release_domain(rel, DOM, VGPU_DEVICE_VF, "00000:82:00.4", NULL), 0);
        ck_assert_uint_eq(rel->n, 1);
        ck_assert_str_eq(rel->devices[0].device, "0000:82:00.4");
        vgpu_release_free(rel);
        l = ledger_now();
        ck_assert_uint_eq(l->n_leases, 1);
        ck_assert_ptr_nonnull(vgpu_ledger_find(l, VGPU_DEVICE_PCI, "0000:82:00.7"));
        vgpu_ledger_free(l);
}
END_TEST

static Suite *lease_suite(void)
{
        Suite *s = suite_create("lease transactions");
        TCase *claim = tcase_create("claim"), *release = tcase_create("release");

        tcase_add_checked_fixture(claim, NULL, teardown);
        tcase_add_test(claim, claim_commits);
        tcase_add_test(claim, claim_rolls_back_a_failed_apply);
        tcase_add_test(claim, claim_rollback_keeps_a_held_vf_releasing);
        tcase_add_test(claim, claim_refuses_a_live_lease);
        suite_add_tcase(s, claim);
        tcase_add_checked_fixture(release, NULL, teardown);
        tcase_add_test(release, release_that_cannot_free_stays_releasing);
        tcase_add_test(release, release_keeps_the_type_of_a_held_vf);
        tcase_add_test(release, release_drops_only_its_own_marks);
        tcase_add_test(release, release_of_one_device);
        suite_add_tcase(s, release);
        return s;
}

int main(int argc, char *argv[])
{
        (void)argc;
        testsuite_preload_kshim(argv);
        return testsuite_run(lease_suite());
}
