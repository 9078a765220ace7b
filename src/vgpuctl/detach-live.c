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

/* Under the lock: this domain's lease on the device, marked releasing by us.  0: none, 1: marked. */
static int mark(const struct vgpuctl_state *st, const struct vgpuctl_live_target *t, const struct gone *g,
                bool *ret_remove)
{
        struct vgpu_ledger *ledger = NULL;
        struct vgpu_lease *lease;
        int r = vgpuctl_ledger_lock(st, &ledger);

        if (r != VGPUCTL_OK)
                return -EIO;
        lease = vgpu_ledger_find(ledger, g->kind, g->device);
        if (!lease || strcmp(lease->domain_uuid, t->live->uuid) != 0) {
                vgpu_ledger_free(ledger);
                return 0;
        }
        lease->state = VGPU_LEASE_RELEASING;
        vgpu_proc_id_of(st->root, getpid(), &lease->hook);
        lease->since = (long long)time(NULL);
        *ret_remove = lease->created;
        r = vgpu_ledger_commit(ledger) < 0 ? -EIO : 1;
        vgpu_ledger_free(ledger);
        if (r < 0)
                vgpuctl_fail("cannot write the lease ledger");
        return r;
}

static int remove_mdev(const struct vgpuctl_state *st, const char *uuid)
{
        const struct timespec pause = {0, 200 * 1000 * 1000};

        for (unsigned try = 0;; try++) {
                int r = vgpu_mdev_remove(st->root, uuid);

                /* QEMU may still be closing the device */
                if (r != -EBUSY || try >= st->config->release_retries)
                        return r == -ENOENT ? 0 : r;
                nanosleep(&pause, NULL);
        }
}

static void drop(const struct vgpuctl_state *st, const struct vgpuctl_live_target *t, const struct gone *g)
{
        struct vgpu_ledger *ledger = NULL;
        struct vgpu_lease *lease;

        if (vgpuctl_ledger_lock(st, &ledger) != VGPUCTL_OK)
                return;
        lease = vgpu_ledger_find(ledger, g->kind, g->device);
        if (lease && strcmp(lease->domain_uuid, t->live->uuid) == 0) {
                vgpu_ledger_remove(ledger, (size_t)(lease - ledger->leases));
                if (vgpu_ledger_commit(ledger) < 0)
                        vgpuctl_fail("cannot write the lease ledger");
        }
        vgpu_ledger_free(ledger);
}

/* What vgpu-hook made for the device: an mdev to remove, a vendor-VFIO VF's vGPU type to clear. */
static int free_hw(const struct vgpuctl_state *st, const struct gone *g, bool created)
{
        struct vgpu_pci_addr addr;

        if (!created || g->kind == VGPU_DEVICE_PCI)
                return 0;
        if (g->kind == VGPU_DEVICE_MDEV)
                return remove_mdev(st, g->device);
        return vgpu_pci_addr_parse(g->device, &addr) < 0 ? -EINVAL : vgpu_nvidia_clear_type(st->root, &addr);
}

/* The guest has let go: free what vgpu-hook allocated.  Mark, free outside the lock, drop. */
static int free_device(const struct vgpuctl_live_target *t, const struct gone *g)
{
        struct vgpuctl_state st = {0};
        bool remove = false;
        int r = vgpuctl_state_load(t->ctx, &st), marked = 0;

        if (r == VGPUCTL_OK)
                marked = mark(&st, t, g, &remove);
        if (r == VGPUCTL_OK && marked < 0)
                r = VGPUCTL_FAILED;
        if (r == VGPUCTL_OK && marked == 0)
                printf("%s %s is not leased to %s: left in place\n", vgpu_device_kind_name(g->kind), g->device,
                       t->domain);
        if (r == VGPUCTL_OK && marked > 0) {
                int removed = free_hw(&st, g, remove);

                if (removed < 0)
                        r = vgpuctl_fail("cannot free %s %s (%s): its lease stays, releasing, for 'vgpuctl "
                                         "reconcile'",
                                         vgpu_device_kind_name(g->kind), g->device, strerror(-removed));
                else
                        drop(&st, t, g);
                if (removed == 0)
                        printf("freed %s %s%s\n", vgpu_device_kind_name(g->kind), g->device,
                               remove && g->kind == VGPU_DEVICE_MDEV ? " (removed)" : "");
        }
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
        struct vgpu_lease *lease;
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
                struct gone g = {.kind = hd->kind == VGPU_HOSTDEV_MDEV ? VGPU_DEVICE_MDEV : VGPU_DEVICE_VF};
                struct vgpu_lease *lease;

                if (hd->kind == VGPU_HOSTDEV_MDEV)
                        snprintf(g.device, sizeof(g.device), "%s", hd->uuid);
                else
                        vgpu_pci_addr_format(&hd->addr, g.device);
                lease = vgpu_ledger_find(st.ledger, g.kind, g.device);
                if (!lease && hd->kind == VGPU_HOSTDEV_PCI)
                        lease = vgpu_ledger_find(st.ledger, g.kind = VGPU_DEVICE_PCI, g.device);
                if (!lease || strcmp(lease->domain_uuid, t->live->uuid) != 0)
                        continue;
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
        if (address && vgpu_pci_addr_parse(address, &addr) < 0)
                return vgpuctl_usage_error("'%s' is not a PCI address", address);
        if (address) {
                vgpu_pci_addr_format(&addr, g.device);
                g.kind = VGPU_DEVICE_VF;
                /* a whole GPU's lease is of kind pci */
                if (vgpuctl_state_load(t->ctx, &st) == VGPUCTL_OK && !vgpu_ledger_find(st.ledger, g.kind, g.device) &&
                    vgpu_ledger_find(st.ledger, VGPU_DEVICE_PCI, g.device))
                        g.kind = VGPU_DEVICE_PCI;
                vgpuctl_state_clear(&st);
        }
        return detach_one(t, &g, &addr);
}
