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
        if (n && vgpu_ledger_commit(l) < 0)
                hook_log(h, LOG_ERR, "cannot mark the leases of domain %s active", h->name);
        vgpu_ledger_free(l);
        return 0;
}

/* Ours only when the UUID is one vgpuctl derives, or mdevctl says manual. */
static bool tool_owned(const struct hook *h, const struct vgpu_mdev *m, const struct vgpu_mdevctl_defs *defs)
{
        const struct vgpu_mdevctl_def *d = defs ? vgpu_mdevctl_defs_find(defs, m->uuid, NULL) : NULL;

        if (vgpu_domain_derives_mdev(h->dom, m->uuid))
                return true;
        return d && !d->autostart;
}

static void adopt(struct hook *h, struct vgpu_ledger *l, const struct vgpu_host *host,
                  const struct vgpu_mdevctl_defs *defs, pid_t pid)
{
        for (size_t i = 0; i < h->dom->n_hostdevs; i++) {
                const struct vgpu_hostdev *hd = &h->dom->hostdevs[i];
                const struct vgpu_mdev *m;
                struct vgpu_lease *lease, fresh;

                if (hd->kind != VGPU_HOSTDEV_MDEV || !(m = vgpu_host_find_mdev(host, hd->uuid)))
                        continue;
                lease = vgpu_ledger_find_mut(l, VGPU_DEVICE_MDEV, m->uuid);
                if (lease && strcmp(lease->domain_uuid, h->dom->uuid) != 0) {
                        hook_log(h, LOG_ERR, "reconnect: mdev %s is leased to domain %.64s too", m->uuid,
                                 lease->domain_name ? lease->domain_name : "?");
                        continue;
                }
                if (!lease) {
                        hook_lease_init(h, &fresh);
                        fresh.kind = VGPU_DEVICE_MDEV;
                        fresh.device = (char *)m->uuid; /* copied by vgpu_ledger_add() */
                        fresh.parent = m->parent;
                        fresh.type = m->type_id;
                        fresh.created = tool_owned(h, m, defs);
                        lease = vgpu_ledger_add(l, &fresh);
                        hook_log(h, LOG_INFO, "reconnect: re-adopted mdev %s for domain %s (%s)", m->uuid, h->name,
                                 fresh.created ? "ours" : "not ours: never removed");
                }
                if (lease)
                        activate(l, lease, h, pid);
        }
}

/* The VFs and GPUs our metadata names: leases for them, ours to clear only where a vGPU type is set. */
static void adopt_pci(struct hook *h, struct vgpu_ledger *l, const struct vgpu_host *host, pid_t pid)
{
        for (size_t i = 0; i < h->dom->n_specs; i++) {
                const struct vgpu_spec *s = &h->dom->specs[i];
                enum vgpu_device_kind kind = s->kind == VGPU_SPEC_VF ? VGPU_DEVICE_VF : VGPU_DEVICE_PCI;
                const struct vgpu_pci_dev *dev = vgpu_host_find_pci(host, &s->addr);
                char pf[VGPU_PCI_ADDR_STRLEN];
                struct vgpu_lease *lease, fresh;

                if (s->kind == VGPU_SPEC_MDEV || !dev)
                        continue;
                lease = vgpu_ledger_find_mut(l, kind, dev->name);
                if (lease && strcmp(lease->domain_uuid, h->dom->uuid) != 0) {
                        hook_log(h, LOG_ERR, "reconnect: %s %s is leased to domain %.64s too",
                                 vgpu_device_kind_name(kind), dev->name, lease->domain_name ? lease->domain_name : "?");
                        continue;
                }
                if (!lease) {
                        hook_lease_init(h, &fresh);
                        fresh.kind = kind;
                        fresh.device = (char *)dev->name; /* copied by vgpu_ledger_add() */
                        vgpu_pci_addr_format(&dev->physfn, pf);
                        fresh.parent = dev->is_vf ? pf : NULL;
                        fresh.profile = s->profile;
                        /* only the hook types a vendor-VFIO VF that our metadata names */
                        fresh.created = dev->nvidia_vfio && dev->nvidia_current_type > 0;
                        lease = vgpu_ledger_add(l, &fresh);
                        hook_log(h, LOG_INFO, "reconnect: re-adopted %s %s for domain %s", vgpu_device_kind_name(kind),
                                 dev->name, h->name);
                }
                if (lease)
                        activate(l, lease, h, pid);
        }
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
                pid_t pid = qemu_pid(h);

                adopt(h, l, host, defs, pid);
                adopt_pci(h, l, host, pid);
                if (vgpu_ledger_commit(l) < 0)
                        hook_log(h, LOG_ERR, "reconnect: cannot write the lease ledger");
                vgpu_ledger_free(l);
        }
        vgpu_mdevctl_defs_free(defs);
        vgpu_host_free(host);
        return 0;
}
