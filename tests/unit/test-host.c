/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host model on every preset, and on hosts whose sysfs holds garbage:
 * each odd file becomes one "unknown" field and one problem sentence, and
 * never hides the other devices.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fakehost.h"
#include "testsuite.h"

static char *dir;
static struct vgpu_host *host;

static void teardown(void)
{
        vgpu_host_free(host);
        host = NULL;
        testsuite_remove_root(dir);
        dir = NULL;
}

static void load_preset(const char *name)
{
        dir = testsuite_fake_root(name);
        host = testsuite_load(dir);
}

static const struct vgpu_pci_dev *pci(const char *name)
{
        struct vgpu_pci_addr a;
        const struct vgpu_pci_dev *d;

        ck_assert_int_eq(vgpu_pci_addr_parse(name, &a), 0);
        d = vgpu_host_find_pci(host, &a);
        ck_assert_msg(d, "no PCI device %s", name);
        return d;
}

static const struct vgpu_mdev_type *type(const char *parent, const char *id)
{
        const struct vgpu_mdev_parent *p = vgpu_host_find_parent(host, parent);

        ck_assert_msg(p, "no parent %s", parent);
        for (size_t i = 0; i < p->n_types; i++)
                if (strcmp(p->types[i].id, id) == 0)
                        return &p->types[i];
        ck_abort_msg("no type %s on %s", id, parent);
        return NULL;
}

START_TEST(kmod_names)
{
        char longest[VGPU_KMOD_NAME_MAX + 2];

        ck_assert(vgpu_kmod_name_valid("vfio-pci"));
        ck_assert(vgpu_kmod_name_valid("mlx5_vfio_pci"));
        ck_assert(!vgpu_kmod_name_valid(""));
        ck_assert(!vgpu_kmod_name_valid(NULL));
        ck_assert(!vgpu_kmod_name_valid("amd vfio"));
        ck_assert(!vgpu_kmod_name_valid("../vfio-pci"));
        ck_assert(!vgpu_kmod_name_valid("vfio.pci"));
        memset(longest, 'a', sizeof(longest));
        longest[VGPU_KMOD_NAME_MAX] = '\0';
        ck_assert(vgpu_kmod_name_valid(longest));
        longest[VGPU_KMOD_NAME_MAX] = 'a';
        longest[VGPU_KMOD_NAME_MAX + 1] = '\0';
        ck_assert(!vgpu_kmod_name_valid(longest));
        /* '-' and '_' alike, as modprobe takes them; nothing else */
        ck_assert(vgpu_kmod_name_eq("vfio-pci", "vfio_pci"));
        ck_assert(vgpu_kmod_name_eq("amd-vfio-pci", "amd_vfio_pci"));
        ck_assert(!vgpu_kmod_name_eq("vfio-pci", "vfio-pci-core"));
        ck_assert(!vgpu_kmod_name_eq("vfio-pci", "VFIO-PCI"));
        ck_assert(!vgpu_kmod_name_eq("vfio-pci", NULL));
}
END_TEST

START_TEST(samples_parents_and_pools)
{
        load_preset("samples");
        ck_assert_uint_eq(host->n_parents, 3);
        ck_assert_str_eq(host->parents[0].name, "mbochs");
        ck_assert_str_eq(host->parents[1].name, "mdpy");
        ck_assert_str_eq(host->parents[2].name, "mtty");
        ck_assert(!host->parents[2].is_pci);
        ck_assert_str_eq(host->parents[2].physical, "mtty");
        ck_assert_int_eq(host->parents[2].numa_node, -1);
        /* mtty's types share one pool of 24 ports. */
        ck_assert_int_eq(type("mtty", "mtty-1")->available, 22);
        ck_assert_int_eq(type("mtty", "mtty-2")->available, 11);
        ck_assert_str_eq(type("mtty", "mtty-1")->name, "Single port serial");
        ck_assert_ptr_null(type("mtty", "mtty-1")->description);
        ck_assert_str_eq(type("mtty", "mtty-2")->device_api, "vfio-pci");
        ck_assert_uint_eq(type("mtty", "mtty-2")->n_instances, 1);
        ck_assert_int_eq(type("mdpy", "mdpy-hd")->available, 3);
        ck_assert_uint_eq(type("mdpy", "mdpy-vga")->n_instances, 1);
        ck_assert_int_eq(type("mbochs", "mbochs-small")->available, 63);
        ck_assert_int_eq(type("mbochs", "mbochs-medium")->available, 15);
        ck_assert_int_eq(type("mbochs", "mbochs-large")->available, 3);
        ck_assert_str_eq(type("mbochs", "mbochs-large")->description, "virtual display, 64 MB video memory");
        ck_assert_uint_eq(host->n_problems, 0);
}
END_TEST

