/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl profiles, profile check: the profiles (the cloud platform's "vGPU
 * specs"), which devices of this host can serve each, and how many more VMs
 * of each fit now.  Host, configuration and leases only: no libvirt, so a
 * VF that a defined but stopped domain names still counts as free here.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpuctl.h"

/* What one profile can get on this host. */
struct fit {
        size_t n_serving; /* devices that offer it, usable now or not */
        long fits;        /* more devices of it that fit now */
        json_t *devices;  /* for --json and check: [{name, result, reason, free}] */
};

/* Candidates that exist for the profile at all: offered and not filtered out. */
static bool serving(enum vgpu_fit fit)
{
        return fit != VGPU_FIT_TYPE_ABSENT && fit != VGPU_FIT_FILTERED && fit != VGPU_FIT_PINNED_ELSEWHERE;
}

static int add_device(struct fit *f, const char *name, enum vgpu_fit fit, const char *detail, int free_)
{
        json_t *o =
                json_pack("{s:s, s:s, s:s?, s:o}", "name", name, "reason", vgpu_fit_reason(fit), "detail",
                          detail && *detail ? detail : NULL, "free", free_ >= 0 ? json_integer(free_) : json_null());

        f->n_serving++;
        return o && json_array_append_new(f->devices, o) == 0 ? 0 : -ENOMEM;
}

static int fit_mdev(const struct vgpuctl_state *st, const struct vgpu_profile *prof, struct fit *f)
{
        struct vgpu_mdev_request req = vgpuctl_mdev_request(prof);
        struct vgpu_placement *pl = NULL;
        int r = vgpu_place_mdev(st->host, st->config, st->ledger, NULL, &req, &pl);

        for (size_t i = 0; r >= 0 && i < pl->n; i++) {
                const struct vgpu_candidate *c = &pl->candidates[i];

                if (!serving(c->fit))
                        continue;
                f->fits += c->fit == VGPU_FIT_OK ? c->free : 0;
                r = add_device(f, c->parent->name, c->fit, c->detail, c->type ? c->free : -1);
        }
        vgpu_placement_free(pl);
        return r;
}

static int fit_pci(const struct vgpuctl_state *st, const struct vgpu_profile *prof, struct fit *f)
{
        struct vgpu_pci_request req = {.profile = prof};
        struct vgpu_pci_placement *pl = NULL;
        int r = vgpu_place_pci(st->host, st->config, st->ledger, NULL, &req, &pl);

        for (size_t i = 0; r >= 0 && i < pl->n; i++) {
                const struct vgpu_pci_candidate *c = &pl->candidates[i];

                if (!serving(c->fit))
                        continue;
                f->fits += c->fit == VGPU_FIT_OK;
                r = add_device(f, c->dev->name, c->fit, c->detail, c->fit == VGPU_FIT_OK);
        }
        vgpu_pci_placement_free(pl);
        return r;
}

static int fit_of(const struct vgpuctl_state *st, const struct vgpu_profile *prof, struct fit *f)
{
        memset(f, 0, sizeof(*f));
        f->devices = json_array();
        if (!f->devices)
                return -ENOMEM;
        return prof->kind == VGPU_PROFILE_MDEV ? fit_mdev(st, prof, f) : fit_pci(st, prof, f);
}

static json_t *profile_json(const struct vgpu_profile *p, const struct fit *f)
{
        char what[256];

        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:I, s:I, s:O}", "name", p->name, "kind",
                         vgpu_profile_kind_name(p->kind), "what", vgpuctl_profile_what(p, what, sizeof(what)), "policy",
                         vgpu_policy_name(p->policy), "numa", vgpu_profile_numa_name(p->numa), "description",
                         p->description, "serving", (json_int_t)f->n_serving, "fits", (json_int_t)f->fits, "devices",
                         f->devices);
}

/* Is @e about profile @only (NULL: any)? */
static bool problem_of(const struct vgpu_error *e, const char *only)
{
        const char *base = strrchr(e->source, '/');
        size_t len = only ? strlen(only) : 0;

        base = base ? base + 1 : e->source;
        return !only || (strncmp(base, only, len) == 0 && strcmp(base + len, ".json") == 0);
}

static json_t *problems_json(const struct vgpu_profiles *all, const char *only)
{
        json_t *arr = json_array();
        char where[512];

        for (size_t i = 0; arr && i < all->n_problems; i++)
                if (problem_of(&all->problems[i], only))
                        json_array_append_new(arr,
                                              json_string(vgpu_error_format(&all->problems[i], where, sizeof(where))));
        return arr;
}

struct listing {
        struct vgpuctl_state st;
        struct vgpu_profiles *all;
        const char *only; /* profile check NAME */
        bool json, check, wide;
        json_t *out;
        struct vgpuctl_table *table; /* profiles: the listing */
        int bad;                     /* problems and profiles nothing here serves */
};

