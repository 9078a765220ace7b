/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpuhook's base: errors, the root prefix, strict value parsers, UUIDs
 * and PCI addresses.  Included by vgpuhook.h; same conventions.
 */
#ifndef VGPUHOOK_BASE_H
#define VGPUHOOK_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* ---- errors -------------------------------------------------------------- */

/*
 * Where a parse failed.  line and column count from 1; 0 means "not known"
 * (e.g. a one-line value has no line).  source names the file or attribute.
 */
struct vgpu_error {
        char source[256];
        int line;
        int column;
        char text[256];
};

/* Fill @err (if not NULL) and return -@errnum (a negative errno). */
int vgpu_error_set(struct vgpu_error *err, int errnum, const char *source, int line, int column, const char *fmt, ...)
        __attribute__((format(printf, 6, 7)));

/* ---- root prefix (base/root.c) ------------------------------------------- */

/*
 * Every host path (/sys, /etc, /run, /proc, /dev) is resolved under one root
 * directory.  Lookups use openat2(RESOLVE_IN_ROOT): ".." and absolute symlinks
 * stay inside the root, so a hostile tree cannot make us read the real host.
 */
struct vgpu_root;

/*
 * Open the root @path; NULL means $VGPU_HOOK_ROOT (read with secure_getenv)
 * or else "/".  Returns 0 and a new reference in *ret_root.
 */
int vgpu_root_new(const char *path, struct vgpu_root **ret_root);
struct vgpu_root *vgpu_root_ref(struct vgpu_root *root);
struct vgpu_root *vgpu_root_unref(struct vgpu_root *root);
/* The directory this root stands for, as given (never NULL). */
const char *vgpu_root_path(const struct vgpu_root *root);

/*
 * openat2() @path (absolute or relative: both mean "below the root") with
 * @flags (O_CLOEXEC is added).  Returns a file descriptor or -errno.
 */
int vgpu_root_open(const struct vgpu_root *root, const char *path, int flags);

/*
 * Read a whole small file.  Returns its length and a NUL-terminated buffer in
 * *ret (free()), or -EFBIG when it holds more than @max bytes.
 */
int vgpu_root_read_file(const struct vgpu_root *root, const char *path, size_t max, char **ret);

/*
 * Read one sysfs attribute: like vgpu_root_read_file() with a 4 KiB cap and
 * one trailing newline removed.  Returns the remaining length.
 */
int vgpu_root_read_attr(const struct vgpu_root *root, const char *path, char **ret);

/* The last component of the target of symlink @path (e.g. a driver name). */
int vgpu_root_read_link_name(const struct vgpu_root *root, const char *path, char **ret);

/* The full target of symlink @path, as stored. */
int vgpu_root_read_link(const struct vgpu_root *root, const char *path, char **ret);

/*
 * The names in directory @path, sorted (strverscmp, so virtfn10 follows
 * virtfn9), without "." and "..".  Returns the count; *ret is a
 * NULL-terminated array: free with vgpu_strv_free().
 */
int vgpu_root_list_dir(const struct vgpu_root *root, const char *path, char ***ret);

/*
 * Store @len bytes into sysfs attribute @path in a single write(2), the way
 * the kernel expects a store.  Returns 0, or the kernel's -errno.  A short
 * write is -EIO.  The final component must not be a symlink.
 */
int vgpu_root_write_attr(const struct vgpu_root *root, const char *path, const void *buf, size_t len);

/* Does @path exist below the root (following links inside it)? */
bool vgpu_root_exists(const struct vgpu_root *root, const char *path);

/* ---- a directory read many times (base/dir.c) ----------------------------- */

/*
 * A device's or a type's sysfs directory, resolved once below the root (its
 * /sys/bus and /sys/class links walked once) and held open: its attributes are
 * then opened relative to it, one lookup each instead of a walk from the root.
 * A name whose resolution would leave the directory (a link out of it) is
 * resolved from the root instead, so the answers are those of the vgpu_root_*
 * readers on "@path/@name".
 */
struct vgpu_dir {
        const struct vgpu_root *root;
        int fd;       /* O_PATH | O_DIRECTORY (O_RDONLY when listed) */
        char *path;   /* below the root, as opened: for messages and the fallback */
        char **names; /* vgpu_dir_open_listed(): what it holds, sorted; NULL: not listed */
        size_t n_names;
};

/*
 * Open @path below @root into *ret (close with vgpu_dir_close()).  0 or
 * -errno; on any error but -ENOMEM *ret is still usable (and to be closed):
 * each name is then resolved from the root and fails as it would there.
 */