START_TEST(samples_instances)
{
        const struct vgpu_mdev *m;

        load_preset("samples");
        ck_assert_uint_eq(host->n_mdevs, 3);
        m = vgpu_host_find_mdev(host, "6A7E1C2D-0000-4000-8000-000000000001");
        ck_assert_ptr_nonnull(m);
        ck_assert_str_eq(m->parent, "mtty");
        ck_assert_str_eq(m->type_id, "mtty-2");
        ck_assert_int_eq(m->iommu_group, 7);
        ck_assert_str_eq(host->mdevs[2].uuid, "6a7e1c2d-0000-4000-8000-000000000003");
        ck_assert_str_eq(host->mdevs[2].parent, "mbochs");
        ck_assert_str_eq(host->mdevs[2].type_id, "mbochs-small");
        ck_assert_ptr_null(vgpu_host_find_mdev(host, "6a7e1c2d-0000-4000-8000-000000000009"));
        ck_assert_ptr_null(vgpu_host_find_mdev(host, "not-a-uuid"));
}
END_TEST

START_TEST(nvme_sriov)
{
        const struct vgpu_pci_dev *pf, *vf1, *vf2;
        char buf[VGPU_PCI_ADDR_STRLEN];

        load_preset("nvme-sriov");
        pf = pci("0000:01:00.0");
        ck_assert_ptr_nonnull(pf->sriov);
        ck_assert_int_eq(pf->sriov->total_vfs, 4);
        ck_assert_int_eq(pf->sriov->num_vfs, 2);
        ck_assert_int_eq(pf->sriov->autoprobe, 0);
        ck_assert_uint_eq(pf->sriov->n_vfs, 2);
        vgpu_pci_addr_format(&pf->sriov->vfs[1], buf);
        ck_assert_str_eq(buf, "0000:01:00.2");
        ck_assert_str_eq(pf->driver, "nvme");
        ck_assert_int_eq(pf->vendor, 0x1b36);
        ck_assert_int_eq(pf->class_code, 0x010802);
        ck_assert_int_eq(pf->iommu_group, 6);
        ck_assert_int_eq(pf->numa_node, -1);
        ck_assert(!pf->is_vf);
        vf1 = pci("0000:01:00.1");
        ck_assert(vf1->is_vf);
        ck_assert_int_eq(vgpu_pci_addr_cmp(&vf1->physfn, &pf->addr), 0);
        ck_assert_str_eq(vf1->driver, "vfio-pci");
        ck_assert_str_eq(vf1->driver_override, "vfio-pci");
        ck_assert_int_eq(vf1->iommu_group, 10);
        ck_assert_ptr_null(vf1->sriov);
        vf2 = pci("0000:01:00.2");
        ck_assert_ptr_null(vf2->driver);
        ck_assert_ptr_null(vf2->driver_override);
        ck_assert_int_eq(vf2->iommu_group, 11);
        ck_assert_str_eq(vgpu_pci_dev_kind(pci("0000:00:04.0")), "bridge");
        ck_assert_uint_eq(host->n_problems, 0);
}
END_TEST

