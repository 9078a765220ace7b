/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ledger: atomic, private, strictly read, locked with a bounded wait;
 * the staleness rule of docs/design.md §5.4 against a simulated /proc; the
 * quarantine kept beside it (docs/design.md §11).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fakehost.h"
#include "testsuite.h"

#define DOM  "5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a2b"
#define MDEV "3b0e1c2d-0000-4000-8000-00000000aa01"

static char *dir;
static struct vgpu_root *root;

static void setup(void)
{
        char path[4096];

        ck_assert_int_eq(fakehost_mktemp(&dir), 0);
        testsuite_write(dir, "placeholder", "");
        snprintf(path, sizeof(path), "%s/run", dir);
        ck_assert_int_eq(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/proc", dir);
        ck_assert_int_eq(mkdir(path, 0755), 0);
        ck_assert_int_eq(vgpu_root_new(dir, &root), 0);
}

static void teardown(void)
{
        root = vgpu_root_unref(root);
        testsuite_remove_root(dir);
        dir = NULL;
}

static struct vgpu_lease sample(enum vgpu_lease_state state)
{
        struct vgpu_lease l = {.state = state, .kind = VGPU_DEVICE_MDEV, .created = true};

        memcpy(l.domain_uuid, DOM, sizeof(l.domain_uuid));
        l.domain_name = "web1";
        l.device = MDEV;
        l.parent = "0000:3b:00.0";
        l.type = "nvidia-224";
        l.profile = "t4-4q";
        l.hook = (struct vgpu_proc_id){4242, 1000};
        l.libvirtd = (struct vgpu_proc_id){100, 50};
        l.since = 1700000000;
        return l;
}

static void write_ledger(const char *text)
{
        char path[4096];

        snprintf(path, sizeof(path), "%s/run/vgpu-hook", dir);
        mkdir(path, 0700);
        testsuite_write(dir, "run/vgpu-hook/ledger.json", text);
        snprintf(path, sizeof(path), "%s/run/vgpu-hook/ledger.json", dir);
        chmod(path, 0600);
}

START_TEST(round_trip)
{
        struct vgpu_ledger *l = NULL;
        struct vgpu_lease s = sample(VGPU_LEASE_ACTIVE);
        struct stat st;
        char path[4096];

        ck_assert_int_eq(vgpu_ledger_lock(root, 1000, &l, NULL), 0);
        ck_assert_uint_eq(l->n_leases, 0);
        s.qemu_pid = 777;
        ck_assert_ptr_nonnull(vgpu_ledger_add(l, &s));
        ck_assert_int_eq(vgpu_ledger_commit(l), 0);
        vgpu_ledger_free(l);
        ck_assert_int_eq(vgpu_ledger_read(root, &l, NULL), 0);
        ck_assert_uint_eq(l->n_leases, 1);
        ck_assert_str_eq(l->leases[0].domain_uuid, DOM);
        ck_assert_str_eq(l->leases[0].domain_name, "web1");
        ck_assert_int_eq(l->leases[0].state, VGPU_LEASE_ACTIVE);
        ck_assert_str_eq(l->leases[0].profile, "t4-4q");
        ck_assert(l->leases[0].created);
        ck_assert_int_eq(l->leases[0].qemu_pid, 777);
        ck_assert_uint_eq(l->leases[0].hook.start, 1000);
        ck_assert_ptr_nonnull(vgpu_ledger_find(l, VGPU_DEVICE_MDEV, MDEV));
        ck_assert_ptr_null(vgpu_ledger_find(l, VGPU_DEVICE_VF, MDEV));
        vgpu_ledger_free(l);
        /* private state: 0700 directory, 0600 files, no temp file left */
        snprintf(path, sizeof(path), "%s/run/vgpu-hook", dir);
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_uint_eq(st.st_mode & 0777, 0700);
        snprintf(path, sizeof(path), "%s/run/vgpu-hook/ledger.json", dir);
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_uint_eq(st.st_mode & 0777, 0600);
        snprintf(path, sizeof(path), "%s/run/vgpu-hook/ledger.json.tmp", dir);
        ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(read_without_dir)
{
        struct vgpu_ledger *l = NULL;

        ck_assert_int_eq(vgpu_ledger_read(root, &l, NULL), 0);
        ck_assert_uint_eq(l->n_leases, 0);
        ck_assert_int_eq(vgpu_ledger_commit(l), -ENOLCK);
        vgpu_ledger_free(l);
}
END_TEST

static const struct {
        const char *text;
        int err;
} corrupt[] = {
        {"", -EBADMSG},
        {"{\"version\": 1, \"leases\": [", -EBADMSG},
        {"[]", -EBADMSG},
        {"{\"version\": 2, \"leases\": []}", -EPROTONOSUPPORT},
        {"{\"version\": 0, \"leases\": []}", -EBADMSG},
        {"{\"version\": 1, \"leases\": [], \"extra\": 1}", -EBADMSG},
        {"{\"version\": 1, \"version\": 1, \"leases\": []}", -EBADMSG},
        {"{\"version\": 1, \"leases\": [{\"domain_uuid\": \"x\"}]}", -EBADMSG},
        {"{\"version\": 1, \"leases\": [{\"domain_uuid\": \"" DOM "\", \"state\": \"gone\", \"kind\": \"mdev\", "
         "\"device\": \"" MDEV
         "\", \"created\": true, \"hook\": {\"pid\": 1, \"start\": 1}, \"libvirtd\": {\"pid\": 1, "
         "\"start\": 1}, \"qemu_pid\": 0, \"since\": 0}]}",
         -EBADMSG},
        {"{\"version\": 1, \"leases\": [{\"domain_uuid\": \"" DOM "\", \"state\": \"active\", \"kind\": \"mdev\", "
         "\"device\": \"../../etc\", \"created\": true, \"hook\": {\"pid\": 1, \"start\": 1}, \"libvirtd\": {\"pid\": "
         "1, "
         "\"start\": 1}, \"qemu_pid\": 0, \"since\": 0}]}",
         -EBADMSG},
};

/* The bytes of file @path below dir (free()). */
static char *slurp(const char *path)
{
        char full[8200], *buf = calloc(1, 4096);
        FILE *f;

        ck_assert_int_lt(snprintf(full, sizeof(full), "%s/%s", dir, path), (int)sizeof(full));
        f = fopen(full, "r");
        ck_assert_ptr_nonnull(f);
        ck_assert_ptr_nonnull(buf);
        (void)!fread(buf, 1, 4095, f);
        fclose(f);
        return buf;
}

/* A newer ledger is refused; damage reads as empty and is set aside, kept, by the lock. */
START_TEST(corrupt_set_aside)
{
        struct vgpu_ledger *l = (void *)0x1;
        struct vgpu_error err = {0};
        char path[4096], *kept = NULL;

        write_ledger(corrupt[_i].text);
        if (corrupt[_i].err != -EBADMSG) {
                ck_assert_int_eq(vgpu_ledger_lock(root, 100, &l, &err), corrupt[_i].err);
                ck_assert_ptr_eq(l, (void *)0x1);
                ck_assert_str_eq(err.source, VGPU_LEDGER_FILE);
                ck_assert_int_eq(vgpu_ledger_read(root, &l, NULL), corrupt[_i].err);
                return;
        }
        ck_assert_int_eq(vgpu_ledger_read(root, &l, NULL), 0);
        ck_assert_uint_eq(l->n_leases, 0);
        ck_assert_str_ne(l->damage, "");
        ck_assert(!vgpu_ledger_rebuilt(l));
        vgpu_ledger_free(l);
        ck_assert(vgpu_ledger_damage_seen(root));
        ck_assert_int_eq(vgpu_ledger_lock(root, 100, &l, &err), 0);
        ck_assert_uint_eq(l->n_leases, 0);
        ck_assert_int_eq(strncmp(l->set_aside, VGPU_LEDGER_DAMAGED, strlen(VGPU_LEDGER_DAMAGED)), 0);
        ck_assert(vgpu_ledger_rebuilt(l));
        snprintf(path, sizeof(path), "%s/run/vgpu-hook/ledger.json", dir);
        ck_assert_int_ne(access(path, F_OK), 0);
        snprintf(path, sizeof(path), "run/vgpu-hook/%s", l->set_aside);
        kept = slurp(path);
        ck_assert_str_eq(kept, corrupt[_i].text);
        free(kept);
        vgpu_ledger_free(l);
        /* once: the next lock finds nothing to set aside */
        ck_assert_int_eq(vgpu_ledger_lock(root, 100, &l, &err), 0);
        ck_assert_str_eq(l->set_aside, "");
        vgpu_ledger_free(l);
}
END_TEST

START_TEST(unsafe_state_refused)
{
        struct vgpu_ledger *l = NULL;
        char path[4096], target[4096];

        write_ledger("{\"version\": 1, \"leases\": []}");
        /* a symlinked ledger */
        snprintf(path, sizeof(path), "%s/run/vgpu-hook/ledger.json", dir);
        snprintf(target, sizeof(target), "%s/placeholder", dir);
        unlink(path);
        ck_assert_int_eq(symlink(target, path), 0);
        ck_assert_int_eq(vgpu_ledger_lock(root, 100, &l, NULL), -EPERM);
        unlink(path);
        /* a world-readable directory */
        snprintf(path, sizeof(path), "%s/run/vgpu-hook", dir);
        chmod(path, 0755);
        ck_assert_int_eq(vgpu_ledger_lock(root, 100, &l, NULL), -EPERM);
        chmod(path, 0700);
        /* owned by someone else (the tests run as root in CI; skip the chown part otherwise) */
        if (geteuid() == 0) {
                ck_assert_int_eq(chown(path, 65534, 65534), 0);
                ck_assert_int_eq(vgpu_ledger_lock(root, 100, &l, NULL), -EPERM);
                ck_assert_int_eq(chown(path, 0, 0), 0);
        }
        ck_assert_int_eq(vgpu_ledger_lock(root, 100, &l, NULL), 0);
        vgpu_ledger_free(l);
}
END_TEST

static long long ms_now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

START_TEST(bounded_wait)
{
        struct vgpu_ledger *l = NULL;
        int ready[2];
        long long t0;
        pid_t child;
        char c;

        ck_assert_int_eq(pipe(ready), 0);
        child = fork();
        if (child == 0) {
                struct vgpu_ledger *held = NULL;

                if (vgpu_ledger_lock(root, 1000, &held, NULL) < 0)
                        _exit(1);
                write(ready[1], "x", 1);
                pause();
                _exit(0);
        }
        ck_assert_int_eq(read(ready[0], &c, 1), 1);
        t0 = ms_now();
        ck_assert_int_eq(vgpu_ledger_lock(root, 200, &l, NULL), -ETIMEDOUT);
        ck_assert_int_ge(ms_now() - t0, 190);
        ck_assert_int_lt(ms_now() - t0, 2000);
        /* a holder that dies (even by SIGKILL) frees the lock */
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        ck_assert_int_eq(vgpu_ledger_lock(root, 200, &l, NULL), 0);
        vgpu_ledger_free(l);
}
END_TEST

START_TEST(proc_identity)
{
        struct vgpu_proc_id id = {0};
        static const char cmd[] = "qemu-system-x86_64\0-name\0web1\0-uuid\0" DOM "\0";

        testsuite_fake_proc(dir, 300, 98765, cmd, sizeof(cmd));
        ck_assert_int_eq(vgpu_proc_id_of(root, 300, &id), 0);
        ck_assert_uint_eq(id.start, 98765);
        ck_assert(vgpu_proc_id_alive(root, &id));
        id.start++;
        ck_assert(!vgpu_proc_id_alive(root, &id)); /* pid reused */
        ck_assert_int_eq(vgpu_find_qemu(root, DOM), 300);
        ck_assert_int_eq(vgpu_find_qemu(root, "11111111-2222-4333-8444-555555555555"), 0);
        ck_assert_int_eq(vgpu_proc_id_of(root, 301, &id), -ESRCH);
}
END_TEST

START_TEST(staleness_rule)
{
        static const char qemu[] = "qemu\0-uuid\0" DOM "\0";
        struct vgpu_lease l = sample(VGPU_LEASE_PREPARED);
        long long now = 1700000000;

        testsuite_fake_proc(dir, 100, 50, "libvirtd", 9); /* the libvirtd of the lease */
        /* hook alive: never stale */
        testsuite_fake_proc(dir, 4242, 1000, "vgpu-hook", 10);
        ck_assert(!vgpu_lease_stale(root, &l, now + 9999, 600));
        l.hook.start = 1; /* that hook is gone */
        /* libvirtd same, no QEMU: stale only after the grace */
        ck_assert(!vgpu_lease_stale(root, &l, now + 60, 600));
        ck_assert(vgpu_lease_stale(root, &l, now + 601, 600));
        /* a libvirtd the hook could not identify tells nothing: only the grace counts */
        l.libvirtd = (struct vgpu_proc_id){0, 0};
        ck_assert(!vgpu_lease_stale(root, &l, now + 60, 600));
        ck_assert(vgpu_lease_stale(root, &l, now + 601, 600));
        l.libvirtd = sample(VGPU_LEASE_PREPARED).libvirtd;
        /* a QEMU for the domain runs: not stale */
        testsuite_fake_proc(dir, 500, 7, qemu, sizeof(qemu));
        ck_assert(!vgpu_lease_stale(root, &l, now + 9999, 600));
        /* libvirtd restarted since: stale at once */
        l.libvirtd.start = 49;
        ck_assert(vgpu_lease_stale(root, &l, now + 1, 600));
        /* active: stale exactly when its QEMU is gone */
        l = sample(VGPU_LEASE_ACTIVE);
        l.hook.start = 1;
        l.qemu_pid = 500;
        ck_assert(!vgpu_lease_stale(root, &l, now, 600));
        l.qemu_pid = 501;
        ck_assert(vgpu_lease_stale(root, &l, now, 600));
        l.qemu_pid = 100; /* a live process, but not this domain's QEMU */
        ck_assert(vgpu_lease_stale(root, &l, now, 600));
}
END_TEST

/* ---- the quarantine beside the ledger (ledger/quarantine.c) ------------------- */

static struct vgpu_ledger *locked(void)
{
        struct vgpu_ledger *l = NULL;

        ck_assert_int_eq(vgpu_ledger_lock(root, 100, &l, NULL), 0);
        return l;
}

/* Kept under the lock beside the ledger, by device however spelled; lifted once; private. */
START_TEST(quarantine_round_trip)
{
        struct vgpu_ledger *l = locked();
        const struct vgpu_quarantine *q;
        struct stat st;
        char path[4096];

        ck_assert_ptr_null(vgpu_quarantine_find(l, "mtty"));
        ck_assert_int_eq(vgpu_quarantine_add(l, "mtty", VGPU_DEVICE_MDEV, VGPU_QUARANTINE_NOT_FREED, "busy"), 1);
        ck_assert_int_eq(vgpu_quarantine_add(l, "mtty", VGPU_DEVICE_MDEV, VGPU_QUARANTINE_CRASHES, "again"), 0);
        ck_assert_int_eq(vgpu_quarantine_add(l, "3B:00.0", VGPU_DEVICE_VF, VGPU_QUARANTINE_CRASHES, "crashes"), 1);
        ck_assert_int_eq(vgpu_quarantine_add(l, "../x", VGPU_DEVICE_MDEV, VGPU_QUARANTINE_NOT_FREED, "no"), -EINVAL);
        ck_assert_int_eq(vgpu_ledger_commit(l), 0);
        vgpu_ledger_free(l);

        ck_assert_int_eq(vgpu_ledger_read(root, &l, NULL), 0);
        ck_assert_uint_eq(l->n_quarantined, 2);
        ck_assert_str_eq(l->quarantined[0].device, "0000:3b:00.0"); /* in device order */
        q = vgpu_quarantine_find(l, "mtty");
        ck_assert_ptr_nonnull(q);
        ck_assert_str_eq(q->reason, "busy"); /* the first cause stays */
        ck_assert_int_eq(q->cause, VGPU_QUARANTINE_NOT_FREED);
        ck_assert_int_eq(q->kind, VGPU_DEVICE_MDEV);
        ck_assert(q->since >= time(NULL) - 60);
        ck_assert_int_eq(vgpu_quarantine_lift(l, "mtty", "test"), -ENOLCK); /* read, not locked */
        vgpu_ledger_free(l);
        snprintf(path, sizeof(path), "%s/run/vgpu-hook/quarantine.json", dir);
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_uint_eq(st.st_mode & 0777, 0600);

        l = locked();
        ck_assert_int_eq(vgpu_quarantine_lift(l, "3b:00.0", "test"), 0);
        ck_assert_int_eq(vgpu_quarantine_lift(l, "0000:3b:00.0", "test"), -ENOENT);
        ck_assert_int_eq(vgpu_ledger_commit(l), 0);
        vgpu_ledger_free(l);
        ck_assert_int_eq(vgpu_ledger_read(root, &l, NULL), 0);
        ck_assert_uint_eq(l->n_quarantined, 1);
        ck_assert_ptr_null(vgpu_quarantine_find(l, "3b:00.0"));
        vgpu_ledger_free(l);
}
END_TEST

/* K crashes in a row within T quarantine; any other shut-off ends the run; older ones fall out. */
START_TEST(quarantine_crash_run)
{
        const struct vgpu_crash_policy p = {3, 600};
        const struct vgpu_crash_policy never = {0, 600};
        struct vgpu_ledger *l = locked();
        const struct vgpu_quarantine *q;

        ck_assert_int_eq(vgpu_quarantine_note_release(l, "mtty", VGPU_DEVICE_MDEV, "crashed", 1000, &p), 0);
        ck_assert_int_eq(vgpu_quarantine_note_release(l, "mtty", VGPU_DEVICE_MDEV, "crashed", 1100, &p), 0);
        ck_assert_int_eq(vgpu_quarantine_note_release(l, "mtty", VGPU_DEVICE_MDEV, "shutdown", 1150, &p), 0);
        ck_assert_int_eq(vgpu_quarantine_note_release(l, "mtty", VGPU_DEVICE_MDEV, "crashed", 1200, &p), 0);
        ck_assert_int_eq(vgpu_quarantine_note_release(l, "mtty", VGPU_DEVICE_MDEV, NULL, 1250, &p), 0);
        ck_assert_int_eq(vgpu_quarantine_note_release(l, "mtty", VGPU_DEVICE_MDEV, "crashed", 1300, &p), 0);
        ck_assert_ptr_null(vgpu_quarantine_find(l, "mtty"));
        /* the run survives the commit: the third crash in a row comes with the next release */
        ck_assert_int_eq(vgpu_ledger_commit(l), 0);
        vgpu_ledger_free(l);
        l = locked();
        ck_assert_int_eq(vgpu_quarantine_note_release(l, "mtty", VGPU_DEVICE_MDEV, "crashed", 1400, &p), 1);
        q = vgpu_quarantine_find(l, "mtty");
        ck_assert_ptr_nonnull(q);
        ck_assert_int_eq(q->cause, VGPU_QUARANTINE_CRASHES);
        ck_assert_str_eq(q->reason, "its VMs crashed 3 times in a row within 600 s");
        /* crashes further apart than T never make a run */
        for (long long t = 0; t < 5 * 700; t += 700)
                ck_assert_int_eq(vgpu_quarantine_note_release(l, "mdpy", VGPU_DEVICE_MDEV, "crashed", t, &p), 0);
        ck_assert_ptr_null(vgpu_quarantine_find(l, "mdpy"));
        /* K = 0: crashes never quarantine */
        for (long long t = 0; t < 5; t++)
                ck_assert_int_eq(vgpu_quarantine_note_release(l, "mbochs", VGPU_DEVICE_MDEV, "crashed", t, &never), 0);
        ck_assert_ptr_null(vgpu_quarantine_find(l, "mbochs"));
        vgpu_ledger_free(l);
}
END_TEST

/* A damaged quarantine.json reads as none; a damaged ledger set aside does not take the quarantine along. */
START_TEST(quarantine_damage)
{
        struct vgpu_ledger *l = locked();

        ck_assert_int_eq(vgpu_quarantine_add(l, "mtty", VGPU_DEVICE_MDEV, VGPU_QUARANTINE_NOT_FREED, "busy"), 1);
        ck_assert_int_eq(vgpu_ledger_commit(l), 0);
        vgpu_ledger_free(l);
        write_ledger("{\"version\": 1, \"leases\": [{\"domain_uuid\": 7");
        l = locked();
        ck_assert_str_ne(l->set_aside, "");
        ck_assert_ptr_nonnull(vgpu_quarantine_find(l, "mtty"));
        vgpu_ledger_free(l);
        testsuite_write(dir, "run/vgpu-hook/quarantine.json", "{\"version\": 1, \"devices\": {\"../../etc\": {}}}");
        ck_assert_int_eq(vgpu_ledger_read(root, &l, NULL), 0);
        ck_assert_uint_eq(l->n_quarantined, 0);
        vgpu_ledger_free(l);
}
END_TEST

static Suite *ledger_suite(void)
{
        Suite *s = suite_create("ledger");
        TCase *tc = tcase_create("ledger");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, round_trip);
        tcase_add_test(tc, read_without_dir);
        tcase_add_loop_test(tc, corrupt_set_aside, 0, (int)(sizeof(corrupt) / sizeof(corrupt[0])));
        tcase_add_test(tc, unsafe_state_refused);
        tcase_add_test(tc, bounded_wait);
        tcase_add_test(tc, proc_identity);
        tcase_add_test(tc, staleness_rule);
        tcase_add_test(tc, quarantine_round_trip);
        tcase_add_test(tc, quarantine_crash_run);
        tcase_add_test(tc, quarantine_damage);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return testsuite_run(ledger_suite());
}
