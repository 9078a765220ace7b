/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl plan: a dry run of placement.  Each device of the count is placed
 * as the hook (mdevs) or render/attach (VFs, GPUs) would place it, with the
 * earlier ones reserved, and every candidate is listed with its reason.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpuctl.h"

#define PLAN_DOMAIN_UUID "00000000-0000-4000-8000-000000000000"

/* One candidate, of either kind, as printed. */
struct row {
        const char *name;
        char physical[VGPU_PCI_ADDR_STRLEN + 64];
        int node;
        int free; /* -1: not counted (PCI devices, absent type) */
        enum vgpu_fit fit;
        const char *detail;
        bool chosen;
};

struct plan {
        struct vgpuctl_state st;
        const struct vgpu_profile *prof;
        const struct vgpu_domain *dom;
        bool json, wide;
        json_t *devices;
        /* what the earlier devices of the count took */
        const char **taken_physical;
        size_t n_taken;
        struct vgpuctl_adder named; /* PCI devices some domain names */
};

static const char *result(const struct row *r)
{
        return r->chosen ? "chosen" : vgpu_fit_reason(r->fit);
}

static int print_rows(const struct row *rows, size_t n, bool pci, bool wide)
{
        /* the widths of the earlier fixed layout, so that the columns stay put */
        const struct vgpuctl_col cols[] = {
                {"CANDIDATE", 15, 0}, {pci ? "PF" : "GPU", 15, 0}, {"NODE", 5, 0}, {"FREE", 5, 0}, {"RESULT", 0, 0},
        };
        _cleanup_table_ struct vgpuctl_table *t = vgpuctl_table_new(cols, ARRAY_SIZE(cols));

        for (size_t i = 0; i < n; i++) {
                char node[16] = "-", free_[16] = "-", res[512];

                if (rows[i].node >= 0)
                        snprintf(node, sizeof(node), "%d", rows[i].node);
                if (rows[i].free >= 0)
                        snprintf(free_, sizeof(free_), "%d", rows[i].free);
                snprintf(res, sizeof(res), "%s%s%s%s", result(&rows[i]), *rows[i].detail ? " (" : "", rows[i].detail,
                         *rows[i].detail ? ")" : "");
                vgpuctl_table_add(t, rows[i].name, rows[i].physical, node, free_, res);
        }
        return t ? vgpuctl_table_print(t, "  ", wide) : vgpuctl_fail("out of memory");
}

static json_t *rows_json(const struct row *rows, size_t n)
{
        json_t *arr = json_array();

        for (size_t i = 0; arr && i < n; i++) {
                json_t *o = json_pack(
                        "{s:s, s:s, s:o, s:o, s:s, s:s, s:s?}", "name", rows[i].name, "physical_device",
                        rows[i].physical, "numa_node", rows[i].node >= 0 ? json_integer(rows[i].node) : json_null(),
                        "free", rows[i].free >= 0 ? json_integer(rows[i].free) : json_null(), "result",
                        rows[i].chosen               ? "chosen"
                        : rows[i].fit == VGPU_FIT_OK ? "usable"
                                                     : "refused",
                        "reason", vgpu_fit_reason(rows[i].fit), "detail", *rows[i].detail ? rows[i].detail : NULL);

                if (!o || json_array_append_new(arr, o) < 0) {
                        json_decref(arr);
                        return NULL;
                }
        }
        return arr;
}

static int report(struct plan *p, size_t index, size_t count, const struct row *rows, size_t n, bool pci)
{
        const char *chosen = n && rows[0].chosen ? rows[0].name : NULL;

        if (p->json) {
                json_t *cands = rows_json(rows, n);

                if (!cands ||
                    json_array_append_new(p->devices, json_pack("{s:I, s:s?, s:o}", "index", (json_int_t)index + 1,
                                                                "chosen", chosen, "candidates", cands)) < 0)
                        return vgpuctl_fail("out of memory");
                return VGPUCTL_OK;
        }
        printf("device %zu of %zu: %s\n", index + 1, count, chosen ? chosen : "nothing fits");
        return print_rows(rows, n, pci, p->wide);
}

