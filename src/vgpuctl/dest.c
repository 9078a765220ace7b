/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl migrate-check: what another host's libvirt says it has — node
 * devices (mdev types with room, mdevs, VFs) and the devices its domains
 * name.  Only libvirt is asked: the destination's sysfs and ledger are out
 * of reach, and its hook judges again at migrate begin.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vgpuctl-libvirt.h"
#include "vgpuctl.h"

static int add_dev(struct vgpuctl_dest *d, const char *xml)
{
        struct vgpu_nodedev *dev, **grown;
        struct vgpu_error err = {0};

        /* One odd device must not hide the others: skip what does not parse. */
        if (vgpu_nodedev_parse(xml, strlen(xml), &dev, &err) < 0)
                return 0;
        grown = realloc(d->devs, (d->n_devs + 1) * sizeof(*grown));
        if (!grown) {
                vgpu_nodedev_free(dev);
                return -ENOMEM;
        }
        d->devs = grown;
        d->devs[d->n_devs++] = dev;
        return 0;
}

static int add_domain(struct vgpuctl_dest *d, const char *xml, const char *skip_uuid)
{
        struct vgpu_domain *dom, **grown;
        struct vgpu_error err = {0};

        if (vgpu_domain_parse(xml, strlen(xml), &dom, &err) < 0)
                return 0;
        /* The domain itself, defined there already (an earlier offline migration): its devices are its own. */
        if (strcmp(dom->uuid, skip_uuid) == 0) {
                vgpu_domain_free(dom);
                return 0;
        }
        grown = realloc(d->doms, (d->n_doms + 1) * sizeof(*grown));
        if (!grown) {
                vgpu_domain_free(dom);
                return -ENOMEM;
        }
        d->doms = grown;
        d->doms[d->n_doms++] = dom;
        return 0;
}

static void free_strv(char **v)
{
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

int vgpuctl_dest_load(const char *uri, const char *domain_uuid, bool pci, struct vgpuctl_dest *d)
{
        struct vgpuctl_ctx ctx = {.uri = uri};
        char **xmls = NULL, msg[512];
        int r;

        memset(d, 0, sizeof(*d));
        r = vgpuctl_virt_open(&ctx, &d->virt);
        if (r != VGPUCTL_OK)
                return r;
        r = d->virt.ops->node_devices(
                d->virt.conn, VGPUCTL_NODEDEV_MDEV_TYPES | VGPUCTL_NODEDEV_MDEV | (pci ? VGPUCTL_NODEDEV_PCI : 0),
                &xmls, msg, sizeof(msg));
        if (r < 0)
                return vgpuctl_fail("cannot list the node devices at %s: %s", uri, msg);
        for (size_t i = 0; r == 0 && xmls[i]; i++)
                r = add_dev(d, xmls[i]);
        free_strv(xmls);
        xmls = NULL;
        if (r == 0 && d->virt.ops->all_xml(d->virt.conn, &xmls, msg, sizeof(msg)) < 0)
                return vgpuctl_fail("cannot list the domains at %s: %s", uri, msg);
        for (size_t i = 0; r == 0 && xmls[i]; i++)
                r = add_domain(d, xmls[i], domain_uuid);
        free_strv(xmls);
        return r < 0 ? vgpuctl_fail("out of memory") : VGPUCTL_OK;
}

void vgpuctl_dest_clear(struct vgpuctl_dest *d)
{
        for (size_t i = 0; i < d->n_devs; i++)
                vgpu_nodedev_free(d->devs[i]);
        free(d->devs);
        for (size_t i = 0; i < d->n_doms; i++)
                vgpu_domain_free(d->doms[i]);
        free(d->doms);
        vgpuctl_virt_close(&d->virt);
        memset(d, 0, sizeof(*d));
}

const char *vgpuctl_dest_mdev_user(const struct vgpuctl_dest *d, const char *uuid)
{
        for (size_t i = 0; i < d->n_devs; i++)
                if (strcmp(d->devs[i]->uuid, uuid) == 0)
                        return "an mdev there has it";
        for (size_t i = 0; i < d->n_doms; i++)
                if (vgpu_domain_find_mdev(d->doms[i], uuid))
                        return d->doms[i]->name ? d->doms[i]->name : "another domain";
        return NULL;
}

bool vgpuctl_dest_pci_named(const struct vgpuctl_dest *d, const struct vgpu_pci_addr *a)
{
        for (size_t i = 0; i < d->n_doms; i++)
                if (vgpu_domain_names_pci(d->doms[i], a))
                        return true;
        return false;
}
