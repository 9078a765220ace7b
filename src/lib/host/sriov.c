/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SR-IOV: PF attributes, the virtfnN links of a PF and the physfn link of a VF. */
#include "config.h"

#include <string.h>

#include "vgpuhook-private.h"

void vgpu_sriov_free(struct vgpu_sriov *sriov)
{
        if (!sriov)
                return;
        free(sriov->vfs);
        free(sriov);
}

/* An integer attribute, -1 when missing or junk (junk is a problem). */
static int read_count(struct vgpu_host *host, const struct vgpu_pci_dev *dev, const struct vgpu_dir *dir,
                      const char *attr)
{
        _cleanup_free_ char *s = NULL;
        unsigned long long v;
        int r = vgpu_dir_read_attr(dir, attr, &s);

        if (r == -ENOENT)
                return -1;
        if (r >= 0 && vgpu_parse_uint(s, 65535, &v) == 0)
                return (int)v;
        vgpu_host_problem(host, "%s: %s is not a number", dev->name, attr);
        return -1;
}

/* The PCI address a link in @dir points to (basename), or -errno. */
static int read_link_addr(const struct vgpu_dir *dir, const char *link, struct vgpu_pci_addr *ret)
{
        _cleanup_free_ char *name = NULL;
        int r = vgpu_dir_read_link_name(dir, link, &name);

        if (r < 0)
                return r;
        return vgpu_pci_addr_parse(name, ret);
}

static bool is_virtfn(const char *name)
{
        unsigned long long v;

        return strncmp(name, "virtfn", 6) == 0 && vgpu_parse_uint(name + 6, 65535, &v) == 0;
}

static int load_vfs(struct vgpu_host *host, struct vgpu_pci_dev *dev, const struct vgpu_dir *dir)
{
        _cleanup_strv_ char **names = NULL;
        int n = vgpu_dir_list(dir, NULL, &names);

        if (n < 0)
                return n == -ENOMEM ? n : 0;
        /* Sorted with strverscmp, so virtfn10 comes after virtfn9. */
        for (char **name = names; *name; name++) {
                struct vgpu_pci_addr addr, *slot;

                if (!is_virtfn(*name))
                        continue;
                if (read_link_addr(dir, *name, &addr) < 0) {
                        vgpu_host_problem(host, "%s: %s is not a link to a VF", dev->name, *name);
                        continue;
                }
                slot = vgpu_array_push(&dev->sriov->vfs, &dev->sriov->n_vfs, sizeof(addr));
                if (!slot)
                        return -ENOMEM;
                *slot = addr;
        }
        return 0;
}

int vgpu_sriov_load(struct vgpu_host *host, struct vgpu_pci_dev *dev, const struct vgpu_dir *dir)
{
        int total = read_count(host, dev, dir, "sriov_totalvfs");
        int r;

        r = read_link_addr(dir, "physfn", &dev->physfn);
        if (r == -ENOMEM)
                return r;
        dev->is_vf = r >= 0;
        if (r < 0 && r != -ENOENT)
                vgpu_host_problem(host, "%s: physfn is not a link to a PCI function", dev->name);
        if (total < 0)
                return 0;
        dev->sriov = calloc(1, sizeof(*dev->sriov));
        if (!dev->sriov)
                return -ENOMEM;
        dev->sriov->total_vfs = total;
        dev->sriov->num_vfs = read_count(host, dev, dir, "sriov_numvfs");
        dev->sriov->autoprobe = read_count(host, dev, dir, "sriov_drivers_autoprobe");
        if (dev->sriov->autoprobe > 1) {
                vgpu_host_problem(host, "%s: sriov_drivers_autoprobe is neither 0 nor 1", dev->name);
                dev->sriov->autoprobe = -1;
        }
        return load_vfs(host, dev, dir);
}
