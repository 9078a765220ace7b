/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl doctor: vendor SR-IOV modes — an Intel xe GPU is an SR-IOV PF
 * only when xe's module parameter max_vfs allows VFs (0, the default, keeps
 * it a plain GPU without sriov_admin; drivers/gpu/drm/xe/xe_module.c).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "doctor.h"

#define XE_MAX_VFS "/sys/module/xe/parameters/max_vfs"

static bool is_xe_pf(const struct vgpu_pci_dev *p)
{
        return p->driver && strcmp(p->driver, "xe") == 0 && p->sriov && p->sriov->total_vfs > 0;
}

bool doctor_has_xe_pf(const struct doctor *d)
{
        for (size_t i = 0; i < d->host->n_pci; i++)
                if (is_xe_pf(&d->host->pci[i]))
                        return true;
        return false;
}

/* The VFs sriov_vfs asks of @pf (0: not listed). */
static unsigned configured_vfs(const struct doctor *d, const struct vgpu_pci_dev *pf)
{
        for (size_t i = 0; d->config && i < d->config->n_sriov_vfs; i++)
                if (vgpu_pci_addr_cmp(&d->config->sriov_vfs[i].pf, &pf->addr) == 0)
                        return d->config->sriov_vfs[i].num_vfs;
        return 0;
}

void doctor_xe_pf(const struct doctor *d, struct doctor_result *res)
{
        _cleanup_free_ char *s = NULL;
        unsigned long long max_vfs;
        unsigned want = 0;
        const char *pf = NULL;

        for (size_t i = 0; i < d->host->n_pci; i++) {
                const struct vgpu_pci_dev *p = &d->host->pci[i];
                unsigned n = configured_vfs(d, p);

                if (is_xe_pf(p) && (!pf || n > want)) {
                        pf = p->name;
                        want = n;
                }
        }
        if (vgpu_root_read_attr(d->root, XE_MAX_VFS, &s) < 0 || vgpu_parse_uint(s, 65535, &max_vfs) < 0) {
                doctor_set(res, DOCTOR_FAIL, "xe SR-IOV: %s has no max_vfs (xe built without SR-IOV support)",
                           XE_MAX_VFS);
                doctor_fix(res, "use a kernel whose xe has CONFIG_PCI_IOV (Debian's and Fedora's do)");
                return;
        }
        if (max_vfs == 0 || max_vfs < want) {
                doctor_set(res, DOCTOR_FAIL, "xe SR-IOV: xe's max_vfs is %llu, so PF %s %s", max_vfs, pf,
                           max_vfs ? "cannot have the VFs sriov_vfs asks" : "runs without SR-IOV (no sriov_admin)");
                doctor_fix(res, "put 'options xe max_vfs=%u' in /etc/modprobe.d/xe.conf and reload xe (or reboot)",
                           want ? want : 1);
                return;
        }
        doctor_set(res, DOCTOR_OK, "xe SR-IOV: PF mode, max_vfs %llu", max_vfs);
}
