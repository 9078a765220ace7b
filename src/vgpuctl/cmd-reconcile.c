/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl reconcile: repair the ledger after crashes (docs/design.md §5.4), by hand or
 * from a timer.  The work is in the library (the hook's prepare runs it
 * too); here: options, output, and one syslog audit line per action.
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
        unsigned grace_s;
};

static json_t *action_json(const struct vgpu_reconcile_action *a)
{
        return json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s?, s:s?, s:s, s:s, s:b, s:s?}", "action",
                         vgpu_reconcile_verb_name(a->verb), "domain_uuid", a->domain_uuid, "domain_name",
                         a->domain_name, "kind", vgpu_device_kind_name(a->kind), "device", a->device, "parent",
                         a->parent, "type", a->type, "state", vgpu_lease_state_name(a->state), "reason", a->reason,
                         "done", a->result == 0, "error", a->result < 0 ? strerror(-a->result) : NULL);
}

static int print_json(const struct vgpu_reconcile *rc, bool dry_run)
{
        _cleanup_json_ json_t *arr = json_array(), *lifted = json_array(), *doc = NULL;

        for (size_t i = 0; arr && i < rc->n_actions; i++)
                if (json_array_append_new(arr, action_json(&rc->actions[i])) < 0)
                        return vgpuctl_fail("out of memory");
        for (size_t i = 0; lifted && i < rc->n_lifted; i++)
                if (json_array_append_new(lifted, json_string(rc->lifted[i])) < 0)
                        return vgpuctl_fail("out of memory");
        doc = json_pack("{s:i, s:b, s:O, s:I, s:O}", "schema_version", 2, "dry_run", dry_run, "actions", arr, "kept",
                        (json_int_t)rc->n_kept, "quarantine_lifted", lifted);
        if (!doc || vgpuctl_json_print(doc) < 0)
                return vgpuctl_fail("cannot write to standard output");
        return VGPUCTL_OK;
}

/* One line per action on stdout and, unless a dry run, in syslog. */
static void report(const struct vgpu_reconcile *rc, const struct opts *o)
{
        char line[1024];

        if (!o->dry_run)
                openlog("vgpuctl", LOG_PID, LOG_DAEMON);
        if (rc->set_aside[0])
                fprintf(o->json ? stderr : stdout,
                        "the lease ledger was damaged: kept as %s/%s, rebuilt; the running domains' devices are "
                        "leased again at their next hook (reconnect when libvirtd restarts, release)\n",
                        VGPU_LEDGER_DIR, rc->set_aside);
        if (rc->damage[0])
                fprintf(o->json ? stderr : stdout,
                        "the lease ledger is damaged (%s): would keep it as %s/%sTIME and rebuild it\n", rc->damage,
                        VGPU_LEDGER_DIR, VGPU_LEDGER_DAMAGED);
        for (size_t i = 0; i < rc->n_actions; i++) {
                const struct vgpu_reconcile_action *a = &rc->actions[i];

                vgpu_reconcile_describe(a, o->dry_run, line, sizeof(line));
                if (!o->dry_run)
                        syslog(a->result < 0 ? LOG_ERR : LOG_NOTICE, "reconcile: %s", line);
                if (!o->json)
                        printf("%s\n", line);
        }
        for (size_t i = 0; i < rc->n_lifted; i++) {
                snprintf(line, sizeof(line), "%s the quarantine of %s: it is free and answers again",
                         o->dry_run ? "would lift" : "lifted", rc->lifted[i]);
                if (!o->dry_run)
                        syslog(LOG_NOTICE, "reconcile: %s", line);
                if (!o->json)
                        printf("%s\n", line);
        }
        if (!o->dry_run)
                closelog();
        if (!o->json)
                printf("%zu action%s, %zu lease%s left as %s\n", rc->n_actions, rc->n_actions == 1 ? "" : "s",
                       rc->n_kept, rc->n_kept == 1 ? "" : "s", rc->n_kept == 1 ? "it is" : "they are");
}

