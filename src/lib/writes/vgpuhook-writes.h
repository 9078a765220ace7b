/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpuhook: the sysfs stores that change the host — mdevs, vfio-pci
 * binding, VF counts, vendor-VFIO vGPU types, xe VF provisioning.  Included by
 * vgpuhook.h.
 */
#ifndef VGPUHOOK_WRITES_H
#define VGPUHOOK_WRITES_H

#include "base/vgpuhook-base.h"
#include "host/vgpuhook-host.h"

/* ---- binding to vfio-pci (writes/vfio-bind.c) ----------------------------- */

/*
 * Bind @addr to vfio-pci via driver_override and drivers_probe, unbinding
 * its current driver first.  drivers_probe reports success even when nothing
 * binds, so the driver link is read back: -ENXIO when vfio-pci did not take
 * the device.  Already on vfio-pci: 0, nothing written.
 */
int vgpu_pci_bind_vfio(const struct vgpu_root *root, const struct vgpu_pci_addr *addr);

/*
 * Give @addr back to its own driver: probe busy first (-EBUSY, nothing
 * written, while a VM holds it), unbind from vfio-pci, clear the override,
 * re-probe.
 */
int vgpu_pci_unbind_vfio(const struct vgpu_root *root, const struct vgpu_pci_addr *addr);

/* ---- writing SR-IOV and vendor-VFIO state (writes/: sriov-ops.c, nvidia-ops.c) */

/*
 * Set @pf's VF count to @num_vfs, and sriov_drivers_autoprobe to @autoprobe
 * first unless it is -1.  A change between two non-zero counts writes 0
 * first.  Refuses with -EBUSY, writing nothing, while a VM holds any VF.
 * The kernel's own refusals come back as they are: -ERANGE (above
 * sriov_totalvfs), -ENOENT (no SR-IOV capable PF driver: AMD GIM sets VFs by
 * module parameter), -EINVAL, -EBUSY.
 */
int vgpu_sriov_set_numvfs(const struct vgpu_root *root, const struct vgpu_pci_addr *pf, int num_vfs, int autoprobe);

/*
 * Give NVIDIA vendor-VFIO VF @vf the vGPU type called @type_name (e.g.
 * "NVIDIA L40-4Q"), resolved to its id in that VF's creatable_vgpu_types.
 * Returns 0 and the id in *ret_id (may be NULL); -ENOENT when the VF cannot
 * create that type now; -ENODEV when the VF has no nvidia/ interface.  The
 * driver refuses with EPERM while the VF is being released: retried a few
 * times, 100 ms apart.
 */
int vgpu_nvidia_set_type(const struct vgpu_root *root, const struct vgpu_pci_addr *vf, const char *type_name,
                         unsigned *ret_id);

/* What a VF's vGPU asks of the driver besides its type (vGPU 17-19). */
struct vgpu_nvidia_setup {
        bool gpu_instance_set; /* MIG-backed: the GPU instance the vGPU lives in */
        unsigned gpu_instance_id;
        bool placement_set; /* mixed-size: where on the GPU; else the driver's choice */
        unsigned placement_id;
        const char *vgpu_params; /* NULL: none */
};

/*
 * vgpu_nvidia_set_type() in the driver's order: gpu_instance_id and
 * placement_id first (the creatable list depends on the instance, so it is
 * read after), then the type.  The driver refuses a type it does not offer
 * now and leaves the VF at type 0: -EINVAL then, the VF clean (a store of 0
 * undoes an instance or placement this call wrote).  Other errors as
 * vgpu_nvidia_set_type(); -EINVAL or -EBUSY from a refused instance or
 * placement.  The VF has a type only when 0 is returned.
 */
int vgpu_nvidia_setup_vf(const struct vgpu_root *root, const struct vgpu_pci_addr *vf, const char *type_name,
                         const struct vgpu_nvidia_setup *setup, unsigned *ret_id);

/* Store @params in the typed VF's nvidia/vgpu_params (after the type, before the VM starts). */
int vgpu_nvidia_set_params(const struct vgpu_root *root, const struct vgpu_pci_addr *vf, const char *params);

/* Clear @vf's vGPU type (writes 0), with the same EPERM retries. */
int vgpu_nvidia_clear_type(const struct vgpu_root *root, const struct vgpu_pci_addr *vf);

/* ---- writing mdevs (writes/mdev-ops.c) ------------------------------------ */

struct vgpu_mdev_attr {
        char *name; /* relative to the mdev's directory; may hold '/', never ".." */
        char *value;
};

/* Is @name a safe attribute path (relative, no "." or ".." component, no "//")? */
bool vgpu_mdev_attr_name_valid(const char *name);

/*
 * Create mdev @uuid of type @type_id on @parent: write the 36-byte UUID (no
 * newline) to the type's create, check /sys/bus/mdev/devices/@uuid appeared,
 * then store @attrs in order.  Returns 0 and, if @ret_available is not
 * NULL, the type's available_instances read afresh (pools are shared; -1 if
 * unreadable), also after -ENOSPC or -EUSERS.  Errors are the kernel's:
 * -EEXIST (the UUID exists under any parent), -EINVAL, -ENOSPC or -EUSERS
 * (no room); -ENODEV when the kernel said yes but no device appeared; an
 * attr's failure removes the new device again and returns that attr's error.
 */
int vgpu_mdev_create(const struct vgpu_root *root, const char *parent, const char *type_id, const char *uuid,
                     const struct vgpu_mdev_attr *attrs, size_t n_attrs, int *ret_available);

/*
 * Remove mdev @uuid.  Probes busy first: -EBUSY without writing while a VM
 * holds it (remove would block in the kernel).  Already gone: 0.
 */
int vgpu_mdev_remove(const struct vgpu_root *root, const char *uuid);

/* ---- Intel xe SR-IOV provisioning (writes/xe-ops.c) --------------------- */

/*
 * Write profile @p (its set values) to VFs 1..@num_vfs of xe PF @pf under
 * sriov_admin/: vram_quota, exec_quantum_ms, preempt_timeout_us per VF,
 * sched_priority through .bulk_profile (every function's, the PF's too).
 * Run before sriov_numvfs enables the VFs.  0, or the kernel's -errno with
 * the refused attribute ("sriov_admin/vf1/profile/vram_quota") in @failed.
 */
int vgpu_xe_provision(const struct vgpu_root *root, const struct vgpu_pci_addr *pf, unsigned num_vfs,
                      const struct vgpu_xe_profile *p, char *failed, size_t size);

#endif
