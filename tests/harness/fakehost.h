/* fakehost: builds a fake Linux host tree (sysfs and friends) from a preset.
 *
 * A preset (tests/presets/NAME.host; the format is described at the top of
 * fakehost-parse.c) is a compact description of a host: NUMA nodes, PCI
 * functions, SR-IOV, mdev pools/parents/types/instances.  It is parsed into
 * an in-memory model, which a kernel-emulation shim can query and change,
 * and written out as a tree laid out like the real kernel's (checked against
 * a capture by tests/harness/capture-diff.sh).
 *
 * All functions return >= 0 on success and a negative errno on failure.
 */
#pragma once

#include <stddef.h>
#include <stdio.h>

struct fakehost;

/* Parses PRESET_FILE and the presets it includes.  On success stores a new
 * model in *ret (free it with fakehost_free()) and returns 0; *ret is left
 * untouched on failure.  A preset error returns -EINVAL with
 * "file:line: message" in ERR (always NUL-terminated when ERRLEN > 0); an
 * unreadable top-level file returns its -errno with "file: reason" in ERR. */
int fakehost_parse(const char *preset_file, struct fakehost **ret, char *err, size_t errlen);

/* Frees a model; NULL is fine. */
void fakehost_free(struct fakehost *fh);

/* available_instances of mdev type TYPE_ID on parent PARENT (a PCI address
 * or a virtual parent's name), from the model's pool rules: >= 0, or
 * -ENOENT when the parent or type is unknown. */
int fakehost_available(const struct fakehost *fh, const char *parent, const char *type_id);

/* Adds an mdev instance to the model only (nothing is written).  UUID must be
 * canonical 8-4-4-4-12 hex (stored lower-case); GROUP is its own IOMMU
 * group, VFIO its vfio-dev index or -1.  Returns 0; -EINVAL for a bad UUID
 * or a GROUP/VFIO already in use; -ENOENT for an unknown parent or type;
 * -EEXIST for a UUID present under any parent; -ENOSPC when the type's
 * available_instances is 0 (a shim picks the driver's errno, e.g. EUSERS). */
int fakehost_mdev_add(struct fakehost *fh, const char *uuid, const char *parent, const char *type_id, int group,
                      int vfio);

/* Removes an mdev instance from the model: 0 or -ENOENT. */
int fakehost_mdev_remove(struct fakehost *fh, const char *uuid);

/* Writes the model's tree under ROOT_DIR (which must exist): ROOT_DIR/sys/...,
 * ROOT_DIR/dev/vfio/<group> and empty ROOT_DIR/{etc,run,proc}, and the
 * model itself as a preset in ROOT_DIR/.fakehost/model.host (what the
 * kernel-emulation shim, tests/harness/kshim.c, reads and changes; the empty
 * ROOT_DIR/.fakehost/{held,eperm} are for its marker files).  Existing
 * directories are kept; a file or link is replaced (by rename) only when it
 * changes, so writing again after fakehost_mdev_add() adds the new instance
 * and refreshes every available_instances (removed instances' directories
 * are not deleted: the shim prunes them). */
int fakehost_write(const struct fakehost *fh, const char *root_dir);

/* Prints the model as one self-contained preset (no include, every option
 * spelled out): fakehost_parse() of it gives the same model and the same
 * tree.  Returns 0, or -EIO when F reports an error. */
int fakehost_dump(const struct fakehost *fh, FILE *f);

/* fakehost_parse() + fakehost_write() + fakehost_free().  On a write error
 * ERR holds "cannot write the tree under ROOT_DIR: reason". */
int fakehost_build(const char *preset_file, const char *root_dir, char *err, size_t errlen);

/* rm -rf DIR without following symlinks: 0 (also when DIR does not exist)
 * or -errno. */
int fakehost_rm_rf(const char *dir);

/* Creates a fresh directory $TMPDIR/vgpu-test-XXXXXX (TMPDIR defaults to
 * /tmp) and stores its malloc'd path in *ret_dir; the caller frees it. */
int fakehost_mktemp(char **ret_dir);
