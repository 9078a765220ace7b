/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * prepare for <vgpu:vf> and <vgpu:pci>: the definition names the device
 * (the hook cannot rewrite XML at start), so nothing is placed here — the
 * device is checked: it exists, the profile gives it, no other domain holds
 * it, its IOMMU group is viable (docs/design.md §2.5), its <hostdev> names the
 * VFIO driver the profile asks for and the kernel has it, and it is managed
 * as it must be.  An NVIDIA vendor-VFIO VF gets its vGPU type later, at
 * create time, outside the ledger lock.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "prepare.h"

const char *prep_pci_what(const struct item *it)
{
        return it->kind == VGPU_DEVICE_VF ? "VF" : "GPU";
}

int prep_collect_pci(struct prep *p, const struct vgpu_spec *s, struct item *it)
{
        it->spec = s;
        it->kind = s->kind == VGPU_SPEC_VF ? VGPU_DEVICE_VF : VGPU_DEVICE_PCI;
        it->addr = s->addr;
        vgpu_pci_addr_format(&s->addr, it->device);
        it->hostdev = vgpu_domain_find_pci(p->h->dom, &s->addr);
        return hook_check_spec(p->h, s) || hook_spec_profile(p->h, s, &it->profile);
}

/* The device exists, is what the element says, and the profile gives it. */
static int check_device(struct prep *p, struct item *it, const struct vgpu_pci_dev *dev)
{
        const char *what = prep_pci_what(it);

        if (!dev)
                return hook_fail(p->h, "%s %s does not exist on this host%s; see 'vgpuctl inventory'", what, it->device,
                                 it->kind == VGPU_DEVICE_VF ? " (are its PF's VFs enabled? 'vgpuctl "
                                                              "sriov apply')"
                                                            : "");
        if (it->kind == VGPU_DEVICE_VF && !dev->is_vf)
                return hook_fail(p->h, "%s is not an SR-IOV VF; name a whole device with <vgpu:pci>", it->device);
        if (it->kind == VGPU_DEVICE_PCI && dev->is_vf)
                return hook_fail(p->h, "%s is an SR-IOV VF; name it with <vgpu:vf>", it->device);
        if (!vgpu_profile_serves_pci(p->host, it->profile, dev))
                return hook_fail(p->h,
                                 "profile '%s' does not give %s %s (not one of its devices, or its filters "
                                 "exclude it); see 'vgpuctl profile check %s'",
                                 it->profile->name, what, it->device, it->profile->name);
        if (dev->iommu_group < 0)
                return hook_fail(p->h,
                                 "%s %s has no IOMMU group: is the IOMMU on (intel_iommu=on or amd_iommu=on "
                                 "on the kernel command line)?",
                                 what, it->device);
        if (it->kind == VGPU_DEVICE_VF)
                vgpu_pci_addr_format(&dev->physfn, it->parent);
        return 0;
}

/* What the refusal of a taken device tells the user to do: vgpuctl start swaps it for a free one. */
static void advice(const struct prep *p, const struct item *it, char *buf, size_t size)
{
        snprintf(buf, size, "run 'vgpuctl start %s' to move %s to a free %s", p->h->name, p->h->name,
                 prep_pci_what(it));
}

static int check_free(struct prep *p, const struct item *it, const struct vgpu_pci_dev *dev)
{
        const struct vgpu_mdev *m = vgpu_host_mdev_on(p->host, dev);
        char todo[256];
        int busy = vgpu_vfio_group_busy(p->h->root, dev->iommu_group);

        advice(p, it, todo, sizeof(todo));
        if (busy > 0)
                return hook_fail(p->h, "%s %s is in use by another VM (IOMMU group %d is open); %s", prep_pci_what(it),
                                 it->device, dev->iommu_group, todo);
        if (m)
                return hook_fail(p->h, "%s %s serves vGPUs (mdev %s on %s); %s", prep_pci_what(it), it->device, m->uuid,
                                 m->parent, todo);
        return 0;
}

/* Is @name (a group member) one of the domain's own PCI hostdevs? */
static bool domain_has(const struct prep *p, const char *name)
{
        struct vgpu_pci_addr a;

        return vgpu_pci_addr_parse(name, &a) == 0 && vgpu_domain_find_pci(p->h->dom, &a) != NULL;
}

static bool harmless_driver(const char *driver)
{
        static const char *const ok[] = {"vfio-pci", "pci-stub", "pcieport"};

        for (size_t i = 0; driver && i < ARRAY_SIZE(ok); i++)
                if (strcmp(driver, ok[i]) == 0)
                        return true;
        return !driver;
}

/* docs/design.md §2.5: every other member is the domain's, a bridge, or on vfio-pci, pci-stub or no driver. */
static int check_group(struct prep *p, const struct item *it, const struct vgpu_pci_dev *dev)
{
        const struct vgpu_iommu_group *g = NULL;

        for (size_t i = 0; i < p->host->n_groups; i++)
                if (p->host->groups[i].id == dev->iommu_group)
                        g = &p->host->groups[i];
        for (size_t i = 0; g && i < g->n_devices; i++) {
                const char *m = g->devices[i];
                struct vgpu_pci_addr a;
                const struct vgpu_pci_dev *o;

                if (strcmp(m, dev->name) == 0 || domain_has(p, m))
                        continue;
                o = vgpu_pci_addr_parse(m, &a) == 0 ? vgpu_host_find_pci(p->host, &a) : NULL;
                if (o && harmless_driver(o->driver))
                        continue;
                return hook_fail(p->h,
                                 "IOMMU group %d of %s %s is not viable: %s is bound to %s; give the domain that "
                                 "function too (a <hostdev> for it), or bind it to vfio-pci",
                                 dev->iommu_group, prep_pci_what(it), it->device, m,
                                 o && o->driver ? o->driver : "a host driver");
        }
        return 0;
}

