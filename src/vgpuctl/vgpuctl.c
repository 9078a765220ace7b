/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vgpuctl: global options and dispatch to one file per subcommand. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "vgpuctl.h"

static const struct vgpuctl_cmd commands[] = {
        {"inventory", vgpuctl_inventory, "GPUs, mdev parents and types, instances, VFs (--json for machines)"},
        {"leases", vgpuctl_leases, "which domain holds which device, in which state"},
        {"profiles", vgpuctl_profiles, "the profiles, and how many more of each fit now"},
        {"profile", vgpuctl_profile, "profile check [NAME]: validate profiles against this host"},
        {"plan", vgpuctl_plan, "dry run: where devices of a profile would go, and why"},
        {"render", vgpuctl_render, "add a profile's hostdev and metadata to a domain XML"},
        {"attach", vgpuctl_attach,
         "add a profile's device to a domain's definition (--config) or hot-plug it (--live)"},
        {"detach", vgpuctl_detach, "remove a device from a domain's definition (--config) or unplug it (--live)"},
        {"start", vgpuctl_start, "repair a domain's definition (devices taken, a clone's UUIDs), then start it"},
        {"define", vgpuctl_define, "write a persistent mdev in mdevctl's format"},
        {"cordon", vgpuctl_cordon, "keep a GPU or mdev parent out of placement"},
        {"uncordon", vgpuctl_uncordon, "let placement use a cordoned GPU again"},
        {"quarantine", vgpuctl_quarantine, "list the devices kept out of placement as broken; clear DEVICE"},
        {"migrate-check", vgpuctl_migrate_check, "can a domain's devices move to another host? (asks its libvirt)"},
        {"sriov", vgpuctl_sriov, "sriov apply: set the VF counts of the configuration, all VFs of NVIDIA GPUs"},
        {"reconcile", vgpuctl_reconcile, "repair the leases after crashes (--dry-run to see what it would do)"},
        {"doctor", vgpuctl_doctor, "check the host: IOMMU, modules, devices, vGPU manager, hook, confinement, config"},
        {"wait-devices", vgpuctl_wait_devices, "at boot: wait, with a limit, until every profile has its devices"},
        {"metrics", vgpuctl_metrics, "the host in Prometheus text format (node_exporter's textfile collector)"},
        {"pacemaker", vgpuctl_pacemaker, "publish this node's vGPU capacity to Pacemaker; a domain's demand"},
};

/* The attribute lets clang see the format checked at the callers (-Wformat-nonliteral). */
__attribute__((format(printf, 1, 0))) static void vprint(const char *fmt, va_list ap)
{
        fflush(stdout); /* what was printed before comes before the reason, in a pipe too */
        fputs("vgpuctl: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
}

int vgpuctl_fail(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vprint(fmt, ap);
        va_end(ap);
        return VGPUCTL_FAILED;
}

int vgpuctl_usage_error(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vprint(fmt, ap);
        va_end(ap);
        return VGPUCTL_USAGE;
}

int vgpuctl_common_option(struct vgpuctl_ctx *ctx, int c, const char *usage)
{
        switch (c) {
        case 'r':
                ctx->root = optarg;
                return VGPUCTL_MORE;
        case 'c':
                ctx->uri = optarg;
                return VGPUCTL_MORE;
        case 'W':
                ctx->wide = true;
                return VGPUCTL_MORE;
        case 'h':
                fputs(usage, stdout);
                return VGPUCTL_OK;
        default:
                return VGPUCTL_USAGE;
        }
}

static const char *const level_names[] = {
        [VGPU_LOG_ERR] = "error", [VGPU_LOG_WARNING] = "warning", [5] = "notice",
        [VGPU_LOG_INFO] = "info", [VGPU_LOG_DEBUG] = "debug",
};

__attribute__((format(printf, 6, 0))) static void log_stderr(void *data, int priority, const char *file, int line,
                                                             const char *fn, const char *format, va_list args)
{
        (void)data, (void)file, (void)line, (void)fn;
        fprintf(stderr, "vgpuctl: %s: ",
                priority >= 0 && priority <= VGPU_LOG_DEBUG && level_names[priority] ? level_names[priority] : "?");
        vfprintf(stderr, format, args);
        fputc('\n', stderr);
}

/* Like the audit lines of reconcile, sriov apply and wait-devices. */
__attribute__((format(printf, 6, 0))) static void log_syslog(void *data, int priority, const char *file, int line,
                                                             const char *fn, const char *format, va_list args)
{
        (void)data, (void)file, (void)line, (void)fn;
        vsyslog(priority, format, args);
}

int vgpuctl_root_new(const struct vgpuctl_ctx *ctx, struct vgpu_root **ret_root)
{
        struct vgpu_config *config = NULL;
        struct vgpu_root *root;
        int r = vgpu_root_new(ctx->root, &root);

        if (r < 0)
                return r;
        if (ctx->verbose) {
                vgpu_root_set_log_fn(root, log_stderr, NULL);
                vgpu_root_set_log_priority(root, VGPU_LOG_DEBUG);
        } else if (vgpu_config_load(root, &config, NULL) >= 0) {
                /* A config that does not load is the command's to report, if it reads one. */
                vgpu_root_set_log_fn(root, log_syslog, NULL);
                vgpu_root_set_log_priority(root, config->log_level);
                vgpu_config_free(config);
        }
        *ret_root = root;
        return 0;
}

int vgpuctl_device_arg(const char *typed, char **ret)
{
        char *name = vgpu_device_name_canonical(typed);

        if (!name)
                return vgpuctl_fail("out of memory");
        if (!vgpu_mdevctl_name_valid(name)) {
                free(name);
                return vgpuctl_usage_error("'%s' is not an mdev parent or PCI address", typed);
        }
        *ret = name;
        return 0;
}

int vgpuctl_load_host(const struct vgpuctl_ctx *ctx, struct vgpu_host **ret_host)
{
        struct vgpu_root *root;
        int r = vgpuctl_root_new(ctx, &root);

        if (r < 0)
                return vgpuctl_fail("cannot open the root directory %s: %s",
                                    ctx->root ? ctx->root : "(VGPU_HOOK_ROOT or /)", strerror(-r));
        r = vgpu_host_load(root, ret_host);
        if (r < 0) {
                vgpuctl_fail("cannot read the host under %s: %s", vgpu_root_path(root), strerror(-r));
                vgpu_root_unref(root);
                return VGPUCTL_FAILED;
        }
        vgpu_root_unref(root);
        return VGPUCTL_OK;
}

static void usage(FILE *f)
{
        fputs("Usage: vgpuctl [--root DIR] [-c URI] [-v] COMMAND [ARGS]\n"
              "\n"
              "Options:\n"
              "  -c, --connect URI  libvirt connection URI\n"
              "      --root DIR     read the host below DIR (default: $VGPU_HOOK_ROOT or /)\n"
              "  -v, --verbose      explain each decision (placement, stores, leases) on stderr\n"
              "      --wide         tables with every column, not wrapped to 100 columns\n"
              "  -h, --help         show this help\n"
              "  -V, --version      show the version\n"
              "\n"
              "Commands:\n",
              f);
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].help);
        fputs("\nRun 'vgpuctl help COMMAND' (or 'vgpuctl COMMAND --help') for a command's options.\n", f);
}

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct vgpuctl_cmd *find_command(const char *name)
{
        for (size_t i = 0; i < N_COMMANDS; i++)
                if (strcmp(name, commands[i].name) == 0)
                        return &commands[i];
        return NULL;
}

