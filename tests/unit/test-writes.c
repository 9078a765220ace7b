/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every host write of the library, and every refusal, through the real
 * functions on simulated hosts whose kernel answers come from the kshim
 * emulation (LD_PRELOAD).  The store log shows what reached "the kernel".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fakehost.h"
#include "testsuite.h"

#define NEW_UUID "0b5e7a52-1c3d-4e5f-8a9b-0c1d2e3f4a5b"

static char *dir, *log_path;
static struct vgpu_root *root;

static void use_preset(const char *preset)
{
        dir = testsuite_fake_root(preset);
        ck_assert_int_ge(asprintf(&log_path, "%s/kshim.log", dir), 0);
        setenv("VGPU_HOOK_ROOT", dir, 1);
        setenv("VGPU_KSHIM_LOG", log_path, 1);
        ck_assert_int_eq(vgpu_root_new(dir, &root), 0);
}

static void teardown(void)
{
        root = vgpu_root_unref(root);
        unsetenv("VGPU_KSHIM_LOG");
        free(log_path);
        log_path = NULL;
        testsuite_remove_root(dir);
        dir = NULL;
}

/* How many stores reached the emulated kernel so far. */
static int stores(void)
{
        return testsuite_count_lines(log_path);
}

static void mark(const char *what, const char *name, const char *content)
{
        char path[4096];

        snprintf(path, sizeof(path), "%s/.fakehost/%s", dir, what);
        mkdir(path, 0755);
        snprintf(path, sizeof(path), ".fakehost/%s/%s", what, name);
        testsuite_write(dir, path, content);
}

static int available(const char *parent, const char *type)
{
        struct vgpu_host *host = testsuite_load(dir);
        const struct vgpu_mdev_parent *p = vgpu_host_find_parent(host, parent);
        int v = -2;

        for (size_t i = 0; p && i < p->n_types; i++)
                if (strcmp(p->types[i].id, type) == 0)
                        v = p->types[i].available;
        vgpu_host_free(host);
        return v;
}

static struct vgpu_pci_addr addr(const char *s)
{
        struct vgpu_pci_addr a;

        ck_assert_int_eq(vgpu_pci_addr_parse(s, &a), 0);
        return a;
}

static char *attr(const char *path)
{
        char *s = NULL;

        ck_assert_msg(vgpu_root_read_attr(root, path, &s) >= 0, "cannot read %s", path);
        return s;
}

START_TEST(mdev_create_and_pools)
{
        int avail = -5;

        use_preset("samples");
        ck_assert_int_eq(vgpu_mdev_create(root, "mtty", "mtty-2", NEW_UUID, NULL, 0, &avail), 0);
        ck_assert(vgpu_root_exists(root, "/sys/bus/mdev/devices/" NEW_UUID));
        /* mtty-1 and mtty-2 share the ports: both went down */
        ck_assert_int_eq(avail, 10);
        ck_assert_int_eq(available("mtty", "mtty-1"), 20);
        ck_assert_int_eq(stores(), 1);
        ck_assert_int_eq(vgpu_mdev_create(root, "mdpy", "mdpy-vga", NEW_UUID, NULL, 0, NULL), -EEXIST);
        ck_assert_int_eq(
                vgpu_mdev_create(root, "mdpy", "mdpy-vga", "6A7E1C2D-0000-4000-8000-000000000001", NULL, 0, NULL),
                -EEXIST);
}
END_TEST

