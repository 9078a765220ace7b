/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl define: a persistent mdev in mdevctl's format, placed by the
 * profile.  virt-manager lists such mdevs, and the hook starts one for a VM
 * whose <hostdev> names it (and stops it again unless "start": "auto").
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpuctl.h"

static const char usage[] = "Usage: vgpuctl define --profile P [--auto] [--uuid U] [--parent PARENT]\n"
                            "                      [--root DIR]\n"
                            "\n"
                            "Write an mdevctl definition (/etc/mdevctl.d/PARENT/UUID) of one mdev of\n"
                            "profile P on the parent placement picks (or PARENT), with the profile's\n"
                            "attrs; --auto makes mdevctl start it at boot.  Prints the UUID (a fresh\n"
                            "random one unless --uuid).  Other definitions count as taken room.\n";

/* Definitions not started yet hold no instance, but will: count them as pending reservations. */
static int reserve_definitions(struct vgpuctl_state *st, const char *uuid)
{
        struct vgpu_mdevctl_defs *defs = NULL;
        int r = vgpu_mdevctl_list(st->root, &defs);

        if (r >= 0 && vgpu_mdevctl_defs_find(defs, uuid, NULL)) {
                vgpu_mdevctl_defs_free(defs);
                return vgpuctl_fail("mdev %s is defined already", uuid);
        }
        for (size_t i = 0; r >= 0 && i < defs->n_defs; i++) {
                const struct vgpu_mdevctl_def *d = &defs->defs[i];
                struct vgpu_lease lease = {.state = VGPU_LEASE_PENDING, .kind = VGPU_DEVICE_MDEV};

                if (vgpu_host_find_mdev(st->host, d->uuid) || vgpu_ledger_find(st->ledger, VGPU_DEVICE_MDEV, d->uuid))
                        continue;
                memcpy(lease.domain_uuid, d->uuid, VGPU_UUID_STRLEN);
                lease.domain_name = "(an mdevctl definition)";
                lease.device = (char *)d->uuid;
                lease.parent = d->parent;
                lease.type = d->type;
                if (!vgpu_ledger_add(st->ledger, &lease))
                        r = -ENOMEM;
        }
        vgpu_mdevctl_defs_free(defs);
        return r < 0 ? vgpuctl_fail("cannot read the mdevctl definitions: %s", strerror(-r)) : VGPUCTL_OK;
}

static int place(const struct vgpuctl_state *st, const struct vgpu_profile *prof, const char *parent,
                 struct vgpu_mdevctl_def *def)
{
        struct vgpu_mdev_request req = vgpuctl_mdev_request(prof);
        _cleanup_free_ char *canon = parent ? vgpu_device_name_canonical(parent) : NULL;
        struct vgpu_placement *pl = NULL;
        int r;

        req.parent = canon; /* "3b:00.0" as lspci prints it names the parent "0000:3b:00.0" */
        if ((parent && !canon) || vgpu_place_mdev(st->host, st->config, st->ledger, NULL, &req, &pl) < 0)
                return vgpuctl_fail("out of memory");
        if (!pl->n_usable) {
                char why[256];

                vgpu_placement_why(pl, &req, why, sizeof(why));
                r = vgpuctl_fail("profile %s cannot be defined: %s", prof->name, why);
        } else {
                def->parent = (char *)pl->candidates[0].parent->name;
                def->type = (char *)pl->candidates[0].type->id;
                r = VGPUCTL_OK;
        }
        /* the names point into the host, which outlives the placement */
        vgpu_placement_free(pl);
        return r;
}

static int define(const struct vgpuctl_ctx *ctx, const char *profile, const char *uuid, const char *parent,
                  bool autostart)
{
        struct vgpuctl_state st = {0};
        struct vgpu_profile *prof = NULL;
        struct vgpu_mdevctl_def def = {.autostart = autostart};
        struct vgpu_error err = {0};
        char where[512];
        int r = vgpuctl_state_load(ctx, &st);

        if (r == VGPUCTL_OK)
                r = vgpuctl_profile_load(&st, profile, &prof);
        if (r == VGPUCTL_OK && prof->kind != VGPU_PROFILE_MDEV)
                r = vgpuctl_fail("profile %s is a %s profile: only mdevs have mdevctl definitions", profile,
                                 vgpu_profile_kind_name(prof->kind));
        if (r == VGPUCTL_OK && (uuid ? vgpu_uuid_normalize(uuid, def.uuid) : vgpu_uuid_random(def.uuid)) < 0)
                r = uuid ? vgpuctl_usage_error("'%s' is not a UUID", uuid) : vgpuctl_fail("no randomness for a UUID");
        if (r == VGPUCTL_OK && vgpu_host_find_mdev(st.host, def.uuid))
                r = vgpuctl_fail("mdev %s exists already", def.uuid);
        if (r == VGPUCTL_OK)
                r = reserve_definitions(&st, def.uuid);
        if (r == VGPUCTL_OK)
                r = place(&st, prof, parent, &def);
        if (r == VGPUCTL_OK) {
                def.attrs = prof->attrs;
                def.n_attrs = prof->n_attrs;
                if (vgpu_mdevctl_write(st.root, &def, &err) < 0)
                        r = vgpuctl_fail("%s", vgpu_error_format(&err, where, sizeof(where)));
                else
                        printf("%s\n", def.uuid);
        }
        vgpu_profile_free(prof);
        vgpuctl_state_clear(&st);
        return r;
}

int vgpuctl_define(const struct vgpuctl_ctx *gctx, int argc, char *argv[])
{
        static const struct option opts[] = {
                {"profile", required_argument, NULL, 'p'},
                {"auto", no_argument, NULL, 'a'},
                {"uuid", required_argument, NULL, 'u'},
                {"parent", required_argument, NULL, 'P'},
                {"root", required_argument, NULL, 'r'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        struct vgpuctl_ctx ctx = *gctx;
        const char *profile = NULL, *uuid = NULL, *parent = NULL;
        bool autostart = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
                if (c == 'p')
                        profile = optarg;
                else if (c == 'a')
                        autostart = true;
                else if (c == 'u')
                        uuid = optarg;
                else if (c == 'P')
                        parent = optarg;
                else if ((r = vgpuctl_common_option(&ctx, c, usage)) != VGPUCTL_MORE)
                        return r;
        }
        if (optind < argc)
                return vgpuctl_usage_error("define takes no arguments ('%s'); see 'vgpuctl define --help'",
                                           argv[optind]);
        if (!profile)
                return vgpuctl_usage_error("define needs --profile P");
        return define(&ctx, profile, uuid, parent, autostart);
}
