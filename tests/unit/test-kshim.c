/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel-emulation shim (tests/harness/kshim.c), preloaded into this program:
 * raw stores through plain open/write on simulated hosts get the kernel's
 * answers (issue 3's replay first), a changed host equals a fresh build of
 * its model, the model survives a dump, and processes share one host.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fakehost.h"
#include "testsuite.h"

extern char **environ;

#define MTTY   "sys/class/mdev_bus/mtty/mdev_supported_types/"
#define MDPY   "sys/class/mdev_bus/mdpy/mdev_supported_types/"
#define MBOCHS "sys/class/mdev_bus/mbochs/mdev_supported_types/"
#define MDEV   "sys/bus/mdev/devices/"
#define PCI    "sys/bus/pci/devices/"
#define MTTY0  "6a7e1c2d-0000-4000-8000-000000000001" /* mtty-2, group 7, vfio0 */

static char *dir;

static void use(const char *preset)
{
        dir = testsuite_fake_root(preset);
        ck_assert_int_eq(setenv("VGPU_HOOK_ROOT", dir, 1), 0);
}

/* A host from preset TEXT (kept in DIR/.preset.host, outside the tree). */
static void use_text(const char *text)
{
        char path[PATH_MAX], err[512];

        ck_assert_int_eq(fakehost_mktemp(&dir), 0);
        snprintf(path, sizeof(path), "%s/.preset.host", dir);
        testsuite_write(dir, ".preset.host", text);
        ck_assert_msg(fakehost_build(path, dir, err, sizeof(err)) == 0, "%s", err);
        ck_assert_int_eq(setenv("VGPU_HOOK_ROOT", dir, 1), 0);
}

static void teardown(void)
{
        unsetenv("VGPU_KSHIM_FAIL");
        unsetenv("VGPU_KSHIM_LOG");
        testsuite_remove_root(dir);
        dir = NULL;
}

static char *full(const char *path)
{
        static char buf[4][PATH_MAX];
        static int i;

        i = (i + 1) % 4;
        ck_assert_int_lt(snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, path), (int)sizeof(buf[i]));
        return buf[i];
}

/* One write(2) of LEN bytes to DIR/PATH: 0 or its errno (open's, if that failed). */
static int store_n(const char *path, const char *bytes, size_t len)
{
        int fd = open(full(path), O_WRONLY | O_CLOEXEC);
        ssize_t n;
        int err;

        if (fd < 0)
                return errno;
        n = write(fd, bytes, len);
        err = n < 0 ? errno : 0;
        ck_assert_int_eq(close(fd), 0);
        if (n >= 0)
                ck_assert_int_eq(n, (ssize_t)len);
        return err;
}

static int store(const char *path, const char *bytes)
{
        return store_n(path, bytes, strlen(bytes));
}

static const char *readf(const char *path)
{
        static char buf[65536];
        int fd = open(full(path), O_RDONLY | O_CLOEXEC);
        size_t len = 0;
        ssize_t n;

        ck_assert_msg(fd >= 0, "cannot open %s: %s", path, strerror(errno));
        while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
                len += (size_t)n;
        ck_assert_int_eq(n, 0);
        buf[len] = '\0';
        close(fd);
        return buf;
}

static int readi(const char *path)
{
        return atoi(readf(path));
}

static bool exists(const char *path)
{
        struct stat st;

        return lstat(full(path), &st) == 0;
}

/* Where PATH's links lead, relative to DIR. */
static const char *resolved(const char *path)
{
        static char buf[PATH_MAX];
        char *r = realpath(full(path), NULL);

        ck_assert_msg(r, "%s does not resolve: %s", path, strerror(errno));
        ck_assert_msg(strncmp(r, dir, strlen(dir)) == 0 && r[strlen(dir)] == '/', "%s leads out: %s", path, r);
        snprintf(buf, sizeof(buf), "%s", r + strlen(dir) + 1);
        free(r);
        return buf;
}

static void uuid(char *out, unsigned n)
{
        snprintf(out, 37, "%08x-0000-4000-8000-000000000000", n);
}

static int run(char *const argv[])
{
        pid_t pid;
        int status;

        ck_assert_int_eq(posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ), 0);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The changed host is exactly a fresh build of its model: nothing stale,
 * nothing missing. */
static void assert_tree_is_model(void)
{
        char *fresh = NULL, model[PATH_MAX], err[512];

        ck_assert_int_eq(fakehost_mktemp(&fresh), 0);
        snprintf(model, sizeof(model), "%s/.fakehost/model.host", dir);
        ck_assert_msg(fakehost_build(model, fresh, err, sizeof(err)) == 0, "%s", err);
        for (int i = 0; i < 2; i++) {
                char a[PATH_MAX], b[PATH_MAX];
                const char *sub = i ? "dev" : "sys";

                snprintf(a, sizeof(a), "%s/%s", dir, sub);
                snprintf(b, sizeof(b), "%s/%s", fresh, sub);
                ck_assert_msg(run((char *[]){"diff", "-r", "--no-dereference", a, b, NULL}) == 0,
                              "the tree under %s differs from its model", a);
        }
        testsuite_remove_root(fresh);
}

/* ---- issue 3's replay of the kernel's recorded answers -------------------- */

START_TEST(replay_samples)
{
        char u[37];
        int made = 0, e;

        use("samples");
        /* An upper-case UUID is created under its lower-case name. */
        ck_assert_int_eq(store(MTTY "mtty-1/create", "AB0C0000-0000-4000-8000-00000000000A"), 0);
        ck_assert(exists(MDEV "ab0c0000-0000-4000-8000-00000000000a"));
        ck_assert(!exists(MDEV "AB0C0000-0000-4000-8000-00000000000A"));
        /* Filling mtty-2 to ENOSPC leaves mtty-1 at 1. */
        for (unsigned i = 0; (e = store(MTTY "mtty-2/create", (uuid(u, 0x100 + i), u))) == 0; i++)
                made++;
        ck_assert_int_eq(e, ENOSPC);
        ck_assert_int_eq(made, 10);
        ck_assert_int_eq(readi(MTTY "mtty-2/available_instances"), 0);
        ck_assert_int_eq(readi(MTTY "mtty-1/available_instances"), 1);
        /* The 5th mdpy create (one exists) gives EUSERS, on any of its types. */
        ck_assert_int_eq(store(MDPY "mdpy-vga/create", "00000000-0000-4000-8000-000000000201"), 0);
        ck_assert_int_eq(store(MDPY "mdpy-xga/create", "00000000-0000-4000-8000-000000000202"), 0);
        ck_assert_int_eq(store(MDPY "mdpy-hd/create", "00000000-0000-4000-8000-000000000203"), 0);
        ck_assert_int_eq(store(MDPY "mdpy-hd/create", "00000000-0000-4000-8000-000000000204"), EUSERS);
        ck_assert_int_eq(readi(MDPY "mdpy-vga/available_instances"), 0);
        /* A UUID followed by two newlines gives EINVAL; one newline is fine. */
        ck_assert_int_eq(store(MBOCHS "mbochs-small/create", "00000000-0000-4000-8000-000000000301\n\n"), EINVAL);
        ck_assert_int_eq(store(MBOCHS "mbochs-small/create", "00000000-0000-4000-8000-000000000301\n"), 0);
        /* remove 0 is a no-op, and a second remove gives ENOENT. */
        ck_assert_int_eq(store(MDEV MTTY0 "/remove", "0"), 0);
        ck_assert(exists(MDEV MTTY0));
        ck_assert_int_eq(store(MDEV MTTY0 "/remove", "1"), 0);
        ck_assert(!exists(MDEV MTTY0));
        ck_assert_int_eq(store(MDEV MTTY0 "/remove", "1"), ENOENT);
        assert_tree_is_model();
}
END_TEST

