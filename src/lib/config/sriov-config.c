/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The configured VF counts ("sriov_vfs") against the host: what `vgpuctl
 * sriov apply` (at boot) writes and what `vgpuctl doctor` checks.  The
 * kernel's sriov_numvfs is the only interface; PFs whose VFs NVIDIA's
 * sriov-manage owns (driver nvidia) are never touched, and drivers without
 * sriov_configure (AMD GIM) are told to use their module parameter.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "vgpuhook-private.h"

static const char *const state_names[] = {
        "ok",        "change", "set",          "absent", "not-sriov", "nvidia",         "too-many",
        "no-driver", "busy",   "module-param", "failed", "partition", "no-sriov-admin", "provision-failed",
};

const char *vgpu_vf_count_state_name(enum vgpu_vf_count_state state)
{
        return (size_t)state < ARRAY_SIZE(state_names) ? state_names[state] : "?";
}

bool vgpu_vf_count_refused(enum vgpu_vf_count_state state)
{
        return state != VGPU_VF_COUNT_OK && state != VGPU_VF_COUNT_CHANGE && state != VGPU_VF_COUNT_SET;
}

/* Is a VF of @pf (or an mdev on one) held by a VM or named by a lease?  Says which in c->detail. */
static bool vfs_busy(const struct vgpu_host *host, const struct vgpu_ledger *ledger, const struct vgpu_pci_dev *pf,
                     struct vgpu_vf_count *c)
{
        for (size_t i = 0; i < pf->sriov->n_vfs; i++) {
                const struct vgpu_pci_dev *vf = vgpu_host_find_pci(host, &pf->sriov->vfs[i]);
                const struct vgpu_lease *l;

                if (!vf)
                        continue;
                if (vgpu_vfio_group_busy(host->root, vf->iommu_group) > 0) {
                        snprintf(c->detail, sizeof(c->detail), "VF %s is held by a VM (IOMMU group %d is open)",
                                 vf->name, vf->iommu_group);
                        return true;
                }
                if ((l = vgpu_ledger_find_pci(ledger, &vf->addr))) {
                        snprintf(c->detail, sizeof(c->detail), "VF %s is leased to domain %.64s (%s)", vf->name,
                                 l->domain_name ? l->domain_name : "?", vgpu_lease_state_name(l->state));
                        return true;
                }
                for (size_t j = 0; j < host->n_mdevs; j++) {
                        const struct vgpu_mdev *m = &host->mdevs[j];

                        if (m->parent && strcmp(m->parent, vf->name) == 0) {
                                snprintf(c->detail, sizeof(c->detail), "VF %s is the parent of mdev %s", vf->name,
                                         m->uuid);
                                return true;
                        }
                }
        }
        return false;
}

/* Can xe PF @pf take the configured VF profile?  If not, c->detail says why. */
static bool xe_ready(const struct vgpu_root *root, const struct vgpu_pci_dev *pf, struct vgpu_vf_count *c)
{
        bool vram = false;
        int r;

        if (!pf->driver || strcmp(pf->driver, "xe") != 0) {
                snprintf(c->detail, sizeof(c->detail), "its driver is %s, not xe", pf->driver ? pf->driver : "none");
                return false;
        }
        if ((r = vgpu_xe_admin(root, &pf->addr, &vram)) <= 0) {
                snprintf(c->detail, sizeof(c->detail),
                         "xe shows no sriov_admin for it (Linux 6.19 or later, xe in PF mode: see 'vgpuctl doctor')");
                return false;
        }
        if (c->xe.vram_quota >= 0 && !vram) {
                snprintf(c->detail, sizeof(c->detail),
                         "its VFs have no vram_quota (Linux 7.0 or later, on a GPU with its own VRAM)");
                return false;
        }
        return true;
}

/* Do VFs 1..configured of an xe PF hold the configured profile? */
static bool xe_provisioned(const struct vgpu_root *root, const struct vgpu_pci_dev *pf, const struct vgpu_vf_count *c)
{
        for (unsigned vf = 1; vf <= c->configured; vf++) {
                struct vgpu_xe_profile have;

                if (vgpu_xe_read_profile(root, &pf->addr, vf, c->xe.vram_quota >= 0, &have) < 0 ||
                    !vgpu_xe_profile_matches(&c->xe, &have))
                        return false;
        }
        return true;
}

