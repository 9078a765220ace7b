/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl quarantine [list | clear DEVICE]: the devices placement skips
 * because a release could not free them or their VMs kept crashing
 * (ledger/quarantine.c), and lifting one by hand once someone has looked.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vgpuctl.h"

static const char *when(long long t, char *buf, size_t size)
{
        time_t tt = (time_t)t;
        struct tm tm;

        if (!gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
                snprintf(buf, size, "?");
        return buf;
}

static int list_json(const struct vgpu_ledger *l)
{
        _cleanup_json_ json_t *doc =
                json_pack("{s:i, s:o}", "schema_version", 1, "quarantine", vgpu_quarantine_json(l));

        if (!doc || vgpuctl_json_print(doc) < 0)
                return vgpuctl_fail("cannot write to standard output");
        return VGPUCTL_OK;
}

static int list_text(const struct vgpu_ledger *l)
{
        static const struct vgpuctl_col cols[] = {
                {"DEVICE", 0, 0}, {"KIND", 0, 0}, {"CAUSE", 0, 0}, {"SINCE", 0, 0}, {"REASON", 0, 0}};
        _cleanup_table_ struct vgpuctl_table *t = NULL;
        char since[32];

        if (!l->n_quarantined) {
                printf("no device is quarantined\n");
                return VGPUCTL_OK;
        }
        t = vgpuctl_table_new(cols, ARRAY_SIZE(cols));
        if (!t)
                return vgpuctl_fail("out of memory");
        for (size_t i = 0; i < l->n_quarantined; i++) {
                const struct vgpu_quarantine *q = &l->quarantined[i];

                vgpuctl_table_add(
                        t, q->device, q->kind == VGPU_DEVICE_MDEV ? "mdev parent" : vgpu_device_kind_name(q->kind),
                        vgpu_quarantine_cause_name(q->cause), when(q->since, since, sizeof(since)), q->reason);
        }
        return vgpuctl_table_print(t, "", false);
}

static int list(struct vgpu_root *root, bool json)
{
        struct vgpu_ledger *l = NULL;
        struct vgpu_error err = {0};
        char where[512];
        int r = vgpu_ledger_read(root, &l, &err);

        if (r < 0)
                return vgpuctl_fail("the lease ledger is unusable: %s", vgpu_error_format(&err, where, sizeof(where)));
        r = json ? list_json(l) : list_text(l);
        vgpu_ledger_free(l);
        return r;
}

static int clear(struct vgpu_root *root, const char *typed)
{
        _cleanup_free_ char *name = NULL;
        struct vgpu_config *config = NULL;
        struct vgpu_ledger *l = NULL;
        struct vgpu_error err = {0};
        char where[512];
        int r = vgpuctl_device_arg(typed, &name);

        if (r != 0)
                return r;
        r = vgpu_config_load(root, &config, &err);
        if (r < 0)
                return vgpuctl_fail("%s", vgpu_error_format(&err, where, sizeof(where)));
        r = vgpu_ledger_lock(root, (int)config->lock_wait_ms, &l, &err);
        vgpu_config_free(config);
        if (r < 0)
                return vgpuctl_fail("the lease ledger is unusable: %s", vgpu_error_format(&err, where, sizeof(where)));
        r = vgpu_quarantine_lift(l, name, "cleared by 'vgpuctl quarantine clear'");
        if (r == 0)
                r = vgpu_ledger_commit(l);
        vgpu_ledger_free(l);
        if (r == -ENOENT)
                return vgpuctl_fail("%s is not quarantined; 'vgpuctl quarantine list' shows what is", name);
        if (r < 0)
                return vgpuctl_fail("cannot update %s: %s", VGPU_LEDGER_DIR, strerror(-r));
        printf("%s: quarantine lifted; placement may use it again\n", name);
        return VGPUCTL_OK;
}

static int usage(void)
{
        puts("Usage: vgpuctl quarantine [list] [--json] [--root DIR]\n"
             "       vgpuctl quarantine clear DEVICE [--root DIR]\n"
             "\n"
             "The devices placement skips: an mdev parent, VF or GPU whose release could\n"
             "not free it after the retries, or whose VMs crashed too often in a row\n"
             "(quarantine_crashes within quarantine_crash_window_s), with the reason and\n"
             "since when.  'vgpuctl reconcile' lifts the first kind once the device is free;\n"
             "clear lifts either by hand.  DEVICE: an mdev parent or a PCI address.\n"
             "\n"
             "  --json    machine-readable list");
        return VGPUCTL_OK;
}

int vgpuctl_quarantine(const struct vgpuctl_ctx *gctx, int argc, char *argv[])
{
        static const struct option opts[] = {
                {"json", no_argument, NULL, 'j'},
                {"root", required_argument, NULL, 'r'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        struct vgpuctl_ctx ctx = *gctx;
        struct vgpu_root *root = NULL;
        const char *verb;
        bool json = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                if (c == 'j')
                        json = true;
                else if (c == 'r')
                        ctx.root = optarg;
                else if (c == 'h')
                        return usage();
                else
                        return VGPUCTL_USAGE;
        }
        verb = optind < argc ? argv[optind] : "list";
        if (strcmp(verb, "list") == 0 ? argc - optind > 1 : strcmp(verb, "clear") != 0)
                return vgpuctl_usage_error("quarantine takes 'list' or 'clear DEVICE' ('%s')", argv[argc - 1]);
        if (strcmp(verb, "clear") == 0 && argc - optind != 2)
                return vgpuctl_usage_error("quarantine clear takes one DEVICE (an mdev parent or PCI address)");
        r = vgpuctl_root_new(&ctx, &root);
        if (r < 0)
                return vgpuctl_fail("cannot open the root directory: %s", strerror(-r));
        r = strcmp(verb, "clear") == 0 ? clear(root, argv[optind + 1]) : list(root, json);
        vgpu_root_unref(root);
        return r;
}