/* The library's plain write path (openat2 + one write) gets the same answers. */
START_TEST(library_writes)
{
        struct vgpu_root *root = NULL;
        const char *u = "00000000-0000-4000-8000-000000000601";

        use("samples");
        ck_assert_int_eq(vgpu_root_new(dir, &root), 0);
        ck_assert_int_eq(vgpu_root_write_attr(root, "/" MTTY "mtty-1/create", u, 36), 0);
        ck_assert(vgpu_root_exists(root, MDEV "00000000-0000-4000-8000-000000000601"));
        ck_assert_int_eq(vgpu_root_write_attr(root, MTTY "mtty-1/create", u, 36), -EEXIST);
        ck_assert_int_eq(vgpu_root_write_attr(root, MDPY "mdpy-hd/create", "1", 1), -EINVAL);
        ck_assert_int_eq(vgpu_root_write_attr(root, MDEV "00000000-0000-4000-8000-000000000601/remove", "1", 1), 0);
        ck_assert_int_eq(vgpu_root_write_attr(root, MDEV "00000000-0000-4000-8000-000000000601/remove", "1", 1),
                         -ENOENT);
        vgpu_root_unref(root);
}
END_TEST

START_TEST(replay_nvme_sriov)
{
        const char *numvfs = PCI "0000:01:00.0/sriov_numvfs";

        use("nvme-sriov");
        ck_assert_int_eq(store(numvfs, "3"), EBUSY);
        ck_assert_int_eq(store(numvfs, "9"), ERANGE);
        ck_assert_int_eq(store(numvfs, "5\n"), ERANGE);
        ck_assert_int_eq(store(numvfs, "two"), EINVAL);
        ck_assert_int_eq(store(numvfs, "70000"), EINVAL); /* kstrtou16 */
        ck_assert_int_eq(store(numvfs, "2\n"), 0);        /* the same count: nothing to do */
        ck_assert_str_eq(readf(numvfs), "2\n");
        ck_assert(exists(PCI "0000:01:00.1/driver"));
}
END_TEST

/* ---- mdev create/remove ------------------------------------------------------ */

START_TEST(create_format_and_names)
{
        use("samples");
        ck_assert_int_eq(store(MTTY "mtty-1/create", "00000000-0000-4000-8000-00000000001"), EINVAL);
        ck_assert_int_eq(store(MTTY "mtty-1/create", "00000000-0000-4000-8000-0000000000zz"), EINVAL);
        ck_assert_int_eq(store(MTTY "mtty-1/create", "00000000_0000-4000-8000-000000000011"), EINVAL);
        ck_assert_int_eq(store_n(MTTY "mtty-1/create", "00000000-0000-4000\0-8000-00000000001", 36), EINVAL);
        /* guid_parse() reads 36 characters: a 37th of any kind passes. */
        ck_assert_int_eq(store(MTTY "mtty-1/create", "00000000-0000-4000-8000-000000000011x"), 0);
        /* EEXIST for a UUID under any parent, in any case. */
        ck_assert_int_eq(store(MDPY "mdpy-vga/create", "00000000-0000-4000-8000-000000000011"), EEXIST);
        ck_assert_int_eq(store(MDPY "mdpy-vga/create", "6A7E1C2D-0000-4000-8000-000000000003"), EEXIST);
        ck_assert_int_eq(readi(MDPY "mdpy-vga/available_instances"), 3);
        /* A zero-byte write never reaches the store; more than a page is E2BIG. */
        ck_assert_int_eq(store_n(MTTY "mtty-1/create", "", 0), 0);
        char big[5000];
        memset(big, '1', sizeof(big));
        ck_assert_int_eq(store_n(MTTY "mtty-1/create", big, sizeof(big)), E2BIG);
}
END_TEST

START_TEST(create_links_group_vfio)
{
        const char *u = "00000000-0000-4000-8000-000000000042";
        char path[PATH_MAX];

        use("capture-6.1"); /* groups 0-11 and vfio0-3 are taken */
        ck_assert_int_eq(store(MTTY "mtty-2/create", u), 0);
        snprintf(path, sizeof(path), "sys/devices/virtual/mtty/mtty/%s", u);
        ck_assert_str_eq(resolved(MDEV "00000000-0000-4000-8000-000000000042"), path);
        ck_assert_str_eq(resolved(MDEV "00000000-0000-4000-8000-000000000042/mdev_type"),
                         "sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-2");
        ck_assert_str_eq(resolved(MDEV "00000000-0000-4000-8000-000000000042/iommu_group"),
                         "sys/kernel/iommu_groups/12");
        ck_assert_str_eq(resolved(MTTY "mtty-2/devices/00000000-0000-4000-8000-000000000042"), path);
        ck_assert_str_eq(resolved("sys/bus/mdev/drivers/mtty/00000000-0000-4000-8000-000000000042"), path);
        ck_assert_str_eq(resolved("sys/kernel/iommu_groups/12/devices/00000000-0000-4000-8000-000000000042"), path);
        ck_assert(exists(MDEV "00000000-0000-4000-8000-000000000042/vfio-dev/vfio4"));
        ck_assert(exists(MDEV "00000000-0000-4000-8000-000000000042/remove"));
        ck_assert(exists("dev/vfio/12"));
        ck_assert_int_eq(readi(MTTY "mtty-2/available_instances"), 10);
        ck_assert_int_eq(readi(MTTY "mtty-1/available_instances"), 20);
        /* Removing frees the numbers; the next instance gets them again. */
        ck_assert_int_eq(store(MDEV MTTY0 "/remove", "0x1"), 0);
        ck_assert(!exists("sys/kernel/iommu_groups/7") && !exists("dev/vfio/7"));
        ck_assert_int_eq(store(MTTY "mtty-1/create", "00000000-0000-4000-8000-000000000043"), 0);
        ck_assert_str_eq(resolved(MDEV "00000000-0000-4000-8000-000000000043/iommu_group"),
                         "sys/kernel/iommu_groups/7");
        ck_assert(exists(MDEV "00000000-0000-4000-8000-000000000043/vfio-dev/vfio0"));
        assert_tree_is_model();
}
END_TEST