START_TEST(t4_one_type_per_gpu)
{
        const struct vgpu_mdev_parent *p;

        load_preset("t4");
        p = vgpu_host_find_parent(host, "0000:3b:00.0");
        ck_assert_ptr_nonnull(p);
        ck_assert(p->is_pci);
        ck_assert_str_eq(p->physical, "0000:3b:00.0");
        ck_assert_int_eq(p->numa_node, 0);
        ck_assert_uint_eq(p->n_types, 5);
        /* While a T4-4Q exists, no other type can be created on this GPU. */
        ck_assert_int_eq(type("0000:3b:00.0", "nvidia-224")->available, 3);
        ck_assert_str_eq(type("0000:3b:00.0", "nvidia-224")->name, "GRID T4-4Q");
        ck_assert_int_eq(type("0000:3b:00.0", "nvidia-222")->available, 0);
        ck_assert_int_eq(type("0000:3b:00.0", "nvidia-226")->available, 0);
        ck_assert_str_eq(vgpu_pci_dev_kind(pci("0000:3b:00.0")), "gpu");
        ck_assert(vgpu_host_pci_is_listed(host, pci("0000:3b:00.0")));
}
END_TEST

START_TEST(a10_parents_are_vfs)
{
        load_preset("a10");
        ck_assert_uint_eq(host->n_parents, 4);
        for (size_t i = 0; i < host->n_parents; i++) {
                ck_assert(host->parents[i].is_pci);
                ck_assert_str_eq(host->parents[i].physical, "0000:ca:00.0");
                ck_assert(pci(host->parents[i].name)->is_vf);
        }
        ck_assert_str_eq(host->parents[0].name, "0000:ca:00.4");
        /* one vGPU per VF; one type per physical GPU */
        ck_assert_int_eq(type("0000:ca:00.4", "nvidia-592")->available, 0);
        ck_assert_uint_eq(type("0000:ca:00.4", "nvidia-592")->n_instances, 1);
        ck_assert_int_eq(type("0000:ca:00.5", "nvidia-592")->available, 1);
        ck_assert_int_eq(type("0000:ca:00.5", "nvidia-593")->available, 0);
        ck_assert_uint_eq(pci("0000:ca:00.0")->sriov->n_vfs, 4);
        ck_assert_int_eq(pci("0000:ca:00.0")->numa_node, 1);
}
END_TEST

START_TEST(gvtg_shared_capacity)
{
        load_preset("gvtg");
        ck_assert_int_eq(type("0000:00:02.0", "i915-GVTg_V5_1")->available, 1);
        ck_assert_int_eq(type("0000:00:02.0", "i915-GVTg_V5_2")->available, 2);
        ck_assert_int_eq(type("0000:00:02.0", "i915-GVTg_V5_4")->available, 4);
        ck_assert_int_eq(type("0000:00:02.0", "i915-GVTg_V5_8")->available, 8);
        ck_assert_str_eq(type("0000:00:02.0", "i915-GVTg_V5_4")->name, "GVTg_V5_4");
        ck_assert_ptr_nonnull(strstr(type("0000:00:02.0", "i915-GVTg_V5_4")->description, "\n"));
}
END_TEST

START_TEST(numa_and_vmd_domain)
{
        const struct vgpu_pci_dev *vmd;

        load_preset("numa2");
        ck_assert_uint_eq(host->n_nodes, 2);
        ck_assert_int_eq(host->nodes[1].id, 1);
        ck_assert_str_eq(host->nodes[0].cpulist, "0-3");
        ck_assert_str_eq(host->nodes[1].cpulist, "4-7");
        vmd = pci("10000:01:00.0");
        ck_assert_uint_eq(vmd->addr.domain, 0x10000);
        ck_assert_int_eq(vmd->numa_node, 0);
        ck_assert_int_eq(pci("0000:5e:00.0")->numa_node, 1);
        ck_assert_ptr_nonnull(vgpu_host_find_parent(host, "10000:01:00.0"));
        ck_assert_int_eq(vgpu_host_find_parent(host, "0000:5e:00.0")->numa_node, 1);
        /* sorted by address: domain 0 first */
        ck_assert_uint_eq(host->pci[host->n_pci - 1].addr.domain, 0x10000);
}
END_TEST

