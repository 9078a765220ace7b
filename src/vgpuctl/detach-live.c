/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl detach --live: ask libvirt to unplug the device, then wait,
 * bounded, for libvirt's device-removed event.  Only then does the guest no
 * longer hold it, and only then is the mdev removed and its lease dropped:
 * freed earlier, another VM could get a device this guest still uses.  A
 * guest that does not let go keeps the device and the lease; release frees
 * both when the domain stops.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vgpuctl-libvirt.h"
#include "vgpuctl.h"

struct gone {
        enum vgpu_device_kind kind;
        char device[VGPU_UUID_STRLEN]; /* an mdev UUID or a PCI address */
};

/* The library's release of the one lease: mark, free outside the lock, drop.  NULL: said why. */
static struct vgpu_release *release(const struct vgpuctl_state *st, const struct vgpuctl_live_target *t,
                                    const struct gone *g)
{
        struct vgpu_error err = {0};
        struct vgpu_proc_id self = {0};
        struct vgpu_release *rel;
        char where[512];
        int r;

        vgpu_proc_id_of(st->root, getpid(), &self);
        rel = vgpu_release_new(st->root, (int)st->config->lock_wait_ms, st->config->release_retries, &self);
        if (!rel)
                return vgpuctl_fail("out of memory"), NULL;
        r = vgpu_release_domain(rel, t->live->uuid, g->kind, g->device, &err);
        if (r < 0) {
                vgpuctl_fail("the lease ledger is unusable: %s", vgpu_error_format(&err, where, sizeof(where)));
                vgpu_release_free(rel);
                return NULL;
        }
        return rel;
}

static int report(const struct vgpuctl_live_target *t, const struct gone *g, const struct vgpu_release *rel)
{
        const struct vgpu_release_device *d = rel->n ? &rel->devices[0] : NULL;
        const char *kind = vgpu_device_kind_name(g->kind);

        if (!d) {
                printf("%s %s is not leased to %s: left in place\n", kind, g->device, t->domain);
                return VGPUCTL_OK;
        }
        if (d->result < 0)
                return vgpuctl_fail("cannot free %s %s (%s): its lease stays, releasing, for 'vgpuctl reconcile'", kind,
                                    g->device, strerror(-d->result));
        printf("freed %s %s%s\n", kind, g->device, d->free && g->kind == VGPU_DEVICE_MDEV ? " (removed)" : "");
        return VGPUCTL_OK;
}

/* The guest has let go: free what vgpu-hook allocated. */
static int free_device(const struct vgpuctl_live_target *t, const struct gone *g)
{
        struct vgpuctl_state st = {0};
        struct vgpu_release *rel = NULL;
        int r = vgpuctl_state_load(t->ctx, &st);

        if (r == VGPUCTL_OK)
                rel = release(&st, t, g);
        if (r == VGPUCTL_OK)
                r = rel ? report(t, g, rel) : VGPUCTL_FAILED;
        vgpu_release_free(rel);
        vgpuctl_state_clear(&st);
        return r;
}

static int unplug(const struct vgpuctl_live_target *t, const struct gone *g, const char *xml, const char *alias)
{
        char msg[512];
        int r;

        if (!alias)
                return vgpuctl_fail("the live XML of '%s' gives %s %s no alias: libvirt cannot say when it is gone",
                                    t->domain, vgpu_device_kind_name(g->kind), g->device);
        r = t->virt->ops->detach_live(t->virt->conn, t->domain, xml, alias, t->timeout_s * 1000, msg, sizeof(msg));
        if (r == -ETIMEDOUT)
                return vgpuctl_fail("the guest of '%s' has not let go of %s %s within %d s: it keeps the device and "
                                    "its lease until it does (run this again then) or the domain stops",
                                    t->domain, vgpu_device_kind_name(g->kind), g->device, t->timeout_s);
        if (r < 0)
                return vgpuctl_fail("libvirt refused to detach %s %s from '%s': %s", vgpu_device_kind_name(g->kind),
                                    g->device, t->domain, msg);
        printf("detached %s %s from %s\n", vgpu_device_kind_name(g->kind), g->device, t->domain);
        return VGPUCTL_OK;
}