static bool any_failed(const struct vgpu_reconcile *rc)
{
        for (size_t i = 0; i < rc->n_actions; i++)
                if (rc->actions[i].result < 0)
                        return true;
        return false;
}

static int run(const struct opts *o, struct vgpu_root *root)
{
        struct vgpu_reconcile_opts ro = {.grace_s = (int)o->grace_s, .dry_run = o->dry_run};
        struct vgpu_config *config = NULL;
        struct vgpu_reconcile *rc = NULL;
        struct vgpu_error err = {0};
        char where[512];
        int r;

        r = vgpu_config_load(root, &config, &err);
        if (r < 0)
                return vgpuctl_fail("%s", vgpu_error_format(&err, where, sizeof(where)));
        ro.wait_ms = (int)config->lock_wait_ms;
        vgpu_config_free(config);
        vgpu_proc_id_of(root, getpid(), &ro.self);
        r = vgpu_reconcile(root, &ro, &rc, &err);
        if (r < 0)
                return vgpuctl_fail("the lease ledger is unusable: %s", vgpu_error_format(&err, where, sizeof(where)));
        report(rc, o);
        r = o->json ? print_json(rc, o->dry_run) : VGPUCTL_OK;
        if (r == VGPUCTL_OK && any_failed(rc))
                r = vgpuctl_fail("some devices could not be freed; their leases stay releasing (see above)");
        vgpu_reconcile_free(rc);
        return r;
}

static int usage(void)
{
        puts("Usage: vgpuctl reconcile [--dry-run] [--json] [--grace SECONDS] [--root DIR]\n"
             "\n"
             "Repair the lease ledger after crashes: reclaim stale leases (remove the mdev\n"
             "if vgpu-hook created it and no VM holds it), finish releases that did not\n"
             "finish, drop leases whose device is gone, and lift the quarantine of a device\n"
             "whose release had failed once it is free and answers again.  A device\n"
             "vgpu-hook did not create is never removed.  Each action is logged to syslog.\n"
             "\n"
             "  --dry-run          say what would be done, change nothing\n"
             "  --json             machine-readable output\n"
             "  --grace SECONDS    how long a prepared VM may take to start (default 600)");
        return VGPUCTL_OK;
}

static int parse(int argc, char *argv[], struct opts *o)
{
        static const struct option opts[] = {
                {"dry-run", no_argument, NULL, 'n'},     {"json", no_argument, NULL, 'j'},
                {"grace", required_argument, NULL, 'g'}, {"root", required_argument, NULL, 'r'},
                {"help", no_argument, NULL, 'h'},        {},
        };
        unsigned long long v;
        int c;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                if (c == 'n')
                        o->dry_run = true;
                else if (c == 'j')
                        o->json = true;
                else if (c == 'r')
                        o->ctx.root = optarg;
                else if (c == 'g' && vgpu_parse_uint(optarg, 7 * 24 * 3600, &v) == 0)
                        o->grace_s = (unsigned)v;
                else if (c == 'g')
                        return vgpuctl_usage_error("--grace takes seconds, at most a week ('%s')", optarg);
                else if (c == 'h')
                        return usage(), -1;
                else
                        return VGPUCTL_USAGE;
        }
        if (optind < argc)
                return vgpuctl_usage_error("reconcile takes no arguments ('%s')", argv[optind]);
        return 0;
}

int vgpuctl_reconcile(const struct vgpuctl_ctx *gctx, int argc, char *argv[])
{
        struct opts o = {.ctx = *gctx, .grace_s = VGPU_START_GRACE_S};
        struct vgpu_root *root = NULL;
        int r = parse(argc, argv, &o);

        if (r != 0)
                return r < 0 ? VGPUCTL_OK : r;
        r = vgpuctl_root_new(&o.ctx, &root);
        if (r < 0)
                return vgpuctl_fail("cannot open the root directory: %s", strerror(-r));
        r = run(&o, root);
        vgpu_root_unref(root);
        return r;
}