START_TEST(mdev_create_until_full)
{
        char uuid[VGPU_UUID_STRLEN];
        int avail = -5;

        use_preset("samples");
        /* mdpy: 4 in total, one exists; the mdev core's counter says EUSERS. */
        for (int i = 0; i < 3; i++) {
                snprintf(uuid, sizeof(uuid), "0b5e7a52-1c3d-4e5f-8a9b-0c1d2e3f4a0%d", i);
                ck_assert_int_eq(vgpu_mdev_create(root, "mdpy", i ? "mdpy-hd" : "mdpy-xga", uuid, NULL, 0, &avail), 0);
        }
        ck_assert_int_eq(avail, 0);
        ck_assert_int_eq(vgpu_mdev_create(root, "mdpy", "mdpy-vga", NEW_UUID, NULL, 0, NULL), -EUSERS);
        /* mbochs' shared memory answers ENOSPC */
        for (int i = 0; i < 3; i++) {
                snprintf(uuid, sizeof(uuid), "1b5e7a52-1c3d-4e5f-8a9b-0c1d2e3f4a0%d", i);
                ck_assert_int_eq(vgpu_mdev_create(root, "mbochs", "mbochs-large", uuid, NULL, 0, &avail), 0);
        }
        ck_assert_int_eq(vgpu_mdev_create(root, "mbochs", "mbochs-large", NEW_UUID, NULL, 0, NULL), -ENOSPC);
        ck_assert_int_eq(available("mbochs", "mbochs-small"), 15);
}
END_TEST

START_TEST(mdev_create_refusals_write_nothing)
{
        struct vgpu_mdev_attr bad[] = {{"../../../etc/x", "1"}};

        use_preset("samples");
        ck_assert_int_eq(vgpu_mdev_create(root, "mtty", "mtty-2", "not-a-uuid", NULL, 0, NULL), -EINVAL);
        ck_assert_int_eq(vgpu_mdev_create(root, "../mtty", "mtty-2", NEW_UUID, NULL, 0, NULL), -EINVAL);
        ck_assert_int_eq(vgpu_mdev_create(root, "mtty", "..", NEW_UUID, NULL, 0, NULL), -EINVAL);
        ck_assert_int_eq(vgpu_mdev_create(root, "mtty", "mtty-2", NEW_UUID, bad, 1, NULL), -EINVAL);
        ck_assert_int_eq(vgpu_mdev_create(root, "nope", "mtty-2", NEW_UUID, NULL, 0, NULL), -ENOENT);
        ck_assert_int_eq(vgpu_mdev_create(root, "mtty", "mtty-9", NEW_UUID, NULL, 0, NULL), -ENOENT);
        ck_assert_int_eq(stores(), 0);
}
END_TEST

START_TEST(mdev_attrs_in_order_or_nothing)
{
        struct vgpu_mdev_attr good[] = {{"uevent", "change"}, {"uevent", "add"}};
        struct vgpu_mdev_attr missing[] = {{"uevent", "change"}, {"vendor/no_such_attr", "1"}};

        use_preset("samples");
        ck_assert_int_eq(vgpu_mdev_create(root, "mtty", "mtty-1", NEW_UUID, good, 2, NULL), 0);
        ck_assert_int_eq(stores(), 3);
        ck_assert_int_eq(vgpu_mdev_remove(root, NEW_UUID), 0);
        /* An attr that fails takes the new device away again. */
        ck_assert_int_eq(vgpu_mdev_create(root, "mtty", "mtty-1", NEW_UUID, missing, 2, NULL), -ENOENT);
        ck_assert(!vgpu_root_exists(root, "/sys/bus/mdev/devices/" NEW_UUID));
        ck_assert_int_eq(available("mtty", "mtty-1"), 22);
}
END_TEST

START_TEST(mdev_remove)
{
        use_preset("samples");
        ck_assert_int_eq(vgpu_mdev_remove(root, "6A7E1C2D-0000-4000-8000-000000000001"), 0);
        ck_assert(!vgpu_root_exists(root, "/sys/bus/mdev/devices/6a7e1c2d-0000-4000-8000-000000000001"));
        ck_assert_int_eq(available("mtty", "mtty-1"), 24);
        ck_assert_int_eq(stores(), 1);
        /* already gone counts as done, and writes nothing */
        ck_assert_int_eq(vgpu_mdev_remove(root, "6a7e1c2d-0000-4000-8000-000000000001"), 0);
        ck_assert_int_eq(stores(), 1);
        ck_assert_int_eq(vgpu_mdev_remove(root, "../../x"), -EINVAL);
}
END_TEST