/*
 * A plain VF or GPU: libvirt binds it to its VFIO driver (the hostdev's
 * <driver model=>, else vfio-pci or the variant modules.alias names) when
 * managed='yes'; with 'no' it must be on it already.
 */
static int check_plain_managed(struct prep *p, const struct item *it, const struct vgpu_pci_dev *dev)
{
        const char *want = it->hostdev->driver_model ? it->hostdev->driver_model : "vfio-pci";

        if (it->hostdev->managed || vgpu_kmod_name_eq(dev->driver, want))
                return 0;
        return hook_fail(p->h,
                         "%s %s is on %s, but its <hostdev> (line %d) is managed='no'; set managed='yes', or bind "
                         "it to %s first",
                         prep_pci_what(it), it->device, dev->driver ? dev->driver : "no driver", it->hostdev->line,
                         want);
}

/* The kernel lacks driver @name (r 0), or its modules cannot be read (r < 0): the refusal. */
static int refuse_missing_driver(struct prep *p, const struct item *it, const char *name, int r)
{
        char release[128];

        if (vgpu_kernel_release(p->h->root, release, sizeof(release)) < 0)
                snprintf(release, sizeof(release), "(unknown: no /proc/sys/kernel/osrelease)");
        if (r == 0 && it->profile->driver)
                return hook_fail(p->h,
                                 "%s %s (line %d) asks for driver %s, but kernel %s has no such module; install it, "
                                 "or change it in profile '%s'",
                                 prep_pci_what(it), it->device, it->hostdev->line, name, release, it->profile->name);
        if (r == 0)
                return hook_fail(p->h,
                                 "%s %s (line %d) asks for driver %s, but kernel %s has no such module; install it "
                                 "or name another in the <hostdev>",
                                 prep_pci_what(it), it->device, it->hostdev->line, name, release);
        hook_log(p->h, LOG_ERR, "/lib/modules/%s/modules.dep: %s", release, strerror(-r));
        return hook_fail(p->h,
                         "%s %s (line %d) asks for driver %s, but kernel %s's module list is unreadable; install "
                         "its modules",
                         prep_pci_what(it), it->device, it->hostdev->line, name, release);
}

/* The profile's driver is the one the <hostdev> names, and the kernel has the one it names. */
static int check_driver(struct prep *p, const struct item *it)
{
        const char *want = it->profile->driver, *named = it->hostdev->driver_model;
        int r;

        if (want && !vgpu_kmod_name_eq(want, named))
                return hook_fail(p->h,
                                 "profile '%s' wants driver %s for %s %s, but its <hostdev> (line %d) names %s; add "
                                 "<driver model='%s'/> to it",
                                 it->profile->name, want, prep_pci_what(it), it->device, it->hostdev->line,
                                 named ? named : "none", want);
        if (!named)
                return 0;
        r = vgpu_kmod_available(p->h->root, named);
        return r > 0 ? 0 : refuse_missing_driver(p, it, named, r);
}

/* Our own earlier lease that typed this VF (a failed release, a prepare retried). */
static bool typed_by_us(const struct prep *p, const struct vgpu_ledger *ledger, const struct item *it)
{
        const struct vgpu_lease *l = vgpu_ledger_find(ledger, VGPU_DEVICE_VF, it->device);

        return l && strcmp(l->domain_uuid, p->h->dom->uuid) == 0 && l->created && l->type &&
               strcmp(l->type, it->profile->nvidia_type) == 0;
}

static bool can_create(const struct vgpu_pci_dev *dev, const char *type)
{
        for (size_t i = 0; i < dev->n_nvidia_types; i++)
                if (strcmp(dev->nvidia_types[i].name, type) == 0)
                        return true;
        return false;
}

/* NVIDIA vendor VFIO: managed='no', and a type to set (or ours, set already). */
static int check_nvidia(struct prep *p, const struct vgpu_ledger *ledger, struct item *it,
                        const struct vgpu_pci_dev *dev)
{
        const char *type = it->profile->nvidia_type;
        char todo[256];

        if (it->hostdev->managed)
                return hook_fail(p->h,
                                 "VF %s uses NVIDIA vendor VFIO, so its <hostdev> (line %d) must be managed='no': "
                                 "managed='yes' rebinds it to vfio-pci and its vGPU type is lost; set managed='no'",
                                 it->device, it->hostdev->line);
        snprintf(it->type, sizeof(it->type), "%s", type);
        snprintf(it->type_name, sizeof(it->type_name), "%s", type);
        it->nvidia = it->owned = true;
        advice(p, it, todo, sizeof(todo));
        if (dev->nvidia_current_type != 0 && typed_by_us(p, ledger, it)) {
                it->present = true;
                return 0;
        }
        if (dev->nvidia_current_type != 0)
                return hook_fail(p->h, "VF %s has vGPU type %d already, though no VM of ours holds it; %s", it->device,
                                 dev->nvidia_current_type, todo);
        if (!can_create(dev, type))
                return hook_fail(p->h, "VF %s cannot take %s: not in its creatable_vgpu_types now; %s", it->device,
                                 type, todo);
        return 0;
}

int prep_resolve_pci(struct prep *p, const struct vgpu_ledger *ledger, struct item *it)
{
        const struct vgpu_pci_dev *dev = vgpu_host_find_pci(p->host, &it->addr);

        if (check_device(p, it, dev) || check_free(p, it, dev) || check_group(p, it, dev))
                return 1;
        if (it->profile->kind == VGPU_PROFILE_NVIDIA_VFIO)
                return check_nvidia(p, ledger, it, dev);
        it->present = true; /* nothing to make: libvirt binds it */
        return check_driver(p, it) || check_plain_managed(p, it, dev);
}