START_TEST(pools_nvidia_and_gvtg)
{
        const char *t4 = PCI "0000:3b:00.0/mdev_supported_types/";
        const char *a10 = PCI "0000:ca:00.5/mdev_supported_types/";
        char path[PATH_MAX];

        use("demo");
        /* T4: one type per GPU; another type finds no room. */
        snprintf(path, sizeof(path), "%snvidia-224/create", t4);
        ck_assert_int_eq(store(path, "00000000-0000-4000-8000-000000000501"), 0);
        snprintf(path, sizeof(path), "%snvidia-222/create", t4);
        ck_assert_int_eq(store(path, "00000000-0000-4000-8000-000000000502"), ENOSPC);
        snprintf(path, sizeof(path), "%snvidia-224/available_instances", t4);
        ck_assert_int_eq(readi(path), 2);
        /* A10: one vGPU per VF, one type per GPU across its VFs. */
        ck_assert_int_eq(store(PCI "0000:ca:00.4/mdev_supported_types/nvidia-592/create",
                               "00000000-0000-4000-8000-000000000503"),
                         ENOSPC);
        snprintf(path, sizeof(path), "%snvidia-593/create", a10);
        ck_assert_int_eq(store(path, "00000000-0000-4000-8000-000000000504"), ENOSPC);
        snprintf(path, sizeof(path), "%snvidia-592/create", a10);
        ck_assert_int_eq(store(path, "00000000-0000-4000-8000-000000000505"), 0);
        ck_assert_int_eq(readi(PCI "0000:ca:00.6/mdev_supported_types/nvidia-592/available_instances"), 1);
        ck_assert_int_eq(readi(PCI "0000:ca:00.5/mdev_supported_types/nvidia-592/available_instances"), 0);
        /* GVT-g: types share the aperture. */
        ck_assert_int_eq(store(PCI "0000:00:02.0/mdev_supported_types/i915-GVTg_V5_4/create",
                               "00000000-0000-4000-8000-000000000506"),
                         0);
        ck_assert_int_eq(readi(PCI "0000:00:02.0/mdev_supported_types/i915-GVTg_V5_8/available_instances"), 6);
        ck_assert_int_eq(readi(PCI "0000:00:02.0/mdev_supported_types/i915-GVTg_V5_1/available_instances"), 0);
        assert_tree_is_model();
}
END_TEST

START_TEST(remove_values)
{
        int fd;

        use("samples");
        ck_assert_int_eq(store(MDEV MTTY0 "/remove", "junk"), EINVAL);
        ck_assert_int_eq(store(MDEV MTTY0 "/remove", "-1"), EINVAL);
        ck_assert_int_eq(store(MDEV MTTY0 "/remove", "y"), EINVAL); /* kstrtoul, not kstrtobool */
        ck_assert_int_eq(store(MDEV MTTY0 "/remove", "0\n"), 0);
        ck_assert_int_eq(store(MDEV MTTY0 "/remove", "+00\n"), 0);
        ck_assert(exists(MDEV MTTY0));
        /* The same open file twice: the attribute is gone the second time. */
        fd = open(full(MDEV MTTY0 "/remove"), O_WRONLY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, "2\n", 2), 2);
        ck_assert(!exists(MDEV MTTY0));
        ck_assert_int_eq(write(fd, "1", 1), -1);
        ck_assert_int_eq(errno, ENODEV);
        ck_assert_int_eq(close(fd), 0);
        ck_assert_int_eq(readi(MTTY "mtty-1/available_instances"), 24);
        assert_tree_is_model();
}
END_TEST

/* ---- SR-IOV ---------------------------------------------------------------- */

START_TEST(numvfs_disable_enable)
{
        const char *pf = PCI "0000:01:00.0/";
        char path[PATH_MAX];

        use("nvme-sriov");
        snprintf(path, sizeof(path), "%ssriov_numvfs", pf);
        ck_assert_int_eq(store(path, "0"), 0);
        ck_assert(!exists(PCI "0000:01:00.1") && !exists(PCI "0000:01:00.2"));
        ck_assert(!exists("sys/bus/pci/drivers/vfio-pci/0000:01:00.1"));
        ck_assert(!exists("sys/kernel/iommu_groups/10") && !exists("dev/vfio/10"));
        ck_assert(!exists("sys/devices/pci0000:00/0000:00:04.0/0000:01:00.1"));
        ck_assert_str_eq(readf(path), "0\n");
        /* Autoprobe off: new VFs stay without a driver. */
        ck_assert_int_eq(store(path, "0x3"), 0);
        ck_assert_str_eq(readf(path), "3\n");
        for (int i = 1; i <= 3; i++) {
                char vf[PATH_MAX], link[64];

                snprintf(vf, sizeof(vf), PCI "0000:01:00.%d", i);
                ck_assert(exists(vf));
                snprintf(link, sizeof(link), "%svirtfn%d", pf, i - 1);
                ck_assert_str_eq(resolved(link), resolved(vf));
                snprintf(vf, sizeof(vf), PCI "0000:01:00.%d/physfn", i);
                ck_assert_str_eq(resolved(vf), "sys/devices/pci0000:00/0000:00:04.0/0000:01:00.0");
                snprintf(vf, sizeof(vf), PCI "0000:01:00.%d/driver", i);
                ck_assert(!exists(vf));
        }
        ck_assert_str_eq(readf(PCI "0000:01:00.3/device"), "0x0010\n");
        ck_assert_str_eq(resolved(PCI "0000:01:00.1/iommu_group"), "sys/kernel/iommu_groups/0");
        ck_assert_str_eq(resolved(PCI "0000:01:00.3/iommu_group"), "sys/kernel/iommu_groups/2");
        assert_tree_is_model();
        /* Autoprobe on: they come up on the PF's driver. */
        snprintf(path, sizeof(path), "%ssriov_drivers_autoprobe", pf);
        ck_assert_int_eq(store(path, "maybe"), EINVAL);
        ck_assert_int_eq(store(path, "Y\n"), 0);
        ck_assert_str_eq(readf(path), "1\n");
        snprintf(path, sizeof(path), "%ssriov_numvfs", pf);
        ck_assert_int_eq(store(path, "0"), 0);
        ck_assert_int_eq(store(path, "1"), 0);
        ck_assert_str_eq(resolved(PCI "0000:01:00.1/driver"), "sys/bus/pci/drivers/nvme");
        ck_assert(!exists(PCI "0000:01:00.2"));
        snprintf(path, sizeof(path), "%ssriov_drivers_autoprobe", pf);
        ck_assert_int_eq(store(path, "off"), 0);
        ck_assert_str_eq(readf(path), "0\n");
        assert_tree_is_model();
}
END_TEST

