/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * started and reconnect: a running QEMU now holds the devices.  Both always
 * exit 0 — a non-zero exit here makes libvirt kill the VM.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "hook.h"

/* The QEMU pid libvirt wrote for the domain, or 0. */
static pid_t qemu_pid(const struct hook *h)
{
        const char *name = h->dom->name;
        _cleanup_free_ char *text = NULL;
        unsigned long long pid;
        char path[256];

        /* The name becomes a path component: anything that could walk is looked up by -uuid instead. */
        if (strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strlen(name) > 200)
                return vgpu_find_qemu(h->root, h->dom->uuid);
        snprintf(path, sizeof(path), "/run/libvirt/qemu/%s.pid", name);
        if (vgpu_root_read_attr(h->root, path, &text) < 0 || vgpu_parse_uint(text, INT32_MAX, &pid) < 0)
                return vgpu_find_qemu(h->root, h->dom->uuid);
        return (pid_t)pid;
}

static void activate(struct vgpu_ledger *l, struct vgpu_lease *lease, const struct hook *h, pid_t pid)
{
        lease->qemu_pid = pid;
        lease->libvirtd = h->libvirtd;
        vgpu_lease_set_state(l, lease, VGPU_LEASE_ACTIVE);
}

/* The domain's devices by its XML, leased to it where no lease names them (lease-adopt.c), active. */
static int adopt(struct hook *h, struct vgpu_ledger *l, const struct vgpu_host *host,
                 const struct vgpu_mdevctl_defs *defs, pid_t pid, bool touch)
{
        struct vgpu_adopt a = {.domain = h->dom, .host = host, .defs = defs, .touch = touch};

        hook_lease_init(h, &a.base);
        a.base.state = VGPU_LEASE_ACTIVE;
        a.base.qemu_pid = pid;
        return vgpu_ledger_adopt(l, &a);
}

/* After a rebuild (the ledger was set aside damaged) started adopts what prepare's leases said. */
static int adopt_rebuilt(struct hook *h, struct vgpu_ledger *l, pid_t pid)
{
        struct vgpu_mdevctl_defs *defs = NULL;
        struct vgpu_host *host = NULL;
        int n;

        if (!vgpu_ledger_rebuilt(l) || hook_load_host(h, &host) < 0)
                return 0;
        if (vgpu_mdevctl_list(h->root, &defs) < 0)
                defs = NULL;
        n = adopt(h, l, host, defs, pid, false);
        vgpu_mdevctl_defs_free(defs);
        vgpu_host_free(host);
        return n;
}

int hook_started(struct hook *h)
{
        struct vgpu_lease *lease = NULL;
        struct vgpu_ledger *l;
        pid_t pid = qemu_pid(h);
        size_t n = 0;

        if (hook_lock(h, &l) < 0)
                return 0;
        for (; (lease = vgpu_ledger_next_of(l, h->dom->uuid, lease)); n++)
                activate(l, lease, h, pid);
        n += (size_t)adopt_rebuilt(h, l, pid);
        if ((n || l->set_aside[0]) && vgpu_ledger_commit(l) < 0)
                hook_log(h, LOG_ERR, "cannot mark the leases of domain %s active", h->name);
        vgpu_ledger_free(l);
        return 0;
}

int hook_reconnect(struct hook *h)
{
        struct vgpu_mdevctl_defs *defs = NULL;
        struct vgpu_host *host = NULL;
        struct vgpu_ledger *l;

        if (hook_load_host(h, &host) < 0)
                return 0;
        if (vgpu_mdevctl_list(h->root, &defs) < 0)
                defs = NULL;
        if (hook_lock(h, &l) == 0) {
                adopt(h, l, host, defs, qemu_pid(h), true);
                if (vgpu_ledger_commit(l) < 0)
                        hook_log(h, LOG_ERR, "reconnect: cannot write the lease ledger");
                vgpu_ledger_free(l);
        }
        vgpu_mdevctl_defs_free(defs);
        vgpu_host_free(host);
        return 0;
}
