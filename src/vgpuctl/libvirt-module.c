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
#include <time.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/xmlerror.h>

#include "vgpuctl-libvirt.h"

struct vgpuctl_libvirt_conn {
        virConnectPtr conn;
};

static bool event_loop;

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
        /* events (a live detach waits for one) reach a connection only if a loop exists before it opens */
        if (!event_loop && virEventRegisterDefaultImpl() == 0)
                event_loop = true;
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

static int list_xml(virConnectPtr conn, unsigned flags, bool live, char ***ret, char *msg, size_t size)
{
        virDomainPtr *doms = NULL;
        int n = virConnectListAllDomains(conn, &doms, flags);
        char **xmls;
        int r = 0;

        if (n < 0)
                return fail(EIO, msg, size);
        xmls = calloc((size_t)n + 1, sizeof(*xmls));
        for (int i = 0; i < n; i++) {
                if (xmls && r == 0 && !(xmls[i] = live ? virDomainGetXMLDesc(doms[i], 0) : domain_xml(doms[i])))
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

static int lv_all_xml(struct vgpuctl_libvirt_conn *c, char ***ret, char *msg, size_t size)
{
        return list_xml(c->conn, 0, false, ret, msg, size);
}

static int lv_list_xml(struct vgpuctl_libvirt_conn *c, int which, char ***ret, char *msg, size_t size)
{
        if (which == VGPUCTL_LV_RUNNING)
                return list_xml(c->conn, VIR_CONNECT_LIST_DOMAINS_ACTIVE, true, ret, msg, size);
        return list_xml(c->conn, VIR_CONNECT_LIST_DOMAINS_INACTIVE | VIR_CONNECT_LIST_DOMAINS_PERSISTENT, false, ret,
                        msg, size);
}

/* A running domain's ID as virsh takes it: decimal digits only, no sign, no leading zero. */
static int domain_id(const char *s)
{
        long id = 0;

        if (!*s || strlen(s) > 9 || (s[0] == '0' && s[1]))
                return -1;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -1;
                id = id * 10 + (*p - '0');
        }
        return (int)id;
}

/* As virsh looks a domain up: by ID, then name, then UUID. */
static virDomainPtr lookup(virConnectPtr conn, const char *name)
{
        int id = domain_id(name);
        virDomainPtr dom = id >= 0 ? virDomainLookupByID(conn, id) : NULL;

        if (!dom)
                dom = virDomainLookupByName(conn, name);
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

static int lv_get_live(struct vgpuctl_libvirt_conn *c, const char *name, char **ret_xml, char *msg, size_t size)
{
        virDomainPtr dom = lookup(c->conn, name);
        char *xml;
        int r = 0;

        if (!dom)
                return fail(ENOENT, msg, size);
        if (virDomainIsActive(dom) != 1) {
                snprintf(msg, size, "domain '%s' is not running", name);
                r = -ESRCH;
        } else if (!(xml = virDomainGetXMLDesc(dom, 0))) {
                r = fail(EIO, msg, size);
        } else {
                *ret_xml = xml;
        }
        virDomainFree(dom);
        return r;
}

static int lv_attach_live(struct vgpuctl_libvirt_conn *c, const char *name, const char *xml, char *msg, size_t size)
{
        virDomainPtr dom = lookup(c->conn, name);
        int r = 0;

        if (!dom)
                return fail(ENOENT, msg, size);
        if (virDomainAttachDeviceFlags(dom, xml, VIR_DOMAIN_AFFECT_LIVE) < 0)
                r = fail(EINVAL, msg, size);
        virDomainFree(dom);
        return r;
}

struct removal {
        const char *alias;
        bool done;
};

static void on_removed(virConnectPtr conn, virDomainPtr dom, const char *alias, void *opaque)
{
        struct removal *w = opaque;

        if (alias && strcmp(alias, w->alias) == 0)
                w->done = true;
}

/*
 * libvirt's VIR_DOMAIN_EVENT_CALLBACK() casts straight to the generic type,
 * which clang 19 (Debian 13) flags under -Wextra (-Wcast-function-type-mismatch);
 * through void (*)(void), the type every compiler lets stand for any other.
 */
#define EVENT_CALLBACK(cb) ((virConnectDomainEventGenericCallback)(void (*)(void))(cb))

/* A timer that only wakes the event loop, so that the wait can end. */
static void tick(int timer, void *opaque)
{
}

static long long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_removed(struct removal *w, int timeout_ms)
{
        long long end = now_ms() + timeout_ms;
        int timer = virEventAddTimeout(100, tick, NULL, NULL);

        while (!w->done && now_ms() < end && virEventRunDefaultImpl() == 0)
                ;
        if (timer >= 0)
                virEventRemoveTimeout(timer);
        return w->done ? 0 : -ETIMEDOUT;
}

static int lv_detach_live(struct vgpuctl_libvirt_conn *c, const char *name, const char *xml, const char *alias,
                          int timeout_ms, char *msg, size_t size)
{
        virDomainPtr dom = lookup(c->conn, name);
        struct removal w = {alias, false};
        int cb = -1, r = 0;

        if (!dom)
                return fail(ENOENT, msg, size);
        /* registered before the detach: an event that comes at once is not missed */
        if (!event_loop || (cb = virConnectDomainEventRegisterAny(c->conn, dom, VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
                                                                  EVENT_CALLBACK(on_removed), &w, NULL)) < 0)
                r = fail(ENOTSUP, msg, size);
        else if (virDomainDetachDeviceFlags(dom, xml, VIR_DOMAIN_AFFECT_LIVE) < 0)
                r = fail(EINVAL, msg, size);
        else if (wait_removed(&w, timeout_ms) < 0)
                r = -ETIMEDOUT;
        if (cb >= 0)
                virConnectDomainEventDeregisterAny(c->conn, cb);
        virDomainFree(dom);
        return r;
}

static int lv_start(struct vgpuctl_libvirt_conn *c, const char *name, char *msg, size_t size)
{
        virDomainPtr dom = lookup(c->conn, name);
        int r = 0;

        if (!dom)
                return fail(ENOENT, msg, size);
        if (virDomainCreate(dom) < 0)
                r = fail(EIO, msg, size);
        virDomainFree(dom);
        return r;
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
        .list_xml = lv_list_xml,
        .get_live = lv_get_live,
        .attach_live = lv_attach_live,
        .detach_live = lv_detach_live,
        .start = lv_start,
};
