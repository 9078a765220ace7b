/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl sriov apply, the NVIDIA part: the PFs of "nvidia_vfs" get all
 * their VFs back, as NVIDIA's sriov-manage -e does, at every boot (VFs,
 * types and modes are gone after a reboot).  The checks and writes are the
 * library's (config/nvidia-pfs.c); here: output, one syslog line per change.
 */
#include "config.h"

#include <stdio.h>
#include <syslog.h>

#include "vgpuctl.h"

static json_t *pf_json(const struct vgpu_nvidia_pf *c, int before, bool dry_run)
{
        char line[512], cmd[96];

        vgpu_nvidia_pf_describe(c, dry_run, line, sizeof(line));
        vgpu_nvidia_mode_command(c->mode, c->name, cmd, sizeof(cmd));
        return json_pack("{s:s, s:s, s:o, s:o, s:s, s:s?, s:s}", "pf", c->name, "mode", vgpu_nvidia_mode_name(c->mode),
                         "before", before >= 0 ? json_integer(before) : json_null(), "total",
                         c->total >= 0 ? json_integer(c->total) : json_null(), "state",
                         vgpu_nvidia_pf_state_name(c->state), "mode_command", *cmd ? cmd : NULL, "message", line);
}

/* One PF: apply (unless a dry run), say it, log a change or refusal. */
static bool one(const struct vgpuctl_state *st, struct vgpu_nvidia_pf *c, bool dry_run, bool json, json_t *arr)
{
        int before = c->current;
        char line[512];

        if (!dry_run && c->state == VGPU_NVIDIA_PF_ENABLE)
                vgpu_nvidia_pf_apply(st->root, c);
        vgpu_nvidia_pf_describe(c, dry_run, line, sizeof(line));
        if (!dry_run && c->state != VGPU_NVIDIA_PF_OK)
                syslog(vgpu_nvidia_pf_refused(c->state) ? LOG_ERR : LOG_NOTICE, "sriov apply: %s", line);
        if (json)
                json_array_append_new(arr, pf_json(c, before, dry_run));
        else if (vgpu_nvidia_pf_refused(c->state))
                vgpuctl_fail("%s", line);
        else
                printf("%s\n", line);
        return vgpu_nvidia_pf_refused(c->state);
}

size_t vgpuctl_sriov_nvidia(const struct vgpuctl_state *st, bool dry_run, json_t *arr)
{
        _cleanup_free_ struct vgpu_nvidia_pf *v = NULL;
        size_t refused = 0;
        int n = vgpu_nvidia_pfs_check(st->host, st->config, &v);

        if (n < 0) {
                vgpuctl_fail("out of memory");
                return 1;
        }
        if (!dry_run)
                openlog("vgpuctl", LOG_PID, LOG_DAEMON);
        for (int i = 0; i < n; i++)
                refused += one(st, &v[i], dry_run, arr != NULL, arr);
        if (!dry_run)
                closelog();
        return refused;
}