START_TEST(l4_vendor_vfio)
{
        load_preset("l4");
        /* Detected by the sysfs interface alone, on the VFs, not the PF. */
        ck_assert(!pci("0000:82:00.0")->nvidia_vfio);
        ck_assert(pci("0000:82:00.4")->nvidia_vfio);
        ck_assert_int_eq(pci("0000:82:00.4")->nvidia_current_type, 941);
        /* A typed VF offers nothing more; the others what fits in 24 - 4 GB. */
        ck_assert_uint_eq(pci("0000:82:00.4")->n_nvidia_types, 0);
        ck_assert_int_eq(pci("0000:82:00.5")->nvidia_current_type, 0);
        ck_assert_uint_eq(pci("0000:82:00.5")->n_nvidia_types, 6);
        ck_assert_str_eq(pci("0000:82:00.5")->nvidia_types[5].name, "NVIDIA L4-12Q");
        ck_assert_uint_eq(pci("0000:82:00.5")->nvidia_types[5].id, 944);
        ck_assert_uint_eq(host->n_parents, 0);
        ck_assert_uint_eq(host->n_problems, 0);
}
END_TEST

START_TEST(mdev_only_snapshot)
{
        struct vgpu_root *root = NULL;
        struct vgpu_host *full;

        dir = testsuite_fake_root("demo");
        full = testsuite_load(dir);
        ck_assert_int_eq(vgpu_root_new(dir, &root), 0);
        ck_assert_int_eq(vgpu_host_load_mdev(root, &host), 0);
        vgpu_root_unref(root);
        /* the same parents, types and instances as a full read */
        ck_assert_uint_eq(host->n_parents, full->n_parents);
        ck_assert_uint_eq(host->n_mdevs, full->n_mdevs);
        for (size_t i = 0; i < host->n_parents; i++) {
                ck_assert_str_eq(host->parents[i].name, full->parents[i].name);
                ck_assert_str_eq(host->parents[i].physical, full->parents[i].physical);
                ck_assert_int_eq(host->parents[i].numa_node, full->parents[i].numa_node);
                ck_assert_uint_eq(host->parents[i].n_types, full->parents[i].n_types);
        }
        /* but only the PCI devices placement needs: PCI parents and their PFs */
        ck_assert_uint_lt(host->n_pci, full->n_pci);
        ck_assert_ptr_nonnull(pci("0000:ca:00.0")); /* the A10 PF of VF parents */
        ck_assert_int_eq(pci("0000:ca:00.0")->vendor, 0x10de);
        ck_assert_ptr_nonnull(pci("0000:ca:00.5"));
        {
                struct vgpu_pci_addr nvme;

                ck_assert_int_eq(vgpu_pci_addr_parse("0000:01:00.0", &nvme), 0);
                ck_assert_ptr_null(vgpu_host_find_pci(host, &nvme)); /* not a parent */
        }
        ck_assert_uint_eq(host->n_groups, 0);
        vgpu_host_free(full);
}
END_TEST

/* The parents of a near read, in order, each as the full read has it; and whether parents were left out. */
static void assert_near(const struct vgpu_host *full, const char *near_name, const char *const *want, bool partial)
{
        struct vgpu_root *root = NULL;
        struct vgpu_pci_addr near;
        size_t n = 0;

        vgpu_host_free(host);
        ck_assert_int_eq(vgpu_pci_addr_parse(near_name, &near), 0);
        ck_assert_int_eq(vgpu_root_new(dir, &root), 0);
        ck_assert_int_eq(vgpu_host_load_mdev_near(root, &near, 1, &host), 0);
        vgpu_root_unref(root);
        for (; want[n]; n++) {
                const struct vgpu_mdev_parent *p = n < host->n_parents ? &host->parents[n] : NULL;
                const struct vgpu_mdev_parent *f = vgpu_host_find_parent(full, want[n]);

                ck_assert_msg(p && strcmp(p->name, want[n]) == 0, "near %s: parent %zu is not %s", near_name, n,
                              want[n]);
                ck_assert_str_eq(p->physical, f->physical);
                ck_assert_uint_eq(p->n_types, f->n_types);
        }
        ck_assert_uint_eq(host->n_parents, n);
        ck_assert_uint_eq(host->n_mdevs, full->n_mdevs); /* every instance, whatever its parent */
        ck_assert(host->partial == partial);
}