/* Reserve the chosen parent, as the hook's pending lease would. */
static int reserve_mdev(struct plan *p, const struct vgpu_candidate *c, size_t index)
{
        struct vgpu_lease lease = {.state = VGPU_LEASE_PENDING, .kind = VGPU_DEVICE_MDEV};
        char uuid[VGPU_UUID_STRLEN];
        const char **grown = realloc(p->taken_physical, (p->n_taken + 1) * sizeof(*grown));

        if (!grown)
                return -ENOMEM;
        p->taken_physical = grown;
        p->taken_physical[p->n_taken++] = c->parent->physical;
        vgpu_mdev_uuid_for(p->dom->uuid, (unsigned)index + 1000, uuid);
        memcpy(lease.domain_uuid, p->dom->uuid, VGPU_UUID_STRLEN);
        lease.domain_name = p->dom->name;
        lease.device = uuid;
        lease.parent = c->parent->name;
        lease.type = c->type->id;
        return vgpu_ledger_add(p->st.ledger, &lease) ? 0 : -ENOMEM;
}

static int plan_mdev(struct plan *p, size_t index, size_t count)
{
        struct vgpu_mdev_request req = vgpuctl_mdev_request(p->prof);
        struct vgpu_placement *pl = NULL;
        _cleanup_free_ struct row *rows = NULL;
        int r;

        req.taken_physical = p->taken_physical;
        req.n_taken = p->n_taken;
        if (vgpu_place_mdev(p->st.host, p->st.config, p->st.ledger, p->dom, &req, &pl) < 0 ||
            !(rows = calloc(pl->n + 1, sizeof(*rows)))) {
                vgpu_placement_free(pl);
                return vgpuctl_fail("out of memory");
        }
        for (size_t i = 0; i < pl->n; i++) {
                const struct vgpu_candidate *c = &pl->candidates[i];

                rows[i] = (struct row){.name = c->parent->name,
                                       .node = c->parent->numa_node,
                                       .fit = c->fit,
                                       .detail = c->detail,
                                       .chosen = i == 0 && pl->n_usable,
                                       .free = c->type ? c->free : -1};
                snprintf(rows[i].physical, sizeof(rows[i].physical), "%s", c->parent->physical);
        }
        r = report(p, index, count, rows, pl->n, false);
        if (r == VGPUCTL_OK && pl->n_usable && reserve_mdev(p, &pl->candidates[0], index) < 0)
                r = vgpuctl_fail("out of memory");
        r = r == VGPUCTL_OK && !pl->n_usable ? -1 : r;
        vgpu_placement_free(pl);
        return r;
}

static int plan_pci(struct plan *p, size_t index, size_t count)
{
        struct vgpu_pci_request req = {.profile = p->prof, .named = p->named.named, .n_named = p->named.n_named};
        struct vgpu_pci_placement *pl = NULL;
        _cleanup_free_ struct row *rows = NULL;
        struct vgpu_pci_addr *grown;
        int r;

        if (vgpu_place_pci(p->st.host, p->st.config, p->st.ledger, p->dom, &req, &pl) < 0 ||
            !(rows = calloc(pl->n + 1, sizeof(*rows)))) {
                vgpu_pci_placement_free(pl);
                return vgpuctl_fail("out of memory");
        }
        for (size_t i = 0; i < pl->n; i++) {
                const struct vgpu_pci_candidate *c = &pl->candidates[i];

                rows[i] = (struct row){.name = c->dev->name,
                                       .node = c->dev->numa_node,
                                       .fit = c->fit,
                                       .detail = c->detail,
                                       .chosen = i == 0 && pl->n_usable,
                                       .free = -1};
                vgpu_pci_addr_format(c->dev->is_vf ? &c->dev->physfn : &c->dev->addr, rows[i].physical);
        }
        r = report(p, index, count, rows, pl->n, true);
        if (r == VGPUCTL_OK && pl->n_usable) {
                grown = realloc(p->named.named, (p->named.n_named + 1) * sizeof(*grown));
                if (!grown)
                        r = vgpuctl_fail("out of memory");
                else {
                        grown[p->named.n_named++] = pl->candidates[0].dev->addr;
                        p->named.named = grown;
                }
        }
        r = r == VGPUCTL_OK && !pl->n_usable ? -1 : r;
        vgpu_pci_placement_free(pl);
        return r;
}

