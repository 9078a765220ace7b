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
#define VGPU_LEDGER_DAMAGED "ledger.json.damaged-" /* + UTC time: a damaged ledger, kept */
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

/* A device kept out of placement (quarantine.c): an mdev parent, or a VF or GPU by PCI address. */
enum vgpu_quarantine_cause {
        VGPU_QUARANTINE_NOT_FREED, /* its release could not free what it made, after the retries */
        VGPU_QUARANTINE_CRASHES,   /* its VMs crashed K times in a row within T seconds */
};

struct vgpu_quarantine {
        char *device;               /* the parent's name or the PCI address, as the kernel spells it */
        enum vgpu_device_kind kind; /* of the lease that put it here: MDEV means an mdev parent */
        enum vgpu_quarantine_cause cause;
        char *reason; /* one sentence, for people */
        long long since;
};

struct vgpu_ledger {
        const struct vgpu_root *root;
        int dir_fd;  /* /run/vgpu-hook, or -1 when absent */
        int lock_fd; /* -1 when read without the lock */
        size_t n_leases;
        struct vgpu_lease *leases;
        char set_aside[64]; /* locked: the name this lock moved a damaged ledger.json to, else "" */
        char damage[256];   /* read unlocked: why ledger.json is damaged (read as empty), else "" */
        /* quarantine.json beside ledger.json, read and written with it under the same lock */
        size_t n_quarantined;
        struct vgpu_quarantine *quarantined;
        json_t *crashes;         /* device → the times of its VMs' crashes in a row */
        bool quarantine_changed; /* locked: quarantine.json is written with the next commit */
};

/*
 * Lock the ledger (creating /run/vgpu-hook 0700 and its files 0600 if
 * missing; a directory or file owned by another user, or a symlink, is
 * refused) waiting at most @wait_ms, then read it.  -ETIMEDOUT when the lock
 * stays taken; -EPROTONOSUPPORT for a newer version.  A damaged ledger (not
 * JSON, not a ledger, too large) is no error: it is renamed
 * VGPU_LEDGER_DAMAGED + the UTC time (set_aside says so), logged once as a
 * warning, and the ledger starts empty; -errno only when it cannot be moved.
 * The lock is held until vgpu_ledger_free().
 */
int vgpu_ledger_lock(const struct vgpu_root *root, int wait_ms, struct vgpu_ledger **ret_ledger,
                     struct vgpu_error *err);

/* Read without locking (the file is replaced atomically): for listings.  A damaged one reads as empty, damage set. */
int vgpu_ledger_read(const struct vgpu_root *root, struct vgpu_ledger **ret_ledger, struct vgpu_error *err);

/* Was a damaged ledger set aside since boot (a VGPU_LEDGER_DAMAGED file is kept)?  Leases may be missing then. */
bool vgpu_ledger_rebuilt(const struct vgpu_ledger *ledger);

/* Without the lock: is the ledger damaged now, or was one set aside since boot? */
bool vgpu_ledger_damage_seen(const struct vgpu_root *root);

/*
 * May the ledger be changed: its directory (0700), lock and file (0600)
 * ours and never symlinks?  0; -ENOENT when there is no ledger yet; or
 * -errno with the sentence that says what to do in @err.  For vgpuctl doctor.
 */
int vgpu_ledger_check_private(const struct vgpu_root *root, struct vgpu_error *err);

/* Write the ledger back atomically (and quarantine.json first, when changed); only while locked. */
int vgpu_ledger_commit(struct vgpu_ledger *ledger);

/* Unlock (if locked) and free. */
void vgpu_ledger_free(struct vgpu_ledger *ledger);

/* Append a lease (copied; strings duplicated).  Returns it or NULL. */
struct vgpu_lease *vgpu_ledger_add(struct vgpu_ledger *ledger, const struct vgpu_lease *lease);

/* Drop lease @i; vgpu_ledger_drop() drops @lease, one of @ledger's. */
void vgpu_ledger_remove(struct vgpu_ledger *ledger, size_t i);
void vgpu_ledger_drop(struct vgpu_ledger *ledger, struct vgpu_lease *lease);

/*
 * Move @lease to @state, stamping `since` (lease-state.c).  The only way a
 * lease changes state; logged at debug level when @ledger is locked.
 */
void vgpu_lease_set_state(struct vgpu_ledger *ledger, struct vgpu_lease *lease, enum vgpu_lease_state state);

/* ---- finding leases (lease-find.c); @ledger may be NULL (none) ------------ */