/* AMD MxGPU: the VFs its partition mode allows (c->partition_limit, 0 unknown). */
static void amd_partition(const struct vgpu_root *root, const struct vgpu_pci_dev *pf, struct vgpu_vf_count *c)
{
        c->partition_limit = vgpu_amd_vf_limit(root, &pf->addr, c->partition, sizeof(c->partition));
        if (c->partition_limit == 0)
                vgpu_dbg(root, "PF %s: its partition mode cannot be known (%s), so its VF limit is sriov_totalvfs (%d)",
                         pf->name, *c->partition ? c->partition : "no current_compute_partition", c->total);
        if (c->partition_limit < 0)
                c->partition_limit = 0;
}

static enum vgpu_vf_count_state judge(const struct vgpu_host *host, const struct vgpu_ledger *ledger,
                                      const struct vgpu_pci_dev *pf, struct vgpu_vf_count *c)
{
        if (!pf)
                return VGPU_VF_COUNT_ABSENT;
        snprintf(c->driver, sizeof(c->driver), "%s", pf->driver ? pf->driver : "");
        if (!pf->sriov || pf->sriov->total_vfs < 0)
                return VGPU_VF_COUNT_NOT_SRIOV;
        c->total = pf->sriov->total_vfs;
        c->current = pf->sriov->num_vfs;
        /* NVIDIA's vGPU manager enables and disables these VFs itself (sriov-manage). */
        if (pf->driver && strcmp(pf->driver, "nvidia") == 0)
                return VGPU_VF_COUNT_NVIDIA;
        if (!vgpu_xe_profile_empty(&c->xe) && !xe_ready(host->root, pf, c))
                return VGPU_VF_COUNT_NO_ADMIN;
        if (c->current == (int)c->configured && !vgpu_xe_profile_empty(&c->xe) && !xe_provisioned(host->root, pf, c)) {
                /* The profiles may change while VFs run (the xe ABI); the count stays. */
                c->provision_only = true;
                return VGPU_VF_COUNT_CHANGE;
        }
        if (c->current == (int)c->configured)
                return VGPU_VF_COUNT_OK;
        if (pf->vendor == VGPU_PCI_VENDOR_AMD && c->configured > 0)
                amd_partition(host->root, pf, c);
        if ((int)c->configured > c->total)
                return VGPU_VF_COUNT_TOO_MANY;
        if (c->partition_limit > 0 && (int)c->configured > c->partition_limit)
                return VGPU_VF_COUNT_PARTITION;
        if (!pf->driver)
                return VGPU_VF_COUNT_NO_DRIVER;
        return vfs_busy(host, ledger, pf, c) ? VGPU_VF_COUNT_BUSY : VGPU_VF_COUNT_CHANGE;
}

int vgpu_vf_counts_check(const struct vgpu_host *host, const struct vgpu_config *config,
                         const struct vgpu_ledger *ledger, struct vgpu_vf_count **ret)
{
        struct vgpu_vf_count *v = calloc(config->n_sriov_vfs ? config->n_sriov_vfs : 1, sizeof(*v));

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < config->n_sriov_vfs; i++) {
                struct vgpu_vf_count *c = &v[i];

                c->pf = config->sriov_vfs[i].pf;
                c->configured = config->sriov_vfs[i].num_vfs;
                c->xe = config->sriov_vfs[i].xe;
                c->current = c->total = c->partition_limit = -1;
                c->state = judge(host, ledger, vgpu_host_find_pci(host, &c->pf), c);
        }
        *ret = v;
        return (int)config->n_sriov_vfs;
}

static bool names_vfs(const char *param)
{
        for (const char *s = param; s[0] && s[1]; s++)
                if (strncasecmp(s, "vf", 2) == 0)
                        return true;
        return false;
}

