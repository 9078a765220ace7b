/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vgpuctl: one file per subcommand, each a {name, fn, help} entry. */
#ifndef VGPUCTL_H
#define VGPUCTL_H

#include <stdbool.h>
#include <stdio.h>

#include "base/cleanup.h"
#include "vgpuhook.h"

/* Exit codes, as virsh and mdevctl users expect. */
enum {
        VGPUCTL_OK = 0,
        VGPUCTL_FAILED = 1,
        VGPUCTL_USAGE = 2,
};

/* What every subcommand may use: the global options. */
/*
 * The options most commands share: --root DIR, -c/--connect URI (where the
 * command takes it) and -h/--help, which prints @usage.  VGPUCTL_MORE when
 * @c was --root or --connect and parsing goes on; else the command's exit
 * code: VGPUCTL_OK after --help, VGPUCTL_USAGE for an option getopt refused.
 */
#define VGPUCTL_MORE (-1)
struct vgpuctl_ctx;
int vgpuctl_common_option(struct vgpuctl_ctx *ctx, int c, const char *usage);

struct vgpuctl_ctx {
        const char *root; /* --root DIR, or NULL: $VGPU_HOOK_ROOT or / */
        const char *uri;  /* -c URI, or NULL: libvirt's default */
        bool verbose;     /* -v: the library's debug lines on stderr */
        bool wide;        /* --wide: tables with every column, lines unwrapped */
};

struct vgpuctl_cmd {
        const char *name;
        int (*fn)(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);
        const char *help;
};

/*
 * "profile 'X' does not exist …; did you mean 'Y'?" (VGPUCTL_FAILED), or for a
 * name no profile may have, the same as a usage error (VGPUCTL_USAGE).
 */
int vgpuctl_no_profile(const struct vgpu_root *root, const char *name);

/* Print "vgpuctl: <sentence>" to stderr; returns VGPUCTL_FAILED. */
int vgpuctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* @doc indented by 2, in its keys' order, and a newline on standard output: 0, or -1 when it cannot be written. */
int vgpuctl_json_print(const json_t *doc);
/* The same for usage errors; returns VGPUCTL_USAGE. */
int vgpuctl_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * vgpu_root_new() of ctx->root, its library messages going to stderr at
 * debug with -v, else to syslog at the configuration's log_level.
 */
int vgpuctl_root_new(const struct vgpuctl_ctx *ctx, struct vgpu_root **ret_root);

/*
 * A device a person typed (an mdev parent, or a PCI address as the kernel or
 * lspci writes it) as the kernel spells it: 0 and a new string in *@ret, or
 * the exit code after one sentence (a malformed name is a usage error).
 */
int vgpuctl_device_arg(const char *typed, char **ret);

/* Open ctx->root and read the host; prints the reason on failure. */
int vgpuctl_load_host(const struct vgpuctl_ctx *ctx, struct vgpu_host **ret_host);

int vgpuctl_inventory(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);
/* inventory --committed (inventory-committed.c): stopped domains' needs against the host. */
int vgpuctl_inventory_committed(const struct vgpuctl_ctx *ctx, bool json);
int vgpuctl_leases(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);
int vgpuctl_reconcile(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);
int vgpuctl_profiles(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);
int vgpuctl_profile(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);
int vgpuctl_plan(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);
int vgpuctl_render(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);
int vgpuctl_define(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);
int vgpuctl_attach(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);
int vgpuctl_detach(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);
int vgpuctl_start(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);
int vgpuctl_cordon(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);
int vgpuctl_uncordon(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);
int vgpuctl_quarantine(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);
int vgpuctl_migrate_check(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);
int vgpuctl_sriov(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);
int vgpuctl_doctor(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);
int vgpuctl_wait_devices(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);
int vgpuctl_metrics(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);
int vgpuctl_pacemaker(const struct vgpuctl_ctx *ctx, int argc, char *argv[]);

/* ---- tables (table.c) ------------------------------------------------------ */

/* What a table fits into unless --wide. */
#define VGPUCTL_TABLE_COLUMNS 100

enum {
        VGPUCTL_COL_WIDE = 1u << 0,  /* only with --wide */
        VGPUCTL_COL_RIGHT = 1u << 1, /* numbers: aligned right */
};

