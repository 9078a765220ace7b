/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl-libvirt.so: the only code of vgpuctl that links libvirt (see
 * vgpuctl-libvirt.h).  The hook never loads it: it must not call libvirt.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/xmlerror.h>

#include "vgpuctl-libvirt.h"

struct vgpuctl_libvirt_conn {
        virConnectPtr conn;
};

/* libvirt prints every error to stderr unless told otherwise; vgpuctl says one sentence itself. */
static void quiet(void *data, virErrorPtr err)
{
}

/* libxml2's own warnings (the test driver reading a missing file) would be a second line. */
static void quiet_xml(void *ctx, const char *fmt, ...)
{
}

static int fail(int errnum, char *msg, size_t size)
{
        const char *m = virGetLastErrorMessage();

        snprintf(msg, size, "%s", m && *m ? m : strerror(errnum));
        return -errnum;
}

static int lv_open(const char *uri, struct vgpuctl_libvirt_conn **ret, char *msg, size_t size)
{
        struct vgpuctl_libvirt_conn *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        virSetErrorFunc(NULL, quiet);
        xmlSetGenericErrorFunc(NULL, quiet_xml);
        c->conn = virConnectOpen(uri);
        if (!c->conn) {
                free(c);
                return fail(ECONNREFUSED, msg, size);
        }
        *ret = c;
        return 0;
}

static void lv_close(struct vgpuctl_libvirt_conn *c)
{
        if (!c)
                return;
        virConnectClose(c->conn);
        free(c);
}

static char *domain_xml(virDomainPtr dom)
{
        /* a transient domain has no definition: its live XML names its devices */
        return virDomainGetXMLDesc(dom, virDomainIsPersistent(dom) == 1 ? VIR_DOMAIN_XML_INACTIVE : 0);
}

static int lv_all_xml(struct vgpuctl_libvirt_conn *c, char ***ret, char *msg, size_t size)
{
        virDomainPtr *doms = NULL;
        int n = virConnectListAllDomains(c->conn, &doms, 0);
        char **xmls;
        int r = 0;

        if (n < 0)
                return fail(EIO, msg, size);
        xmls = calloc((size_t)n + 1, sizeof(*xmls));
        for (int i = 0; i < n; i++) {
                if (xmls && r == 0 && !(xmls[i] = domain_xml(doms[i])))
                        r = fail(EIO, msg, size);
                virDomainFree(doms[i]);
        }
        free(doms);
        if (!xmls || r < 0) {
                for (int i = 0; xmls && i < n; i++)
                        free(xmls[i]);
                free(xmls);
                return r < 0 ? r : -ENOMEM;
        }
        *ret = xmls;
        return 0;
}

static virDomainPtr lookup(virConnectPtr conn, const char *name)
{
        virDomainPtr dom = virDomainLookupByName(conn, name);

        /* a name can look like a UUID; only then is it worth asking for one */
        return dom || strlen(name) != 36 ? dom : virDomainLookupByUUIDString(conn, name);
}

static int lv_get_config(struct vgpuctl_libvirt_conn *c, const char *name, char **ret_xml, bool *ret_active, char *msg,
                         size_t size)
{
        virDomainPtr dom = lookup(c->conn, name);
        char *xml;
        int r = 0;

        if (!dom)
                return fail(ENOENT, msg, size);
        if (virDomainIsPersistent(dom) != 1) {
                snprintf(msg, size, "domain '%s' is transient: it has no definition to change", name);
                r = -EPERM;
        } else if (!(xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE))) {
                r = fail(EIO, msg, size);
        } else {
                *ret_xml = xml;
                *ret_active = virDomainIsActive(dom) == 1;
        }
        virDomainFree(dom);
        return r;
}

static int lv_define(struct vgpuctl_libvirt_conn *c, const char *xml, char *msg, size_t size)
{
        virDomainPtr dom = virDomainDefineXML(c->conn, xml);

        if (!dom)
                return fail(EINVAL, msg, size);
        virDomainFree(dom);
        return 0;
}

static void free_strv(char **v, int n)
{
        for (int i = 0; v && i < n; i++)
                free(v[i]);
        free(v);
}

static int lv_node_devices(struct vgpuctl_libvirt_conn *c, unsigned what, char ***ret, char *msg, size_t size)
{
        unsigned flags = (what & VGPUCTL_NODEDEV_MDEV_TYPES ? VIR_CONNECT_LIST_NODE_DEVICES_CAP_MDEV_TYPES : 0) |
                         (what & VGPUCTL_NODEDEV_MDEV ? VIR_CONNECT_LIST_NODE_DEVICES_CAP_MDEV : 0) |
                         (what & VGPUCTL_NODEDEV_PCI ? VIR_CONNECT_LIST_NODE_DEVICES_CAP_PCI_DEV : 0);
        virNodeDevicePtr *devs = NULL;
        int n = virConnectListAllNodeDevices(c->conn, &devs, flags);
        char **xmls;
        int r = 0;

        if (n < 0)
                return fail(EIO, msg, size);
        xmls = calloc((size_t)n + 1, sizeof(*xmls));
        for (int i = 0; i < n; i++) {
                if (xmls && r == 0 && !(xmls[i] = virNodeDeviceGetXMLDesc(devs[i], 0)))
                        r = fail(EIO, msg, size);
                virNodeDeviceFree(devs[i]);
        }
        free(devs);
        if (!xmls || r < 0) {
                free_strv(xmls, n);
                return r < 0 ? r : -ENOMEM;
        }
        *ret = xmls;
        return 0;
}

extern const struct vgpuctl_libvirt_ops vgpuctl_libvirt_ops;
const struct vgpuctl_libvirt_ops vgpuctl_libvirt_ops = {
        .abi = VGPUCTL_LIBVIRT_ABI,
        .open = lv_open,
        .close = lv_close,
        .all_xml = lv_all_xml,
        .get_config = lv_get_config,
        .define = lv_define,
        .node_devices = lv_node_devices,
};
