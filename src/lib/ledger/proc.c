/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Processes, read from /proc under the root prefix: who wrote a lease (pid
 * plus start time, since pids are reused), and whether a QEMU still runs
 * for a domain.  Used to tell stale leases after crashes.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "vgpuhook-private.h"

#define STARTTIME_FIELD 22
#define CMDLINE_MAX     (256 * 1024)

int vgpu_proc_id_of(const struct vgpu_root *root, pid_t pid, struct vgpu_proc_id *ret)
{
        _cleanup_free_ char *stat = NULL;
        unsigned long long start;
        char path[64], *p;
        int field;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        if (vgpu_root_read_file(root, path, 4096, &stat) < 0)
                return -ESRCH;
        /* comm may hold spaces and parentheses: fields start after the last ')'. */
        p = strrchr(stat, ')');
        if (!p)
                return -EBADMSG;
        for (field = 2; field < STARTTIME_FIELD && p; field++)
                p = strchr(p + 1, ' ');
        if (!p || sscanf(p + 1, "%llu", &start) != 1)
                return -EBADMSG;
        ret->pid = pid;
        ret->start = start;
        return 0;
}

bool vgpu_proc_id_alive(const struct vgpu_root *root, const struct vgpu_proc_id *id)
{
        struct vgpu_proc_id now;

        if (id->pid <= 0 || vgpu_proc_id_of(root, id->pid, &now) < 0)
                return false;
        return now.start == id->start;
}

static bool cmdline_has_uuid(const char *cmd, size_t len, const char *uuid)
{
        for (const char *p = cmd; p < cmd + len; p += strlen(p) + 1) {
                const char *next = p + strlen(p) + 1;

                if (strcmp(p, "-uuid") == 0 && next < cmd + len && strcasecmp(next, uuid) == 0)
                        return true;
        }
        return false;
}

static bool qemu_of(const struct vgpu_root *root, const char *pid, const char *uuid)
{
        _cleanup_free_ char *cmd = NULL;
        char path[64];
        int n;

        snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
        n = vgpu_root_read_file(root, path, CMDLINE_MAX, &cmd);
        return n > 0 && cmdline_has_uuid(cmd, (size_t)n, uuid);
}

pid_t vgpu_find_qemu(const struct vgpu_root *root, const char *domain_uuid)
{
        _cleanup_strv_ char **names = NULL;
        unsigned long long pid;

        if (vgpu_root_list_dir(root, "/proc", &names) < 0)
                return 0;
        for (char **name = names; *name; name++)
                if (vgpu_parse_uint(*name, INT32_MAX, &pid) == 0 && qemu_of(root, *name, domain_uuid))
                        return (pid_t)pid;
        return 0;
}

bool vgpu_lease_stale(const struct vgpu_root *root, const struct vgpu_lease *lease, long long now, int grace_s)
{
        if (vgpu_proc_id_alive(root, &lease->hook))
                return false; /* its hook is still at work */
        if (lease->state == VGPU_LEASE_ACTIVE) {
                struct vgpu_proc_id q = {lease->qemu_pid, 0};
                char path[64];

                snprintf(path, sizeof(path), "/proc/%d", (int)q.pid);
                return q.pid <= 0 || !vgpu_root_exists(root, path) || !qemu_of(root, path + 6, lease->domain_uuid);
        }
        /* A libvirtd the hook could not identify tells nothing: only the grace then. */
        if (lease->libvirtd.pid > 0 && !vgpu_proc_id_alive(root, &lease->libvirtd))
                return true;
        /* The /proc scan last: it is the costly part, and runs under the ledger lock. */
        return now - lease->since > grace_s && !vgpu_find_qemu(root, lease->domain_uuid);
}