/* The lease on (@kind, @device), or NULL: an mdev UUID in any case, a PCI address however spelled. */
const struct vgpu_lease *vgpu_ledger_find(const struct vgpu_ledger *ledger, enum vgpu_device_kind kind,
                                          const char *device);
/* The same, to change it (under the lock). */
struct vgpu_lease *vgpu_ledger_find_mut(struct vgpu_ledger *ledger, enum vgpu_device_kind kind, const char *device);
/* The lease of domain @domain_uuid on (@kind, @device); NULL when none, or another domain's. */
struct vgpu_lease *vgpu_ledger_find_own(struct vgpu_ledger *ledger, enum vgpu_device_kind kind, const char *device,
                                        const char *domain_uuid);
/* The lease on PCI device @addr, a VF's or a whole device's, or NULL. */
const struct vgpu_lease *vgpu_ledger_find_pci(const struct vgpu_ledger *ledger, const struct vgpu_pci_addr *addr);
/* @domain_uuid's next lease after @prev (NULL: its first), or NULL. */
struct vgpu_lease *vgpu_ledger_next_of(struct vgpu_ledger *ledger, const char *domain_uuid,
                                       const struct vgpu_lease *prev);

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

/* ---- adopting a running domain's devices (lease-adopt.c) ------------------ */

struct vgpu_domain;
struct vgpu_host;
struct vgpu_mdevctl_defs;

/* A domain whose devices may have lost their leases (the ledger was set aside, or lost). */
struct vgpu_adopt {
        const struct vgpu_domain *domain;
        const struct vgpu_host *host;         /* its mdevs; its PCI devices when the domain wants any */
        const struct vgpu_mdevctl_defs *defs; /* NULL: none read */
        struct vgpu_lease base;               /* domain UUID and name, hook, libvirtd, since, state, qemu_pid */
        bool touch;                           /* also move the domain's existing leases on them to base.state */
};

/*
 * Under the lock: a lease (in base.state) for each device of the domain's
 * XML that exists and that no lease names — ours (created) only by the
 * ownership rules of lease-adopt.c, never a device leased to another domain
 * (logged).  Each adoption is logged.  Returns how many leases were added.
 */
int vgpu_ledger_adopt(struct vgpu_ledger *ledger, const struct vgpu_adopt *adopt);

/* ---- quarantine (quarantine.c) ---------------------------------------------- */

/*
 * The quarantine lives in /run/vgpu-hook/quarantine.json beside the ledger,
 * read with it by vgpu_ledger_lock()/_read() and written by
 * vgpu_ledger_commit() under the same lock: a placement decided under the
 * lock sees it, and a damaged ledger.json set aside (its leases rebuilt from
 * the host) does not take it along — a quarantine cannot be rebuilt from
 * the host.  A damaged quarantine.json reads as empty, logged as a warning.
 */

/* The quarantine of @device (an mdev parent's name or a PCI address, any spelling), or NULL; @ledger may be NULL. */
const struct vgpu_quarantine *vgpu_quarantine_find(const struct vgpu_ledger *ledger, const char *device);

/*
 * Under the lock: quarantine @device (what a lease of @kind names: for an
 * mdev, its parent) for @cause, @reason one sentence.  Logged as a warning.
 * 1 when added, 0 when it was quarantined already (its since is kept), -errno.
 */
int vgpu_quarantine_add(struct vgpu_ledger *ledger, const char *device, enum vgpu_device_kind kind,
                        enum vgpu_quarantine_cause cause, const char *reason);

/* Under the lock: lift @device's quarantine, logged with @why.  0, or -ENOENT when it was not quarantined. */
int vgpu_quarantine_lift(struct vgpu_ledger *ledger, const char *device, const char *why);

/* When K crashes in a row within T seconds quarantine a device (config: quarantine_crashes, _crash_window_s). */
struct vgpu_crash_policy {
        unsigned count;    /* K; 0: crashes never quarantine */
        unsigned window_s; /* T */
};

/*
 * Under the lock: a release of a VM that held @device (for an mdev, its
 * parent) with libvirt's shut-off @reason (NULL: not given) at @now.
 * "crashed" extends the device's run of crashes, any other given reason
 * ends it; the Kth crash within T seconds quarantines the device.  1 when
 * it did, 0, or -ENOMEM.
 */
int vgpu_quarantine_note_release(struct vgpu_ledger *ledger, const char *device, enum vgpu_device_kind kind,
                                 const char *reason, long long now, const struct vgpu_crash_policy *policy);

/*
 * Is a quarantined @q's device whole again: no lease on it still being
 * released, and the device there and answering (an mdev parent that lists
 * its types; a VF or GPU that no VM holds)?  For reconcile.
 */
