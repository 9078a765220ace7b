/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal helpers of libvgpuhook, grouped by the file that defines them. */
#ifndef VGPUHOOK_PRIVATE_H
#define VGPUHOOK_PRIVATE_H

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "vgpuhook.h"

#include "base/cleanup.h"

/* ---- base/root.c, base/log.c --------------------------------------------- */

struct vgpu_root {
        int refcount;
        int fd;
        bool is_slash; /* the process's own "/" */
        char *path;
        vgpu_log_fn log_fn; /* NULL: the library is silent */
        void *log_data;
        enum vgpu_log_level log_priority;
};

/* Would a message at @priority reach a callback?  Inline: cheap when off. */
static inline bool vgpu_log_enabled(const struct vgpu_root *root, enum vgpu_log_level priority)
{
        return root && root->log_fn && priority <= root->log_priority;
}

/* Hand one message to the root's callback; use the macros below. */
void vgpu_log(const struct vgpu_root *root, enum vgpu_log_level priority, const char *file, int line, const char *fn,
              const char *format, ...) __attribute__((format(printf, 6, 7)));

/* The arguments are evaluated only when the message will be passed on. */
#define vgpu_log_cond(root, priority, ...)                                                        \
        do {                                                                                      \
                const struct vgpu_root *log_root_ = (root);                                       \
                if (vgpu_log_enabled(log_root_, priority))                                        \
                        vgpu_log(log_root_, priority, __FILE__, __LINE__, __func__, __VA_ARGS__); \
        } while (0)
#define vgpu_dbg(root, ...)  vgpu_log_cond(root, VGPU_LOG_DEBUG, __VA_ARGS__)
#define vgpu_info(root, ...) vgpu_log_cond(root, VGPU_LOG_INFO, __VA_ARGS__)
#define vgpu_warn(root, ...) vgpu_log_cond(root, VGPU_LOG_WARNING, __VA_ARGS__)
#define vgpu_err(root, ...)  vgpu_log_cond(root, VGPU_LOG_ERR, __VA_ARGS__)

/* ---- base/util.c --------------------------------------------------------- */

/* asprintf that returns NULL on failure. */
char *vgpu_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* write(2) all of @buf, retrying short writes and EINTR: 0 or -errno. */
int vgpu_write_all(int fd, const void *buf, size_t len);

/* "/sys/bus/pci/devices/ADDR/ATTR" (ATTR "" for the directory) into @buf. */
int vgpu_pci_path(const struct vgpu_pci_addr *addr, const char *attr, char *buf, size_t len);

/* vgpu_root_read_attr() and vgpu_root_write_attr() (the one store, logged) of attribute @attr of PCI device @addr. */
int vgpu_pci_read_attr(const struct vgpu_root *root, const struct vgpu_pci_addr *addr, const char *attr, char **ret);
int vgpu_pci_write_attr(const struct vgpu_root *root, const struct vgpu_pci_addr *addr, const char *attr,
                        const char *value);

/*
 * qsort(), qsort_r() that accept an empty array: the array pointer of an
 * empty list is NULL here, and the C library declares it non-null.
 */
static inline void vgpu_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
        if (n)
                qsort(base, n, size, cmp);
}

static inline void vgpu_qsort_r(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *, void *),
                                void *arg)
{
        if (n)
                qsort_r(base, n, size, cmp, arg);
}

/* Grow *array (of *n elements of @size) by one zeroed element; NULL on ENOMEM. */
void *vgpu_array_push(void *array_p, size_t *n, size_t size);

/* ---- base/root-read.c ---------------------------------------------------- */

/* The names in directory @fd but "." and "..", sorted as people read them (strverscmp); their count or -errno. */
int vgpu_fd_list(int fd, char ***ret);

/* ---- base/json-file.c ---------------------------------------------------- */

/* A parsed JSON file and its text, in which values are located for errors. */
struct vgpu_json_file {
        char *source; /* the path below the root, for messages */
        char *text;
        size_t len;
        json_t *json; /* always an object */
};

/*
 * A value and the path that leads to it from the document's root: nodes
 * live on the stack of the code that walks the document, each pointing up.
 */
struct vgpu_json_node {
        const struct vgpu_json_file *file;
        const struct vgpu_json_node *up; /* NULL: the root object */
        const char *key;                 /* member of up; NULL: element @index */
        size_t index;
        json_t *value;
};

/*
 * Load @path below @root (VGPU_JSON_FILE_MAX, regular files only, duplicate
 * keys refused, the top level must be an object).  Returns 0 and a new file
 * (vgpu_json_file_free()), or -errno with the position in @err.
 */
