/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Provisioning an Intel xe PF's VFs through sriov_admin/ before they are
 * enabled (vgpuctl sriov apply): VRAM given before sriov_numvfs keeps the PF
 * from sharing VRAM out itself, and disabling the VFs releases it again
 * (Documentation/ABI/testing/sysfs-driver-intel-xe-sriov).  A VF's own
 * sched_priority is read-only (the GuC changes only the PF's), so the
 * priority goes through .bulk_profile, which sets every function's.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

static int store(const struct vgpu_root *root, const struct vgpu_pci_addr *pf, const char *attr, const char *value,
                 char *failed, size_t size)
{
        int r = vgpu_pci_write_attr(root, pf, attr, value);

        if (r < 0)
                snprintf(failed, size, "%s", attr);
        return r;
}

static int store_each(const struct vgpu_root *root, const struct vgpu_pci_addr *pf, unsigned num_vfs, const char *name,
                      int64_t v, char *failed, size_t size)
{
        char attr[96], value[24];

        if (v < 0)
                return 0;
        snprintf(value, sizeof(value), "%" PRId64, v);
        for (unsigned vf = 1; vf <= num_vfs; vf++) {
                int r;

                snprintf(attr, sizeof(attr), "sriov_admin/vf%u/profile/%s", vf, name);
                if ((r = store(root, pf, attr, value, failed, size)) < 0)
                        return r;
        }
        return 0;
}

int vgpu_xe_provision(const struct vgpu_root *root, const struct vgpu_pci_addr *pf, unsigned num_vfs,
                      const struct vgpu_xe_profile *p, char *failed, size_t size)
{
        int r;

        if ((r = store_each(root, pf, num_vfs, "vram_quota", p->vram_quota, failed, size)) < 0 ||
            (r = store_each(root, pf, num_vfs, "exec_quantum_ms", p->exec_quantum_ms, failed, size)) < 0 ||
            (r = store_each(root, pf, num_vfs, "preempt_timeout_us", p->preempt_timeout_us, failed, size)) < 0)
                return r;
        if (p->sched_priority >= 0)
                return store(root, pf, "sriov_admin/.bulk_profile/sched_priority",
                             vgpu_xe_priority_name(p->sched_priority), failed, size);
        return 0;
}