bool vgpu_quarantine_healed(const struct vgpu_ledger *ledger, const struct vgpu_quarantine *q);

/* [{"device", "kind", "cause", "reason", "since"}] in device order; a new reference, NULL on ENOMEM. */
json_t *vgpu_quarantine_json(const struct vgpu_ledger *ledger);

/* "since 2026-12-08 00:10:00 UTC: REASON" for people.  Returns @buf. */
char *vgpu_quarantine_describe(const struct vgpu_quarantine *q, char *buf, size_t size);

/* "not freed" or "crashes". */
const char *vgpu_quarantine_cause_name(enum vgpu_quarantine_cause cause);

/* What a lease of @kind on @device, under @parent, quarantines: the mdev parent, else the device. */
const char *vgpu_quarantine_key(enum vgpu_device_kind kind, const char *device, const char *parent);

/* ---- releasing devices (lease-release.c) ---------------------------------- */

/*
 * Free what a lease made: remove an mdev (while a VM holds it, -EBUSY, tried
 * again @busy_retries times 200 ms apart: QEMU may still be closing it);
 * clear a VF's vendor-VFIO vGPU type, only when no VM holds the VF (-EBUSY
 * otherwise).  A whole GPU has nothing to free.  0 or -errno.
 */
int vgpu_lease_free_device(const struct vgpu_root *root, enum vgpu_device_kind kind, const char *device,
                           unsigned busy_retries);

/* One device being released. */
struct vgpu_release_device {
        char domain_uuid[VGPU_UUID_STRLEN];
        enum vgpu_device_kind kind;
        char device[VGPU_UUID_STRLEN]; /* an mdev UUID or a PCI address */
        char parent[64];               /* an mdev's parent, else "": what a failure quarantines */
        bool free;                     /* ours to free (an mdev we created, a VF we typed); else left in place */
        int result;                    /* after the free: 0, or -errno and the lease stays releasing */
        bool quarantined;              /* not freed: its parent (or the VF) was quarantined */
};

/* A release: mark under the lock, free outside it, drop under it again. */
struct vgpu_release {
        const struct vgpu_root *root;
        int wait_ms;                    /* ledger lock wait */
        unsigned busy_retries;          /* of an mdev removal */
        struct vgpu_proc_id self;       /* the marker: others see the leases in progress */
        const struct vgpu_adopt *adopt; /* NULL, or the domain's devices: adopted first after a rebuild */
        bool record;                    /* keep the release in the devices' history (history.c) */
        const char *domain_name;        /* for the history; may be NULL */
        const char *reason;             /* libvirt's shut-off reason; NULL: not given (libvirt before 10.5) */
        struct vgpu_crash_policy crash; /* with record: crashes in a row that quarantine a device */
        size_t n;
        struct vgpu_release_device *devices;
};

/* A release by process @self (copied); vgpu_release_free() it. */
struct vgpu_release *vgpu_release_new(const struct vgpu_root *root, int wait_ms, unsigned busy_retries,
                                      const struct vgpu_proc_id *self);
void vgpu_release_free(struct vgpu_release *rel);

/* Under the lock: mark @lease releasing by us and list it, its device to be freed when @to_free.  0 or -ENOMEM. */
int vgpu_release_mark(struct vgpu_release *rel, struct vgpu_ledger *ledger, struct vgpu_lease *lease, bool to_free);

/* Outside the lock: free each listed device, setting its result. */
void vgpu_release_free_devices(struct vgpu_release *rel);

/*
 * Under the lock again: drop the leases whose devices were freed and that
 * are still marked by us (else someone took them over meanwhile), and
 * commit.  -errno (why in @err) when the ledger cannot be used: the freed
 * devices then get that result, their leases stay releasing.
 */
int vgpu_release_drop(struct vgpu_release *rel, struct vgpu_error *err);

/*
 * The whole release of @domain_uuid's leases — all of them, or only the one
 * on (@kind, @device) when @device is not NULL: mark, free what the leases
 * made (an mdev we created, a VF we typed; a whole GPU is left in place),
 * drop.  Returns 0 and the release (its devices' results say what became of
 * each; none listed: the domain held no such lease), or -errno with why in
 * @err when the leases could not be marked.  A failure to drop is in the
 * results.  A device that could not be freed is quarantined (its mdev's
 * parent, or the VF) with the drop; with @rel->record a crash counts
 * towards @rel->crash.
 */
int vgpu_release_domain(struct vgpu_release *rel, const char *domain_uuid, enum vgpu_device_kind kind,
                        const char *device, struct vgpu_error *err);