int vgpu_json_file_load(const struct vgpu_root *root, const char *path, struct vgpu_json_file **ret,
                        struct vgpu_error *err);
/* The same for @len bytes of @text (copied) named @source: -EFBIG beyond VGPU_JSON_FILE_MAX. */
int vgpu_json_file_parse(const char *source, const char *text, size_t len, struct vgpu_json_file **ret,
                         struct vgpu_error *err);
void vgpu_json_file_free(struct vgpu_json_file *file);

/* Did jansson fail for want of memory, rather than for the text? */
bool vgpu_json_error_is_oom(const json_error_t *jerr);

/* Watch jansson's allocations from now on: did one fail since? */
void vgpu_json_oom_reset(void);
bool vgpu_json_oom_seen(void);

/* json_loadb(), but NULL (vgpu_json_error_is_oom()) when any allocation failed meanwhile. */
json_t *vgpu_json_loadb(const char *text, size_t len, size_t flags, json_error_t *jerr);

/* Nodes for the root object, member @key of @obj, element @index of @array. */
struct vgpu_json_node vgpu_json_root(const struct vgpu_json_file *file);
struct vgpu_json_node vgpu_json_member(const struct vgpu_json_node *obj, const char *key, json_t *value);
struct vgpu_json_node vgpu_json_element(const struct vgpu_json_node *array, size_t index);

/*
 * Fill @err with the position of @node's value (of its key when @at_key)
 * and "key 'a.b[2]': " followed by the message; returns -@errnum.
 */
int vgpu_json_error(const struct vgpu_json_node *node, bool at_key, struct vgpu_error *err, int errnum, const char *fmt,
                    ...) __attribute__((format(printf, 5, 6)));

/* Every key of object @obj is in the NULL-terminated @allowed, else -EINVAL. */
int vgpu_json_check_keys(const struct vgpu_json_node *obj, const char *const *allowed, struct vgpu_error *err);

/* Typed values: the value or -EINVAL with "expected …" at the node. */
int vgpu_json_expect(const struct vgpu_json_node *node, json_type type, struct vgpu_error *err);
int vgpu_json_get_string(const struct vgpu_json_node *node, const char **ret, struct vgpu_error *err);
int vgpu_json_get_bool(const struct vgpu_json_node *node, bool *ret, struct vgpu_error *err);
int vgpu_json_get_uint(const struct vgpu_json_node *node, unsigned max, unsigned *ret, struct vgpu_error *err);
/* A string that is one of the NULL-terminated @names: its index. */
int vgpu_json_get_enum(const struct vgpu_json_node *node, const char *const *names, struct vgpu_error *err);
int vgpu_json_get_pci_addr(const struct vgpu_json_node *node, struct vgpu_pci_addr *ret, struct vgpu_error *err);
/* An array of distinct PCI addresses (empty allowed), sorted. */
int vgpu_json_get_pci_addrs(const struct vgpu_json_node *node, struct vgpu_pci_addr **ret, size_t *ret_n,
                            struct vgpu_error *err);

/* Append a copy of @err to *problems; allocation failure is -ENOMEM. */
int vgpu_problem_push(struct vgpu_error **problems, size_t *n, const struct vgpu_error *err);

/* ---- host/host.c --------------------------------------------------------- */

