/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Intel xe's SR-IOV provisioning, read side: a PF in PF mode has
 * sriov_admin/ with pf/ and vf1..vfN/ (N = sriov_totalvfs), each holding
 * profile/{exec_quantum_ms, preempt_timeout_us, sched_priority} and, on
 * discrete parts with Linux >= 7.0, a VF's profile/vram_quota; the kernel's
 * Documentation/ABI/testing/sysfs-driver-intel-xe-sriov (docs/design.md §2.5).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

static const char *const prio_names[] = {"low", "normal", "high"};

const char *vgpu_xe_priority_name(int prio)
{
        return prio >= 0 && (size_t)prio < ARRAY_SIZE(prio_names) ? prio_names[prio] : "?";
}

int vgpu_xe_priority_parse(const char *s)
{
        for (size_t i = 0; i < ARRAY_SIZE(prio_names); i++)
                if (strcmp(s, prio_names[i]) == 0)
                        return (int)i;
        return -EINVAL;
}

bool vgpu_xe_profile_empty(const struct vgpu_xe_profile *p)
{
        return p->exec_quantum_ms < 0 && p->preempt_timeout_us < 0 && p->sched_priority < 0 && p->vram_quota < 0;
}

int vgpu_xe_admin(const struct vgpu_root *root, const struct vgpu_pci_addr *pf, bool *ret_vram)
{
        _cleanup_free_ char *s = NULL;
        int r = vgpu_pci_read_attr(root, pf, "sriov_admin/vf1/profile/exec_quantum_ms", &s);

        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r < 0)
                return r;
        free(TAKE_PTR(s));
        r = vgpu_pci_read_attr(root, pf, "sriov_admin/vf1/profile/vram_quota", &s);
        if (r < 0 && r != -ENOENT)
                return r;
        *ret_vram = r >= 0;
        return 1;
}

static int read_number(const struct vgpu_root *root, const struct vgpu_pci_addr *pf, unsigned vf, const char *name,
                       int64_t *ret)
{
        _cleanup_free_ char *s = NULL;
        unsigned long long v;
        char attr[96];
        int r;

        snprintf(attr, sizeof(attr), "sriov_admin/vf%u/profile/%s", vf, name);
        if ((r = vgpu_pci_read_attr(root, pf, attr, &s)) < 0)
                return r;
        if (vgpu_parse_uint(s, INT64_MAX, &v) < 0)
                return -EINVAL;
        *ret = (int64_t)v;
        return 0;
}

/* "[low] normal": the bracketed one. */
static int read_priority(const struct vgpu_root *root, const struct vgpu_pci_addr *pf, unsigned vf, int *ret)
{
        _cleanup_free_ char *s = NULL;
        char attr[96], name[16];
        const char *open;
        int r;

        snprintf(attr, sizeof(attr), "sriov_admin/vf%u/profile/sched_priority", vf);
        if ((r = vgpu_pci_read_attr(root, pf, attr, &s)) < 0)
                return r;
        if (!(open = strchr(s, '[')) || sscanf(open + 1, "%15[a-z]]", name) != 1 ||
            (r = vgpu_xe_priority_parse(name)) < 0)
                return -EINVAL;
        *ret = r;
        return 0;
}

int vgpu_xe_read_profile(const struct vgpu_root *root, const struct vgpu_pci_addr *pf, unsigned vf, bool vram,
                         struct vgpu_xe_profile *ret)
{
        struct vgpu_xe_profile p = {.vram_quota = -1};
        int r;

        if ((r = read_number(root, pf, vf, "exec_quantum_ms", &p.exec_quantum_ms)) < 0 ||
            (r = read_number(root, pf, vf, "preempt_timeout_us", &p.preempt_timeout_us)) < 0 ||
            (r = read_priority(root, pf, vf, &p.sched_priority)) < 0 ||
            (vram && (r = read_number(root, pf, vf, "vram_quota", &p.vram_quota)) < 0))
                return r;
        *ret = p;
        return 0;
}

bool vgpu_xe_profile_matches(const struct vgpu_xe_profile *want, const struct vgpu_xe_profile *have)
{
        return (want->exec_quantum_ms < 0 || want->exec_quantum_ms == have->exec_quantum_ms) &&
               (want->preempt_timeout_us < 0 || want->preempt_timeout_us == have->preempt_timeout_us) &&
               (want->sched_priority < 0 || want->sched_priority == have->sched_priority) &&
               (want->vram_quota < 0 || want->vram_quota == have->vram_quota);
}