static void print_profile(const struct listing *l, const struct vgpu_profile *p, const struct fit *f)
{
        char what[256];

        if (!l->check) {
                char fits[32], line[1024];

                snprintf(fits, sizeof(fits), "%ld", f->fits);
                snprintf(line, sizeof(line), "%s%s%s", vgpuctl_profile_what(p, what, sizeof(what)),
                         p->description ? " — " : "", p->description ? p->description : "");
                vgpuctl_table_add(l->table, p->name, vgpu_profile_kind_name(p->kind), vgpu_policy_name(p->policy), fits,
                                  line);
                return;
        }
        printf("%s: %s; %zu device%s here serve%s it, %ld more fit%s now\n", p->name,
               vgpuctl_profile_what(p, what, sizeof(what)), f->n_serving, f->n_serving == 1 ? "" : "s",
               f->n_serving == 1 ? "s" : "", f->fits, f->fits == 1 ? "s" : "");
        for (size_t i = 0; i < json_array_size(f->devices); i++) {
                json_t *d = json_array_get(f->devices, i);
                const char *detail = json_string_value(json_object_get(d, "detail"));
                json_t *free_ = json_object_get(d, "free");

                printf("  %-15s %s%s%s%s", json_string_value(json_object_get(d, "name")),
                       json_string_value(json_object_get(d, "reason")), detail ? " (" : "", detail ? detail : "",
                       detail ? ")" : "");
                if (json_is_integer(free_) && p->kind == VGPU_PROFILE_MDEV)
                        printf(", %lld free", (long long)json_integer_value(free_));
                putchar('\n');
        }
}

/* profile check: each address of the profile that names no device here (a typo pins nothing). */
static int absent_addresses(const struct listing *l, const struct vgpu_profile *p)
{
        const struct {
                const char *key;
                const struct vgpu_pci_addr *a;
                size_t n;
        } lists[] = {{"addresses", p->addresses, p->n_addresses}, {"devices", p->devices, p->n_devices}};
        int absent = 0;

        for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++)
                for (size_t i = vgpu_host_absent_pci(l->st.host, lists[k].a, lists[k].n, 0); i < lists[k].n;
                     i = vgpu_host_absent_pci(l->st.host, lists[k].a, lists[k].n, i + 1)) {
                        char name[VGPU_PCI_ADDR_STRLEN];

                        vgpu_pci_addr_format(&lists[k].a[i], name);
                        if (!l->json)
                                printf("  %-15s is in \"%s\" but not on this host; correct it ('lspci -D' lists the "
                                       "addresses)\n",
                                       name, lists[k].key);
                        absent++;
                }
        return absent;
}

/* profile check: a type name that no device here offers, a few letters off one that some does. */
static void type_hint(const struct listing *l, const struct vgpu_profile *p)
{
        const char *typed = p->kind == VGPU_PROFILE_MDEV ? p->mdev_type_name : p->nvidia_type;
        const char *meant = typed ? vgpu_host_closest_type_name(l->st.host, typed) : NULL;

        if (meant && !l->json)
                printf("  no type here is named '%s'; did you mean '%s'?\n", typed, meant);
}

/* profile check: the profile's driver, which this host's kernel lacks (the hook refuses its VMs at start). */
static int driver_missing(const struct listing *l, const struct vgpu_profile *p)
{
        char release[128];
        int r = p->driver ? vgpu_kmod_available(l->st.host->root, p->driver) : 1;

        if (r > 0)
                return 0;
        if (vgpu_kernel_release(l->st.host->root, release, sizeof(release)) < 0)
                snprintf(release, sizeof(release), "?");
        if (!l->json)
                printf("  driver %s is not installed for kernel %s (%s /lib/modules/%s/modules.dep); the hook "
                       "refuses its VMs at start\n",
                       p->driver, release, r == 0 ? "not in" : "no", release);
        return 1;
}

static int one(struct listing *l, const struct vgpu_profile *p)
{
        struct fit f;
        int r = fit_of(&l->st, p, &f);

        if (r < 0) {
                json_decref(f.devices);
                return vgpuctl_fail("out of memory");
        }
        if (l->check && f.n_serving == 0)
                l->bad++;
        if (l->json)
                r = json_array_append_new(l->out, profile_json(p, &f));
        else
                print_profile(l, p, &f);
        if (l->check && !f.n_serving)
                type_hint(l, p);
        if (l->check)
                l->bad += absent_addresses(l, p) > 0 && f.n_serving > 0;
        if (l->check && f.n_serving)
                l->bad += driver_missing(l, p);
        json_decref(f.devices);
        return r < 0 ? vgpuctl_fail("out of memory") : VGPUCTL_OK;
}

static void print_problems(struct listing *l)
{
        char where[512];

        for (size_t i = 0; i < l->all->n_problems; i++)
                if (problem_of(&l->all->problems[i], l->only)) {
                        fprintf(stderr, "vgpuctl: %s\n", vgpu_error_format(&l->all->problems[i], where, sizeof(where)));
                        l->bad++;
                }
}