START_TEST(numvfs_routing_and_refusals)
{
        use_text("pci 0000:05:00.0 vendor=0x8086 device=0x1572 class=0x020000 driver=i40e group=1 totalvfs=4 "
                 "vf-offset=255 vf-stride=2 vf-device=0x154c\n"
                 "pci 0000:06:00.0 vendor=0x1002 device=0x7312 class=0x030000 driver=gim group=2 totalvfs=8 "
                 "numvfs-errno=ENOENT\n"
                 "pci 0000:07:00.0 vendor=0x1b36 device=0x0010 class=0x010802 group=3 totalvfs=2\n");
        /* VF i at the PF's routing ID + offset + i * stride; the bus carries. */
        ck_assert_int_eq(store(PCI "0000:05:00.0/sriov_numvfs", "2"), 0);
        ck_assert(exists(PCI "0000:05:1f.7") && exists(PCI "0000:06:00.1"));
        ck_assert_str_eq(readf(PCI "0000:06:00.1/device"), "0x154c\n");
        ck_assert_str_eq(resolved(PCI "0000:05:00.0/virtfn1"), resolved(PCI "0000:06:00.1"));
        /* A PF whose driver has no sriov_configure; a PF without driver. */
        ck_assert_int_eq(store(PCI "0000:06:00.0/sriov_numvfs", "2"), ENOENT);
        ck_assert_int_eq(store(PCI "0000:06:00.0/sriov_numvfs", "0"), 0);
        ck_assert_int_eq(store(PCI "0000:06:00.0/sriov_numvfs", "9"), ERANGE);
        ck_assert_int_eq(store(PCI "0000:07:00.0/sriov_numvfs", "1"), ENOENT);
        assert_tree_is_model();
}
END_TEST

START_TEST(numvfs_takes_mdev_parents)
{
        use("a10");
        ck_assert_int_eq(store(PCI "0000:ca:00.0/sriov_numvfs", "0"), 0);
        ck_assert(!exists("sys/class/mdev_bus/0000:ca:00.4"));
        ck_assert(!exists(MDEV "9b1d4c7e-2a35-4f68-8e0b-5c6d7e8f9a01"));
        ck_assert(!exists("sys/bus/mdev/drivers/nvidia-vgpu-vfio/9b1d4c7e-2a35-4f68-8e0b-5c6d7e8f9a01"));
        ck_assert_int_eq(store(PCI "0000:ca:00.0/sriov_numvfs", "2"), 0);
        ck_assert(exists(PCI "0000:ca:00.5") && !exists(PCI "0000:ca:00.5/driver"));
        assert_tree_is_model();
}
END_TEST

/* ---- drivers ------------------------------------------------------------------ */

START_TEST(override_and_probe)
{
        const char *ov = PCI "0000:01:00.2/driver_override";

        use("nvme-sriov");
        ck_assert_str_eq(readf(ov), "(null)\n");
        ck_assert_int_eq(store(ov, "pci-stub\nrest"), 0);
        ck_assert_str_eq(readf(ov), "pci-stub\n");
        ck_assert_int_eq(store(ov, "\n"), 0);
        ck_assert_str_eq(readf(ov), "(null)\n");
        ck_assert_int_eq(store(ov, "bogus"), 0);
        ck_assert_int_eq(store_n(ov, "\0", 1), 0);
        ck_assert_str_eq(readf(ov), "(null)\n");
        /* drivers_probe: ENODEV for no such device; nothing to bind is fine. */
        ck_assert_int_eq(store("sys/bus/pci/drivers_probe", "0000:09:00.0"), ENODEV);
        ck_assert_int_eq(store(ov, "bogus"), 0);
        ck_assert_int_eq(store("sys/bus/pci/drivers_probe", "0000:01:00.2\n"), 0);
        ck_assert(!exists(PCI "0000:01:00.2/driver"));
        /* The override wins over the device's own driver (nvme). */
        ck_assert_int_eq(store(ov, "vfio-pci"), 0);
        ck_assert_int_eq(store("sys/bus/pci/drivers_probe", "0000:01:00.2"), 0);
        ck_assert_str_eq(resolved(PCI "0000:01:00.2/driver"), "sys/bus/pci/drivers/vfio-pci");
        ck_assert(exists(PCI "0000:01:00.2/vfio-dev/vfio0") && exists("dev/vfio/11"));
        /* Bound already: nothing changes. */
        ck_assert_int_eq(store(ov, "\n"), 0);
        ck_assert_int_eq(store("sys/bus/pci/drivers_probe", "0000:01:00.2"), 0);
        ck_assert_str_eq(resolved(PCI "0000:01:00.2/driver"), "sys/bus/pci/drivers/vfio-pci");
        /* Unbound without override: its own driver, and the preset gave
         * this VF none; the VFs sriov_numvfs creates know their PF's. */
        ck_assert_int_eq(store(PCI "0000:01:00.2/driver/unbind", "0000:01:00.2"), 0);
        ck_assert(!exists("dev/vfio/11") && !exists(PCI "0000:01:00.2/vfio-dev"));
        ck_assert_int_eq(store("sys/bus/pci/drivers_probe", "0000:01:00.2"), 0);
        ck_assert(!exists(PCI "0000:01:00.2/driver"));
        ck_assert_int_eq(store(PCI "0000:01:00.0/sriov_numvfs", "0"), 0);
        ck_assert_int_eq(store(PCI "0000:01:00.0/sriov_numvfs", "2"), 0);
        ck_assert(!exists(PCI "0000:01:00.2/driver"));
        ck_assert_int_eq(store("sys/bus/pci/drivers_probe", "0000:01:00.2"), 0);
        ck_assert_str_eq(resolved(PCI "0000:01:00.2/driver"), "sys/bus/pci/drivers/nvme");
        assert_tree_is_model();
}
END_TEST