START_TEST(mdev_remove_busy_probe)
{
        use_preset("samples");
        mark("held", "8", "");
        /* remove would block in the kernel: refuse without writing */
        ck_assert_int_eq(vgpu_mdev_remove(root, "6a7e1c2d-0000-4000-8000-000000000002"), -EBUSY);
        ck_assert_int_eq(stores(), 0);
        ck_assert(vgpu_root_exists(root, "/sys/bus/mdev/devices/6a7e1c2d-0000-4000-8000-000000000002"));
        ck_assert_int_eq(vgpu_vfio_group_busy(root, 8), 1);
        ck_assert_int_eq(vgpu_vfio_group_busy(root, 7), 0);
        ck_assert_int_eq(vgpu_vfio_group_busy(root, 99), 0);
        ck_assert_int_eq(vgpu_vfio_group_busy(root, -1), 0);
}
END_TEST

START_TEST(vf_bind_and_unbind)
{
        struct vgpu_pci_addr vf1 = addr("0000:01:00.1"), vf2 = addr("0000:01:00.2");
        char *s;

        use_preset("nvme-sriov");
        ck_assert_int_eq(vgpu_pci_bind_vfio(root, &vf1), 0); /* already there: nothing written */
        ck_assert_int_eq(stores(), 0);
        ck_assert_int_eq(vgpu_pci_bind_vfio(root, &vf2), 0);
        s = attr("/sys/bus/pci/devices/0000:01:00.2/driver_override");
        ck_assert_str_eq(s, "vfio-pci");
        free(s);
        ck_assert(vgpu_root_exists(root, "/sys/bus/pci/drivers/vfio-pci/0000:01:00.2"));
        mark("held", "11", "");
        ck_assert_int_eq(vgpu_pci_unbind_vfio(root, &vf2), -EBUSY);
        testsuite_unlink(dir, ".fakehost/held/11");
        ck_assert_int_eq(vgpu_pci_unbind_vfio(root, &vf2), 0);
        ck_assert(!vgpu_root_exists(root, "/sys/bus/pci/devices/0000:01:00.2/driver"));
        s = attr("/sys/bus/pci/devices/0000:01:00.2/driver_override");
        ck_assert_str_eq(s, "(null)");
        free(s);
}
END_TEST

START_TEST(pf_bind_from_host_driver)
{
        struct vgpu_pci_addr gpu = addr("0000:3b:00.0");
        char *s;

        use_preset("t4");
        /* whole-GPU passthrough: away from nvidia, and back */
        ck_assert_int_eq(vgpu_pci_bind_vfio(root, &gpu), 0);
        ck_assert(vgpu_root_exists(root, "/sys/bus/pci/drivers/vfio-pci/0000:3b:00.0"));
        ck_assert_int_eq(vgpu_pci_unbind_vfio(root, &gpu), 0);
        ck_assert_int_eq(vgpu_root_read_link_name(root, "/sys/bus/pci/devices/0000:3b:00.0/driver", &s), 6);
        ck_assert_str_eq(s, "nvidia");
        free(s);
}
END_TEST

START_TEST(sriov_counts)
{
        struct vgpu_pci_addr pf = addr("0000:01:00.0");
        char *s;

        use_preset("nvme-sriov");
        ck_assert_int_eq(vgpu_sriov_set_numvfs(root, &pf, 2, -1), 0);
        ck_assert_int_eq(stores(), 0);
        /* the kernel says EBUSY for 2->3: the library goes through 0 */
        ck_assert_int_eq(vgpu_sriov_set_numvfs(root, &pf, 3, 1), 0);
        s = attr("/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs");
        ck_assert_str_eq(s, "3");
        free(s);
        ck_assert(vgpu_root_exists(root, "/sys/bus/pci/devices/0000:01:00.3/physfn"));
        ck_assert_int_eq(vgpu_sriov_set_numvfs(root, &pf, 9, -1), -ERANGE);
        ck_assert_int_eq(vgpu_sriov_set_numvfs(root, &pf, 0, -1), 0);
        ck_assert(!vgpu_root_exists(root, "/sys/bus/pci/devices/0000:01:00.1"));
        ck_assert_int_eq(vgpu_sriov_set_numvfs(root, &pf, -1, -1), -EINVAL);
}
END_TEST