static int unknown_command(const char *name)
{
        const char *names[N_COMMANDS + 1];
        const char *meant;

        for (size_t i = 0; i < N_COMMANDS; i++)
                names[i] = commands[i].name;
        names[N_COMMANDS] = "help";
        meant = vgpu_closest_name(name, names, N_COMMANDS + 1);
        if (meant)
                return vgpuctl_usage_error("unknown command '%s'; did you mean '%s'? see 'vgpuctl --help'", name,
                                           meant);
        return vgpuctl_usage_error("unknown command '%s'; see 'vgpuctl --help'", name);
}

/* vgpuctl help [COMMAND]: as virsh help, the command's own --help. */
static int help(const struct vgpuctl_ctx *ctx, int argc, char *argv[])
{
        const struct vgpuctl_cmd *cmd;
        char *args[3];

        if (argc < 2) {
                usage(stdout);
                return VGPUCTL_OK;
        }
        if (argc > 2)
                return vgpuctl_usage_error("help takes one COMMAND ('%s' is one too many)", argv[2]);
        cmd = find_command(argv[1]);
        if (!cmd)
                return unknown_command(argv[1]);
        args[0] = argv[1];
        args[1] = (char *)"--help";
        args[2] = NULL;
        return cmd->fn(ctx, 2, args);
}

/* argv[0] is the command's name. */
static int dispatch(const struct vgpuctl_ctx *ctx, int argc, char *argv[])
{
        const struct vgpuctl_cmd *cmd = find_command(argv[0]);
        bool is_help = strcmp(argv[0], "help") == 0;

        if (!cmd && !is_help)
                return unknown_command(argv[0]);
        optind = 0; /* let the subcommand's getopt start afresh */
        return is_help ? help(ctx, argc, argv) : cmd->fn(ctx, argc, argv);
}

/* One option before the command: VGPUCTL_MORE to go on, else the exit status. */
static int global_option(struct vgpuctl_ctx *ctx, int c)
{
        switch (c) {
        case 'c':
                ctx->uri = optarg;
                return VGPUCTL_MORE;
        case 'r':
                ctx->root = optarg;
                return VGPUCTL_MORE;
        case 'v':
                ctx->verbose = true;
                return VGPUCTL_MORE;
        case 'W':
                ctx->wide = true;
                return VGPUCTL_MORE;
        case 'h':
                usage(stdout);
                return VGPUCTL_OK;
        case 'V':
                puts(PACKAGE_STRING);
                return VGPUCTL_OK;
        default:
                usage(stderr);
                return VGPUCTL_USAGE;
        }
}

int main(int argc, char *argv[])
{
        static const struct option opts[] = {
                {"connect", required_argument, NULL, 'c'},
                {"root", required_argument, NULL, 'r'},
                {"verbose", no_argument, NULL, 'v'},
                {"help", no_argument, NULL, 'h'},
                {"wide", no_argument, NULL, 'W'},
                {"version", no_argument, NULL, 'V'},
                {},
        };
        struct vgpuctl_ctx ctx = {0};
        int c, r;

        /* "+": stop at the subcommand, whose options are its own. */
        while ((c = getopt_long(argc, argv, "+c:hVv", opts, NULL)) != -1)
                if ((r = global_option(&ctx, c)) != VGPUCTL_MORE)
                        return r;
        if (optind >= argc) {
                usage(stderr);
                return VGPUCTL_USAGE;
        }
        return dispatch(&ctx, argc - optind, argv + optind);
}
