/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl doctor: the host checklist.  Each check prints ✔ or ✘ and, when
 * it fails, the fix; exit 1 when any fails.  Everything is read below the
 * root prefix, so a simulated host is judged like a real one.
 */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"

static const struct doctor_check checks[] = {
        {"iommu", doctor_iommu},
        {"modules", doctor_modules},
        {"nouveau", doctor_nouveau},
        {"devices", doctor_parents},
        {"vgpu-manager", doctor_vgpu_manager},
        {"vf-counts", doctor_vf_counts},
        {"xe-pf", doctor_xe_pf},
        {"nvidia", doctor_nvidia},
        {"hook", doctor_hook},
        {"confinement", doctor_confinement},
        {"config", doctor_config},
        {"ledger", doctor_ledger},
        {"license", doctor_license},
};

void doctor_set(struct doctor_result *res, enum doctor_status status, const char *fmt, ...)
{
        va_list ap;

        res->status = status;
        va_start(ap, fmt);
        vsnprintf(res->what, sizeof(res->what), fmt, ap);
        va_end(ap);
}

void doctor_fix(struct doctor_result *res, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(res->fix, sizeof(res->fix), fmt, ap);
        va_end(ap);
}

bool doctor_module_loaded(const struct doctor *d, const char *name)
{
        char path[128];
        size_t len = strlen(name);

        snprintf(path, sizeof(path), "/sys/module/%s", name);
        if (vgpu_root_exists(d->root, path))
                return true;
        for (const char *l = d->proc_modules; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : "")
                if (strncmp(l, name, len) == 0 && l[len] == ' ')
                        return true;
        return false;
}

static void load(struct doctor *d)
{
        struct vgpu_error err = {0};

        d->root = vgpu_root_ref(d->host->root);
        if (vgpu_config_load(d->root, &d->config, &err) < 0) {
                d->config = NULL;
                vgpu_error_format(&err, d->config_error, sizeof(d->config_error));
        }
        if (vgpu_profiles_load(d->root, &d->profiles) < 0)
                d->profiles = NULL;
        memset(&err, 0, sizeof(err));
        if (vgpu_ledger_read(d->root, &d->ledger, &err) < 0) {
                d->ledger = NULL;
                vgpu_error_format(&err, d->ledger_error, sizeof(d->ledger_error));
        }
        if (vgpu_root_read_file(d->root, "/proc/modules", 4 << 20, &d->proc_modules) < 0)
                d->proc_modules = NULL;
}

static void unload(struct doctor *d)
{
        free(d->proc_modules);
        vgpu_ledger_free(d->ledger);
        vgpu_profiles_free(d->profiles);
        vgpu_config_free(d->config);
        vgpu_host_free(d->host);
        vgpu_root_unref(d->root);
}

static int run(const struct doctor *d)
{
        static const char *const marks[] = {[DOCTOR_OK] = "✔", [DOCTOR_FAIL] = "✘", [DOCTOR_SKIP] = "–"};
        size_t counts[3] = {0};

        for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
                struct doctor_result res = {0};

                if (checks[i].fn == doctor_license && !d->license)
                        continue;
                if (checks[i].fn == doctor_xe_pf && !doctor_has_xe_pf(d))
                        continue;
                if (checks[i].fn == doctor_nvidia && !doctor_nvidia_relevant(d))
                        continue;
                checks[i].fn(d, &res);
                counts[res.status]++;
                printf("%s %s\n", marks[res.status], res.what);
                if (res.status == DOCTOR_FAIL && *res.fix)
                        printf("    fix: %s\n", res.fix);
        }
        printf("%zu passed, %zu failed", counts[DOCTOR_OK], counts[DOCTOR_FAIL]);
        if (counts[DOCTOR_SKIP])
                printf(", %zu not judged", counts[DOCTOR_SKIP]);
        putchar('\n');
        if (fflush(stdout) != 0)
                return vgpuctl_fail("cannot write to standard output");
        return counts[DOCTOR_FAIL] ? VGPUCTL_FAILED : VGPUCTL_OK;
}

static const char usage[] = "Usage: vgpuctl doctor [--license-server HOST[:PORT]] [--root DIR]\n"
                            "\n"
                            "Check the host: IOMMU, vfio and mdev modules, nouveau, mdev parents or\n"
                            "vendor-VFIO VFs, the NVIDIA vGPU manager, VF counts, NVIDIA GPUs' VFs,\n"
                            "modes and driver branch (what the boot could not restore), the hook in libvirt's\n"
                            "hook directory, AppArmor or SELinux, configuration and profiles, the lease\n"
                            "ledger (private, readable, consistent with the host).  Each\n"
                            "check prints ✔ or ✘ with the fix; exit 1 when any fails.\n"
                            "\n"
                            "  --license-server HOST[:PORT]  also check that the license server answers\n"
                            "                                on TCP (default port 443, NLS; legacy: 7070)\n"
                            "  --root DIR                    judge the host below DIR instead of /\n";

int vgpuctl_doctor(const struct vgpuctl_ctx *gctx, int argc, char *argv[])
{
        static const struct option opts[] = {
                {"license-server", required_argument, NULL, 'l'},
                {"root", required_argument, NULL, 'r'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        struct vgpuctl_ctx ctx = *gctx;
        struct doctor d = {0};
        int c, r;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                if (c == 'l')
                        d.license = optarg;
                else if ((r = vgpuctl_common_option(&ctx, c, usage)) != VGPUCTL_MORE)
                        return r;
        }
        if (optind < argc)
                return vgpuctl_usage_error("doctor takes no arguments ('%s')", argv[optind]);
        if (d.license && !doctor_license_valid(d.license))
                return vgpuctl_usage_error("--license-server takes HOST or HOST:PORT with PORT 1 to 65535, not '%s'",
                                           d.license);
        if (vgpuctl_load_host(&ctx, &d.host) != VGPUCTL_OK)
                return VGPUCTL_FAILED;
        load(&d);
        r = run(&d);
        unload(&d);
        return r;
}
