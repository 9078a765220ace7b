/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The contract between vgpuctl and its libvirt module, vgpuctl-libvirt.so.
 * Loading libvirt costs milliseconds (docs/design.md §2.6) and most commands never talk
 * to libvirt, so vgpuctl links nothing of it and dlopens this module only for
 * a command that needs libvirt.  The module is a thin adapter: it moves
 * domain XML in and out and knows nothing of ours.
 */
#ifndef VGPUCTL_LIBVIRT_H
#define VGPUCTL_LIBVIRT_H

#include <stdbool.h>
#include <stddef.h>

/* The one symbol the module exports: a const struct vgpuctl_libvirt_ops. */
#define VGPUCTL_LIBVIRT_SYMBOL "vgpuctl_libvirt_ops"
/* Bumped on any change of the struct below: a stale module is refused. */
#define VGPUCTL_LIBVIRT_ABI 3

struct vgpuctl_libvirt_conn;

/* Which node devices node_devices() returns (any of them). */
#define VGPUCTL_NODEDEV_MDEV_TYPES 1u /* those offering mdev types (GPUs, css, ap_matrix) */
#define VGPUCTL_NODEDEV_MDEV       2u /* mdevs */
#define VGPUCTL_NODEDEV_PCI        4u /* every PCI device */

/*
 * Every function returns 0 or a negative errno; on failure @msg (of @size
 * bytes) holds libvirt's own message.  Strings returned are the caller's to
 * free(); string arrays are NULL-terminated, each string and the array free().
 */
struct vgpuctl_libvirt_ops {
        unsigned abi;
        /* Connect to @uri (NULL: libvirt's default).  libvirt's errors are never printed by it. */
        int (*open)(const char *uri, struct vgpuctl_libvirt_conn **ret, char *msg, size_t size);
        void (*close)(struct vgpuctl_libvirt_conn *conn);
        /* The XML of every domain: a persistent one's definition, a transient one's live XML. */
        int (*all_xml)(struct vgpuctl_libvirt_conn *conn, char ***ret, char *msg, size_t size);
        /*
         * The persistent definition (GetXMLDesc(INACTIVE)) of domain @name (a
         * name or UUID) and whether it runs.  -ENOENT: no such domain;
         * -EPERM: it is transient (nothing to define).
         */
        int (*get_config)(struct vgpuctl_libvirt_conn *conn, const char *name, char **ret_xml, bool *ret_active,
                          char *msg, size_t size);
        /* Store @xml as a persistent definition (DefineXML). */
        int (*define)(struct vgpuctl_libvirt_conn *conn, const char *xml, char *msg, size_t size);
        /* The XML of every node device of the kinds @what names (VGPUCTL_NODEDEV_*). */
        int (*node_devices)(struct vgpuctl_libvirt_conn *conn, unsigned what, char ***ret, char *msg, size_t size);
        /*
         * The XML of the domains in state @which: VGPUCTL_LV_RUNNING gives
         * the live XML of running ones, VGPUCTL_LV_STOPPED the definitions
         * of persistent ones that do not run.
         */
        int (*list_xml)(struct vgpuctl_libvirt_conn *conn, int which, char ***ret, char *msg, size_t size);
        /* The live XML of running domain @name.  -ENOENT: no such domain; -ESRCH: it does not run. */
        int (*get_live)(struct vgpuctl_libvirt_conn *conn, const char *name, char **ret_xml, char *msg, size_t size);
        /* Hot-plug device @xml into running domain @name (AttachDeviceFlags, AFFECT_LIVE). */
        int (*attach_live)(struct vgpuctl_libvirt_conn *conn, const char *name, const char *xml, char *msg,
                           size_t size);
        /*
         * Unplug device @xml, whose alias is @alias, from running domain
         * @name (DetachDeviceFlags, AFFECT_LIVE), then wait at most
         * @timeout_ms for libvirt's device-removed event for @alias.  0: it
         * came (the guest let go); -ETIMEDOUT: not yet, the device stays
         * with the domain until the guest lets go or the domain stops.
         */
        int (*detach_live)(struct vgpuctl_libvirt_conn *conn, const char *name, const char *xml, const char *alias,
                           int timeout_ms, char *msg, size_t size);
        /* Start defined domain @name (virDomainCreate). */
        int (*start)(struct vgpuctl_libvirt_conn *conn, const char *name, char *msg, size_t size);
};

enum {
        VGPUCTL_LV_RUNNING = 1,
        VGPUCTL_LV_STOPPED = 2,
};

#endif
