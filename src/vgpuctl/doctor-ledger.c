/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl doctor: the lease ledger — readable, ours (owner and mode), and
 * consistent with the host: no lease naming a device that is gone, no
 * release left unfinished, no mdev of a manual mdevctl definition (the hook
 * starts and stops those) that no lease names, no device quarantined.  Says
 * what is wrong and what will happen to it.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "doctor.h"

/* Is the device of @l on the host? */
static bool present(const struct vgpu_host *host, const struct vgpu_lease *l)
{
        struct vgpu_pci_addr addr;

        if (l->kind == VGPU_DEVICE_MDEV)
                return vgpu_host_find_mdev(host, l->device) != NULL;
        return vgpu_pci_addr_parse(l->device, &addr) == 0 && vgpu_host_find_pci(host, &addr) != NULL;
}

/* What is wrong, appended to @buf as "; "-separated phrases; how many. */
struct findings {
        size_t n;
        size_t len;
        char text[900];
};

static void found(struct findings *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void found(struct findings *f, const char *fmt, ...)
{
        va_list ap;

        f->n++;
        if (f->len >= sizeof(f->text))
                return;
        if (f->len)
                f->len += (size_t)snprintf(f->text + f->len, sizeof(f->text) - f->len, "; ");
        va_start(ap, fmt);
        if (f->len < sizeof(f->text))
                f->len += (size_t)vsnprintf(f->text + f->len, sizeof(f->text) - f->len, fmt, ap);
        va_end(ap);
}

static void check_leases(const struct doctor *d, struct findings *f)
{
        for (size_t i = 0; i < d->ledger->n_leases; i++) {
                const struct vgpu_lease *l = &d->ledger->leases[i];
                const char *kind = vgpu_device_kind_name(l->kind);

                if ((l->state == VGPU_LEASE_PREPARED || l->state == VGPU_LEASE_ACTIVE) && !present(d->host, l))
                        found(f, "the %s lease of domain %.64s names %s %s, which is gone",
                              vgpu_lease_state_name(l->state), l->domain_name ? l->domain_name : l->domain_uuid, kind,
                              l->device);
                else if (l->state == VGPU_LEASE_RELEASING && !vgpu_proc_id_alive(d->root, &l->hook))
                        found(f, "%s %s of domain %.64s was not freed (its release did not finish)", kind, l->device,
                              l->domain_name ? l->domain_name : l->domain_uuid);
        }
}

/* mdevs the hook starts (manual mdevctl definitions) that are there with no lease. */
static void check_unleased(const struct doctor *d, struct findings *f)
{
        struct vgpu_mdevctl_defs *defs = NULL;

        if (vgpu_mdevctl_list(d->root, &defs) < 0)
                return;
        for (size_t i = 0; i < defs->n_defs; i++) {
                const struct vgpu_mdevctl_def *def = &defs->defs[i];

                if (!def->autostart && vgpu_host_find_mdev(d->host, def->uuid) &&
                    !vgpu_ledger_find(d->ledger, VGPU_DEVICE_MDEV, def->uuid))
                        found(f, "mdev %s (manual mdevctl definition) runs, but no lease names it", def->uuid);
        }
        vgpu_mdevctl_defs_free(defs);
}

/* Devices placement skips as broken (ledger/quarantine.c), with why and since when. */
static void check_quarantine(const struct doctor *d, struct findings *f)
{
        char why[512];

        for (size_t i = 0; i < d->ledger->n_quarantined; i++)
                found(f, "%s quarantined %s", d->ledger->quarantined[i].device,
                      vgpu_quarantine_describe(&d->ledger->quarantined[i], why, sizeof(why)));
}

static void report(const struct doctor *d, struct doctor_result *res, const struct findings *f)
{
        bool rebuilt = vgpu_ledger_rebuilt(d->ledger);
        const char *quarantine = d->ledger->n_quarantined
                                         ? "; a device quarantined because its release failed is lifted by 'vgpuctl "
                                           "reconcile' once it is free, one whose VMs crashed by 'vgpuctl quarantine "
                                           "clear DEVICE' once you have looked at it"
                                         : "";

        if (!f->n) {
                doctor_set(res, DOCTOR_OK, "lease ledger: %zu lease%s, consistent with the host%s", d->ledger->n_leases,
                           d->ledger->n_leases == 1 ? "" : "s",
                           rebuilt ? " (rebuilt since boot: a damaged copy is kept in " VGPU_LEDGER_DIR ")" : "");
                return;
        }
        doctor_set(res, DOCTOR_FAIL, "lease ledger: %s", f->text);
        doctor_fix(res,
                   "'vgpuctl reconcile' drops the leases of gone devices and retries unfinished releases (its "
                   "timer runs every 10 minutes); an mdev no lease names is stopped by its VM's release%s, or "
                   "by 'mdevctl stop -u UUID' once no VM uses it%s",
                   rebuilt ? " (the ledger was rebuilt: it adopts it by the VM's XML)" : " after a libvirtd restart",
                   quarantine);
}

void doctor_ledger(const struct doctor *d, struct doctor_result *res)
{
        struct findings f = {0};
        struct vgpu_error err = {0};
        char why[512];
        int r = vgpu_ledger_check_private(d->root, &err);

        if (r == -ENOENT) {
                doctor_set(res, DOCTOR_OK, "lease ledger: none yet (no vGPU VM since boot)");
                return;
        }
        if (r < 0 || !d->ledger) {
                doctor_set(res, DOCTOR_FAIL, "lease ledger unusable: %s",
                           r < 0 ? vgpu_error_format(&err, why, sizeof(why)) : d->ledger_error);
                doctor_fix(res, "%s; until then every vGPU VM is refused",
                           r < 0 ? "do what it says"
                                 : "a newer vgpu-hook wrote it: install that again, or move the "
                                   "file away and restart libvirtd (VMs keep running)");
                return;
        }
        if (d->ledger->damage[0]) {
                doctor_set(res, DOCTOR_FAIL, "lease ledger %s damaged (%s)", VGPU_LEDGER_FILE, d->ledger->damage);
                doctor_fix(res,
                           "nothing is refused for it: the next hook or 'vgpuctl reconcile' keeps it as %s/%sTIME "
                           "and rebuilds the leases from the running VMs; run 'vgpuctl reconcile', then restart "
                           "libvirtd (VMs keep running) so that reconnect re-adopts their devices",
                           VGPU_LEDGER_DIR, VGPU_LEDGER_DAMAGED);
                return;
        }
        check_leases(d, &f);
        check_unleased(d, &f);
        check_quarantine(d, &f);
        report(d, res, &f);
}