/* Record one sentence in host->problems; allocation failure is ignored. */
void vgpu_host_problem(struct vgpu_host *host, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- host/pci.c ---------------------------------------------------------- */

int vgpu_pci_load(struct vgpu_host *host);
/* Read just device @addr (if not there yet); -ENOENT when it does not exist. */
int vgpu_pci_load_one(struct vgpu_host *host, const struct vgpu_pci_addr *addr);
/* qsort/bsearch order of struct vgpu_pci_dev: by address. */
int vgpu_pci_dev_cmp(const void *a, const void *b);
/* The group number behind @dir/iommu_group, or -1 when there is none. */
int vgpu_read_iommu_group(struct vgpu_host *host, const struct vgpu_dir *dir);
void vgpu_pci_dev_clear(struct vgpu_pci_dev *dev);

/* ---- host/sriov.c -------------------------------------------------------- */

/* Fill dev->sriov / dev->physfn from the device directory @dir. */
int vgpu_sriov_load(struct vgpu_host *host, struct vgpu_pci_dev *dev, const struct vgpu_dir *dir);
void vgpu_sriov_free(struct vgpu_sriov *sriov);

/* ---- host/nvidia.c ------------------------------------------------------- */

/* Fill dev->nvidia_* when @dir/nvidia/creatable_vgpu_types exists. */
int vgpu_nvidia_load(struct vgpu_host *host, struct vgpu_pci_dev *dev, const struct vgpu_dir *dir);

/* ---- host/mdev.c --------------------------------------------------------- */

int vgpu_mdev_load(struct vgpu_host *host);
/* The parent of mdev @uuid (the directory its /sys/bus/mdev/devices link points into). */
int vgpu_mdev_instance_parent(const struct vgpu_root *root, const char *uuid, char **ret);
void vgpu_mdev_parent_clear(struct vgpu_mdev_parent *parent);

/* ---- host/mdev-reach.c --------------------------------------------------- */

/* What vgpu_host_load_mdev_near() keeps: the listed devices with their PFs, and the parents holding mdevs. */
struct vgpu_mdev_reach {
        size_t n_gpus;
        struct vgpu_pci_addr *gpus;
        size_t n_holders;
        char **holders;
};

int vgpu_mdev_reach_init(struct vgpu_mdev_reach *reach, const struct vgpu_root *root, const struct vgpu_pci_addr *near,
                         size_t n_near);
void vgpu_mdev_reach_clear(struct vgpu_mdev_reach *reach);
/* Can a placement limited to the listed devices do without parent @parent? */
bool vgpu_mdev_reach_leaves_out(const struct vgpu_mdev_reach *reach, const struct vgpu_root *root, const char *parent);

/* ---- host/iommu.c -------------------------------------------------------- */

int vgpu_iommu_load(struct vgpu_host *host);

/* ---- ledger/ledger-json.c ------------------------------------------------ */

/* Fill @ledger's leases from ledger.json's text; errors name the ledger file. */
int vgpu_ledger_parse_json(struct vgpu_ledger *ledger, const char *text, size_t len, struct vgpu_error *err);
/* The ledger as text (free()), or NULL on ENOMEM. */
char *vgpu_ledger_to_json(const struct vgpu_ledger *ledger);

/* ---- ledger/ledger-access.c --------------------------------------------- */

/*
 * May we trust @fd (the ledger's directory when @dir, else one of its
 * files): ours, the right kind, writable by no one else, and private (0700,
 * 0600) when @to_write?  0, or -EPERM with the sentence that says what to do
 * in @err (@path names it there).
 */
int vgpu_ledger_check_access(int fd, bool dir, bool to_write, const char *path, struct vgpu_error *err);
/* -@errnum from opening @path, with its sentence in @err (ELOOP: a symlink; EACCES: run as root). */
int vgpu_ledger_open_error(int errnum, const char *path, struct vgpu_error *err);

/* ---- ledger/ledger.c, ledger/lease-state.c ----------------------------- */

/* Free a lease's strings (not the lease). */
void vgpu_lease_clear(struct vgpu_lease *lease);
/* Under the lock: replace file @name of the ledger's directory with @text atomically (temp file, fsync, rename). */
int vgpu_ledger_write_file(struct vgpu_ledger *ledger, const char *name, const char *text);

/* ledger/quarantine.c: quarantine.json read into @ledger (damaged: empty, logged); written when changed; freed. */
int vgpu_quarantine_load(struct vgpu_ledger *ledger);
int vgpu_quarantine_write(struct vgpu_ledger *ledger);
void vgpu_quarantine_clear_all(struct vgpu_ledger *ledger);

/* vgpu_ledger_add() without the log line: for leases read from the file. */
struct vgpu_lease *vgpu_ledger_append(struct vgpu_ledger *ledger, const struct vgpu_lease *lease);
/* A lease appears or goes: a debug line when the ledger is locked (a change to commit). */
void vgpu_ledger_log_added(const struct vgpu_ledger *ledger, const struct vgpu_lease *lease);
void vgpu_ledger_log_dropped(const struct vgpu_ledger *ledger, const struct vgpu_lease *lease);

/* ---- host/numa.c --------------------------------------------------------- */

int vgpu_numa_load(struct vgpu_host *host);

/* ---- domain/domxml.c ----------------------------------------------------- */

struct _xmlDoc;

/*
 * Parse a domain XML as hostile input: the size cap, no network, no DOCTYPE
 * (so no entities); @options adds libxml2 XML_PARSE_* flags.  Returns the
 * document (xmlFreeDoc()), or NULL with -errno in *ret and why in @err.
 */
struct _xmlDoc *vgpu_domain_xml_read(const char *xml, size_t len, int options, struct vgpu_error *err, int *ret);

/*
 * The read model of a parsed domain XML, whatever read or edited it: errors
 * carry the lines the document was read at (0 for elements added since).
 * Returns 0 and a new domain (vgpu_domain_free()), or -EINVAL/-ENOMEM with why in @err.
 */
int vgpu_domain_from_xml(const struct _xmlDoc *doc, struct vgpu_domain **ret_domain, struct vgpu_error *err);

/* ---- report/inventory-nvidia.c ---------------------------------------------- */

/* The inventory's "nvidia_gpus" array; NULL when out of memory. */
json_t *vgpu_inventory_nvidia_json(const struct vgpu_host *host);

/* ---- config/config.c ------------------------------------------------------- */

/* An object keyed by PF addresses (sriov_vfs, nvidia_vfs) into *@items, @size bytes an item, each
 * beginning with its struct vgpu_pci_addr and filled by @read_value, sorted by address; @example,
 * a full address, is what a bad key's error shows. */
int vgpu_config_pf_map(const struct vgpu_json_node *node, size_t size, void **items, size_t *n, const char *example,
                       int (*read_value)(const struct vgpu_json_node *member, void *item, struct vgpu_error *err),
                       struct vgpu_error *err);

/* ---- config/nvidia-pfs.c --------------------------------------------------- */

/* "nvidia_vfs" of the configuration into config->nvidia_pfs. */
int vgpu_config_nvidia_pfs(const struct vgpu_json_node *node, struct vgpu_config *config, struct vgpu_error *err);

/* ---- writes/nvidia-vfs.c --------------------------------------------------- */

/* sriov_numvfs = @total on @pf, then each VF without a driver bound to nvidia: the count bound, or -errno. */
int vgpu_nvidia_enable_vfs(const struct vgpu_root *root, const struct vgpu_pci_addr *pf, int total);

/* ---- config/profile-nvidia.c --------------------------------------------- */

/* @member if it is gpu_instance_id, placement_id or vgpu_params: 1 when read, 0 when not one of them. */
int vgpu_profile_nvidia_member(const struct vgpu_json_node *member, struct vgpu_profile *p, struct vgpu_error *err);

/* ---- config/mdevctl.c ---------------------------------------------------- */

/*
 * mdevctl's attrs: null, or an array of one-key objects with string values
 * whose names pass vgpu_mdev_attr_name_valid().  Order and duplicates kept.
 */
int vgpu_json_get_attrs(const struct vgpu_json_node *node, struct vgpu_mdev_attr **ret, size_t *ret_n,
                        struct vgpu_error *err);

/* ---- placement/placement.c ----------------------------------------------- */

#define VGPU_NUMA_NODE_BITS 4096

/* The NUMA nodes a device should be near, from the profile and the domain. */
struct vgpu_numa_want {
        bool active, strict;
        uint64_t nodes[VGPU_NUMA_NODE_BITS / 64];
};

void vgpu_numa_wanted(const struct vgpu_host *host, const struct vgpu_domain *dom, const struct vgpu_profile *prof,
                      struct vgpu_numa_want *w);
/* Is a device on @node (-1: no locality, fits anywhere) among the wanted nodes? */
bool vgpu_numa_fits(const struct vgpu_numa_want *w, int node);
/* vgpu_config_is_cordoned() of @name or of @physical (either may be NULL). */
bool vgpu_cordoned(const struct vgpu_config *config, const char *name, const char *physical);
/* Is @name quarantined in @ledger (may be NULL)?  Then @detail says since when and why. */
bool vgpu_quarantined(const struct vgpu_ledger *ledger, const char *name, char *detail, size_t size);

/* ---- report/inventory.c, report/inventory-totals.c ----------------------- */

/* What the inventory reads: config and ledger may be NULL (unknown). */
struct vgpu_inventory_state {
        const struct vgpu_host *host;
        const struct vgpu_config *config;
        const struct vgpu_ledger *ledger;
};

/* The lease holding mdev UUID @device, or (@pci) PCI function @device; NULL if none. */
const struct vgpu_lease *vgpu_inventory_owner(const struct vgpu_ledger *ledger, bool pci, const char *device);

/* The "totals" array of the inventory: in use and available per type, host-wide. */
json_t *vgpu_inventory_totals(const struct vgpu_inventory_state *st);

/* ---- base/atomic-file.c -------------------------------------------------- */

/* Open directory @path below the root, creating it and its parents 0755. */
int vgpu_root_open_dir_p(const struct vgpu_root *root, const char *path);

/* Replace @name in @dir_fd: a hidden temp file (@mode), fsync, rename, fsync of the directory. */
int vgpu_write_file_atomic(int dir_fd, const char *name, const char *text, size_t len, mode_t mode);

#endif
