/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PCI functions from /sys/bus/pci/devices: ids, driver, IOMMU group, NUMA node. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

#define PCI_DEVICES "/sys/bus/pci/devices"

/* A hex attribute up to @max, or -1 (and a problem) when missing or junk. */
static long read_hex_attr(struct vgpu_host *host, const struct vgpu_dir *dir, const char *attr, unsigned long long max)
{
        _cleanup_free_ char *s = NULL;
        unsigned long long v;
        int r = vgpu_dir_read_attr(dir, attr, &s);

        if (r >= 0 && vgpu_parse_hex(s, max, &v) == 0)
                return (long)v;
        vgpu_host_problem(host, "%s: %s is %s", dir->path + sizeof(PCI_DEVICES), attr,
                          r < 0 ? strerror(-r) : "not a hexadecimal number");
        return -1;
}

static int read_numa_node(struct vgpu_host *host, const struct vgpu_dir *dir)
{
        _cleanup_free_ char *s = NULL;
        long long v;

        if (vgpu_dir_read_attr(dir, "numa_node", &s) < 0)
                return -1; /* kernels without NUMA have no numa_node */
        if (vgpu_parse_int(s, -1, 4095, &v) == 0)
                return (int)v;
        vgpu_host_problem(host, "%s: numa_node is not a number", dir->path + sizeof(PCI_DEVICES));
        return -1;
}

/* The IOMMU group number from the iommu_group link, or -1 without IOMMU. */
int vgpu_read_iommu_group(struct vgpu_host *host, const struct vgpu_dir *dir)
{
        int group, r = vgpu_dir_iommu_group(dir, &group);

        if (r >= 0)
                return group;
        vgpu_host_problem(host, "%s: iommu_group is not a link to a group", dir->path);
        return -1;
}

static char *read_driver_override(const struct vgpu_dir *dir)
{
        _cleanup_free_ char *s = NULL;

        if (vgpu_dir_read_attr(dir, "driver_override", &s) < 0)
                return NULL;
        if (!*s || strcmp(s, "(null)") == 0)
                return NULL;
        return TAKE_PTR(s);
}

static void read_ids(struct vgpu_host *host, struct vgpu_pci_dev *dev, const struct vgpu_dir *dir)
{
        dev->vendor = (int)read_hex_attr(host, dir, "vendor", 0xffff);
        dev->device = (int)read_hex_attr(host, dir, "device", 0xffff);
        dev->subsystem_vendor = (int)read_hex_attr(host, dir, "subsystem_vendor", 0xffff);
        dev->subsystem_device = (int)read_hex_attr(host, dir, "subsystem_device", 0xffff);
        dev->class_code = read_hex_attr(host, dir, "class", 0xffffff);
}

/* A NIC's interfaces (net/NAME): what inventory shows next to its VFs. */
static int load_netdevs(struct vgpu_host *host, struct vgpu_pci_dev *dev, const struct vgpu_dir *dir)
{
        int n = vgpu_dir_list(dir, "net", &dev->netdevs);

        if (n == -ENOMEM)
                return n;
        if (n < 0 && n != -ENOENT)
                vgpu_host_problem(host, "%s: net is not a directory of interfaces", dev->name);
        if (n <= 0) {
                vgpu_strv_free(dev->netdevs);
                dev->netdevs = NULL;
        }
        return 0;
}

static int load_dev(struct vgpu_host *host, struct vgpu_pci_dev *dev, const struct vgpu_dir *dir)
{
        int r;

        read_ids(host, dev, dir);
        r = vgpu_dir_read_link_name(dir, "driver", &dev->driver);
        if (r == -ENOMEM)
                return r;
        if (r < 0 && r != -ENOENT)
                vgpu_host_problem(host, "%s: driver is not a link to a driver", dev->name);
        dev->driver_override = read_driver_override(dir);
        dev->iommu_group = vgpu_read_iommu_group(host, dir);
        dev->numa_node = read_numa_node(host, dir);
        r = vgpu_sriov_load(host, dev, dir);
        if (r >= 0)
                r = load_netdevs(host, dev, dir);
        if (r < 0)
                return r;
        return vgpu_nvidia_load(host, dev, dir);
}

