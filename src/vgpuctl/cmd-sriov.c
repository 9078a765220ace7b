/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl sriov apply: set the VF counts of the configuration's "sriov_vfs"
 * — host configuration, run at boot (before libvirt) and by hand, never per
 * VM.  The checks and writes are in the library (sriov-config.c); here:
 * options, output, one syslog line per change.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "vgpuctl.h"

struct opts {
        struct vgpuctl_ctx ctx;
        bool dry_run, json;
};

static json_t *count_json(const struct vgpu_vf_count *c, int before, bool dry_run)
{
        char pf[VGPU_PCI_ADDR_STRLEN], line[512];

        vgpu_pci_addr_format(&c->pf, pf);
        vgpu_vf_count_describe(c, dry_run, line, sizeof(line));
        return json_pack("{s:s, s:i, s:o, s:o, s:s?, s:s, s:s}", "pf", pf, "configured", (int)c->configured, "before",
                         before >= 0 ? json_integer(before) : json_null(), "total",
                         c->total >= 0 ? json_integer(c->total) : json_null(), "driver", *c->driver ? c->driver : NULL,
                         "state", vgpu_vf_count_state_name(c->state), "message", line);
}

static int print_json(const struct vgpu_vf_count *v, size_t n, const int *before, bool dry_run, json_t *nvidia)
{
        _cleanup_json_ json_t *arr = json_array(), *doc = NULL;

        for (size_t i = 0; arr && i < n; i++)
                if (json_array_append_new(arr, count_json(&v[i], before[i], dry_run)) < 0)
                        return vgpuctl_fail("out of memory");
        doc = json_pack("{s:i, s:b, s:O, s:O}", "schema_version", 2, "dry_run", dry_run, "pfs", arr, "nvidia_pfs",
                        nvidia);
        if (!doc || vgpuctl_json_print(doc) < 0)
                return vgpuctl_fail("cannot write to standard output");
        return VGPUCTL_OK;
}

/* Apply each count that differs (unless a dry run); log what changed or was refused. */
static size_t apply_all(const struct vgpuctl_state *st, struct vgpu_vf_count *v, size_t n, const struct opts *o)
{
        size_t refused = 0;
        char line[512];

        if (!o->dry_run)
                openlog("vgpuctl", LOG_PID, LOG_DAEMON);
        for (size_t i = 0; i < n; i++) {
                if (!o->dry_run && v[i].state == VGPU_VF_COUNT_CHANGE)
                        vgpu_vf_count_apply(st->root, &v[i]);
                vgpu_vf_count_describe(&v[i], o->dry_run, line, sizeof(line));
                refused += vgpu_vf_count_refused(v[i].state);
                if (!o->dry_run && v[i].state != VGPU_VF_COUNT_OK)
                        syslog(vgpu_vf_count_refused(v[i].state) ? LOG_ERR : LOG_NOTICE, "sriov apply: %s", line);
                if (o->json)
                        continue;
                if (vgpu_vf_count_refused(v[i].state))
                        vgpuctl_fail("%s", line);
                else
                        printf("%s\n", line);
        }
        if (!o->dry_run)
                closelog();
        return refused;
}

static int run(const struct opts *o)
{
        struct vgpuctl_state st;
        struct vgpu_vf_count *v = NULL;
        _cleanup_free_ int *before = NULL;
        _cleanup_json_ json_t *nvidia = o->json ? json_array() : NULL;
        size_t refused;
        int n, r = vgpuctl_state_load(&o->ctx, &st);

        if (r != VGPUCTL_OK)
                return r;
        n = vgpu_vf_counts_check(st.host, st.config, st.ledger, &v);
        before = n >= 0 ? calloc((size_t)n + 1, sizeof(int)) : NULL;
        if (!before) {
                free(v);
                vgpuctl_state_clear(&st);
                return vgpuctl_fail("out of memory");
        }
        for (int i = 0; i < n; i++)
                before[i] = v[i].current;
        if (n == 0 && !st.config->n_nvidia_pfs && !o->json)
                printf("no VF counts configured (sriov_vfs or nvidia_vfs in %s)\n", VGPU_CONFIG_PATH);
        refused = apply_all(&st, v, (size_t)n, o);
        refused += vgpuctl_sriov_nvidia(&st, o->dry_run, nvidia);
        r = o->json ? print_json(v, (size_t)n, before, o->dry_run, nvidia) : VGPUCTL_OK;
        free(v);
        vgpuctl_state_clear(&st);
        if (r == VGPUCTL_OK && refused)
                r = o->json ? VGPUCTL_FAILED
                            : vgpuctl_fail("%zu PF%s not as configured (see above)", refused, refused == 1 ? "" : "s");
        return r;
}

static int usage(void)
{
        puts("Usage: vgpuctl sriov apply [--dry-run] [--json] [--root DIR]\n"
             "\n"
             "Set the VF count of every PF listed in \"sriov_vfs\" of " VGPU_CONFIG_PATH ".\n"
             "Run at boot, before libvirt; VF counts are never changed per VM.  A PF\n"
             "whose VFs a VM holds or a lease names is refused, and so are PFs bound to\n"
             "nvidia there.  A driver without sriov_numvfs support (AMD GIM) is named\n"
             "with its module parameter.  An Intel xe PF's VF profiles (an object in\n"
             "sriov_vfs) are written under its sriov_admin before its VFs are enabled;\n"
             "an AMD PF's count above its compute partition mode (SPX 1, DPX 2, CPX 8)\n"
             "is refused.  Each NVIDIA PF of \"nvidia_vfs\" gets all its VFs, as\n"
             "NVIDIA's sriov-manage -e does; a mixed-size or MIG mode, which no sysfs\n"
             "file sets, is named with its nvidia-smi command.\n"
             "\n"
             "  --dry-run   say what would change, write nothing\n"
             "  --json      machine-readable output\n"
             "\n"
             "Exit status: 0 every PF has its count, 1 some PF does not (one line each), 2 usage.");
        return VGPUCTL_OK;
}

static int parse(int argc, char *argv[], struct opts *o)
{
        static const struct option opts[] = {
                {"dry-run", no_argument, NULL, 'n'},
                {"json", no_argument, NULL, 'j'},
                {"root", required_argument, NULL, 'r'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                if (c == 'n')
                        o->dry_run = true;
                else if (c == 'j')
                        o->json = true;
                else if (c == 'r')
                        o->ctx.root = optarg;
                else if (c == 'h')
                        return usage(), -1;
                else
                        return VGPUCTL_USAGE;
        }
        if (optind >= argc)
                return vgpuctl_usage_error("sriov takes a subcommand: apply");
        if (strcmp(argv[optind], "apply") != 0)
                return vgpuctl_usage_error("unknown sriov subcommand '%s'; the one there is: apply", argv[optind]);
        if (optind + 1 < argc)
                return vgpuctl_usage_error("sriov apply takes no arguments ('%s')", argv[optind + 1]);
        return 0;
}

int vgpuctl_sriov(const struct vgpuctl_ctx *gctx, int argc, char *argv[])
{
        struct opts o = {.ctx = *gctx};
        int r = parse(argc, argv, &o);

        if (r != 0)
                return r < 0 ? VGPUCTL_OK : r;
        return run(&o);
}
