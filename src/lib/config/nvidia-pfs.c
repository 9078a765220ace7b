/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The configuration's "nvidia_vfs": NVIDIA PFs whose VFs the boot brings
 * back, and the vGPU mode each should run in.  VFs, types and modes reset
 * at every boot (NVIDIA vGPU 17-19 user guides): `vgpuctl sriov apply`
 * enables all VFs again as sriov-manage -e does (writes/nvidia-vfs.c);
 * equal-size mode comes back with them, while mixed-size and MIG mode are
 * nvidia-smi state no sysfs file sets, so their command is named.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

static const char *const modes[] = {"equal-size", "mixed-size", "mig", NULL};
static const enum vgpu_nvidia_mode mode_values[] = {VGPU_NVIDIA_MODE_EQUAL, VGPU_NVIDIA_MODE_MIXED,
                                                    VGPU_NVIDIA_MODE_MIG};

/* One value of "nvidia_vfs": the mode's name. */
static int read_mode(const struct vgpu_json_node *member, void *item, struct vgpu_error *err)
{
        int r = vgpu_json_get_enum(member, modes, err);

        if (r < 0)
                return r;
        ((struct vgpu_nvidia_pf_config *)item)->mode = mode_values[r];
        return 0;
}

int vgpu_config_nvidia_pfs(const struct vgpu_json_node *node, struct vgpu_config *config, struct vgpu_error *err)
{
        return vgpu_config_pf_map(node, sizeof(*config->nvidia_pfs), (void **)&config->nvidia_pfs,
                                  &config->n_nvidia_pfs, "0000:41:00.0", read_mode, err);
}

static const char *const state_names[] = {
        "ok", "enable", "enabled", "absent", "not-nvidia", "partial", "no-sysfs", "failed",
};

const char *vgpu_nvidia_pf_state_name(enum vgpu_nvidia_pf_state state)
{
        return (size_t)state < ARRAY_SIZE(state_names) ? state_names[state] : "?";
}

bool vgpu_nvidia_pf_refused(enum vgpu_nvidia_pf_state state)
{
        return state != VGPU_NVIDIA_PF_OK && state != VGPU_NVIDIA_PF_ENABLE && state != VGPU_NVIDIA_PF_ENABLED;
}

static enum vgpu_nvidia_pf_state judge(const struct vgpu_pci_dev *pf, struct vgpu_nvidia_pf *c)
{
        if (!pf)
                return VGPU_NVIDIA_PF_ABSENT;
        if (!pf->sriov || pf->sriov->total_vfs <= 0 || !pf->driver || strcmp(pf->driver, "nvidia") != 0)
                return VGPU_NVIDIA_PF_NOT_NVIDIA;
        c->total = pf->sriov->total_vfs;
        c->current = pf->sriov->num_vfs;
        if (c->current == c->total)
                return VGPU_NVIDIA_PF_OK;
        /* VFs in use would go with a change: sriov-manage leaves a PF with VFs alone too. */
        return c->current == 0 ? VGPU_NVIDIA_PF_ENABLE : VGPU_NVIDIA_PF_PARTIAL;
}

int vgpu_nvidia_pfs_check(const struct vgpu_host *host, const struct vgpu_config *config, struct vgpu_nvidia_pf **ret)
{
        struct vgpu_nvidia_pf *v = calloc(config->n_nvidia_pfs + 1, sizeof(*v));

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < config->n_nvidia_pfs; i++) {
                struct vgpu_nvidia_pf *c = &v[i];

                c->pf = config->nvidia_pfs[i].pf;
                vgpu_pci_addr_format(&c->pf, c->name);
                c->mode = config->nvidia_pfs[i].mode;
                c->current = c->total = -1;
                c->state = judge(vgpu_host_find_pci(host, &c->pf), c);
        }
        *ret = v;
        return (int)config->n_nvidia_pfs;
}

int vgpu_nvidia_pf_apply(const struct vgpu_root *root, struct vgpu_nvidia_pf *c)
{
        int r;

        if (c->state != VGPU_NVIDIA_PF_ENABLE)
                return c->state == VGPU_NVIDIA_PF_OK ? 0 : -EINVAL;
        r = vgpu_nvidia_enable_vfs(root, &c->pf, c->total);
        c->error = r < 0 ? r : 0;
        if (r >= 0) {
                c->state = VGPU_NVIDIA_PF_ENABLED;
                c->bound = r;
        } else
                c->state = r == -ENOENT ? VGPU_NVIDIA_PF_NO_SYSFS : VGPU_NVIDIA_PF_FAILED;
        return r < 0 ? r : 0;
}