START_TEST(sriov_refuses_while_busy)
{
        struct vgpu_pci_addr pf = addr("0000:01:00.0");
        int before;

        use_preset("nvme-sriov");
        mark("held", "10", "");
        ck_assert_int_eq(vgpu_sriov_set_numvfs(root, &pf, 4, 0), -EBUSY);
        ck_assert_int_eq(vgpu_sriov_set_numvfs(root, &pf, 0, -1), -EBUSY);
        ck_assert_int_eq(stores(), 0);
        before = stores();
        /* same count: only autoprobe, which never blocks */
        ck_assert_int_eq(vgpu_sriov_set_numvfs(root, &pf, 2, 1), 0);
        ck_assert_int_eq(stores(), before + 1);
}
END_TEST

START_TEST(nvidia_types)
{
        struct vgpu_pci_addr vf = addr("0000:82:00.5"), pf = addr("0000:82:00.0");
        unsigned id = 0;
        char *s;

        use_preset("l4");
        ck_assert_int_eq(vgpu_nvidia_set_type(root, &vf, "NVIDIA L4-4Q", &id), 0);
        ck_assert_uint_eq(id, 941);
        s = attr("/sys/bus/pci/devices/0000:82:00.5/nvidia/current_vgpu_type");
        ck_assert_str_eq(s, "941");
        free(s);
        ck_assert_int_eq(vgpu_nvidia_set_type(root, &vf, "NVIDIA L4-4Q", &id), -ENOENT); /* no longer creatable */
        ck_assert_int_eq(vgpu_nvidia_clear_type(root, &vf), 0);
        s = attr("/sys/bus/pci/devices/0000:82:00.5/nvidia/current_vgpu_type");
        ck_assert_str_eq(s, "0");
        free(s);
        ck_assert_int_eq(vgpu_nvidia_set_type(root, &vf, "NVIDIA L40-4Q", &id), -ENOENT);
        ck_assert_int_eq(vgpu_nvidia_set_type(root, &pf, "NVIDIA L4-4Q", &id), -ENODEV);
}
END_TEST

START_TEST(nvidia_eperm_retries)
{
        struct vgpu_pci_addr vf = addr("0000:82:00.6");

        use_preset("l4");
        mark("eperm", "0000:82:00.6", "2\n");
        ck_assert_int_eq(vgpu_nvidia_set_type(root, &vf, "NVIDIA L4-8Q", NULL), 0);
        ck_assert_int_eq(stores(), 3);
        mark("eperm", "0000:82:00.6", "100\n");
        ck_assert_int_eq(vgpu_nvidia_clear_type(root, &vf), -EPERM);
}
END_TEST

static Suite *writes_suite(void)
{
        Suite *s = suite_create("writes");
        TCase *mdev = tcase_create("mdev"), *pci = tcase_create("pci");

        tcase_add_checked_fixture(mdev, NULL, teardown);
        tcase_add_test(mdev, mdev_create_and_pools);
        tcase_add_test(mdev, mdev_create_until_full);
        tcase_add_test(mdev, mdev_create_refusals_write_nothing);
        tcase_add_test(mdev, mdev_attrs_in_order_or_nothing);
        tcase_add_test(mdev, mdev_remove);
        tcase_add_test(mdev, mdev_remove_busy_probe);
        suite_add_tcase(s, mdev);
        tcase_add_checked_fixture(pci, NULL, teardown);
        tcase_add_test(pci, vf_bind_and_unbind);
        tcase_add_test(pci, pf_bind_from_host_driver);
        tcase_add_test(pci, sriov_counts);
        tcase_add_test(pci, sriov_refuses_while_busy);
        tcase_add_test(pci, nvidia_types);
        tcase_add_test(pci, nvidia_eperm_retries);
        suite_add_tcase(s, pci);
        return s;
}

int main(int argc, char *argv[])
{
        (void)argc;
        testsuite_preload_kshim(argv);
        return testsuite_run(writes_suite());
}