/* Is the device still leased to this domain (a detach whose event came after an earlier wait)? */
static bool leased_here(const struct vgpuctl_live_target *t, const struct gone *g)
{
        struct vgpuctl_state st = {0};
        const struct vgpu_lease *lease;
        bool here;

        if (vgpuctl_state_load(t->ctx, &st) != VGPUCTL_OK)
                return false;
        lease = vgpu_ledger_find(st.ledger, g->kind, g->device);
        here = lease && strcmp(lease->domain_uuid, t->live->uuid) == 0;
        vgpuctl_state_clear(&st);
        return here;
}

static int detach_one(const struct vgpuctl_live_target *t, const struct gone *g, const struct vgpu_pci_addr *addr)
{
        _cleanup_free_ char *xml = NULL, *alias = NULL;
        int r = vgpu_domain_doc_hostdev(t->live_doc, g->kind == VGPU_DEVICE_MDEV ? g->device : NULL, addr, &xml,
                                        &alias);

        if (r == -ENOENT && leased_here(t, g))
                return free_device(t, g); /* the guest let go after an earlier detach timed out */
        if (r == -ENOENT)
                return vgpuctl_fail("running domain '%s' has no %s %s", t->domain, vgpu_device_kind_name(g->kind),
                                    g->device);
        if (r < 0)
                return vgpuctl_fail("out of memory");
        r = unplug(t, g, xml, alias);
        return r == VGPUCTL_OK ? free_device(t, g) : r;
}

/* --all: every hostdev of the live domain that a lease of it holds. */
static int detach_all(const struct vgpuctl_live_target *t)
{
        struct vgpuctl_state st = {0};
        int r = vgpuctl_state_load(t->ctx, &st), n = 0;

        for (size_t i = 0; r == VGPUCTL_OK && i < t->live->n_hostdevs; i++) {
                const struct vgpu_hostdev *hd = &t->live->hostdevs[i];
                struct gone g = {.kind = VGPU_DEVICE_MDEV};
                const struct vgpu_lease *lease;

                if (hd->kind == VGPU_HOSTDEV_MDEV)
                        snprintf(g.device, sizeof(g.device), "%s", hd->uuid);
                else
                        vgpu_pci_addr_format(&hd->addr, g.device);
                lease = hd->kind == VGPU_HOSTDEV_MDEV ? vgpu_ledger_find(st.ledger, g.kind, g.device)
                                                      : vgpu_ledger_find_pci(st.ledger, &hd->addr);
                if (!lease || strcmp(lease->domain_uuid, t->live->uuid) != 0)
                        continue;
                g.kind = lease->kind;
                n++;
                r = detach_one(t, &g, &hd->addr);
        }
        vgpuctl_state_clear(&st);
        if (r == VGPUCTL_OK && n == 0)
                r = vgpuctl_fail("running domain '%s' holds no device leased by vgpu-hook", t->domain);
        return r;
}

int vgpuctl_detach_live(const struct vgpuctl_live_target *t, const char *uuid, const char *address)
{
        struct vgpu_pci_addr addr = {0};
        struct gone g = {.kind = VGPU_DEVICE_MDEV};
        struct vgpuctl_state st = {0};

        if (!uuid && !address)
                return detach_all(t);
        if (uuid && vgpu_uuid_normalize(uuid, g.device) < 0)
                return vgpuctl_usage_error("'%s' is not a UUID", uuid);
        if (address && vgpu_pci_addr_read(address, &addr) < 0)
                return vgpuctl_usage_error("'%s' is not a PCI address", address);
        if (address) {
                vgpu_pci_addr_format(&addr, g.device);
                g.kind = VGPU_DEVICE_VF;
                /* a whole GPU's lease is of kind pci */
                if (vgpuctl_state_load(t->ctx, &st) == VGPUCTL_OK && vgpu_ledger_find_pci(st.ledger, &addr))
                        g.kind = vgpu_ledger_find_pci(st.ledger, &addr)->kind;
                vgpuctl_state_clear(&st);
        }
        return detach_one(t, &g, &addr);
}