void vgpu_pci_dev_clear(struct vgpu_pci_dev *dev)
{
        free(dev->driver);
        free(dev->driver_override);
        vgpu_sriov_free(dev->sriov);
        vgpu_nvidia_types_free(dev->nvidia_types, dev->n_nvidia_types);
        vgpu_strv_free(dev->netdevs);
        free(dev->model);
        free(dev->vfio_variant);
}

int vgpu_pci_dev_cmp(const void *a, const void *b)
{
        return vgpu_pci_addr_cmp(&((const struct vgpu_pci_dev *)a)->addr, &((const struct vgpu_pci_dev *)b)->addr);
}

/* Read device @addr into host->pci (unsorted until the caller sorts). */
static int add_dev(struct vgpu_host *host, const struct vgpu_pci_addr *addr)
{
        struct vgpu_pci_dev *dev;
        char name[VGPU_PCI_ADDR_STRLEN], path[64];
        _cleanup_dir_ struct vgpu_dir dir = {.fd = -1};

        vgpu_pci_addr_format(addr, name);
        snprintf(path, sizeof(path), PCI_DEVICES "/%s", name);
        /*
         * Resolved and listed once here: most of the names looked for are not
         * there (sriov_totalvfs, physfn, net, nvidia/), and the list says so
         * without a lookup each.  A directory that will not open is read name
         * by name from the root.
         */
        if (vgpu_dir_open_listed(host->root, path, &dir) == -ENOMEM)
                return -ENOMEM;
        dev = vgpu_array_push(&host->pci, &host->n_pci, sizeof(*dev));
        if (!dev)
                return -ENOMEM;
        dev->addr = *addr;
        memcpy(dev->name, name, sizeof(name));
        return load_dev(host, dev, &dir);
}

int vgpu_pci_load(struct vgpu_host *host)
{
        _cleanup_strv_ char **names = NULL;
        int n = vgpu_root_list_dir(host->root, PCI_DEVICES, &names);

        if (n == -ENOENT)
                return 0; /* no PCI bus (s390, a bare test root) */
        if (n < 0)
                return n;
        for (char **name = names; *name; name++) {
                struct vgpu_pci_addr addr;
                int r;

                if (vgpu_pci_addr_parse(*name, &addr) < 0) {
                        vgpu_host_problem(host, "%s: not a PCI address in " PCI_DEVICES, *name);
                        continue;
                }
                r = add_dev(host, &addr);
                if (r < 0)
                        return r;
        }
        vgpu_qsort(host->pci, host->n_pci, sizeof(*host->pci), vgpu_pci_dev_cmp);
        return 0;
}

int vgpu_pci_load_one(struct vgpu_host *host, const struct vgpu_pci_addr *addr)
{
        char path[64], name[VGPU_PCI_ADDR_STRLEN];
        int r;

        if (vgpu_host_find_pci(host, addr))
                return 0;
        vgpu_pci_addr_format(addr, name);
        snprintf(path, sizeof(path), PCI_DEVICES "/%s", name);
        if (!vgpu_root_exists(host->root, path))
                return -ENOENT;
        r = add_dev(host, addr);
        if (r < 0)
                return r;
        vgpu_qsort(host->pci, host->n_pci, sizeof(*host->pci), vgpu_pci_dev_cmp);
        return 0;
}

const char *vgpu_pci_dev_kind(const struct vgpu_pci_dev *dev)
{
        if (dev->class_code < 0)
                return "other";
        switch (dev->class_code >> 16) {
        case 0x03: /* VGA, XGA and 3D controllers: every GPU we care about */
                return "gpu";
        case 0x06:
                return "bridge";
        default:
                return "other";
        }
}