int vgpu_dir_open(const struct vgpu_root *root, const char *path, struct vgpu_dir *ret);
/*
 * The same, listed once: a name it does not hold is then -ENOENT without a
 * lookup, and vgpu_dir_list(dir, NULL) answers from the list.  For a
 * directory where many names are looked for and few are there (a PCI
 * function's: sriov_totalvfs, physfn, net, nvidia/...).
 */
int vgpu_dir_open_listed(const struct vgpu_root *root, const char *path, struct vgpu_dir *ret);
void vgpu_dir_close(struct vgpu_dir *dir);
#define _cleanup_dir_ __attribute__((cleanup(vgpu_dir_close)))
/* openat2() @name (relative, may hold '/') below @dir.  A file descriptor or -errno. */
int vgpu_dir_open_at(const struct vgpu_dir *dir, const char *name, int flags);
/* The vgpu_root_* readers, for @name in @dir (NULL for vgpu_dir_list: @dir itself). */
int vgpu_dir_read_file(const struct vgpu_dir *dir, const char *name, size_t max, char **ret);
int vgpu_dir_read_attr(const struct vgpu_dir *dir, const char *name, char **ret);
int vgpu_dir_read_link(const struct vgpu_dir *dir, const char *name, char **ret);
int vgpu_dir_read_link_name(const struct vgpu_dir *dir, const char *name, char **ret);
int vgpu_dir_list(const struct vgpu_dir *dir, const char *name, char ***ret);

void vgpu_strv_free(char **strv);

/* ---- the programs' modules in their build tree (base/build-tree.c) -------- */

/*
 * When this process's executable runs from a configured build tree (its
 * directory holds config.status, and .libs/@name), and that directory is not
 * @installed_dir, put the module's absolute path in @buf and return 1.  Else
 * 0 (load the installed module), or -errno.  The tree, .libs and the module
 * must belong to root or to us and be writable by nobody else.
 */
int vgpu_build_tree_module(const char *installed_dir, const char *name, char *buf, size_t size);

/*
 * The module a program loads: $@env (read with secure_getenv) when set, else
 * the one beside it in its build tree (vgpu_build_tree_module(), into @buf),
 * else @installed, the absolute path compiled in.
 */
const char *vgpu_module_path(const char *env, const char *installed_dir, const char *name, const char *installed,
                             char *buf, size_t size);

/* ---- suggestions (base/closest.c) ---------------------------------------- */

/*
 * Of @n @names, the one a person most likely meant by @typed, for "did you
 * mean …?": equal but for case, @typed being its last words ("T4-4Q" for
 * "GRID T4-4Q"), or the fewest edits, at most a third of @typed's length
 * (1 to 3).  NULL when none is that close, or when @typed is one of them.
 */
const char *vgpu_closest_name(const char *typed, const char *const *names, size_t n);

/* ---- logging (base/log.c) ------------------------------------------------ */

/*
 * The library never prints: it hands what it decides (a placement candidate
 * taken or skipped, a sysfs store made or refused, a lease changing state, a
 * reconcile action) to a callback on the root, as libkmod does on its
 * context.  With no callback nothing is formatted or written anywhere.
 */

/* The syslog priorities of <syslog.h>. */
enum vgpu_log_level {
        VGPU_LOG_ERR = 3,
        VGPU_LOG_WARNING = 4,
        VGPU_LOG_INFO = 6,
        VGPU_LOG_DEBUG = 7,
};

/*
 * A message at @priority from @file:@line, function @fn.  The text has no
 * trailing newline.  Called only for priorities up to the root's.
 */
typedef void (*vgpu_log_fn)(void *data, int priority, const char *file, int line, const char *fn, const char *format,
                            va_list args) __attribute__((format(printf, 6, 0)));

/* Send the library's messages about work on @root to @fn (NULL: nowhere). */
void vgpu_root_set_log_fn(struct vgpu_root *root, vgpu_log_fn fn, void *data);
/* Pass messages up to @priority (VGPU_LOG_ERR, the default, … VGPU_LOG_DEBUG). */
void vgpu_root_set_log_priority(struct vgpu_root *root, enum vgpu_log_level priority);
enum vgpu_log_level vgpu_root_get_log_priority(const struct vgpu_root *root);

/* ---- value parsers (base/parse.c) ---------------------------------------- */

/*
 * Strict integer parsers for sysfs and XML values: the whole string must be
 * consumed (one trailing newline allowed), no sign unless said, no overflow.
 * _hex accepts an optional 0x prefix; _auto takes "0x…" as hex, else decimal.
 */
int vgpu_parse_uint(const char *s, unsigned long long max, unsigned long long *ret);
int vgpu_parse_hex(const char *s, unsigned long long max, unsigned long long *ret);
int vgpu_parse_auto(const char *s, unsigned long long max, unsigned long long *ret);
int vgpu_parse_int(const char *s, long long min, long long max, long long *ret);