static int emit_json(struct listing *l)
{
        _cleanup_json_ json_t *doc = json_pack("{s:i, s:O, s:o}", "schema_version", 1, "profiles", l->out, "problems",
                                               problems_json(l->all, l->only));

        if (!doc || vgpuctl_json_print(doc) < 0)
                return vgpuctl_fail("cannot write to standard output");
        for (size_t i = 0; i < l->all->n_problems; i++)
                l->bad += problem_of(&l->all->problems[i], l->only);
        return VGPUCTL_OK;
}

static const struct vgpuctl_col listing_cols[] = {
        {"PROFILE", 0, 0}, {"KIND", 0, 0}, {"POLICY", 0, 0}, {"FITS", 0, VGPUCTL_COL_RIGHT}, {"WHAT", 0, 0},
};

static int list(struct listing *l)
{
        const struct vgpu_profile *named = l->only ? vgpu_profiles_find(l->all, l->only) : NULL;
        int r = VGPUCTL_OK;

        if (!l->json && !l->check && !(l->table = vgpuctl_table_new(listing_cols, ARRAY_SIZE(listing_cols))))
                return vgpuctl_fail("out of memory");
        for (size_t i = 0; r == VGPUCTL_OK && i < l->all->n_profiles; i++)
                if (!l->only || &l->all->profiles[i] == named)
                        r = one(l, &l->all->profiles[i]);
        if (r == VGPUCTL_OK && l->table)
                r = l->all->n_profiles ? vgpuctl_table_print(l->table, "", l->wide)
                                       : (puts("no profiles (add one to " VGPU_PROFILES_DIR ")"), VGPUCTL_OK);
        if (r != VGPUCTL_OK)
                return r;
        if (l->json)
                r = emit_json(l);
        else
                print_problems(l);
        if (r == VGPUCTL_OK && l->only && !named && !l->bad)
                return vgpuctl_no_profile(l->st.root, l->only);
        if (r == VGPUCTL_OK && l->check && l->bad)
                return vgpuctl_fail("%d profile%s bad or served by no device here", l->bad,
                                    l->bad == 1 ? " is" : "s are");
        return r;
}

static int run(const struct vgpuctl_ctx *ctx, const char *only, bool json, bool check)
{
        struct listing l = {.only = only, .json = json, .check = check, .wide = ctx->wide, .out = json_array()};
        int r = l.out ? vgpuctl_state_load(ctx, &l.st) : vgpuctl_fail("out of memory");

        if (r == VGPUCTL_OK && vgpu_profiles_load(l.st.root, &l.all) < 0)
                r = vgpuctl_fail("cannot list %s", VGPU_PROFILES_DIR);
        if (r == VGPUCTL_OK && only && !vgpu_profile_name_valid(only))
                r = vgpuctl_no_profile(l.st.root, only);
        if (r == VGPUCTL_OK)
                r = list(&l);
        json_decref(l.out);
        vgpuctl_table_free(l.table);
        vgpu_profiles_free(l.all);
        vgpuctl_state_clear(&l.st);
        return r;
}

static int parse(const struct vgpuctl_ctx *gctx, int argc, char *argv[], const char *usage, bool check)
{
        static const struct option opts[] = {
                {"json", no_argument, NULL, 'j'},
                {"root", required_argument, NULL, 'r'},
                {"wide", no_argument, NULL, 'W'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        struct vgpuctl_ctx ctx = *gctx;
        bool json = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                if (c == 'j')
                        json = true;
                else if ((r = vgpuctl_common_option(&ctx, c, usage)) != VGPUCTL_MORE)
                        return r;
        }
        if (argc - optind > (check ? 1 : 0))
                return vgpuctl_usage_error("too many arguments ('%s'); see --help", argv[argc - 1]);
        return run(&ctx, optind < argc ? argv[optind] : NULL, json, check);
}

int vgpuctl_profiles(const struct vgpuctl_ctx *ctx, int argc, char *argv[])
{
        return parse(ctx, argc, argv,
                     "Usage: vgpuctl profiles [--json] [--wide] [--root DIR]\n"
                     "\n"
                     "List the profiles of " VGPU_PROFILES_DIR " with how many more devices of\n"
                     "each fit now.  A bad profile file is a warning on standard error.  --wide:\n"
                     "lines not wrapped to 100 columns.\n",
                     false);
}

int vgpuctl_profile(const struct vgpuctl_ctx *ctx, int argc, char *argv[])
{
        static const char usage[] = "Usage: vgpuctl profile check [NAME] [--json] [--root DIR]\n"
                                    "\n"
                                    "Validate profile NAME (default: every profile) against this host: which\n"
                                    "parents, VFs or GPUs serve it, why the others cannot now, and how many\n"
                                    "more fit.  Exit 1 when a profile file is bad or nothing here serves it.\n";

        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
                return fputs(usage, stdout), VGPUCTL_OK;
        if (argc < 2 || strcmp(argv[1], "check") != 0)
                return vgpuctl_usage_error("profile takes a subcommand: 'profile check [NAME]'");
        return parse(ctx, argc - 1, argv + 1, usage, true);
}
