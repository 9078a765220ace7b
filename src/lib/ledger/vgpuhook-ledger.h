/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpuhook: the ledger of leases in /run/vgpu-hook (tmpfs: a reboot wipes
 * it, as it wipes mdevs).  One JSON file, versioned, replaced atomically
 * (temp file, fsync, rename) under flock(LOCK_EX) with a bounded wait.
 * Rule for callers: reserve under the lock, act outside it (no blocking
 * sysfs write, no libvirt call while locked), commit under it again.
 */
#ifndef VGPUHOOK_LEDGER_H
#define VGPUHOOK_LEDGER_H

#include <sys/types.h>

#include "base/vgpuhook-base.h"

#define VGPU_LEDGER_DIR     "/run/vgpu-hook"
#define VGPU_LEDGER_FILE    VGPU_LEDGER_DIR "/ledger.json"
#define VGPU_LEDGER_LOCK    VGPU_LEDGER_DIR "/ledger.lock"
#define VGPU_LEDGER_VERSION 1
#define VGPU_LEDGER_MAX     (8u << 20)

enum vgpu_lease_state {
        VGPU_LEASE_PENDING,   /* reserved, device not made yet */
        VGPU_LEASE_PREPARED,  /* device ready, QEMU not started */
        VGPU_LEASE_ACTIVE,    /* QEMU runs (qemu_pid) */
        VGPU_LEASE_RELEASING, /* being freed, or could not be freed yet */
};

enum vgpu_device_kind {
        VGPU_DEVICE_MDEV, /* device: mdev UUID */
        VGPU_DEVICE_VF,   /* device: PCI address of a VF */
        VGPU_DEVICE_PCI,  /* device: PCI address of a whole GPU */
};

/* Who wrote a lease, so that staleness can be judged after crashes. */
struct vgpu_proc_id {
        pid_t pid;                /* 0: none */
        unsigned long long start; /* /proc/PID/stat starttime, clock ticks since boot */
};

struct vgpu_lease {
        char domain_uuid[VGPU_UUID_STRLEN];
        char *domain_name; /* for people only: never a path */
        enum vgpu_lease_state state;
        enum vgpu_device_kind kind;
        char *device;  /* mdev UUID or PCI address */
        char *parent;  /* mdev parent, or the VF's PF; NULL if none */
        char *type;    /* mdev type id, or vendor-VFIO type name */
        char *profile; /* NULL if the type was given directly */
        bool created;  /* we made it, so we remove it at release */
        struct vgpu_proc_id hook;
        struct vgpu_proc_id libvirtd;
        pid_t qemu_pid;  /* when active */
        long long since; /* time() of the last state change */
};

struct vgpu_ledger {
        const struct vgpu_root *root;
        int dir_fd;  /* /run/vgpu-hook, or -1 when absent */
        int lock_fd; /* -1 when read without the lock */
        size_t n_leases;
        struct vgpu_lease *leases;
        /* the leases as last read or committed, when debug logging is on (ledger-log.c) */
        size_t n_seen;
        struct vgpu_lease_seen *seen;
};

/*
 * Lock the ledger (creating /run/vgpu-hook 0700 and its files 0600 if
 * missing; a directory or file owned by another user, or a symlink, is
 * refused) waiting at most @wait_ms, then read it.  -ETIMEDOUT when the lock
 * stays taken; -EBADMSG for a corrupt ledger; -EPROTONOSUPPORT for a newer
 * version.  The lock is held until vgpu_ledger_free().
 */
int vgpu_ledger_lock(const struct vgpu_root *root, int wait_ms, struct vgpu_ledger **ret_ledger,
                     struct vgpu_error *err);

/* Read without locking (the file is replaced atomically): for listings. */
int vgpu_ledger_read(const struct vgpu_root *root, struct vgpu_ledger **ret_ledger, struct vgpu_error *err);

/* Write the ledger back atomically; only while locked. */
int vgpu_ledger_commit(struct vgpu_ledger *ledger);

/* Unlock (if locked) and free. */
void vgpu_ledger_free(struct vgpu_ledger *ledger);

/* Append a lease (copied; strings duplicated).  Returns it or NULL. */
struct vgpu_lease *vgpu_ledger_add(struct vgpu_ledger *ledger, const struct vgpu_lease *lease);