/* "MODULE PARAM" (or "MODULE") of @pf's driver into c->detail, from /sys/module. */
static void find_module_param(const struct vgpu_root *root, struct vgpu_vf_count *c)
{
        _cleanup_free_ char *module = NULL, *dir = NULL;
        _cleanup_strv_ char **params = NULL;
        char path[160];

        vgpu_pci_path(&c->pf, "driver/module", path, sizeof(path));
        if (vgpu_root_read_link_name(root, path, &module) < 0) {
                snprintf(c->detail, sizeof(c->detail), "%s", c->driver);
                return;
        }
        snprintf(c->detail, sizeof(c->detail), "%s", module);
        dir = vgpu_strdup_printf("/sys/module/%s/parameters", module);
        if (!dir || vgpu_root_list_dir(root, dir, &params) < 0)
                return;
        for (char **p = params; *p; p++)
                if (names_vfs(*p)) {
                        snprintf(c->detail, sizeof(c->detail), "%s %s", module, *p);
                        return;
                }
}

/* The state after sriov_numvfs answered @r. */
static int numvfs_result(const struct vgpu_root *root, struct vgpu_vf_count *c, int r)
{
        c->error = r;
        if (r == 0)
                c->state = VGPU_VF_COUNT_SET;
        else if (r == -EBUSY) {
                c->state = VGPU_VF_COUNT_BUSY;
                snprintf(c->detail, sizeof(c->detail), "a VF is in use (the kernel said so)");
        } else if (r == -ERANGE)
                c->state = VGPU_VF_COUNT_TOO_MANY;
        else if (r == -ENOENT && !*c->driver)
                c->state = VGPU_VF_COUNT_NO_DRIVER;
        else if (r == -ENOENT) {
                c->state = VGPU_VF_COUNT_MODULE_PARAM;
                find_module_param(root, c);
        } else
                c->state = VGPU_VF_COUNT_FAILED;
        return r;
}

/* An xe PF: its VFs provisioned while they are disabled (VRAM given before
 * sriov_numvfs stays theirs; disabling releases it), then enabled. */
static int apply_xe(const struct vgpu_root *root, struct vgpu_vf_count *c)
{
        int r = 0;

        if (!c->provision_only && c->current > 0)
                r = vgpu_sriov_set_numvfs(root, &c->pf, 0, -1);
        if (r < 0)
                return numvfs_result(root, c, r);
        r = vgpu_xe_provision(root, &c->pf, c->configured, &c->xe, c->detail, sizeof(c->detail));
        if (r < 0) {
                c->error = r;
                c->state = VGPU_VF_COUNT_PROVISION_FAILED;
                return r;
        }
        if (c->provision_only) {
                c->state = VGPU_VF_COUNT_SET;
                return 0;
        }
        return numvfs_result(root, c, vgpu_sriov_set_numvfs(root, &c->pf, (int)c->configured, -1));
}

int vgpu_vf_count_apply(const struct vgpu_root *root, struct vgpu_vf_count *c)
{
        if (c->state != VGPU_VF_COUNT_CHANGE)
                return c->state == VGPU_VF_COUNT_OK ? 0 : -EINVAL;
        if (!vgpu_xe_profile_empty(&c->xe) && c->configured > 0)
                return apply_xe(root, c);
        return numvfs_result(root, c, vgpu_sriov_set_numvfs(root, &c->pf, (int)c->configured, -1));
}

static bool provisions(const struct vgpu_vf_count *c)
{
        return !vgpu_xe_profile_empty(&c->xe) && c->configured > 0;
}

static void describe_param(const struct vgpu_vf_count *c, const char *pf, char *buf, size_t size)
{
        char module[96] = "", param[96] = "";

        if (sscanf(c->detail, "%95s %95s", module, param) == 2)
                snprintf(buf, size,
                         "%s: its driver %s sets VFs by the module parameter %s, not sriov_numvfs; put "
                         "'options %s %s=%u' in /etc/modprobe.d/%s.conf and reload %s (or reboot)",
                         pf, c->driver, param, module, param, c->configured, module, module);
        else
                snprintf(buf, size,
                         "%s: its driver %s cannot set VFs through sriov_numvfs; set %u VFs as the driver's "
                         "documentation says (a module parameter of %s)",
                         pf, c->driver, c->configured, *module ? module : c->driver);
}

