/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl doctor: NVIDIA vendor-VFIO GPUs — the driver branch, each GPU's
 * VFs and its vGPU mode as the VFs show it, against "nvidia_vfs".  The boot
 * enables the VFs; mixed-size and MIG mode are nvidia-smi state no sysfs
 * file sets, so what the boot could not restore is named with its command.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "doctor.h"

/* One line of text appended to a fixed buffer. */
struct text {
        char *buf;
        size_t size, len;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (t->len >= t->size)
                return;
        va_start(ap, fmt);
        n = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
        va_end(ap);
        t->len = n < 0 ? t->size : t->len + (size_t)n;
}

bool doctor_nvidia_relevant(const struct doctor *d)
{
        _cleanup_free_ struct vgpu_nvidia_gpu *g = NULL;

        return (d->config && d->config->n_nvidia_pfs) || vgpu_nvidia_gpus(d->host, &g) > 0;
}

/* "driver 570.133.10" from /sys/module/nvidia/version (the branch is its first number). */
static void driver_version(const struct doctor *d, struct text *t)
{
        _cleanup_free_ char *v = NULL;

        if (vgpu_root_read_attr(d->root, "/sys/module/nvidia/version", &v) < 0 || !*v)
                add(t, "NVIDIA driver version unknown (no /sys/module/nvidia/version)");
        else
                add(t, "NVIDIA driver %s (branch %.*s)", v, (int)strcspn(v, "."), v);
}

static const struct vgpu_nvidia_pf_config *configured(const struct doctor *d, const char *pf)
{
        struct vgpu_pci_addr a;

        for (size_t i = 0; d->config && vgpu_pci_addr_read(pf, &a) == 0 && i < d->config->n_nvidia_pfs; i++)
                if (vgpu_pci_addr_cmp(&d->config->nvidia_pfs[i].pf, &a) == 0)
                        return &d->config->nvidia_pfs[i];
        return NULL;
}

/*
 * The configured mode against the one the VFs show: 0 shown, 1 not shown
 * (certain), 2 cannot be told.  A GPU offering time-sliced types is not in
 * MIG mode; equal- and mixed-size look alike until a VF has a type.
 */
static int mode_gap(const struct vgpu_nvidia_gpu *g, enum vgpu_nvidia_mode want)
{
        if (g->mode == want)
                return g->certain || want == VGPU_NVIDIA_MODE_EQUAL ? 0 : 2;
        if (want == VGPU_NVIDIA_MODE_MIG)
                return g->mode == VGPU_NVIDIA_MODE_NONE ? 2 : 1;
        return g->certain ? 1 : 2;
}

/* One GPU into @t; the command that restores its configured mode into @fix.  Returns its mode_gap(). */
static int one_gpu(const struct doctor *d, const struct vgpu_nvidia_gpu *g, struct text *t, struct text *fix)
{
        const struct vgpu_nvidia_pf_config *c = configured(d, g->pf);
        char cmd[96];
        int gap = c ? mode_gap(g, c->mode) : 0;

        add(t, "; %s: %zu VFs (%zu with a vGPU, %zu offering types), %s", g->pf, g->n_vfs, g->n_typed, g->n_offering,
            vgpu_nvidia_mode_name(g->mode));
        for (size_t i = 0; i < g->n_instances; i++)
                add(t, "%s%u", i ? "," : " (GPU instances ", g->instances[i]);
        add(t, "%s", g->n_instances ? ")" : "");
        if (gap)
                add(t, ", %s %s as configured", gap == 1 ? "not" : "maybe not", vgpu_nvidia_mode_name(c->mode));
        add(t, " (inferred: %s)", g->evidence);
        if (gap && c->mode != VGPU_NVIDIA_MODE_EQUAL)
                add(fix, "%s%s'%s'%s", fix->len ? "; " : "", gap == 2 ? "unless it ran since boot, " : "",
                    vgpu_nvidia_mode_command(c->mode, g->pf, cmd, sizeof(cmd)),
                    c->mode == VGPU_NVIDIA_MODE_MIG ? " and create its GPU instances" : "");
        else if (gap)
                add(fix, "%sset %s back to equal-size with nvidia-smi (-shm 0 or -mig 0) while no VM uses it",
                    fix->len ? "; " : "", g->pf);
        return gap;
}

/* The configured PFs whose VFs are not all there; 1 when any. */
static int configured_pfs(const struct doctor *d, struct text *t)
{
        _cleanup_free_ struct vgpu_nvidia_pf *v = NULL;
        int n = d->config ? vgpu_nvidia_pfs_check(d->host, d->config, &v) : 0, bad = 0;
        char line[512];

        for (int i = 0; i < n; i++)
                if (v[i].state != VGPU_NVIDIA_PF_OK) {
                        add(t, "; %s", vgpu_nvidia_pf_describe(&v[i], true, line, sizeof(line)));
                        bad = 1;
                }
        return bad;
}

void doctor_nvidia(const struct doctor *d, struct doctor_result *res)
{
        _cleanup_free_ struct vgpu_nvidia_gpu *g = NULL;
        struct text t = {res->what, sizeof(res->what), 0}, fix = {res->fix, sizeof(res->fix), 0};
        int n = vgpu_nvidia_gpus(d->host, &g), worst = 0, pfs;

        driver_version(d, &t);
        for (int i = 0; i < n; i++) {
                int gap = one_gpu(d, &g[i], &t, &fix);

                worst = gap == 1 || worst == 1 ? 1 : gap > worst ? gap : worst;
        }
        pfs = configured_pfs(d, &t);
        if (pfs)
                add(&fix, "%svgpuctl sriov apply (the boot unit runs it)", fix.len ? "; " : "");
        if (n == 0 && !pfs)
                add(&t, "; no GPU with vendor-VFIO VFs");
        res->status = pfs || worst == 1 ? DOCTOR_FAIL : worst == 2 ? DOCTOR_SKIP : DOCTOR_OK;
        if (res->status == DOCTOR_SKIP)
                add(&t, "; the mode cannot be seen until a VF has a type: %s", res->fix);
}
