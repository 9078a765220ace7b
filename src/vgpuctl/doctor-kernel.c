/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vgpuctl doctor: what the kernel must have — IOMMU, modules, devices, the vGPU manager. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"

#define NVIDIA 0x10de

/* The IOMMU options on the kernel command line, for the message. */
static void iommu_args(const struct doctor *d, char *buf, size_t size)
{
        _cleanup_free_ char *cmdline = NULL;
        size_t len = 0;

        *buf = '\0';
        if (vgpu_root_read_file(d->root, "/proc/cmdline", 4096, &cmdline) < 0)
                return;
        for (char *save = NULL, *w = strtok_r(cmdline, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
                if (strstr(w, "iommu") && len + strlen(w) + 2 < size)
                        len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? " " : "", w);
}

void doctor_iommu(const struct doctor *d, struct doctor_result *res)
{
        char **groups = NULL, args[256];
        int n = vgpu_root_list_dir(d->root, "/sys/kernel/iommu_groups", &groups);

        vgpu_strv_free(groups);
        iommu_args(d, args, sizeof(args));
        if (n > 0) {
                doctor_set(res, DOCTOR_OK, "IOMMU on: %d IOMMU groups%s%s%s", n, *args ? " (" : "", args,
                           *args ? ")" : "");
                return;
        }
        doctor_set(res, DOCTOR_FAIL, "IOMMU off: no IOMMU groups in /sys/kernel/iommu_groups (kernel options: %s)",
                   *args ? args : "none about the IOMMU");
        doctor_fix(res, "enable VT-d / AMD-Vi in the firmware, boot with intel_iommu=on (Intel; AMD enables it by "
                        "default) and reboot");
}

static bool wants_mdev(const struct doctor *d)
{
        if (d->host->n_parents)
                return true;
        for (size_t i = 0; d->profiles && i < d->profiles->n_profiles; i++)
                if (d->profiles->profiles[i].kind == VGPU_PROFILE_MDEV)
                        return true;
        return false;
}

void doctor_modules(const struct doctor *d, struct doctor_result *res)
{
        const char *wanted[] = {"vfio", "vfio_iommu_type1", "vfio_pci", wants_mdev(d) ? "mdev" : NULL};
        char missing[128] = "";
        size_t len = 0;

        for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
                if (wanted[i] && !doctor_module_loaded(d, wanted[i]))
                        len += (size_t)snprintf(missing + len, sizeof(missing) - len, "%s%s", len ? ", " : "",
                                                wanted[i]);
        if (!len) {
                doctor_set(res, DOCTOR_OK, "vfio and mdev modules loaded: vfio, vfio_iommu_type1, vfio_pci%s",
                           wants_mdev(d) ? ", mdev" : " (no mdev needed here)");
                return;
        }
        doctor_set(res, DOCTOR_FAIL, "kernel modules not loaded: %s", missing);
        doctor_fix(res, "modprobe -a vfio_pci vfio_iommu_type1%s, and list them in /etc/modules-load.d/vgpu-hook.conf",
                   wants_mdev(d) ? " mdev" : "");
}

void doctor_nouveau(const struct doctor *d, struct doctor_result *res)
{
        if (!doctor_module_loaded(d, "nouveau")) {
                doctor_set(res, DOCTOR_OK, "nouveau not loaded");
                return;
        }
        doctor_set(res, DOCTOR_FAIL, "nouveau is loaded: it takes NVIDIA GPUs from the vGPU driver");
        doctor_fix(res, "echo 'blacklist nouveau' > /etc/modprobe.d/blacklist-nouveau.conf; update-initramfs -u; "
                        "reboot");
}

/* Do the profiles need mdev parents or vendor-VFIO VFs?  No profiles: assume so. */
static bool wants_vgpu_devices(const struct doctor *d)
{
        if (!d->profiles || !d->profiles->n_profiles)
                return true;
        for (size_t i = 0; i < d->profiles->n_profiles; i++)
                if (d->profiles->profiles[i].kind == VGPU_PROFILE_MDEV ||
                    d->profiles->profiles[i].kind == VGPU_PROFILE_NVIDIA_VFIO)
                        return true;
        return false;
}

void doctor_parents(const struct doctor *d, struct doctor_result *res)
{
        size_t vfio = 0;

        for (size_t i = 0; i < d->host->n_pci; i++)
                vfio += d->host->pci[i].nvidia_vfio;
        if (d->host->n_parents || vfio) {
                doctor_set(res, DOCTOR_OK, "%zu mdev parent%s, %zu NVIDIA vendor-VFIO VF%s", d->host->n_parents,
                           d->host->n_parents == 1 ? "" : "s", vfio, vfio == 1 ? "" : "s");
                return;
        }
        if (!wants_vgpu_devices(d)) {
                doctor_set(res, DOCTOR_OK, "no mdev parent or vendor-VFIO VF, and no profile needs one");
                return;
        }
        doctor_set(res, DOCTOR_FAIL, "no mdev parent (/sys/class/mdev_bus) and no NVIDIA vendor-VFIO VF");
        doctor_fix(res, "NVIDIA: install the vGPU host driver and start nvidia-vgpu-mgr (Ampere and later: enable the "
                        "VFs, /usr/lib/nvidia/sriov-manage -e ALL); Intel GVT-g: boot with i915.enable_gvt=1 and "
                        "load kvmgt");
}

static bool is_nvidia_host_gpu(const struct vgpu_pci_dev *p)
{
        return p->vendor == NVIDIA && p->class_code >> 16 == 0x03 && !p->is_vf && p->driver &&
               strcmp(p->driver, "nvidia") == 0;
}

/* Is a process called @comm running (per /proc below the root)? */
static bool process_running(const struct vgpu_root *root, const char *comm)
{
        char **pids = NULL, path[64];
        bool found = false;

        if (vgpu_root_list_dir(root, "/proc", &pids) < 0)
                return false;
        for (char **p = pids; *p && !found; p++) {
                _cleanup_free_ char *name = NULL;

                if (!isdigit((unsigned char)**p))
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/comm", *p);
                found = vgpu_root_read_attr(root, path, &name) >= 0 && strcmp(name, comm) == 0;
        }
        vgpu_strv_free(pids);
        return found;
}

void doctor_vgpu_manager(const struct doctor *d, struct doctor_result *res)
{
        const struct vgpu_pci_dev *gpu = NULL;

        for (size_t i = 0; i < d->host->n_pci && !gpu; i++)
                if (is_nvidia_host_gpu(&d->host->pci[i]))
                        gpu = &d->host->pci[i];
        if (!gpu) {
                doctor_set(res, DOCTOR_OK, "vGPU manager not needed: no NVIDIA GPU on the nvidia driver");
                return;
        }
        if (process_running(d->root, "nvidia-vgpu-mgr")) {
                doctor_set(res, DOCTOR_OK, "NVIDIA vGPU manager running (nvidia-vgpu-mgr)");
                return;
        }
        doctor_set(res, DOCTOR_FAIL, "NVIDIA vGPU manager not running, but %s is an NVIDIA GPU on the nvidia driver",
                   gpu->name);
        doctor_fix(res, "systemctl enable --now nvidia-vgpu-mgr.service (from NVIDIA's vGPU host driver)");
}
