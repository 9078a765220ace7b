/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Binding PCI functions to vfio-pci and giving them back: driver_override,
 * unbind, drivers_probe.  Unbinding a function a VM holds blocks in the
 * kernel, so the busy probe of host/vfio.c comes first.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

/* The bound driver's name into *ret (NULL: none). */
static int pci_driver(const struct vgpu_root *root, const struct vgpu_pci_addr *addr, char **ret)
{
        char path[128];
        int r;

        vgpu_pci_path(addr, "driver", path, sizeof(path));
        r = vgpu_root_read_link_name(root, path, ret);
        if (r == -ENOENT) {
                *ret = NULL;
                return 0;
        }
        return r < 0 ? r : 0;
}

/* Ask the kernel to (re)probe @addr: drivers_probe takes the device name. */
static int pci_probe(const struct vgpu_root *root, const struct vgpu_pci_addr *addr)
{
        char name[VGPU_PCI_ADDR_STRLEN];

        vgpu_pci_addr_format(addr, name);
        return vgpu_root_write_attr(root, "/sys/bus/pci/drivers_probe", name, strlen(name));
}

static int pci_unbind_current(const struct vgpu_root *root, const struct vgpu_pci_addr *addr)
{
        char name[VGPU_PCI_ADDR_STRLEN];
        int r;

        vgpu_pci_addr_format(addr, name);
        r = vgpu_pci_write_attr(root, addr, "driver/unbind", name);
        return r == -ENOENT ? 0 : r; /* unbound meanwhile */
}

static void log_not_bound(const struct vgpu_root *root, const struct vgpu_pci_addr *addr, const char *driver)
{
        char name[VGPU_PCI_ADDR_STRLEN];

        vgpu_pci_addr_format(addr, name);
        vgpu_dbg(root, "%s: not bound to vfio-pci after the probe (driver: %s)", name, driver ? driver : "none");
}

int vgpu_pci_bind_vfio(const struct vgpu_root *root, const struct vgpu_pci_addr *addr)
{
        _cleanup_free_ char *driver = NULL;
        int r = pci_driver(root, addr, &driver);

        if (r < 0)
                return r;
        if (driver && strcmp(driver, "vfio-pci") == 0)
                return 0;
        r = vgpu_pci_write_attr(root, addr, "driver_override", "vfio-pci");
        if (r >= 0 && driver)
                r = pci_unbind_current(root, addr);
        if (r >= 0)
                r = pci_probe(root, addr);
        if (r < 0)
                return r;
        /* drivers_probe succeeds even when nothing bound: look. */
        free(TAKE_PTR(driver));
        r = pci_driver(root, addr, &driver);
        if (r < 0)
                return r;
        if (driver && strcmp(driver, "vfio-pci") == 0)
                return 0;
        log_not_bound(root, addr, driver);
        return -ENXIO;
}

int vgpu_pci_unbind_vfio(const struct vgpu_root *root, const struct vgpu_pci_addr *addr)
{
        _cleanup_free_ char *driver = NULL;
        char dir[128];
        int r;

        vgpu_pci_path(addr, "", dir, sizeof(dir));
        r = pci_driver(root, addr, &driver);
        if (r < 0)
                return r;
        if (driver && strcmp(driver, "vfio-pci") == 0) {
                r = vgpu_device_busy(root, dir);
                if (r != 0)
                        return r > 0 ? -EBUSY : r;
                r = pci_unbind_current(root, addr);
                if (r < 0)
                        return r;
        }
        /* An empty override gives the device back to its own driver. */
        r = vgpu_pci_write_attr(root, addr, "driver_override", "\n");
        return r < 0 ? r : pci_probe(root, addr);
}
