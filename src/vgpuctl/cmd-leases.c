/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vgpuctl leases: who holds which device, in which state. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "vgpuctl.h"

static json_t *lease_json(const struct vgpu_lease *l)
{
        return json_pack("{s:s, s:s?, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:b, s:I, s:I}", "domain_uuid", l->domain_uuid,
                         "domain_name", l->domain_name, "state", vgpu_lease_state_name(l->state), "kind",
                         vgpu_device_kind_name(l->kind), "device", l->device, "parent", l->parent, "type", l->type,
                         "profile", l->profile, "created", l->created, "qemu_pid", (json_int_t)l->qemu_pid, "since",
                         (json_int_t)l->since);
}

static int print_json(const struct vgpu_ledger *l)
{
        _cleanup_json_ json_t *arr = json_array(), *doc = NULL;

        for (size_t i = 0; arr && i < l->n_leases; i++)
                if (json_array_append_new(arr, lease_json(&l->leases[i])) < 0)
                        return vgpuctl_fail("out of memory");
        doc = json_pack("{s:i, s:O}", "schema_version", 1, "leases", arr);
        if (!doc || vgpuctl_json_print(doc) < 0)
                return vgpuctl_fail("cannot write to standard output");
        return VGPUCTL_OK;
}

static int print_table(const struct vgpu_ledger *l, bool wide)
{
        static const struct vgpuctl_col cols[] = {
                {"DOMAIN", 0, 0},         {"DOMAIN UUID", 0, VGPUCTL_COL_WIDE},
                {"STATE", 0, 0},          {"KIND", 0, 0},
                {"DEVICE", 0, 0},         {"PARENT", 0, 0},
                {"TYPE (PROFILE)", 0, 0},
        };
        _cleanup_table_ struct vgpuctl_table *t = NULL;

        if (!l->n_leases)
                return puts("no leases") == EOF ? vgpuctl_fail("cannot write to standard output") : VGPUCTL_OK;
        if (!(t = vgpuctl_table_new(cols, ARRAY_SIZE(cols))))
                return vgpuctl_fail("out of memory");
        for (size_t i = 0; i < l->n_leases; i++) {
                const struct vgpu_lease *x = &l->leases[i];
                char type[256];

                snprintf(type, sizeof(type), "%s%s%s%s", x->type ? x->type : "-", x->profile ? " (" : "",
                         x->profile ? x->profile : "", x->profile ? ")" : "");
                vgpuctl_table_add(t, x->domain_name, x->domain_uuid, vgpu_lease_state_name(x->state),
                                  vgpu_device_kind_name(x->kind), x->device, x->parent, type);
        }
        return vgpuctl_table_print(t, "", wide);
}

int vgpuctl_leases(const struct vgpuctl_ctx *gctx, int argc, char *argv[])
{
        static const struct option opts[] = {
                {"json", no_argument, NULL, 'j'},
                {"root", required_argument, NULL, 'r'},
                {"wide", no_argument, NULL, 'W'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        struct vgpuctl_ctx ctx = *gctx;
        struct vgpu_error err = {0};
        struct vgpu_ledger *l = NULL;
        struct vgpu_root *root = NULL;
        bool json = false;
        char where[512];
        int c, r;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                if (c == 'j')
                        json = true;
                else if (c == 'r')
                        ctx.root = optarg;
                else if (c == 'W')
                        ctx.wide = true;
                else if (c == 'h')
                        return puts("Usage: vgpuctl leases [--json] [--wide] [--root DIR]\n\nList the leases: which "
                                    "domain holds which device, in which state (--wide: with the domain's UUID)."),
                               VGPUCTL_OK;
                else
                        return VGPUCTL_USAGE;
        }
        if (optind < argc)
                return vgpuctl_usage_error("leases takes no arguments ('%s')", argv[optind]);
        r = vgpuctl_root_new(&ctx, &root);
        if (r < 0)
                return vgpuctl_fail("cannot open the root directory: %s", strerror(-r));
        r = vgpu_ledger_read(root, &l, &err);
        if (r < 0) {
                vgpu_root_unref(root);
                return vgpuctl_fail("%s", vgpu_error_format(&err, where, sizeof(where)));
        }
        if (l->damage[0])
                fprintf(stderr,
                        "vgpuctl: %s is damaged (%s): listed as empty; the next hook or 'vgpuctl reconcile' keeps it "
                        "as %s/%sTIME and rebuilds the leases from the running domains\n",
                        VGPU_LEDGER_FILE, l->damage, VGPU_LEDGER_DIR, VGPU_LEDGER_DAMAGED);
        if (json)
                r = print_json(l);
        else
                r = print_table(l, ctx.wide);
        vgpu_ledger_free(l);
        vgpu_root_unref(root);
        return r;
}