/* ---- the release history (history.c) -------------------------------------- */

#define VGPU_HISTORY_KEEP    5   /* releases kept per device */
#define VGPU_HISTORY_DEVICES 256 /* devices kept: those released last */

/*
 * Under the lock: append @rel's devices' releases (time, domain, reason,
 * freed) to /run/vgpu-hook/history.json, keeping the last VGPU_HISTORY_KEEP
 * per device.  A damaged history is started afresh.  0 or -errno.
 */
int vgpu_history_record(struct vgpu_ledger *ledger, const struct vgpu_release *rel);

/*
 * The history read beside @ledger (may be NULL: none), as the inventory's
 * "release_history": [{"device", "releases": [{"time", "domain_uuid",
 * "domain_name", "reason", "reason_source", "freed", "error"}, … oldest
 * first]}] by device.  A new reference, or NULL on ENOMEM.
 */
json_t *vgpu_history_json(const struct vgpu_ledger *ledger);

/* ---- claiming devices (lease-claim.c) ------------------------------------ */

/* One device being claimed. */
struct vgpu_claim_device {
        struct vgpu_lease lease; /* as reserved, then committed; the claim owns its strings */
        bool made;               /* made (or half made) by the apply step: a rollback frees it */
        int result;              /* of the rollback's free: 0, or -errno and the lease stays releasing */
};

/* A claim: reserve under the ledger lock, apply outside it, commit, or roll back. */
struct vgpu_claim {
        const struct vgpu_root *root;
        int wait_ms; /* ledger lock wait */
        bool reserved;
        size_t n;
        struct vgpu_claim_device *devices;
};

struct vgpu_claim *vgpu_claim_new(const struct vgpu_root *root, int wait_ms);
void vgpu_claim_free(struct vgpu_claim *claim);

/*
 * Add a device to claim: @lease is copied, strings too; its state pending,
 * or prepared for a device that exists already.  Returns it, or NULL.
 */
struct vgpu_claim_device *vgpu_claim_add(struct vgpu_claim *claim, const struct vgpu_lease *lease);

/*
 * Is @lease (on a device a claim for @domain_uuid wants) in the way?  Yes
 * for another domain's live lease, and for our own while a live process
 * releases it; a stale lease (docs/design.md §5.4) is not.
 */
bool vgpu_lease_blocks(const struct vgpu_root *root, const struct vgpu_lease *lease, const char *domain_uuid,
                       long long now);

/*
 * Reserve, on @ledger (locked by the caller, who decided on it): the
 * leases on the claimed devices are replaced — -EBUSY, nothing changed,
 * when one is in the way (vgpu_lease_blocks()) — and the ledger committed.
 * A device an earlier lease created that exists stays ours to free.
 */
int vgpu_claim_reserve(struct vgpu_claim *claim, struct vgpu_ledger *ledger);

/*
 * Outside the lock: @apply makes each pending device (i is its index) and
 * returns 0 or -errno; it records where the device went with
 * vgpu_claim_device_place(), and sets made on a failure that left a device
 * behind.  Stops at the first failure and returns it.
 */
typedef int (*vgpu_claim_apply_fn)(void *data, size_t i, struct vgpu_claim_device *device);
int vgpu_claim_apply(struct vgpu_claim *claim, vgpu_claim_apply_fn apply, void *data);

/* The parent and type a device went to (either may be NULL: none).  0 or -ENOMEM. */
int vgpu_claim_device_place(struct vgpu_claim_device *device, const char *parent, const char *type);

/*
 * Under the lock again: each claimed lease, still ours, takes where its
 * device went and @state (prepared; or active with @qemu_pid).  -ESTALE
 * when a lease is gone or another domain's; -errno of the ledger.
 */
int vgpu_claim_commit(struct vgpu_claim *claim, enum vgpu_lease_state state, pid_t qemu_pid);

/*
 * Undo: free the devices the claim made (vgpu_lease_free_device()), then
 * drop its leases; a device that could not be freed keeps its lease,
 * releasing, and has a negative result (reconcile and the release retry
 * it).  Returns 0, or -errno when the ledger could not be updated.
 */
int vgpu_claim_rollback(struct vgpu_claim *claim);

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
        size_t n_kept;      /* leases left alone: in use, in progress or within the grace */
        char set_aside[64]; /* a damaged ledger was moved to this name in VGPU_LEDGER_DIR, else "" */
        char damage[256];   /* a dry run: why the ledger is damaged (read as empty), else "" */
        size_t n_lifted;    /* quarantines lifted (a dry run: that would be): devices whole again */
        char **lifted;
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