START_TEST(mdev_near_snapshot)
{
        /* demo: mdevs on 0000:3b:00.0 and the A10 VF 0000:ca:00.4, and on the three samples */
        static const char *const t4[] = {
                "0000:3b:00.0", "0000:5e:00.0", "0000:ca:00.4", "mbochs", "mdpy", "mtty", NULL};
        static const char *const a10[] = {"0000:3b:00.0", "0000:ca:00.4", "0000:ca:00.5",
                                          "0000:ca:00.6", "0000:ca:00.7", "mbochs",
                                          "mdpy",         "mtty",         NULL};
        struct vgpu_host *full;

        dir = testsuite_fake_root("demo");
        full = testsuite_load(dir);
        /* a T4: itself, the parents holding mdevs and the virtual ones; not the other GPUs */
        assert_near(full, "0000:5e:00.0", t4, true);
        /* an A10 VF: its PF's other VFs too (one physical GPU), as when the PF is named */
        assert_near(full, "0000:ca:00.6", a10, true);
        assert_near(full, "0000:ca:00.0", a10, true);
        vgpu_host_free(full);
}
END_TEST

START_TEST(garbage_attributes)
{
        const struct vgpu_pci_dev *pf;

        dir = testsuite_fake_root("nvme-sriov");
        testsuite_write(dir, "sys/bus/pci/devices/0000:01:00.0/vendor", "zzzz\n");
        testsuite_write(dir, "sys/bus/pci/devices/0000:01:00.0/numa_node", "one\n");
        testsuite_write(dir, "sys/bus/pci/devices/0000:01:00.0/sriov_numvfs", "-2\n");
        testsuite_write(dir, "sys/bus/pci/devices/0000:01:00.0/sriov_drivers_autoprobe", "7\n");
        testsuite_symlink(dir, "sys/bus/pci/devices/0000:01:00.2/iommu_group", "../../../../kernel/iommu_groups/x");
        testsuite_symlink(dir, "sys/bus/pci/devices/0000:01:00.1/driver", "..");
        host = testsuite_load(dir);
        pf = pci("0000:01:00.0");
        ck_assert_int_eq(pf->vendor, -1);
        ck_assert_int_eq(pf->device, 0x0010); /* the rest is still read */
        ck_assert_int_eq(pf->numa_node, -1);
        ck_assert_int_eq(pf->sriov->num_vfs, -1);
        ck_assert_int_eq(pf->sriov->total_vfs, 4);
        ck_assert_int_eq(pf->sriov->autoprobe, -1);
        ck_assert_int_eq(pci("0000:01:00.2")->iommu_group, -1);
        ck_assert_ptr_null(pci("0000:01:00.1")->driver);
        ck_assert(testsuite_has_problem(host, "0000:01:00.0: vendor"));
        ck_assert(testsuite_has_problem(host, "numa_node"));
        ck_assert(testsuite_has_problem(host, "sriov_numvfs"));
        ck_assert(testsuite_has_problem(host, "sriov_drivers_autoprobe"));
        ck_assert(testsuite_has_problem(host, "iommu_group"));
        ck_assert(testsuite_has_problem(host, "0000:01:00.1: driver"));
        ck_assert_uint_eq(host->n_problems, 6);
}
END_TEST