static const char *numa_of_domain(const struct vgpu_domain *d, char *buf, size_t size)
{
        if (!d)
                snprintf(buf, size, "no domain given");
        else if (d->numa_mode != VGPU_NUMA_NONE)
                snprintf(buf, size, "memory on node%s %s (%s)", strpbrk(d->numa_nodeset, ",-") ? "s" : "",
                         d->numa_nodeset, d->numa_mode == VGPU_NUMA_STRICT ? "strict" : "preferred");
        else if (d->vcpu_cpuset)
                snprintf(buf, size, "vCPUs pinned to CPUs %s", d->vcpu_cpuset);
        else
                snprintf(buf, size, "none");
        return buf;
}

static int header(struct plan *p, size_t count)
{
        char what[256], numa[256];

        vgpuctl_profile_what(p->prof, what, sizeof(what));
        numa_of_domain(p->dom, numa, sizeof(numa));
        if (!p->json) {
                printf("profile %s: %s, policy %s, NUMA %s; domain NUMA: %s\n", p->prof->name, what,
                       vgpu_policy_name(p->prof->policy), vgpu_profile_numa_name(p->prof->numa), numa);
                return VGPUCTL_OK;
        }
        p->devices = json_array();
        return p->devices ? VGPUCTL_OK : vgpuctl_fail("out of memory");
}

static int finish(struct plan *p, size_t count, size_t placed)
{
        char what[256], numa[256];
        _cleanup_json_ json_t *doc = NULL;

        if (p->json) {
                doc = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:O}", "schema_version", 1, "profile",
                                p->prof->name, "what", vgpuctl_profile_what(p->prof, what, sizeof(what)), "policy",
                                vgpu_policy_name(p->prof->policy), "numa", vgpu_profile_numa_name(p->prof->numa),
                                "domain_numa", numa_of_domain(p->dom, numa, sizeof(numa)), "count", (json_int_t)count,
                                "placed", (json_int_t)placed, "devices", p->devices);
                if (!doc || vgpuctl_json_print(doc) < 0)
                        return vgpuctl_fail("cannot write to standard output");
        }
        if (placed < count)
                return vgpuctl_fail("only %zu of %zu device%s of profile %s fit%s", placed, count,
                                    count == 1 ? "" : "s", p->prof->name, placed ? "" : " (see the reasons above)");
        return VGPUCTL_OK;
}

static int run_plan(struct plan *p, size_t count)
{
        bool pci = p->prof->kind != VGPU_PROFILE_MDEV;
        size_t placed = 0;
        int r = pci ? vgpuctl_adder_load_named(&p->named) : VGPUCTL_OK;

        if (r == VGPUCTL_OK)
                r = header(p, count);
        for (size_t i = 0; r == VGPUCTL_OK && i < count; i++) {
                r = pci ? plan_pci(p, i, count) : plan_mdev(p, i, count);
                placed += r == VGPUCTL_OK;
                if (r < 0 && !p->json && i + 1 < count) {
                        /* nothing was reserved: every later device meets the same candidates */
                        if (i + 2 == count)
                                printf("device %zu of %zu: nothing fits either, for the same reasons\n", count, count);
                        else
                                printf("devices %zu to %zu of %zu: nothing fits either, for the same reasons\n", i + 2,
                                       count, count);
                        break;
                }
                r = r < 0 ? VGPUCTL_OK : r; /* nothing fits: the JSON lists the later devices all the same */
        }
        r = r < 0 ? VGPUCTL_OK : r;
        return r == VGPUCTL_OK ? finish(p, count, placed) : r;
}