char *vgpu_nvidia_mode_command(enum vgpu_nvidia_mode mode, const char *pf, char *buf, size_t size)
{
        if (mode == VGPU_NVIDIA_MODE_MIXED)
                snprintf(buf, size, "nvidia-smi vgpu -i %s -shm 1", pf);
        else if (mode == VGPU_NVIDIA_MODE_MIG)
                snprintf(buf, size, "nvidia-smi -i %s -mig 1", pf);
        else
                snprintf(buf, size, "%s", "");
        return buf;
}

/* What the boot cannot do for @c's mode, after ". " of a sentence; "" when nothing. */
static const char *mode_note(const struct vgpu_nvidia_pf *c, char *buf, size_t size)
{
        char cmd[96];

        /* VFs there already: the mode may be, too (doctor looks); enabling them resets it. */
        if (c->mode == VGPU_NVIDIA_MODE_EQUAL || c->state == VGPU_NVIDIA_PF_OK)
                return "";
        vgpu_nvidia_mode_command(c->mode, c->name, cmd, sizeof(cmd));
        snprintf(buf, size, "; %s mode is not restored (no sysfs file sets it): run '%s'%s before VMs start",
                 c->mode == VGPU_NVIDIA_MODE_MIG ? "MIG" : "mixed-size", cmd,
                 c->mode == VGPU_NVIDIA_MODE_MIG ? " and create its GPU instances" : "");
        return buf;
}

char *vgpu_nvidia_pf_describe(const struct vgpu_nvidia_pf *c, bool dry_run, char *buf, size_t size)
{
        char note[256];

        switch (c->state) {
        case VGPU_NVIDIA_PF_OK:
                snprintf(buf, size, "%s: all %d VFs enabled (nvidia)", c->name, c->total);
                break;
        case VGPU_NVIDIA_PF_ENABLE:
                snprintf(buf, size, "%s: %s all %d VFs (nvidia)%s", c->name, dry_run ? "would enable" : "to enable",
                         c->total, mode_note(c, note, sizeof(note)));
                break;
        case VGPU_NVIDIA_PF_ENABLED:
                snprintf(buf, size, "%s: enabled all %d VFs (nvidia), %d bound to nvidia%s", c->name, c->total,
                         c->bound, mode_note(c, note, sizeof(note)));
                break;
        case VGPU_NVIDIA_PF_ABSENT:
                snprintf(buf, size, "%s: no such PCI device on this host; fix nvidia_vfs in " VGPU_CONFIG_PATH,
                         c->name);
                break;
        case VGPU_NVIDIA_PF_NOT_NVIDIA:
                snprintf(buf, size,
                         "%s is not an SR-IOV GPU on the nvidia driver; load NVIDIA's vGPU host driver or remove it "
                         "from nvidia_vfs in " VGPU_CONFIG_PATH,
                         c->name);
                break;
        case VGPU_NVIDIA_PF_PARTIAL:
                snprintf(buf, size,
                         "%s: %d of %d VFs enabled, left alone (a change would drop them); to enable all: "
                         "'/usr/lib/nvidia/sriov-manage -d %s' then -e, with no VM on it",
                         c->name, c->current, c->total, c->name);
                break;
        case VGPU_NVIDIA_PF_NO_SYSFS:
                snprintf(buf, size,
                         "%s: this nvidia driver takes no sriov_numvfs; enable the VFs with "
                         "'/usr/lib/nvidia/sriov-manage -e %s' before vgpu-hook-boot runs",
                         c->name, c->name);
                break;
        default:
                snprintf(buf, size, "%s: cannot enable its VFs: %s", c->name, strerror(-c->error));
        }
        return buf;
}

int vgpu_nvidia_pf_ready(const struct vgpu_host *host, const struct vgpu_pci_addr *addr, char *why, size_t size)
{
        const struct vgpu_pci_dev *pf = vgpu_host_find_pci(host, addr);

        if (!pf || !pf->sriov || pf->sriov->num_vfs <= 0 || pf->sriov->num_vfs != pf->sriov->total_vfs)
                return snprintf(why, size, "%s", "its VFs are not all enabled"), 0;
        for (size_t i = 0; i < pf->sriov->n_vfs; i++) {
                const struct vgpu_pci_dev *vf = vgpu_host_find_pci(host, &pf->sriov->vfs[i]);
                char name[VGPU_PCI_ADDR_STRLEN];

                vgpu_pci_addr_format(&pf->sriov->vfs[i], name);
                if (!vf || !vf->nvidia_vfio)
                        return snprintf(why, size, "VF %s has no nvidia/ files (not bound to nvidia)", name), 0;
                if (vf->n_nvidia_types == 0 && vf->nvidia_current_type <= 0)
                        return snprintf(why, size, "VF %s offers no vGPU type", name), 0;
        }
        return 1;
}