START_TEST(missing_attributes)
{
        dir = testsuite_fake_root("samples");
        testsuite_unlink(dir, "sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/available_instances");
        testsuite_unlink(dir, "sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/device_api");
        testsuite_write(dir, "sys/class/mdev_bus/mdpy/mdev_supported_types/mdpy-hd/available_instances", "lots\n");
        testsuite_unlink(dir, "sys/bus/mdev/devices/6a7e1c2d-0000-4000-8000-000000000002/mdev_type");
        host = testsuite_load(dir);
        ck_assert_int_eq(type("mtty", "mtty-1")->available, -1);
        ck_assert_ptr_null(type("mtty", "mtty-1")->device_api);
        ck_assert_int_eq(type("mtty", "mtty-2")->available, 11);
        ck_assert_int_eq(type("mdpy", "mdpy-hd")->available, -1);
        ck_assert_ptr_null(vgpu_host_find_mdev(host, "6a7e1c2d-0000-4000-8000-000000000002")->type_id);
        ck_assert_str_eq(vgpu_host_find_mdev(host, "6a7e1c2d-0000-4000-8000-000000000002")->parent, "mdpy");
        ck_assert(testsuite_has_problem(host, "mtty-1: available_instances is missing"));
        ck_assert(testsuite_has_problem(host, "mtty-1: device_api is missing"));
        ck_assert(testsuite_has_problem(host, "mdpy-hd: available_instances is not a number"));
        ck_assert(testsuite_has_problem(host, "mdev 6a7e1c2d-0000-4000-8000-000000000002: mdev_type"));
        ck_assert_uint_eq(host->n_problems, 4);
}
END_TEST

START_TEST(foreign_names)
{
        dir = testsuite_fake_root("demo");
        testsuite_symlink(dir, "sys/bus/pci/devices/garbage", "/etc");
        testsuite_symlink(dir, "sys/bus/mdev/devices/not-a-uuid", "../../../devices/virtual/mtty/mtty");
        testsuite_symlink(dir, "sys/bus/mdev/devices/6a7e1c2d-0000-4000-8000-0000000000ff", "nowhere");
        host = testsuite_load(dir);
        ck_assert(testsuite_has_problem(host, "garbage: not a PCI address"));
        ck_assert(testsuite_has_problem(host, "not-a-uuid: not a UUID"));
        ck_assert(testsuite_has_problem(host, "mdev 6a7e1c2d-0000-4000-8000-0000000000ff: cannot tell its parent"));
        ck_assert_uint_eq(host->n_mdevs, 5 + 1);
        ck_assert_uint_eq(host->n_parents, 11);
}
END_TEST

static void write_nvidia(const char *types, const char *current)
{
        char path[4096];

        snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/0000:01:00.2/nvidia", dir);
        ck_assert_int_eq(mkdir(path, 0755), 0);
        testsuite_write(dir, "sys/bus/pci/devices/0000:01:00.2/nvidia/creatable_vgpu_types", types);
        testsuite_write(dir, "sys/bus/pci/devices/0000:01:00.2/nvidia/current_vgpu_type", current);
}

START_TEST(nvidia_vendor_vfio)
{
        const struct vgpu_pci_dev *vf;

        dir = testsuite_fake_root("nvme-sriov");
        write_nvidia("ID    : vGPU Name\n557   : NVIDIA L40-1B\n560   : NVIDIA L40-4Q\n", "0\n");
        host = testsuite_load(dir);
        vf = pci("0000:01:00.2");
        ck_assert(vf->nvidia_vfio);
        ck_assert_uint_eq(vf->n_nvidia_types, 2);
        ck_assert_str_eq(vf->nvidia_types[1].name, "NVIDIA L40-4Q");
        ck_assert_int_eq(vf->nvidia_current_type, 0);
        ck_assert(!pci("0000:01:00.1")->nvidia_vfio);
        ck_assert_uint_eq(host->n_problems, 0);
}
END_TEST

START_TEST(nvidia_vendor_vfio_garbage)
{
        const struct vgpu_pci_dev *vf;

        dir = testsuite_fake_root("nvme-sriov");
        write_nvidia("ID    : vGPU Name\n557   NVIDIA L40-1B\n", "five\n");
        host = testsuite_load(dir);
        vf = pci("0000:01:00.2");
        ck_assert(vf->nvidia_vfio);
        ck_assert_uint_eq(vf->n_nvidia_types, 0);
        ck_assert_int_eq(vf->nvidia_current_type, -1);
        ck_assert(testsuite_has_problem(host, "creatable_vgpu_types line 2"));
        ck_assert(testsuite_has_problem(host, "current_vgpu_type"));
}
END_TEST