/*
 * A CPU list as in nodeN/cpulist ("0-3,8,10-11").  Returns the number of
 * CPUs and a bitmap of @nbits bits (bit i set = cpu i) in @bits.
 */
int vgpu_parse_cpulist(const char *s, uint64_t *bits, unsigned nbits);

/*
 * A CPU or node set as libvirt's XML writes it (cpuset=, nodeset=): like a
 * cpulist, plus "^N" to drop N from what came before and spaces after
 * numbers and commas ("0-7, ^3").  Returns the number of bits left set
 * (0 is -EINVAL, as libvirt refuses an empty set).
 */
int vgpu_parse_cpuset(const char *s, uint64_t *bits, unsigned nbits);

/* ---- UUIDs (base/uuid.c) ------------------------------------------------- */

#define VGPU_UUID_STRLEN 37 /* 36 characters and NUL */

/*
 * Accept exactly the canonical 8-4-4-4-12 form, any case; write it
 * lower-case into @ret (VGPU_UUID_STRLEN bytes).  Anything else: -EINVAL.
 */
int vgpu_uuid_normalize(const char *s, char ret[VGPU_UUID_STRLEN]);

/*
 * RFC 4122 version-5 UUID of @name in namespace @namespace_uuid, lower-case
 * into @ret.  -EINVAL for a bad namespace.
 */
int vgpu_uuid_v5(const char *namespace_uuid, const char *name, char ret[VGPU_UUID_STRLEN]);

/*
 * The mdev UUID vgpuctl gives device @index of domain @domain_uuid
 * (UUIDv5 of "vgpu-hook/mdev/INDEX" in the domain's UUID), so that after a
 * lost ledger "is this ours?" can be answered; a hand-written UUID never is.
 */
int vgpu_mdev_uuid_for(const char *domain_uuid, unsigned index, char ret[VGPU_UUID_STRLEN]);

/* Is @uuid vgpu_mdev_uuid_for(@domain_uuid, i) for some i < @max_index? */
bool vgpu_mdev_uuid_is_ours(const char *domain_uuid, const char *uuid, unsigned max_index);

/*
 * A fresh random (version 4) UUID, lower-case into @ret, from getrandom():
 * for a domain XML that has no <uuid> yet.  -errno when the kernel has no
 * randomness to give (never blocks).
 */
int vgpu_uuid_random(char ret[VGPU_UUID_STRLEN]);

/* ---- PCI addresses (base/pci-addr.c) ------------------------------------- */

struct vgpu_pci_addr {
        uint32_t domain; /* up to 0xffff, or 0x10000–0xfffff (Intel VMD) */
        uint8_t bus;
        uint8_t slot;     /* 0–31 */
        uint8_t function; /* 0–7 */
};

#define VGPU_PCI_ADDR_STRLEN 14 /* "fffff:ff:1f.7" and NUL */

/*
 * Parse "DDDD:BB:SS.F" (domain 4 or 5 hex digits, any case).  Anything else,
 * including out-of-range slot/function, is -EINVAL.
 */
int vgpu_pci_addr_parse(const char *s, struct vgpu_pci_addr *ret);

/*
 * Read an address a person wrote (command line, configuration, profiles):
 * "DDDD:BB:SS.F", or "BB:SS.F" as lspci and nvidia-smi print it (domain
 * 0000), any case.  Names the kernel or this library wrote are parsed with
 * vgpu_pci_addr_parse(), which takes only the full form.
 */
int vgpu_pci_addr_read(const char *s, struct vgpu_pci_addr *ret);

/*
 * A device name as the kernel spells it: a PCI address that
 * vgpu_pci_addr_read() takes in its full lower-case form, any other name (an
 * mdev parent such as "mtty") as it is.  NULL when out of memory.
 */
char *vgpu_device_name_canonical(const char *name);

/*
 * Build an address from libvirt XML attributes, each "0x…" hex or decimal
 * (domain may be NULL: 0).  Out-of-range or junk is -EINVAL.
 */
int vgpu_pci_addr_from_parts(const char *domain, const char *bus, const char *slot, const char *function,
                             struct vgpu_pci_addr *ret);

/* Format as the kernel names the device: "0000:01:00.1", 5 digits if needed. */
void vgpu_pci_addr_format(const struct vgpu_pci_addr *addr, char buf[VGPU_PCI_ADDR_STRLEN]);
int vgpu_pci_addr_cmp(const struct vgpu_pci_addr *a, const struct vgpu_pci_addr *b);

#endif