START_TEST(vfio_refuses)
{
        use_text("pci 0000:00:04.0 vendor=0x1b36 device=0x000c class=0x060400 driver=pcieport group=4\n"
                 "pci 0000:01:00.0 bridge=0000:00:04.0 vendor=0x10de device=0x1eb8 class=0x030200 group=6 "
                 "home=nvidia vfio-bind=fail override=vfio-pci\n");
        /* drivers_probe says OK, but nothing bound: re-read the link. */
        ck_assert_int_eq(store("sys/bus/pci/drivers_probe", "0000:01:00.0"), 0);
        ck_assert(!exists(PCI "0000:01:00.0/driver"));
        ck_assert_int_eq(store("sys/bus/pci/drivers/vfio-pci/bind", "0000:01:00.0"), EINVAL);
        ck_assert_int_eq(store("sys/bus/pci/drivers/nvidia/bind", "0000:01:00.0"), ENODEV);
        ck_assert_int_eq(store(PCI "0000:01:00.0/driver_override", ""), 0); /* a zero-byte write: no store */
        ck_assert_str_eq(readf(PCI "0000:01:00.0/driver_override"), "vfio-pci\n");
        ck_assert_int_eq(store(PCI "0000:01:00.0/driver_override", "\n"), 0);
        ck_assert_int_eq(store("sys/bus/pci/drivers/nvidia/bind", "0000:01:00.0"), 0);
        ck_assert_str_eq(resolved(PCI "0000:01:00.0/driver"), "sys/bus/pci/drivers/nvidia");
        assert_tree_is_model();
}
END_TEST

START_TEST(bind_unbind)
{
        use("nvme-sriov");
        ck_assert_int_eq(store("sys/bus/pci/drivers/nvme/unbind", "0000:01:00.2"), ENODEV);
        ck_assert_int_eq(store("sys/bus/pci/drivers/nvme/unbind", "0000:01:00.1"), ENODEV);
        ck_assert_int_eq(store("sys/bus/pci/drivers/vfio-pci/unbind", "0000:09:00.0"), ENODEV);
        ck_assert_int_eq(store("sys/bus/pci/drivers/vfio-pci/unbind", "0000:01:00.1\n"), 0);
        ck_assert(!exists(PCI "0000:01:00.1/driver") && !exists("sys/bus/pci/drivers/vfio-pci/0000:01:00.1"));
        ck_assert(!exists(PCI "0000:01:00.1/vfio-dev") && !exists("dev/vfio/10"));
        /* bind matches by override, else by the device's own driver. */
        ck_assert_int_eq(store("sys/bus/pci/drivers/vfio-pci/bind", "0000:01:00.2"), ENODEV);
        ck_assert_int_eq(store("sys/bus/pci/drivers/nvme/bind", "0000:01:00.1"), ENODEV);
        ck_assert_int_eq(store("sys/bus/pci/drivers/vfio-pci/bind", "0000:01:00.1"), 0);
        ck_assert_int_eq(store("sys/bus/pci/drivers/vfio-pci/bind", "0000:01:00.1"), EBUSY);
        ck_assert(exists(PCI "0000:01:00.1/vfio-dev/vfio0"));                             /* the lowest free number */
        ck_assert_int_eq(store("sys/bus/pci/drivers/nvme/bind", "0000:01:00.2"), ENODEV); /* no home */
        ck_assert_int_eq(store("sys/bus/pci/drivers/nvme/unbind", "0000:01:00.0"), 0);
        ck_assert(!exists(PCI "0000:01:00.0/driver") && exists("sys/bus/pci/drivers/nvme/bind"));
        ck_assert_int_eq(store("sys/bus/pci/drivers/nvme/bind", "0000:01:00.0"), 0);
        ck_assert_str_eq(resolved(PCI "0000:01:00.0/driver"), "sys/bus/pci/drivers/nvme");
        assert_tree_is_model();
}
END_TEST

/* ---- NVIDIA vendor VFIO ------------------------------------------------------------ */

static int ntypes(const char *vf)
{
        char path[PATH_MAX];
        const char *s;
        int n = -1;

        snprintf(path, sizeof(path), PCI "%s/nvidia/creatable_vgpu_types", vf);
        for (s = readf(path); (s = strchr(s, '\n')); s++)
                n++;
        return n;
}

START_TEST(vgpu_types)
{
        const char *cur5 = PCI "0000:82:00.5/nvidia/current_vgpu_type";
        const char *cur6 = PCI "0000:82:00.6/nvidia/current_vgpu_type";

        use("l4");
        ck_assert_int_eq(ntypes("0000:82:00.4"), 0);
        ck_assert_int_eq(ntypes("0000:82:00.5"), 6);
        ck_assert_int_eq(store(PCI "0000:82:00.4/nvidia/current_vgpu_type", "941"), EINVAL);
        ck_assert_int_eq(store(cur5, "945"), EINVAL); /* 24 GB do not fit in 20 */
        ck_assert_int_eq(store(cur5, "L4-12Q"), EINVAL);
        ck_assert_int_eq(store(cur5, "944\n"), 0);
        ck_assert_str_eq(readf(cur5), "944\n");
        ck_assert_int_eq(ntypes("0000:82:00.5"), 0);
        ck_assert_int_eq(ntypes("0000:82:00.6"), 5); /* 1Q .. 8Q fit in 8 */
        ck_assert_int_eq(store(cur6, "944"), EINVAL);
        ck_assert_int_eq(store(cur6, "943"), 0);
        ck_assert_int_eq(ntypes("0000:82:00.7"), 0);
        ck_assert_str_eq(readf(PCI "0000:82:00.7/nvidia/creatable_vgpu_types"), "ID    : vGPU Name\n");
        ck_assert_int_eq(store(cur5, "0"), 0);
        ck_assert_str_eq(readf(cur5), "0\n");
        ck_assert_int_eq(ntypes("0000:82:00.7"), 6);
        /* While the driver releases a VF it answers EPERM for a while. */
        testsuite_write(dir, ".fakehost/eperm/0000:82:00.6", "2\n");
        ck_assert_int_eq(store(cur6, "0"), EPERM);
        ck_assert_int_eq(store(cur6, "0"), EPERM);
        ck_assert_int_eq(store(cur6, "0"), 0);
        ck_assert(!exists(".fakehost/eperm/0000:82:00.6"));
        assert_tree_is_model();
}
END_TEST

/* The driver's three layouts (tests/presets/h200.host) and its refusals. */
#define H200 "sys/bus/pci/devices/0000:"

static const char *nv(const char *vf, const char *file)
{
        static char path[PATH_MAX];

        snprintf(path, sizeof(path), H200 "%s/nvidia/%s", vf, file);
        return path;
}