START_TEST(bare_roots)
{
        struct vgpu_root *root = NULL;
        struct vgpu_host *h = (void *)0x1;

        ck_assert_int_eq(fakehost_mktemp(&dir), 0);
        ck_assert_int_eq(vgpu_root_new(dir, &root), 0);
        ck_assert_int_eq(vgpu_host_load(root, &h), -ENOENT);
        ck_assert_ptr_eq(h, (void *)0x1);
        testsuite_write(dir, "sys", "not a directory\n");
        ck_assert_int_eq(vgpu_host_load(root, &h), -ENOTDIR);
        testsuite_unlink(dir, "sys");
        {
                char path[4096];

                snprintf(path, sizeof(path), "%s/sys", dir);
                ck_assert_int_eq(mkdir(path, 0755), 0);
        }
        /* A host without PCI, mdev, IOMMU or NUMA is still a host. */
        ck_assert_int_eq(vgpu_host_load(root, &host), 0);
        ck_assert_uint_eq(host->n_pci + host->n_parents + host->n_mdevs + host->n_groups + host->n_nodes, 0);
        vgpu_root_unref(root);
}
END_TEST

/* One H200-like PF in @mode (vgpu-mode=…), VF .4 with @vf4 (its options), VF .5 untyped. */
static void load_h200(const char *mode, const char *vf4)
{
        char text[2048];

        snprintf(text, sizeof(text),
                 "pci 0000:41:00.0 vendor=0x10de device=0x233b class=0x030200 driver=nvidia group=60 totalvfs=2 "
                 "numvfs=2 vf-offset=4 vf-stride=1 vgpu-fb=141 %s\n"
                 "pci 0000:41:00.4 physfn=0000:41:00.0 vendor=0x10de device=0x233b class=0x030200 driver=nvidia "
                 "group=61 %s\n"
                 "pci 0000:41:00.5 physfn=0000:41:00.0 vendor=0x10de device=0x233b class=0x030200 driver=nvidia "
                 "group=62\n",
                 mode, vf4);
        dir = testsuite_fake_root_text(text);
        host = testsuite_load(dir);
}

#define SLICED "vf-vgpu-types=\"1421:NVIDIA H200X-18C:18,1422:NVIDIA H200X-35C:35,1423:NVIDIA H200X-70C:70\""

/* The mode as the VFs show it (host/nvidia-mode.c), and from what. */
static struct vgpu_nvidia_gpu mode_of(void)
{
        struct vgpu_nvidia_gpu *g = NULL, ret;

        ck_assert_int_eq(vgpu_nvidia_gpus(host, &g), 1);
        ret = g[0];
        free(g);
        ck_assert_str_eq(ret.pf, "0000:41:00.0");
        ck_assert_uint_eq(ret.n_vfs, 2);
        return ret;
}

START_TEST(nvidia_mode_equal)
{
        struct vgpu_nvidia_gpu g;

        load_h200("vgpu-mode=equal " SLICED, "current-type=1422");
        g = mode_of();
        ck_assert_int_eq(g.mode, VGPU_NVIDIA_MODE_EQUAL);
        ck_assert(g.certain);
        ck_assert_uint_eq(g.n_typed, 1);
        ck_assert_str_eq(g.evidence, "beside the 35 GB vGPU on VF 0000:41:00.4 only that size is offered");
}
END_TEST

START_TEST(nvidia_mode_mixed)
{
        struct vgpu_nvidia_gpu g;

        load_h200("vgpu-mode=mixed " SLICED, "current-type=1423 placement=0");
        g = mode_of();
        ck_assert_int_eq(g.mode, VGPU_NVIDIA_MODE_MIXED);
        ck_assert(g.certain);
        ck_assert_msg(strstr(g.evidence, "beside a 70 GB vGPU on VF 0000:41:00.4"), "%s", g.evidence);
}
END_TEST