static const char usage[] = "Usage: vgpuctl plan --profile P [--count N] [--domain-xml F] [--json]\n"
                            "                    [--wide] [--root DIR] [-c URI]\n"
                            "\n"
                            "Dry run: where N devices of profile P would go (N defaults to 1), each\n"
                            "placed with the earlier ones reserved, and why every other candidate was\n"
                            "not chosen.  --domain-xml F gives the VM's NUMA placement (<numatune>,\n"
                            "vCPU pinning).  VF and passthrough profiles read through libvirt which\n"
                            "devices defined domains name.  Once one does not fit, the later ones are\n"
                            "one line (--json lists each).  --wide: lines not wrapped to 100 columns.\n"
                            "Exit 1 when not all N fit.\n";

static int load_domain(const char *path, struct vgpu_domain **ret)
{
        _cleanup_free_ char *xml = NULL;
        size_t len;
        int r;

        if (!path) {
                static const char plain[] = "<domain><name>plan</name><uuid>" PLAN_DOMAIN_UUID "</uuid></domain>";

                return vgpuctl_domain_of(plain, sizeof(plain) - 1, ret);
        }
        r = vgpuctl_read_input(path, &xml, &len);
        return r == VGPUCTL_OK ? vgpuctl_domain_of(xml, len, ret) : r;
}

static int plan(const struct vgpuctl_ctx *ctx, const char *profile, unsigned long long count, const char *domain_xml,
                bool json)
{
        struct plan p = {.json = json, .wide = ctx->wide, .named = {.ctx = ctx}};
        struct vgpu_profile *prof = NULL;
        struct vgpu_domain *dom = NULL;
        int r = vgpuctl_state_load(ctx, &p.st);

        p.named.st = &p.st;
        if (r == VGPUCTL_OK)
                r = vgpuctl_profile_load(&p.st, profile, &prof);
        if (r == VGPUCTL_OK)
                r = load_domain(domain_xml, &dom);
        p.prof = prof;
        p.dom = dom;
        if (r == VGPUCTL_OK)
                r = run_plan(&p, (size_t)count);
        json_decref(p.devices);
        free(p.taken_physical);
        vgpuctl_adder_clear(&p.named);
        vgpu_domain_free(dom);
        vgpu_profile_free(prof);
        vgpuctl_state_clear(&p.st);
        return r;
}

int vgpuctl_plan(const struct vgpuctl_ctx *gctx, int argc, char *argv[])
{
        static const struct option opts[] = {
                {"profile", required_argument, NULL, 'p'},
                {"count", required_argument, NULL, 'n'},
                {"domain-xml", required_argument, NULL, 'd'},
                {"json", no_argument, NULL, 'j'},
                {"root", required_argument, NULL, 'r'},
                {"connect", required_argument, NULL, 'c'},
                {"wide", no_argument, NULL, 'W'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        struct vgpuctl_ctx ctx = *gctx;
        const char *profile = NULL, *count_s = "1", *domain_xml = NULL;
        unsigned long long count;
        bool json = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "p:n:c:h", opts, NULL)) != -1) {
                if (c == 'p')
                        profile = optarg;
                else if (c == 'n')
                        count_s = optarg;
                else if (c == 'd')
                        domain_xml = optarg;
                else if (c == 'j')
                        json = true;
                else if ((r = vgpuctl_common_option(&ctx, c, usage)) != VGPUCTL_MORE)
                        return r;
        }
        if (optind < argc)
                return vgpuctl_usage_error("plan takes no arguments ('%s'); see 'vgpuctl plan --help'", argv[optind]);
        if (!profile)
                return vgpuctl_usage_error("plan needs --profile P");
        if (vgpu_parse_uint(count_s, 64, &count) < 0 || count == 0)
                return vgpuctl_usage_error("--count takes a number from 1 to 64, not '%s'", count_s);
        return plan(&ctx, profile, count, domain_xml, json);
}