char *vgpu_vf_count_describe(const struct vgpu_vf_count *c, bool dry_run, char *buf, size_t size)
{
        char pf[VGPU_PCI_ADDR_STRLEN];
        unsigned n = c->configured;

        vgpu_pci_addr_format(&c->pf, pf);
        switch (c->state) {
        case VGPU_VF_COUNT_OK:
                snprintf(buf, size, "%s: %u VFs, as configured", pf, n);
                break;
        case VGPU_VF_COUNT_CHANGE:
                if (c->provision_only)
                        snprintf(buf, size, "%s: %s the profiles of its %u VFs", pf,
                                 dry_run ? "would provision" : "to provision", n);
                else
                        snprintf(buf, size, "%s: %s%s %u VFs (now %d)", pf, dry_run ? "would " : "to ",
                                 provisions(c) ? "provision and set" : "set", n, c->current);
                break;
        case VGPU_VF_COUNT_SET:
                if (c->provision_only)
                        snprintf(buf, size, "%s: provisioned the profiles of its %u VFs", pf, n);
                else
                        snprintf(buf, size, "%s: %s %u VFs (was %d)", pf, provisions(c) ? "provisioned and set" : "set",
                                 n, c->current);
                break;
        case VGPU_VF_COUNT_ABSENT:
                snprintf(buf, size, "%s: no such PCI device on this host; fix sriov_vfs in " VGPU_CONFIG_PATH, pf);
                break;
        case VGPU_VF_COUNT_NOT_SRIOV:
                snprintf(buf, size,
                         "%s is not an SR-IOV PF (no sriov_totalvfs); remove it from sriov_vfs in " VGPU_CONFIG_PATH,
                         pf);
                break;
        case VGPU_VF_COUNT_NVIDIA:
                snprintf(buf, size,
                         "%s: its VFs belong to NVIDIA's sriov-manage (driver nvidia), left alone; move it from "
                         "sriov_vfs to nvidia_vfs, which enables all of them",
                         pf);
                break;
        case VGPU_VF_COUNT_TOO_MANY:
                snprintf(buf, size,
                         "%s: %u VFs configured, but the PF has at most %d (sriov_totalvfs%s); lower sriov_vfs", pf, n,
                         c->total, c->partition_limit == 0 ? ", as its partition mode cannot be read here" : "");
                break;
        case VGPU_VF_COUNT_PARTITION:
                snprintf(buf, size,
                         "%s: %u VFs configured, but its compute partition mode %s allows at most %d; lower sriov_vfs "
                         "or change the partition mode",
                         pf, n, c->partition, c->partition_limit);
                break;
        case VGPU_VF_COUNT_NO_ADMIN:
                snprintf(buf, size,
                         "%s: sriov_vfs sets VF profiles, but %s; remove them from sriov_vfs in " VGPU_CONFIG_PATH, pf,
                         c->detail);
                break;
        case VGPU_VF_COUNT_PROVISION_FAILED:
                snprintf(buf, size,
                         "%s: the xe driver refused %s (%s), so no VFs were enabled; fix that value in sriov_vfs "
                         "of " VGPU_CONFIG_PATH,
                         pf, c->detail, strerror(-c->error));
                break;
        case VGPU_VF_COUNT_NO_DRIVER:
                snprintf(buf, size,
                         "%s: no driver is bound to the PF, so the kernel cannot set its VFs; load its driver first",
                         pf);
                break;
        case VGPU_VF_COUNT_BUSY:
                snprintf(buf, size,
                         "%s: %s; VF counts change only while no VF is in use: stop the VMs using them, then run "
                         "'vgpuctl sriov apply' again",
                         pf, c->detail);
                break;
        case VGPU_VF_COUNT_MODULE_PARAM:
                describe_param(c, pf, buf, size);
                break;
        default:
                snprintf(buf, size, "%s: cannot set %u VFs: %s", pf, n, strerror(-c->error));
        }
        return buf;
}