START_TEST(nvidia_mode_untyped)
{
        struct vgpu_nvidia_gpu g;

        load_h200("vgpu-mode=mixed " SLICED, "");
        g = mode_of();
        ck_assert_int_eq(g.mode, VGPU_NVIDIA_MODE_EQUAL);
        ck_assert(!g.certain);
        ck_assert_uint_eq(g.n_offering, 2);
}
END_TEST

START_TEST(nvidia_mode_mig)
{
        struct vgpu_nvidia_gpu g;

        load_h200("vgpu-mode=mig mig-instances=\"1:71,2:35\" "
                  "vf-vgpu-types=\"1431:NVIDIA H200X-1-18C:18,1432:NVIDIA H200X-2-35C:35\"",
                  "gpu-instance=2 current-type=1432");
        g = mode_of();
        ck_assert_int_eq(g.mode, VGPU_NVIDIA_MODE_MIG);
        ck_assert_uint_eq(g.n_instances, 1);
        ck_assert_uint_eq(g.instances[0], 2);
        ck_assert_str_eq(g.evidence, "VF 0000:41:00.4 selects GPU instance 2");
}
END_TEST

START_TEST(nvidia_type_sizes)
{
        bool mig;

        ck_assert_int_eq(vgpu_nvidia_type_size("NVIDIA H200X-141C", &mig), 141);
        ck_assert(!mig);
        ck_assert_int_eq(vgpu_nvidia_type_size("NVIDIA H200X-3-71C", &mig), 71);
        ck_assert(mig);
        ck_assert_int_eq(vgpu_nvidia_type_size("NVIDIA L40S-4Q", &mig), 4);
        ck_assert(!mig);
        ck_assert_int_eq(vgpu_nvidia_type_size("GRID T4-4Q", &mig), 4);
        ck_assert_int_eq(vgpu_nvidia_type_size("NVIDIA A100D-1-10CME", &mig), 10);
        ck_assert(mig);
        ck_assert_int_eq(vgpu_nvidia_type_size("no size", &mig), -1);
}
END_TEST

static Suite *host_suite(void)
{
        Suite *s = suite_create("host");
        TCase *presets = tcase_create("presets"), *odd = tcase_create("odd sysfs");

        tcase_add_checked_fixture(presets, NULL, teardown);
        tcase_add_test(presets, samples_parents_and_pools);
        tcase_add_test(presets, samples_instances);
        tcase_add_test(presets, nvme_sriov);
        tcase_add_test(presets, t4_one_type_per_gpu);
        tcase_add_test(presets, a10_parents_are_vfs);
        tcase_add_test(presets, gvtg_shared_capacity);
        tcase_add_test(presets, numa_and_vmd_domain);
        tcase_add_test(presets, l4_vendor_vfio);
        tcase_add_test(presets, mdev_only_snapshot);
        tcase_add_test(presets, mdev_near_snapshot);
        suite_add_tcase(s, presets);
        tcase_add_checked_fixture(odd, NULL, teardown);
        tcase_add_test(odd, garbage_attributes);
        tcase_add_test(odd, missing_attributes);
        tcase_add_test(odd, foreign_names);
        tcase_add_test(odd, nvidia_vendor_vfio);
        tcase_add_test(odd, nvidia_vendor_vfio_garbage);
        tcase_add_test(odd, bare_roots);
        tcase_add_test(odd, kmod_names);
        tcase_add_test(odd, nvidia_mode_equal);
        tcase_add_test(odd, nvidia_mode_mixed);
        tcase_add_test(odd, nvidia_mode_untyped);
        tcase_add_test(odd, nvidia_mode_mig);
        tcase_add_test(odd, nvidia_type_sizes);
        suite_add_tcase(s, odd);
        return s;
}

int main(void)
{
        return testsuite_run(host_suite());
}
