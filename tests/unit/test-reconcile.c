/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reconcile (ledger/reconcile.c) through vgpu_reconcile() on simulated hosts
 * whose kernel answers come from the kshim emulation: which leases it frees
 * (a stale lease whose mdev we created: removed; a device that is gone: the
 * lease dropped), which it keeps (in use, in progress, within the grace, the
 * caller's own domain), that a dry run writes nothing, and that a VF a VM
 * holds keeps its vGPU type.  Asserted on the result, the ledger and the
 * host tree afterwards; the kshim's store log shows what reached "the kernel".
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testsuite.h"

#define DOM1 "5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a2b"
#define DOM2 "77aa2c3b-4a59-4687-9a8b-7c6d5e4f3a2c"
#define DOM3 "88bb2c3b-4a59-4687-9a8b-7c6d5e4f3a2d"
/* The samples preset's mdevs: mtty-2 on mtty (group 7), mdpy-vga on mdpy (group 8). */
#define MTTY_MDEV "6a7e1c2d-0000-4000-8000-000000000001"
#define MDPY_MDEV "6a7e1c2d-0000-4000-8000-000000000002"
#define GONE_MDEV "0b5e7a52-1c3d-4e5f-8a9b-0c1d2e3f4a5b"
/* The l4 preset's VF with NVIDIA type 941 (L4-4Q), IOMMU group 51. */
#define TYPED_VF "0000:82:00.4"

#define GRACE_S 600
#define HOOK    4242 /* the pid of the (dead, unless a test starts it) hook of every lease */

static struct testsuite_host sim;
static const struct vgpu_proc_id self = {31337, 77}; /* this reconcile, in no /proc */

static void use_preset(const char *preset)
{
        testsuite_host_open(&sim, testsuite_fake_root(preset));
}

static void teardown(void)
{
        testsuite_host_close(&sim);
}

static int stores(void)
{
        return testsuite_host_stores(&sim);
}

/* A lease of @dom on mdev @device (parent mtty, type mtty-2), in @state since @age seconds. */
static struct vgpu_lease mdev_lease(const char *dom, const char *device, enum vgpu_lease_state state, long long age)
{
        struct vgpu_lease l = {.state = state, .kind = VGPU_DEVICE_MDEV, .created = true};

        memcpy(l.domain_uuid, dom, sizeof(l.domain_uuid));
        l.domain_name = "web1";
        l.device = (char *)device;
        l.parent = "mtty";
        l.type = "mtty-2";
        l.hook = (struct vgpu_proc_id){HOOK, 1000};
        l.since = (long long)time(NULL) - age;
        return l;
}

/* A lease of @dom on the typed VF of the l4 preset. */
static struct vgpu_lease vf_lease(const char *dom, enum vgpu_lease_state state, long long age)
{
        struct vgpu_lease l = mdev_lease(dom, TYPED_VF, state, age);

        l.kind = VGPU_DEVICE_VF;
        l.parent = "0000:82:00.0";
        l.type = "NVIDIA L4-4Q";
        return l;
}

static void add_leases(const struct vgpu_lease *leases, size_t n)
{
        struct vgpu_ledger *l = NULL;

        ck_assert_int_eq(vgpu_ledger_lock(sim.root, 1000, &l, NULL), 0);
        for (size_t i = 0; i < n; i++)
                ck_assert_ptr_nonnull(vgpu_ledger_add(l, &leases[i]));
        ck_assert_int_eq(vgpu_ledger_commit(l), 0);
        vgpu_ledger_free(l);
}

static struct vgpu_reconcile *reconcile(bool dry_run, const char *skip_domain)
{
        struct vgpu_reconcile_opts o = {
                .wait_ms = 1000, .grace_s = GRACE_S, .dry_run = dry_run, .skip_domain = skip_domain, .self = self};
        struct vgpu_reconcile *rc = NULL;
        struct vgpu_error err = {0};

        ck_assert_msg(vgpu_reconcile(sim.root, &o, &rc, &err) == 0, "reconcile: %s", err.text);
        ck_assert_ptr_nonnull(rc);
        return rc;
}

/* The ledger's leases as they are on disk now (vgpu_ledger_free()). */
static struct vgpu_ledger *ledger_now(void)
{
        struct vgpu_ledger *l = NULL;

        ck_assert_int_eq(vgpu_ledger_read(sim.root, &l, NULL), 0);
        return l;
}

static size_t leases_now(void)
{
        struct vgpu_ledger *l = ledger_now();
        size_t n = l->n_leases;

        vgpu_ledger_free(l);
        return n;
}

static bool mdev_exists(const char *uuid)
{
        char path[128];

        snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s", uuid);
        return vgpu_root_exists(sim.root, path);
}

/* The bytes of @rel below the host's tree, or NULL when missing (free()). */
static char *slurp(const char *rel)
{
        char path[4096], *text = NULL;
        size_t size = 0;
        FILE *f, *out;
        int c;

        snprintf(path, sizeof(path), "%s/%s", sim.dir, rel);
        f = fopen(path, "r");
        if (!f)
                return NULL;
        out = open_memstream(&text, &size);
        while ((c = fgetc(f)) != EOF)
                fputc(c, out);
        fclose(f);
        fclose(out);
        return text;
}

static char *vf_type(void)
{
        char *s = NULL;

        ck_assert_int_ge(
                vgpu_root_read_attr(sim.root, "/sys/bus/pci/devices/" TYPED_VF "/nvidia/current_vgpu_type", &s), 0);
        return s;
}

/* One action's verb, result and reason. */
#define assert_action(a, verb_, result_, reason_)        \
        do {                                             \
                ck_assert_int_eq((a).verb, verb_);       \
                ck_assert_int_eq((a).result, result_);   \
                ck_assert_str_eq((a).reason, (reason_)); \
        } while (0)

/* The samples' two mdevs there or not, the stores so far and the leases left. */
#define assert_left(mtty, mdpy, n_stores, n_leases)          \
        do {                                                 \
                ck_assert(mdev_exists(MTTY_MDEV) == (mtty)); \
                ck_assert(mdev_exists(MDPY_MDEV) == (mdpy)); \
                ck_assert_int_eq(stores(), (n_stores));      \
                ck_assert_uint_eq(leases_now(), (n_leases)); \
        } while (0)

static const char *describe(const struct vgpu_reconcile_action *a, bool dry_run)
{
        static char buf[1024];

        return vgpu_reconcile_describe(a, dry_run, buf, sizeof(buf));
}

START_TEST(stale_created_mdev_removed)
{
        struct vgpu_lease l = mdev_lease(DOM1, MTTY_MDEV, VGPU_LEASE_PREPARED, GRACE_S + 60);
        struct vgpu_reconcile *rc;

        use_preset("samples");
        add_leases(&l, 1);
        rc = reconcile(false, NULL);
        ck_assert_uint_eq(rc->n_actions, 1);
        ck_assert_uint_eq(rc->n_kept, 0);
        assert_action(rc->actions[0], VGPU_RECONCILE_REMOVE, 0, "stale: no QEMU started within the start grace");
        ck_assert_int_eq(rc->actions[0].state, VGPU_LEASE_PREPARED);
        ck_assert_str_eq(rc->actions[0].domain_uuid, DOM1);
        ck_assert_str_eq(rc->actions[0].device, MTTY_MDEV);
        ck_assert_str_eq(describe(&rc->actions[0], false),
                         "removed mdev " MTTY_MDEV " (mtty-2 on mtty) of domain web1 (" DOM1
                         ") and dropped its lease: stale: no QEMU started within the start grace");
        vgpu_reconcile_free(rc);
        /* the mdev is gone (one store: its remove), and so is the lease */
        assert_left(false, true, 1, 0);
}
END_TEST

/* Whatever the reason, a lease whose hook died is freed; its verb depends on the device. */
START_TEST(reasons_to_free)
{
        struct vgpu_lease l[] = {
                mdev_lease(DOM1, MTTY_MDEV, VGPU_LEASE_RELEASING, 0), /* release cut short */
                mdev_lease(DOM2, GONE_MDEV, VGPU_LEASE_ACTIVE, 0),    /* its device is gone */
                mdev_lease(DOM3, MDPY_MDEV, VGPU_LEASE_ACTIVE, 0),    /* QEMU gone, device not ours */
        };
        struct vgpu_reconcile *rc;

        use_preset("samples");
        l[1].qemu_pid = 600;
        l[2].qemu_pid = 601;
        l[2].created = false;
        l[2].parent = "mdpy";
        l[2].type = "mdpy-vga";
        add_leases(l, 3);
        rc = reconcile(false, NULL);
        ck_assert_uint_eq(rc->n_actions, 3);
        ck_assert_uint_eq(rc->n_kept, 0);
        assert_action(rc->actions[0], VGPU_RECONCILE_REMOVE, 0, "its release did not finish");
        assert_action(rc->actions[1], VGPU_RECONCILE_DROP, 0, "its device is gone");
        assert_action(rc->actions[2], VGPU_RECONCILE_DROP, 0, "stale: its QEMU is gone");
        ck_assert_str_eq(describe(&rc->actions[2], false),
                         "dropped the lease of domain web1 (" DOM3 ") on mdev " MDPY_MDEV
                         " (mdpy-vga on mdpy), device left as it is: stale: its QEMU is gone");
        vgpu_reconcile_free(rc);
        /* only the device we created went; a device not ours stays */
        assert_left(false, true, 1, 0);
}
END_TEST

/* A UUID that now names another parent's or type's mdev is another tool's device: dropped, never removed. */
START_TEST(reused_uuid_not_removed)
{
        struct vgpu_lease l[] = {
                mdev_lease(DOM1, MTTY_MDEV, VGPU_LEASE_PREPARED, GRACE_S + 60),
                mdev_lease(DOM2, MDPY_MDEV, VGPU_LEASE_PREPARED, GRACE_S + 60),
        };
        struct vgpu_reconcile *rc;

        use_preset("samples");
        l[0].parent = "mdpy"; /* the mdev is on mtty */
        l[1].parent = "mdpy";
        l[1].type = "mdpy-xga"; /* it is mdpy-vga */
        add_leases(l, 2);
        rc = reconcile(false, NULL);
        ck_assert_uint_eq(rc->n_actions, 2);
        assert_action(rc->actions[0], VGPU_RECONCILE_DROP, 0, "stale: no QEMU started within the start grace");
        assert_action(rc->actions[1], VGPU_RECONCILE_DROP, 0, "stale: no QEMU started within the start grace");
        vgpu_reconcile_free(rc);
        assert_left(true, true, 0, 0);
}
END_TEST

START_TEST(in_use_in_progress_or_young_kept)
{
        static const char qemu[] = "qemu-system-x86_64\0-uuid\0" DOM2 "\0";
        struct vgpu_lease l[] = {
                mdev_lease(DOM1, MTTY_MDEV, VGPU_LEASE_PREPARED, GRACE_S + 60), /* its hook still runs */
                mdev_lease(DOM2, MDPY_MDEV, VGPU_LEASE_ACTIVE, GRACE_S + 60),   /* its QEMU runs */
                mdev_lease(DOM3, GONE_MDEV, VGPU_LEASE_PENDING, 10),            /* within the grace */
        };
        struct vgpu_reconcile *rc;
        char *before, *after;

        use_preset("samples");
        l[0].hook = (struct vgpu_proc_id){HOOK + 1, 1000};
        testsuite_fake_proc(sim.dir, HOOK + 1, 1000, "vgpu-hook", 10);
        l[1].qemu_pid = 700;
        testsuite_fake_proc(sim.dir, 700, 5, qemu, sizeof(qemu));
        add_leases(l, 3);
        before = slurp("run/vgpu-hook/ledger.json");
        rc = reconcile(false, NULL);
        ck_assert_uint_eq(rc->n_actions, 0);
        ck_assert_uint_eq(rc->n_kept, 3);
        vgpu_reconcile_free(rc);
        after = slurp("run/vgpu-hook/ledger.json");
        ck_assert_str_eq(after, before);
        free(before);
        free(after);
        ck_assert(mdev_exists(MTTY_MDEV));
        ck_assert(mdev_exists(MDPY_MDEV));
        ck_assert_int_eq(stores(), 0);
}
END_TEST

/* A hook that died before libvirtd restarted: no need to wait for the grace. */
START_TEST(libvirtd_restarted)
{
        struct vgpu_lease l = mdev_lease(DOM1, MTTY_MDEV, VGPU_LEASE_PREPARED, 10);
        struct vgpu_reconcile *rc;

        use_preset("samples");
        l.libvirtd = (struct vgpu_proc_id){100, 50};
        testsuite_fake_proc(sim.dir, 100, 50, "libvirtd", 9);
        add_leases(&l, 1);
        rc = reconcile(false, NULL);
        ck_assert_uint_eq(rc->n_actions, 0); /* the same libvirtd: within the grace */
        ck_assert_uint_eq(rc->n_kept, 1);
        vgpu_reconcile_free(rc);
        testsuite_fake_proc(sim.dir, 100, 51, "libvirtd", 9); /* a new libvirtd under the same pid */
        rc = reconcile(false, NULL);
        ck_assert_uint_eq(rc->n_actions, 1);
        assert_action(rc->actions[0], VGPU_RECONCILE_REMOVE, 0, "stale: its hook died and libvirtd restarted since");
        vgpu_reconcile_free(rc);
        ck_assert(!mdev_exists(MTTY_MDEV));
        ck_assert_uint_eq(leases_now(), 0);
}
END_TEST

START_TEST(dry_run_writes_nothing)
{
        struct vgpu_lease l[] = {
                mdev_lease(DOM1, MTTY_MDEV, VGPU_LEASE_PREPARED, GRACE_S + 60),
                mdev_lease(DOM2, GONE_MDEV, VGPU_LEASE_PREPARED, GRACE_S + 60),
        };
        struct vgpu_reconcile *rc;
        char path[4096], *before, *after;
        struct stat st0, st1;

        use_preset("samples");
        add_leases(l, 2);
        /* without its lock file: a dry run takes no lock, so it makes none */
        snprintf(path, sizeof(path), "%s/run/vgpu-hook/ledger.lock", sim.dir);
        ck_assert_int_eq(unlink(path), 0);
        snprintf(path, sizeof(path), "%s/run/vgpu-hook/ledger.json", sim.dir);
        ck_assert_int_eq(stat(path, &st0), 0);
        before = slurp("run/vgpu-hook/ledger.json");
        rc = reconcile(true, NULL);
        ck_assert_uint_eq(rc->n_actions, 2);
        assert_action(rc->actions[0], VGPU_RECONCILE_REMOVE, 0, "stale: no QEMU started within the start grace");
        assert_action(rc->actions[1], VGPU_RECONCILE_DROP, 0, "its device is gone");
        ck_assert_str_eq(describe(&rc->actions[0], true),
                         "would remove mdev " MTTY_MDEV " (mtty-2 on mtty) of domain web1 (" DOM1
                         ") and drop its lease: stale: no QEMU started within the start grace");
        ck_assert_str_eq(describe(&rc->actions[1], true),
                         "would drop the lease of domain web1 (" DOM2 ") on mdev " GONE_MDEV
                         " (mtty-2 on mtty), device left as it is: its device is gone");
        vgpu_reconcile_free(rc);
        after = slurp("run/vgpu-hook/ledger.json");
        ck_assert_str_eq(after, before);
        free(before);
        free(after);
        ck_assert_int_eq(stat(path, &st1), 0);
        ck_assert_uint_eq(st1.st_ino, st0.st_ino); /* not even replaced by the same text */
        ck_assert_int_ne(access(strcat(strcpy(path, sim.dir), "/run/vgpu-hook/ledger.lock"), F_OK), 0);
        ck_assert(mdev_exists(MTTY_MDEV));
        ck_assert_int_eq(stores(), 0);
        ck_assert_uint_eq(leases_now(), 2);
}
END_TEST

/* The domain being prepared is the caller's business: its leases are not even judged. */
START_TEST(skip_domain)
{
        struct vgpu_lease l[] = {
                mdev_lease(DOM1, MTTY_MDEV, VGPU_LEASE_PENDING, GRACE_S + 60),
                mdev_lease(DOM2, MDPY_MDEV, VGPU_LEASE_PREPARED, GRACE_S + 60),
        };
        struct vgpu_reconcile *rc;
        struct vgpu_ledger *now;

        use_preset("samples");
        l[1].parent = "mdpy";
        l[1].type = "mdpy-vga";
        add_leases(l, 2);
        rc = reconcile(false, DOM1);
        ck_assert_uint_eq(rc->n_actions, 1);
        ck_assert_str_eq(rc->actions[0].domain_uuid, DOM2);
        assert_action(rc->actions[0], VGPU_RECONCILE_REMOVE, 0, "stale: no QEMU started within the start grace");
        vgpu_reconcile_free(rc);
        ck_assert(mdev_exists(MTTY_MDEV));
        ck_assert(!mdev_exists(MDPY_MDEV));
        now = ledger_now();
        ck_assert_uint_eq(now->n_leases, 1);
        ck_assert_str_eq(now->leases[0].domain_uuid, DOM1);
        ck_assert_int_eq(now->leases[0].state, VGPU_LEASE_PENDING);
        ck_assert_int_eq(now->leases[0].hook.pid, HOOK);
        vgpu_ledger_free(now);
}
END_TEST

/* A device the kernel cannot free yet: the lease stays releasing, marked by this run, for the next one. */
START_TEST(held_mdev_stays_releasing)
{
        struct vgpu_lease l = mdev_lease(DOM1, MTTY_MDEV, VGPU_LEASE_ACTIVE, 0);
        struct vgpu_reconcile *rc;
        struct vgpu_ledger *now;

        use_preset("samples");
        l.qemu_pid = 600;
        add_leases(&l, 1);
        testsuite_hold_group(sim.dir, 7, true);
        rc = reconcile(false, NULL);
        ck_assert_uint_eq(rc->n_actions, 1);
        assert_action(rc->actions[0], VGPU_RECONCILE_REMOVE, -EBUSY, "stale: its QEMU is gone");
        ck_assert_str_eq(describe(&rc->actions[0], false),
                         "cannot free mdev " MTTY_MDEV " (mtty-2 on mtty) of domain web1 (" DOM1
                         "): Device or resource busy; its lease stays releasing (stale: its QEMU is gone)");
        vgpu_reconcile_free(rc);
        ck_assert(mdev_exists(MTTY_MDEV));
        ck_assert_int_eq(stores(), 0);
        now = ledger_now();
        ck_assert_uint_eq(now->n_leases, 1);
        ck_assert_int_eq(now->leases[0].state, VGPU_LEASE_RELEASING);
        ck_assert_int_eq(now->leases[0].hook.pid, self.pid);
        ck_assert_uint_eq(now->leases[0].hook.start, self.start);
        vgpu_ledger_free(now);
        /* the VM let go: the next run finishes the release */
        testsuite_hold_group(sim.dir, 7, false);
        rc = reconcile(false, NULL);
        ck_assert_uint_eq(rc->n_actions, 1);
        assert_action(rc->actions[0], VGPU_RECONCILE_REMOVE, 0, "its release did not finish");
        vgpu_reconcile_free(rc);
        ck_assert(!mdev_exists(MTTY_MDEV));
        ck_assert_uint_eq(leases_now(), 0);
}
END_TEST

/* A vendor-VFIO VF we typed: "remove" clears its type, but never while a VM holds the VF. */
START_TEST(vf_type_kept_while_held)
{
        struct vgpu_lease l = vf_lease(DOM1, VGPU_LEASE_ACTIVE, 0);
        struct vgpu_reconcile *rc;
        struct vgpu_ledger *now;
        char *type;

        use_preset("l4");
        l.qemu_pid = 600;
        add_leases(&l, 1);
        testsuite_hold_group(sim.dir, 51, true);
        rc = reconcile(false, NULL);
        ck_assert_uint_eq(rc->n_actions, 1);
        ck_assert_int_eq(rc->actions[0].kind, VGPU_DEVICE_VF);
        assert_action(rc->actions[0], VGPU_RECONCILE_REMOVE, -EBUSY, "stale: its QEMU is gone");
        vgpu_reconcile_free(rc);
        type = vf_type();
        ck_assert_str_eq(type, "941");
        free(type);
        ck_assert_int_eq(stores(), 0);
        now = ledger_now();
        ck_assert_uint_eq(now->n_leases, 1);
        ck_assert_int_eq(now->leases[0].state, VGPU_LEASE_RELEASING);
        vgpu_ledger_free(now);
        /* released by the VM: the type is cleared and the lease dropped */
        testsuite_hold_group(sim.dir, 51, false);
        rc = reconcile(false, NULL);
        ck_assert_uint_eq(rc->n_actions, 1);
        assert_action(rc->actions[0], VGPU_RECONCILE_REMOVE, 0, "its release did not finish");
        ck_assert_str_eq(describe(&rc->actions[0], false),
                         "removed vf " TYPED_VF " (NVIDIA L4-4Q on 0000:82:00.0) of domain web1 (" DOM1
                         ") and dropped its lease: its release did not finish");
        vgpu_reconcile_free(rc);
        type = vf_type();
        ck_assert_str_eq(type, "0");
        free(type);
        ck_assert_uint_eq(leases_now(), 0);
}
END_TEST

/* A VF typed by someone else (the lease does not say we did): its type stays. */
START_TEST(vf_not_ours_keeps_type)
{
        struct vgpu_lease l = vf_lease(DOM1, VGPU_LEASE_ACTIVE, 0);
        struct vgpu_reconcile *rc;
        char *type;

        use_preset("l4");
        l.qemu_pid = 600;
        l.created = false;
        add_leases(&l, 1);
        rc = reconcile(false, NULL);
        ck_assert_uint_eq(rc->n_actions, 1);
        assert_action(rc->actions[0], VGPU_RECONCILE_DROP, 0, "stale: its QEMU is gone");
        vgpu_reconcile_free(rc);
        type = vf_type();
        ck_assert_str_eq(type, "941");
        free(type);
        ck_assert_int_eq(stores(), 0);
        ck_assert_uint_eq(leases_now(), 0);
}
END_TEST

START_TEST(empty_ledger)
{
        struct vgpu_reconcile *rc;
        char path[4096];

        use_preset("samples");
        rc = reconcile(true, NULL);
        ck_assert_uint_eq(rc->n_actions, 0);
        ck_assert_uint_eq(rc->n_kept, 0);
        vgpu_reconcile_free(rc);
        /* a dry run did not create the ledger's directory */
        snprintf(path, sizeof(path), "%s/run/vgpu-hook", sim.dir);
        ck_assert_int_ne(access(path, F_OK), 0);
        rc = reconcile(false, NULL);
        ck_assert_uint_eq(rc->n_actions, 0);
        vgpu_reconcile_free(rc);
        ck_assert_int_eq(stores(), 0);
}
END_TEST

START_TEST(verb_names)
{
        ck_assert_str_eq(vgpu_reconcile_verb_name(VGPU_RECONCILE_REMOVE), "remove");
        ck_assert_str_eq(vgpu_reconcile_verb_name(VGPU_RECONCILE_DROP), "drop");
}
END_TEST

static Suite *reconcile_suite(void)
{
        Suite *s = suite_create("reconcile");
        TCase *free_tc = tcase_create("free"), *keep = tcase_create("keep"), *vf = tcase_create("vf");

        tcase_add_checked_fixture(free_tc, NULL, teardown);
        tcase_add_test(free_tc, stale_created_mdev_removed);
        tcase_add_test(free_tc, reasons_to_free);
        tcase_add_test(free_tc, reused_uuid_not_removed);
        tcase_add_test(free_tc, libvirtd_restarted);
        tcase_add_test(free_tc, held_mdev_stays_releasing);
        suite_add_tcase(s, free_tc);
        tcase_add_checked_fixture(keep, NULL, teardown);
        tcase_add_test(keep, in_use_in_progress_or_young_kept);
        tcase_add_test(keep, dry_run_writes_nothing);
        tcase_add_test(keep, skip_domain);
        tcase_add_test(keep, empty_ledger);
        tcase_add_test(keep, verb_names);
        suite_add_tcase(s, keep);
        tcase_add_checked_fixture(vf, NULL, teardown);
        tcase_add_test(vf, vf_type_kept_while_held);
        tcase_add_test(vf, vf_not_ours_keeps_type);
        suite_add_tcase(s, vf);
        return s;
}

int main(int argc, char *argv[])
{
        (void)argc;
        testsuite_preload_kshim(argv);
        return testsuite_run(reconcile_suite());
}