/* Drop lease @i. */
void vgpu_ledger_remove(struct vgpu_ledger *ledger, size_t i);

/* The lease on (@kind, @device), or NULL. */
struct vgpu_lease *vgpu_ledger_find(struct vgpu_ledger *ledger, enum vgpu_device_kind kind, const char *device);

const char *vgpu_lease_state_name(enum vgpu_lease_state state);
const char *vgpu_device_kind_name(enum vgpu_device_kind kind);

/* This process's or @pid's identity from /proc under the root. */
int vgpu_proc_id_of(const struct vgpu_root *root, pid_t pid, struct vgpu_proc_id *ret);

/* Is the process @id still the one that runs under its pid? */
bool vgpu_proc_id_alive(const struct vgpu_root *root, const struct vgpu_proc_id *id);

/* The pid of a QEMU whose command line has "-uuid @domain_uuid", or 0. */
pid_t vgpu_find_qemu(const struct vgpu_root *root, const char *domain_uuid);

/*
 * docs/design.md §5.4: stale when the hook that wrote it is dead and either libvirtd
 * restarted or no QEMU runs for the domain and the lease is older than
 * @grace_s; an active lease whose QEMU is gone is stale at once.
 */
bool vgpu_lease_stale(const struct vgpu_root *root, const struct vgpu_lease *lease, long long now, int grace_s);

/* ---- repairing the ledger against the host (reconcile.c) ----------------- */

/* The start grace of docs/design.md §5.4: libvirt may take minutes from prepare to started. */
#define VGPU_START_GRACE_S 600

enum vgpu_reconcile_verb {
        VGPU_RECONCILE_REMOVE, /* remove the device we created, then drop the lease */
        VGPU_RECONCILE_DROP,   /* drop the lease; the device (gone, or not ours) is left as it is */
};

/* One lease reconcile acted on (or would, in a dry run). */
struct vgpu_reconcile_action {
        char domain_uuid[VGPU_UUID_STRLEN];
        char *domain_name; /* NULL if the lease had none */
        enum vgpu_device_kind kind;
        char *device;
        char *parent;                /* NULL if none */
        char *type;                  /* NULL if none */
        enum vgpu_lease_state state; /* as found */
        enum vgpu_reconcile_verb verb;
        const char *reason; /* static text: why */
        int result;         /* 0 done (or dry run); -errno: the lease stays releasing, e.g. -EBUSY */
};

struct vgpu_reconcile {
        size_t n_actions;
        struct vgpu_reconcile_action *actions;
        size_t n_kept; /* leases left alone: in use, in progress or within the grace */
};

struct vgpu_reconcile_opts {
        int wait_ms;              /* ledger lock wait */
        int grace_s;              /* start grace (VGPU_START_GRACE_S) */
        bool dry_run;             /* decide only: nothing is written */
        const char *skip_domain;  /* leave this domain's leases alone (the one preparing); may be NULL */
        struct vgpu_proc_id self; /* written into the leases being freed: others see them in progress */
};

/*
 * Repair the ledger against the host (docs/design.md §5.4): reclaim stale leases
 * (remove the mdev if we created it and no VM holds it, drop the lease),
 * finish releases whose hook died, drop leases whose device is gone.  A
 * device the lease does not say we created, or whose UUID now names another
 * parent or type, is never removed.  Leases whose hook still runs are left
 * alone.  Marks under the lock, removes outside it, drops under it again.
 * Returns 0 and the actions (vgpu_reconcile_free()) — a device that could
 * not be freed has a negative result and its lease stays releasing — or
 * -errno when the ledger cannot be used, with why in @err.  Never prints.
 */
int vgpu_reconcile(const struct vgpu_root *root, const struct vgpu_reconcile_opts *opts, struct vgpu_reconcile **ret,
                   struct vgpu_error *err);
void vgpu_reconcile_free(struct vgpu_reconcile *rc);

/*
 * One sentence for the audit log and for people: what was done (or, with
 * @dry_run, would be) to which device of which domain, and why.  Returns @buf.
 */
char *vgpu_reconcile_describe(const struct vgpu_reconcile_action *action, bool dry_run, char *buf, size_t size);

/* "remove" or "drop". */
const char *vgpu_reconcile_verb_name(enum vgpu_reconcile_verb verb);

#endif