START_TEST(vgpu_equal_size)
{
        use("h200");
        ck_assert_int_eq(store(nv("41:00.4", "current_vgpu_type"), "1422"), 0); /* 35C */
        ck_assert_int_eq(ntypes("0000:41:00.5"), 1);                            /* that size only */
        ck_assert_int_eq(store(nv("41:00.5", "current_vgpu_type"), "1421"), EINVAL);
        ck_assert_str_eq(readf(nv("41:00.5", "current_vgpu_type")), "0\n");
        ck_assert_int_eq(store(nv("41:00.5", "current_vgpu_type"), "1422"), 0);
        ck_assert_int_eq(store(nv("41:00.5", "gpu_instance_id"), "1"), EINVAL); /* no MIG here */
        ck_assert_int_eq(store(nv("41:00.5", "placement_id"), "0"), EINVAL);    /* nor placements */
        ck_assert_int_eq(store(nv("41:00.4", "current_vgpu_type"), "0"), 0);
        ck_assert_int_eq(store(nv("41:00.5", "current_vgpu_type"), "0"), 0);
        ck_assert_int_eq(ntypes("0000:41:00.4"), 4); /* empty again: every size */
        assert_tree_is_model();
}
END_TEST

START_TEST(vgpu_mixed_size)
{
        use("h200");
        ck_assert_int_eq(store(nv("61:00.4", "current_vgpu_type"), "1423"), 0); /* 70C at 0 */
        ck_assert_str_eq(readf(nv("61:00.4", "placement_id")), "0\n");
        ck_assert_int_eq(ntypes("0000:61:00.5"), 3); /* 18C, 35C, 70C beside it */
        ck_assert_int_eq(store(nv("61:00.5", "placement_id"), "18"), 0);
        ck_assert_int_eq(store(nv("61:00.5", "current_vgpu_type"), "1421"), EINVAL); /* 18 is taken */
        ck_assert_str_eq(readf(nv("61:00.5", "current_vgpu_type")), "0\n");
        ck_assert_str_eq(readf(nv("61:00.5", "placement_id")), "-1\n"); /* left clean */
        ck_assert_int_eq(store(nv("61:00.5", "current_vgpu_type"), "1422"), 0);
        ck_assert_str_eq(readf(nv("61:00.5", "placement_id")), "70\n");
        ck_assert_int_eq(store(nv("61:00.5", "placement_id"), "0"), EBUSY);
        ck_assert_int_eq(ntypes("0000:61:00.6"), 2); /* 18C at 108, 35C at 105 */
        assert_tree_is_model();
}
END_TEST

START_TEST(vgpu_mig_backed)
{
        use("h200");
        ck_assert_int_eq(ntypes("0000:81:00.4"), 3);                                 /* no instance holds 141 GB */
        ck_assert_int_eq(store(nv("81:00.4", "current_vgpu_type"), "1433"), EINVAL); /* no instance chosen */
        ck_assert_int_eq(store(nv("81:00.4", "gpu_instance_id"), "9"), EINVAL);
        ck_assert_int_eq(store(nv("81:00.4", "gpu_instance_id"), "2"), 0);
        ck_assert_int_eq(ntypes("0000:81:00.4"), 2); /* 18 and 35 fit in 2g.35gb */
        ck_assert_int_eq(store(nv("81:00.4", "gpu_instance_id"), "1"), 0);
        ck_assert_int_eq(store(nv("81:00.4", "current_vgpu_type"), "1432"), 0);
        ck_assert_int_eq(store(nv("81:00.4", "gpu_instance_id"), "2"), EBUSY);
        ck_assert_int_eq(store(nv("81:00.5", "gpu_instance_id"), "1"), 0);
        ck_assert_int_eq(store(nv("81:00.5", "current_vgpu_type"), "1431"), EINVAL); /* instance 1 holds 35C */
        ck_assert_str_eq(readf(nv("81:00.5", "gpu_instance_id")), "-1\n");
        ck_assert_int_eq(store(nv("81:00.5", "gpu_instance_id"), "1"), 0);
        ck_assert_int_eq(store(nv("81:00.5", "current_vgpu_type"), "1432"), 0);
        ck_assert_int_eq(store(nv("81:00.6", "vgpu_params"), "frame_rate_limiter=0"), EINVAL); /* no type */
        ck_assert_int_eq(store(nv("81:00.4", "vgpu_params"), "frame_rate_limiter=0, disable_vnc=1\n"), 0);
        ck_assert_str_eq(readf(nv("81:00.4", "vgpu_params")), "frame_rate_limiter=0, disable_vnc=1\n");
        ck_assert_int_eq(store(nv("81:00.4", "vgpu_params"), "frame rate"), EINVAL);
        ck_assert_int_eq(store(nv("81:00.4", "current_vgpu_type"), "0"), 0);
        ck_assert_str_eq(readf(nv("81:00.4", "vgpu_params")), "\n");
        ck_assert_str_eq(readf(nv("81:00.4", "gpu_instance_id")), "-1\n");
        assert_tree_is_model();
}
END_TEST

START_TEST(vgpu_name_first)
{
        use("l40s");
        ck_assert_ptr_nonnull(strstr(readf(nv("c1:00.4", "creatable_vgpu_types")), "NVIDIA L40S-2Q       1156\n"));
        ck_assert_int_eq(store(nv("c1:00.4", "current_vgpu_type"), "1158"), 0);
        ck_assert_str_eq(readf(nv("c1:00.5", "creatable_vgpu_types")), "NVIDIA L40S-8Q       1158\n");
        assert_tree_is_model();
}
END_TEST

/* ---- held devices ---------------------------------------------------------------- */