struct vgpuctl_col {
        const char *header;
        size_t min; /* columns at least */
        unsigned flags;
};

struct vgpuctl_table;
/* A table of @n_cols columns (@cols outlives it); NULL when out of memory. */
struct vgpuctl_table *vgpuctl_table_new(const struct vgpuctl_col *cols, size_t n_cols);
void vgpuctl_table_free(struct vgpuctl_table *t);
/* One row: exactly n_cols strings (NULL or "" print as "-"); failures show at print. */
void vgpuctl_table_add(struct vgpuctl_table *t, ...);
/*
 * Print the header and the rows, each line starting with @indent: columns as
 * wide as their widest cell; unless @wide the wide-only columns are left out
 * and the last column wraps to fit VGPUCTL_TABLE_COLUMNS.  Prints why not.
 */
int vgpuctl_table_print(const struct vgpuctl_table *t, const char *indent, bool wide);
static inline void vgpuctl_table_freep(struct vgpuctl_table **t)
{
        vgpuctl_table_free(*t);
}
#define _cleanup_table_ _cleanup_(vgpuctl_table_freep)

/* ---- what the host-side commands share (state.c) ------------------------- */

/* The host as placement sees it: devices, configuration, leases. */
struct vgpuctl_state {
        struct vgpu_root *root;
        struct vgpu_host *host;
        struct vgpu_config *config;
        struct vgpu_ledger *ledger; /* read without the lock: a snapshot */
};

/* What the hook's prepare checks before it looks at devices (vgpu_domain_check()), on the edited @doc. */
int vgpuctl_check_domain(const struct vgpuctl_state *st, const struct vgpu_domain_doc *doc);
/*
 * sriov-nvidia.c: enable the VFs of each PF of "nvidia_vfs" (none written
 * with @dry_run); a line each on stdout/stderr, or an object each appended
 * to @json_pfs when not NULL.  Returns how many PFs are refused.
 */
size_t vgpuctl_sriov_nvidia(const struct vgpuctl_state *st, bool dry_run, json_t *json_pfs);

/* inventory-nvidia.c: each vendor-VFIO GPU's inferred mode and what is creatable; nothing without one. */
int vgpuctl_print_nvidia_modes(const struct vgpu_host *host, bool wide);

/* Open ctx->root, read host, config and ledger; prints the reason and returns VGPUCTL_FAILED. */
int vgpuctl_state_load(const struct vgpuctl_ctx *ctx, struct vgpuctl_state *st);
void vgpuctl_state_clear(struct vgpuctl_state *st);

/* Load profile @name below the state's root; prints why not. */
int vgpuctl_profile_load(const struct vgpuctl_state *st, const char *name, struct vgpu_profile **ret);

/* What a profile asks for, for people: "mdev type GRID T4-4Q", "VF of 0000:86:00.0", … into @buf. */
const char *vgpuctl_profile_what(const struct vgpu_profile *prof, char *buf, size_t size);

/* The mdev request for mdev profile @prof. */
struct vgpu_mdev_request vgpuctl_mdev_request(const struct vgpu_profile *prof);

/* Read a whole file, or standard input for "-", up to VGPU_DOMAIN_XML_MAX; prints why not. */
int vgpuctl_read_input(const char *path, char **ret, size_t *ret_len);

/*
 * A domain XML the user or libvirt gave, as vgpu_domain_parse() reads it
 * once it has a <uuid> (a fresh one if it had none).  Prints why not.
 */
int vgpuctl_domain_of(const char *xml, size_t len, struct vgpu_domain **ret);
/*
 * The same for a document being edited, as it reads now: read from the
 * document, not from its text again, so an error names the line of the
 * user's file.  Prints why not.
 */
int vgpuctl_domain_of_doc(const struct vgpu_domain_doc *doc, struct vgpu_domain **ret);

/* ---- libvirt, through the module (virt.c) --------------------------------- */

struct vgpuctl_libvirt_ops;
struct vgpuctl_libvirt_conn;

struct vgpuctl_virt {
        const struct vgpuctl_libvirt_ops *ops;
        struct vgpuctl_libvirt_conn *conn;
};

/*
 * Load the module ($VGPUCTL_LIBVIRT_MODULE, read with secure_getenv, else
 * the installed one) and connect to ctx->uri.  Prints why not.
 */
int vgpuctl_virt_open(const struct vgpuctl_ctx *ctx, struct vgpuctl_virt *v);
void vgpuctl_virt_close(struct vgpuctl_virt *v);

/* Every PCI device a domain known to libvirt names (hostdevs, <vgpu:vf>, <vgpu:pci>). */
int vgpuctl_virt_named_pci(struct vgpuctl_virt *v, struct vgpu_pci_addr **ret, size_t *ret_n);

/* ---- another host, through its libvirt (dest.c) ------------------------------ */

struct vgpuctl_dest {
        struct vgpuctl_virt virt;
        size_t n_devs;
        struct vgpu_nodedev **devs; /* mdev parents, mdevs, and (when asked) PCI devices */
        size_t n_doms;
        struct vgpu_domain **doms; /* its domains, but the one moving */
};

/*
 * Connect to @uri and read its node devices (PCI ones too when @pci) and
 * its domains, leaving out domain @domain_uuid.  Prints why not.
 */
int vgpuctl_dest_load(const char *uri, const char *domain_uuid, bool pci, struct vgpuctl_dest *d);
void vgpuctl_dest_clear(struct vgpuctl_dest *d);

/* Who has mdev @uuid there: "an mdev there has it", a domain's name, or NULL. */
const char *vgpuctl_dest_mdev_user(const struct vgpuctl_dest *d, const char *uuid);

/* Does a domain there name PCI device @a (hostdev or metadata)? */
bool vgpuctl_dest_pci_named(const struct vgpuctl_dest *d, const struct vgpu_pci_addr *a);

/* ---- adding a profile's devices to a domain XML (devices.c) --------------- */

struct vgpuctl_adder {
        const struct vgpuctl_ctx *ctx;
        const struct vgpuctl_state *st;
        struct vgpuctl_virt *virt; /* opened when a VF or GPU must be picked, unless given */
        bool own_virt;
        bool named_loaded;
        struct vgpu_pci_addr *named; /* devices some domain names, and those added so far */
        size_t n_named;
};

/*
 * Add one device of profile @name to @doc: an mdev with the next name-based
 * UUID of the domain, or a VF / GPU no domain names.  Prints what was added
 * to @report (may be NULL) and why it failed to stderr.
 */
int vgpuctl_add_profile(struct vgpuctl_adder *a, struct vgpu_domain_doc *doc, const char *name, FILE *report);
void vgpuctl_adder_clear(struct vgpuctl_adder *a);
/*
 * A VF or GPU for VF / passthrough profile @prof that no defined domain
 * (nor @dom) names and no lease holds; remembered as taken.  Prints why none.
 */
int vgpuctl_pick_pci(struct vgpuctl_adder *a, const struct vgpu_profile *prof, const struct vgpu_domain *dom,
                     struct vgpu_pci_addr *ret);
/* Fill a->named from libvirt (once), opening a->virt if needed. */
int vgpuctl_adder_load_named(struct vgpuctl_adder *a);

/* ---- a running domain: attach / detach --live (attach-live.c, detach-live.c) */

struct vgpuctl_live_target {
        const struct vgpuctl_ctx *ctx;
        struct vgpuctl_virt *virt;
        const char *domain; /* as the user named it */
        struct vgpu_domain *live;
        struct vgpu_domain_doc *live_doc;
        struct vgpu_domain *config; /* the definition; NULL for a transient domain */
        int timeout_s;              /* detach: how long the guest may take to let go */
};

/* Create one vGPU of profile @profile and hot-plug it; undone if libvirt refuses.  Prints what happened. */
int vgpuctl_attach_live(const struct vgpuctl_live_target *t, const char *profile);
/* Unplug mdev @uuid, PCI device @address, or (both NULL) every device leased to the domain; free after the event. */
int vgpuctl_detach_live(const struct vgpuctl_live_target *t, const char *uuid, const char *address);

/* Lock the ledger with the configured wait; prints why not. */
int vgpuctl_ledger_lock(const struct vgpuctl_state *st, struct vgpu_ledger **ret);
/* A lease of @dom written by this vgpuctl. */
void vgpuctl_lease_init(const struct vgpuctl_state *st, const struct vgpu_domain *dom, struct vgpu_lease *lease);

#endif