START_TEST(held_groups)
{
        struct open_how how = {.flags = O_RDWR | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
        struct vgpu_root *root = NULL;
        int rootfd, fd;

        use("capture-6.1");
        ck_assert_int_eq(setenv("VGPU_KSHIM_LOG", full(".log"), 1), 0);
        testsuite_write(dir, ".fakehost/held/7", "");
        testsuite_write(dir, ".fakehost/held/10", "");
        ck_assert_int_eq(open(full("dev/vfio/7"), O_RDWR), -1);
        ck_assert_int_eq(errno, EBUSY);
        ck_assert_int_eq(openat(AT_FDCWD, full("dev/vfio/7"), O_RDONLY), -1);
        ck_assert_int_eq(errno, EBUSY);
        rootfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_eq(syscall(SYS_openat2, rootfd, "/dev/vfio/7", &how, sizeof(how)), -1);
        ck_assert_int_eq(errno, EBUSY);
        how.flags = O_PATH | O_CLOEXEC;
        fd = (int)syscall(SYS_openat2, rootfd, "dev/vfio/7", &how, sizeof(how));
        ck_assert_int_ge(fd, 0);
        close(fd);
        close(rootfd);
        fd = open(full("dev/vfio/8"), O_RDWR | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        close(fd);
        /* The library's own probe sees it too. */
        ck_assert_int_eq(vgpu_root_new(dir, &root), 0);
        ck_assert_int_eq(vgpu_root_open(root, "dev/vfio/7", O_RDWR), -EBUSY);
        vgpu_root_unref(root);
        /* What would block in the kernel fails with EDEADLK, and says so. */
        ck_assert_int_eq(store(MDEV MTTY0 "/remove", "1"), EDEADLK);
        ck_assert(exists(MDEV MTTY0));
        ck_assert_int_eq(store(PCI "0000:01:00.1/driver/unbind", "0000:01:00.1"), EDEADLK);
        ck_assert_int_eq(store(PCI "0000:01:00.0/sriov_numvfs", "0"), EDEADLK);
        ck_assert(exists(PCI "0000:01:00.1/driver") && exists(PCI "0000:01:00.2"));
        ck_assert_ptr_nonnull(
                strstr(readf(".log"), "kshim: BLOCKED: sys/devices/virtual/mtty/mtty/" MTTY0 "/remove\n"));
        ck_assert_ptr_nonnull(strstr(readf(".log"), "kshim: BLOCKED: sys/bus/pci/drivers/vfio-pci/unbind\n"));
        /* Released: it goes. */
        testsuite_unlink(dir, ".fakehost/held/7");
        ck_assert_int_eq(store(MDEV MTTY0 "/remove", "1"), 0);
}
END_TEST

/* ---- other stores, other files ---------------------------------------------------- */

START_TEST(pass_through)
{
        use("nvme-sriov");
        ck_assert_int_eq(setenv("VGPU_KSHIM_LOG", full(".log"), 1), 0);
        ck_assert_int_eq(store(PCI "0000:01:00.0/enable", "1"), 0);
        ck_assert_str_eq(readf(PCI "0000:01:00.0/enable"), "1\n"); /* over "0\n" */
        ck_assert_ptr_nonnull(strstr(readf(".log"), " sys/devices/pci0000:00/0000:00:04.0/0000:01:00.0/enable "
                                                    "\"1\" ok (not emulated)\n"));
        /* Outside ROOT/sys nothing is trapped or counted. */
        testsuite_write(dir, "etc/x", "");
        ck_assert_int_eq(store("etc/x", "0"), 0);
        ck_assert_str_eq(readf("etc/x"), "0");
        ck_assert_str_eq(readf(".fakehost/count"), "1\n");
        /* Without VGPU_HOOK_ROOT, or without a model, writes are plain. */
        unsetenv("VGPU_HOOK_ROOT");
        ck_assert_int_eq(store(PCI "0000:01:00.0/sriov_numvfs", "3"), 0);
        ck_assert_str_eq(readf(PCI "0000:01:00.0/sriov_numvfs"), "3\n");
        setenv("VGPU_HOOK_ROOT", dir, 1);
        testsuite_unlink(dir, ".fakehost/model.host");
        ck_assert_int_eq(store(PCI "0000:01:00.0/sriov_numvfs", "9"), 0);
        ck_assert_str_eq(readf(PCI "0000:01:00.0/sriov_numvfs"), "9\n");
        ck_assert_str_eq(readf(".fakehost/count"), "1\n");
}
END_TEST

START_TEST(log_lines)
{
        char want[256];

        use("samples");
        ck_assert_int_eq(setenv("VGPU_KSHIM_LOG", full(".log"), 1), 0);
        ck_assert_int_eq(store(MTTY "mtty-1/create", "00000000-0000-4000-8000-000000000011\n\n"), EINVAL);
        ck_assert_int_eq(store(MTTY "mtty-1/create", "00000000-0000-4000-8000-000000000011\t"), 0);
        snprintf(want, sizeof(want),
                 "%d sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-1/create "
                 "\"00000000-0000-4000-8000-000000000011\\n\\n\" EINVAL\n"
                 "%d sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-1/create "
                 "\"00000000-0000-4000-8000-000000000011\\t\" ok\n",
                 (int)getpid(), (int)getpid());
        ck_assert_str_eq(readf(".log"), want);
}
END_TEST

/* ---- failure injection ---------------------------------------------------------- */

START_TEST(fail_nth_store)
{
        char u[37];

        use("samples");
        ck_assert_int_eq(setenv("VGPU_KSHIM_FAIL", "3:EIO", 1), 0);
        ck_assert_int_eq(setenv("VGPU_KSHIM_LOG", full(".log"), 1), 0);
        for (unsigned i = 1; i <= 4; i++)
                ck_assert_int_eq(store(MTTY "mtty-1/create", (uuid(u, i), u)), i == 3 ? EIO : 0);
        ck_assert(exists(MDEV "00000002-0000-4000-8000-000000000000"));
        ck_assert(!exists(MDEV "00000003-0000-4000-8000-000000000000"));
        ck_assert(exists(MDEV "00000004-0000-4000-8000-000000000000"));
        ck_assert_str_eq(readf(".fakehost/count"), "4\n");
        ck_assert_ptr_nonnull(strstr(readf(".log"), "-000000000000\" EIO (injected)\n"));
        assert_tree_is_model();
}
END_TEST

START_TEST(count_only)
{
        use("nvme-sriov");
        ck_assert_int_eq(store(PCI "0000:01:00.0/sriov_numvfs", "0"), 0);
        ck_assert_int_eq(store(PCI "0000:01:00.0/sriov_numvfs", "7"), ERANGE);
        ck_assert_int_eq(store(PCI "0000:01:00.0/sriov_numvfs", "2"), 0);
        ck_assert_str_eq(readf(".fakehost/count"), "3\n");
}
END_TEST

/* A child stores into mtty-1/create with VGPU_KSHIM_FAIL=1:WHAT. */
static int killed_store(const char *what, const char *u)
{
        pid_t pid = fork();
        int status;

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                setenv("VGPU_KSHIM_FAIL", what, 1);
                store(MTTY "mtty-1/create", u);
                _exit(0);
        }
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        return WIFSIGNALED(status) ? WTERMSIG(status) : -1;
}

START_TEST(fail_sigkill)
{
        use("samples");
        ck_assert_int_eq(setenv("VGPU_KSHIM_LOG", full(".log"), 1), 0);
        ck_assert_int_eq(killed_store("1:SIGKILL", "00000000-0000-4000-8000-000000000001"), SIGKILL);
        ck_assert(!exists(MDEV "00000000-0000-4000-8000-000000000001"));
        ck_assert_int_eq(killed_store("2:SIGKILL-AFTER", "00000000-0000-4000-8000-000000000002"), SIGKILL);
        ck_assert(exists(MDEV "00000000-0000-4000-8000-000000000002"));
        ck_assert_ptr_nonnull(strstr(readf(".log"), "-000000000001\" SIGKILL\n"));
        ck_assert_ptr_nonnull(strstr(readf(".log"), "-000000000002\" ok SIGKILL-AFTER\n"));
        /* The lock died with the process. */
        ck_assert_int_eq(store(MTTY "mtty-1/create", "00000000-0000-4000-8000-000000000003"), 0);
        assert_tree_is_model();
}
END_TEST

/* ---- processes ------------------------------------------------------------------- */

START_TEST(processes_share_the_host)
{
        char cmd[PATH_MAX * 2];
        enum { KIDS = 4, EACH = 5 };
        pid_t kids[KIDS];
        int status;

        use("samples");
        /* Another program (dash's printf is a plain write(2)). */
        snprintf(cmd, sizeof(cmd), "printf %%s 00000000-0000-4000-8000-0000000000a1 >%s", full(MTTY "mtty-1/create"));
        ck_assert_int_eq(run((char *[]){"/bin/sh", "-c", cmd, NULL}), 0);
        ck_assert(exists(MDEV "00000000-0000-4000-8000-0000000000a1"));
        ck_assert_int_eq(readi(MTTY "mtty-1/available_instances"), 21);
        /* Processes creating at once all get theirs. */
        for (int k = 0; k < KIDS; k++) {
                kids[k] = fork();
                ck_assert_int_ge(kids[k], 0);
                if (kids[k] == 0) {
                        char u[37];
                        int bad = 0;

                        for (int i = 0; i < EACH; i++)
                                bad += store(MBOCHS "mbochs-small/create", (uuid(u, 0x1000u + k * 16u + i), u)) != 0;
                        _exit(bad);
                }
        }
        for (int k = 0; k < KIDS; k++) {
                ck_assert_int_eq(waitpid(kids[k], &status, 0), kids[k]);
                ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        ck_assert_int_eq(readi(MBOCHS "mbochs-small/available_instances"), 63 - KIDS * EACH);
        snprintf(cmd, sizeof(cmd), "echo 1 >%s", full(MDEV "00001000-0000-4000-8000-000000000000/remove"));
        ck_assert_int_eq(run((char *[]){"/bin/sh", "-c", cmd, NULL}), 0);
        ck_assert(!exists(MDEV "00001000-0000-4000-8000-000000000000"));
        assert_tree_is_model();
}
END_TEST

/* ---- the model file ----------------------------------------------------------------- */

static char *dump_of(const char *preset_file)
{
        struct fakehost *fh = NULL;
        char err[512], *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        ck_assert_msg(fakehost_parse(preset_file, &fh, err, sizeof(err)) == 0, "%s", err);
        ck_assert_int_eq(fakehost_dump(fh, f), 0);
        ck_assert_int_eq(fclose(f), 0);
        fakehost_free(fh);
        return text;
}

START_TEST(dump_round_trip)
{
        static const char *const presets[] = {"samples", "nvme-sriov", "t4",   "a10",        "gvtg",
                                              "numa2",   "l4",         "demo", "capture-6.1"};
        const char *name = presets[_i];
        char rel[64], copy[PATH_MAX], *src, *first, *second;

        snprintf(rel, sizeof(rel), "tests/presets/%s.host", name);
        src = testsuite_srcpath(rel);
        use(name);
        first = dump_of(src);
        /* fakehost_write() wrote the same dump as the model file. */
        ck_assert(strcmp(readf(".fakehost/model.host"), first) == 0);
        snprintf(copy, sizeof(copy), "%s/.fakehost/model.host", dir);
        second = dump_of(copy);
        ck_assert(strcmp(second, first) == 0);
        /* And the model it holds builds the same tree. */
        assert_tree_is_model();
        free(first);
        free(second);
        free(src);
}
END_TEST

static Suite *kshim_suite(void)
{
        Suite *s = suite_create("kshim");
        TCase *replay = tcase_create("replay"), *mdev = tcase_create("mdev"), *pci = tcase_create("pci"),
              *held = tcase_create("held"), *ctl = tcase_create("controls"), *model = tcase_create("model");

        tcase_add_checked_fixture(replay, NULL, teardown);
        tcase_add_test(replay, replay_samples);
        tcase_add_test(replay, replay_nvme_sriov);
        tcase_add_test(replay, library_writes);
        suite_add_tcase(s, replay);
        tcase_add_checked_fixture(mdev, NULL, teardown);
        tcase_add_test(mdev, create_format_and_names);
        tcase_add_test(mdev, create_links_group_vfio);
        tcase_add_test(mdev, pools_nvidia_and_gvtg);
        tcase_add_test(mdev, remove_values);
        suite_add_tcase(s, mdev);
        tcase_add_checked_fixture(pci, NULL, teardown);
        tcase_add_test(pci, numvfs_disable_enable);
        tcase_add_test(pci, numvfs_routing_and_refusals);
        tcase_add_test(pci, numvfs_takes_mdev_parents);
        tcase_add_test(pci, override_and_probe);
        tcase_add_test(pci, vfio_refuses);
        tcase_add_test(pci, bind_unbind);
        tcase_add_test(pci, vgpu_types);
        tcase_add_test(pci, vgpu_equal_size);
        tcase_add_test(pci, vgpu_mixed_size);
        tcase_add_test(pci, vgpu_mig_backed);
        tcase_add_test(pci, vgpu_name_first);
        suite_add_tcase(s, pci);
        tcase_add_checked_fixture(held, NULL, teardown);
        tcase_add_test(held, held_groups);
        suite_add_tcase(s, held);
        tcase_add_checked_fixture(ctl, NULL, teardown);
        tcase_add_test(ctl, pass_through);
        tcase_add_test(ctl, log_lines);
        tcase_add_test(ctl, fail_nth_store);
        tcase_add_test(ctl, count_only);
        tcase_add_test(ctl, fail_sigkill);
        tcase_add_test(ctl, processes_share_the_host);
        suite_add_tcase(s, ctl);
        tcase_add_checked_fixture(model, NULL, teardown);
        tcase_add_loop_test(model, dump_round_trip, 0, 9);
        suite_add_tcase(s, model);
        return s;
}

int main(int argc, char **argv)
{
        (void)argc;
        testsuite_preload_kshim(argv);
        return testsuite_run(kshim_suite());
}
