/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl pacemaker publish / demand: Pacemaker places resources by
 * integer utilization (placement-strategy), so each node publishes what
 * each mdev profile can have there (vgpu_<profile>, docs/cluster.md) and
 * each VM resource states what it takes, one unit per device of a profile.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacemaker.h"
#include "vgpuctl-libvirt.h"

/* crm_attribute's exit status for an attribute that is not set (CRM_EX_NOSUCH). */
#define CRM_EX_NOSUCH 105

struct publish {
        const char *node; /* --node, or NULL: the local node */
        bool dry_run;
        const char *tool;
};

static void crm_args(const struct publish *p, const char *name, const char *value, char **argv)
{
        size_t n = 0;

        argv[n++] = (char *)"crm_attribute";
        argv[n++] = (char *)"--type=nodes";
        if (p->node) {
                argv[n++] = (char *)"--node";
                argv[n++] = (char *)p->node;
        }
        argv[n++] = (char *)"--utilization";
        argv[n++] = (char *)"--name";
        argv[n++] = (char *)name;
        if (value) {
                argv[n++] = (char *)"--update";
                argv[n++] = (char *)value;
        } else {
                argv[n++] = (char *)"--query";
                argv[n++] = (char *)"--quiet";
        }
        argv[n] = NULL;
}

static int crm_failed(const struct publish *p, const char *what, const char *name, int r, char *err)
{
        char sentence[256];

        snprintf(sentence, sizeof(sentence), "cannot %s utilization %s of %s", what, name,
                 p->node ? p->node : "this node");
        return vgpuctl_crm_failed(p->tool, r, err, sentence);
}

/* The value published now into @ret (*ret empty: none).  VGPUCTL_OK or the failure. */
static int published(const struct publish *p, const char *name, char *ret, size_t size)
{
        _cleanup_free_ char *out = NULL, *err = NULL;
        char *argv[12];
        int r;

        crm_args(p, name, NULL, argv);
        r = vgpuctl_crm_run(p->tool, argv, &out, &err);
        if (r != 0 && r != CRM_EX_NOSUCH)
                return crm_failed(p, "read", name, r, err);
        vgpuctl_crm_trim(out);
        snprintf(ret, size, "%s", r == 0 ? out : "");
        return VGPUCTL_OK;
}

static int publish_one(const struct publish *p, const struct vgpu_capacity *c)
{
        _cleanup_free_ char *out = NULL, *err = NULL;
        char name[128], value[32], was[64], *argv[12];
        int r;

        snprintf(name, sizeof(name), VGPUCTL_PCMK_PREFIX "%s", c->profile->name);
        snprintf(value, sizeof(value), "%ld", c->total);
        r = published(p, name, was, sizeof(was));
        if (r != VGPUCTL_OK)
                return r;
        if (strcmp(was, value) == 0)
                return printf("%s=%s unchanged\n", name, value), VGPUCTL_OK;
        printf("%s=%s %s (%s%s)\n", name, value, p->dry_run ? "would be written" : "written", *was ? "was " : "unset",
               was);
        if (p->dry_run)
                return VGPUCTL_OK;
        crm_args(p, name, value, argv);
        r = vgpuctl_crm_run(p->tool, argv, &out, &err);
        return r == 0 ? VGPUCTL_OK : crm_failed(p, "write", name, r, err);
}

static void warn_shared(const struct vgpu_capacity *c)
{
        if (c->n_shared)
                fprintf(stderr,
                        "vgpuctl: profile %s: %zu mdev parent%s left out, on a GPU another profile may use too; "
                        "pin each GPU to one profile with the profiles' \"addresses\"\n",
                        c->profile->name, c->n_shared, c->n_shared == 1 ? "" : "s");
}

static int publish(const struct vgpuctl_ctx *ctx, const struct publish *p)
{
        _cleanup_free_ struct vgpu_capacity *caps = NULL;
        struct vgpu_profiles *all = NULL;
        struct vgpuctl_state st;
        size_t n = 0;
        int r = vgpuctl_state_load(ctx, &st);

        if (r != VGPUCTL_OK)
                return r;
        if (vgpu_profiles_load(st.root, &all) < 0)
                r = vgpuctl_fail("cannot list %s", VGPU_PROFILES_DIR);
        else if (vgpu_capacity_of(st.host, st.config, st.ledger, all, &caps, &n) < 0)
                r = vgpuctl_fail("out of memory");
        if (r == VGPUCTL_OK && n == 0)
                fprintf(stderr, "vgpuctl: no mdev profile in %s: nothing to publish\n", VGPU_PROFILES_DIR);
        for (size_t i = 0; r == VGPUCTL_OK && i < n; i++) {
                warn_shared(&caps[i]);
                r = publish_one(p, &caps[i]);
        }
        vgpu_profiles_free(all);
        vgpuctl_state_clear(&st);
        return r;
}

static int run_publish(const struct vgpuctl_ctx *gctx, int argc, char *argv[])
{
        static const char usage[] = "Usage: vgpuctl pacemaker publish [--node NAME] [--dry-run] [--root DIR]\n"
                                    "\n"
                                    "Publish each mdev profile's capacity on this host as Pacemaker node\n"
                                    "utilization vgpu_PROFILE (crm_attribute; $" VGPUCTL_CRM_ATTRIBUTE_ENV " names\n"
                                    "another program): the instances its devices can give in all, cordoned\n"
                                    "devices' free ones left out, a GPU two profiles may use left out.  Only\n"
                                    "values that changed are written.\n";
        static const struct option opts[] = {
                {"node", required_argument, NULL, 'n'},
                {"dry-run", no_argument, NULL, 'd'},
                {"root", required_argument, NULL, 'r'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        struct vgpuctl_ctx ctx = *gctx;
        struct publish p = {.tool = vgpuctl_crm_tool(VGPUCTL_CRM_ATTRIBUTE_ENV, "crm_attribute")};
        int c, r;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                if (c == 'n')
                        p.node = optarg;
                else if (c == 'd')
                        p.dry_run = true;
                else if ((r = vgpuctl_common_option(&ctx, c, usage)) != VGPUCTL_MORE)
                        return r;
        }
        if (optind < argc)
                return vgpuctl_usage_error("publish takes no arguments ('%s'); see --help", argv[optind]);
        if (p.node && (!*p.node || p.node[0] == '-'))
                return vgpuctl_usage_error("'%s' is not a node name", p.node);
        return publish(&ctx, &p);
}

/* ---- demand --------------------------------------------------------------- */

struct need {
        const char *profile;
        long n;
};

static int cmp_need(const void *a, const void *b)
{
        return strcmp(((const struct need *)a)->profile, ((const struct need *)b)->profile);
}

/* One unit per <vgpu:mdev profile=>; a device Pacemaker cannot count is refused. */
static int count_needs(const struct vgpu_domain *dom, struct need *needs, size_t *ret_n)
{
        size_t n = 0;

        for (size_t i = 0; i < dom->n_specs; i++) {
                const struct vgpu_spec *s = &dom->specs[i];
                size_t k = 0;

                if (s->kind != VGPU_SPEC_MDEV)
                        return vgpuctl_fail("domain '%s' names a fixed PCI device (line %d), which another node "
                                            "may hold: keep VF and whole-GPU VMs out of the cluster",
                                            dom->name ? dom->name : "?", s->line);
                if (!s->profile)
                        return vgpuctl_fail("domain '%s' asks for mdev type %s without a profile (line %d); "
                                            "Pacemaker counts profiles: give the device a profile",
                                            dom->name ? dom->name : "?", s->type ? s->type : "?", s->line);
                while (k < n && strcmp(needs[k].profile, s->profile) != 0)
                        k++;
                if (k == n)
                        needs[n++] = (struct need){.profile = s->profile};
                needs[k].n++;
        }
        qsort(needs, n, sizeof(*needs), cmp_need);
        *ret_n = n;
        return VGPUCTL_OK;
}

static int apply_need(const char *resource, const struct need *d)
{
        const char *tool = vgpuctl_crm_tool(VGPUCTL_CRM_RESOURCE_ENV, "crm_resource");
        _cleanup_free_ char *out = NULL, *err = NULL;
        char name[128], value[32];
        char *argv[] = {(char *)"crm_resource",
                        (char *)"--resource",
                        (char *)resource,
                        (char *)"--utilization",
                        (char *)"--set-parameter",
                        name,
                        (char *)"--parameter-value",
                        value,
                        NULL};
        int r;

        snprintf(name, sizeof(name), VGPUCTL_PCMK_PREFIX "%s", d->profile);
        snprintf(value, sizeof(value), "%ld", d->n);
        r = vgpuctl_crm_run(tool, argv, &out, &err);
        if (r != 0) {
                char sentence[256];

                snprintf(sentence, sizeof(sentence), "cannot set utilization %s of resource %s", name, resource);
                return vgpuctl_crm_failed(tool, r, err, sentence);
        }
        printf("%s=%ld set on resource %s\n", name, d->n, resource);
        return VGPUCTL_OK;
}

static int domain_xml(const struct vgpuctl_ctx *ctx, const char *domain, const char *file, char **ret, size_t *len)
{
        struct vgpuctl_virt v;
        char msg[512];
        bool active;
        int r;

        if (file)
                return vgpuctl_read_input(file, ret, len);
        r = vgpuctl_virt_open(ctx, &v);
        if (r != VGPUCTL_OK)
                return r;
        r = v.ops->get_config(v.conn, domain, ret, &active, msg, sizeof(msg));
        vgpuctl_virt_close(&v);
        if (r == -ENOENT)
                return vgpuctl_fail("no domain '%s' at %s", domain, ctx->uri ? ctx->uri : "libvirt's default URI");
        if (r < 0)
                return vgpuctl_fail("cannot read the definition of '%s': %s", domain, msg);
        *len = strlen(*ret);
        return VGPUCTL_OK;
}

static int demand(const struct vgpuctl_ctx *ctx, const char *domain, const char *file, const char *resource)
{
        _cleanup_free_ char *xml = NULL;
        _cleanup_free_ struct need *needs = NULL;
        struct vgpu_domain *dom = NULL;
        size_t len = 0, n = 0;
        int r = domain_xml(ctx, domain, file, &xml, &len);

        if (r == VGPUCTL_OK)
                r = vgpuctl_domain_of(xml, len, &dom);
        if (r == VGPUCTL_OK && !(needs = calloc(dom->n_specs ? dom->n_specs : 1, sizeof(*needs))))
                r = vgpuctl_fail("out of memory");
        if (r == VGPUCTL_OK)
                r = count_needs(dom, needs, &n);
        if (r == VGPUCTL_OK && n == 0)
                fprintf(stderr, "vgpuctl: domain '%s' asks for no vGPU%s\n", dom->name ? dom->name : "?",
                        resource ? ": nothing to set" : "");
        for (size_t i = 0; r == VGPUCTL_OK && i < n; i++)
                r = resource ? apply_need(resource, &needs[i])
                             : (printf(VGPUCTL_PCMK_PREFIX "%s=%ld\n", needs[i].profile, needs[i].n), VGPUCTL_OK);
        vgpu_domain_free(dom);
        return r;
}

static int run_demand(const struct vgpuctl_ctx *gctx, int argc, char *argv[])
{
        static const char usage[] = "Usage: vgpuctl pacemaker demand DOMAIN|--xml FILE [--apply RESOURCE] [-c URI]\n"
                                    "\n"
                                    "The Pacemaker utilization a domain takes, from its vgpu metadata: one unit\n"
                                    "of vgpu_PROFILE per device of each profile.  Printed, or with --apply set\n"
                                    "on resource RESOURCE (crm_resource; $" VGPUCTL_CRM_RESOURCE_ENV " names another\n"
                                    "program).  DOMAIN is read from libvirt, FILE ('-': standard input) as is.\n";
        static const struct option opts[] = {
                {"xml", required_argument, NULL, 'x'},
                {"apply", required_argument, NULL, 'a'},
                {"connect", required_argument, NULL, 'c'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        struct vgpuctl_ctx ctx = *gctx;
        const char *file = NULL, *resource = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
                if (c == 'x')
                        file = optarg;
                else if (c == 'a')
                        resource = optarg;
                else if ((r = vgpuctl_common_option(&ctx, c, usage)) != VGPUCTL_MORE)
                        return r;
        }
        if (!file == (argc - optind != 1) || argc - optind > 1)
                return vgpuctl_usage_error("demand takes a DOMAIN or --xml FILE; see --help");
        if (resource && (!*resource || resource[0] == '-'))
                return vgpuctl_usage_error("'%s' is not a resource name", resource);
        return demand(&ctx, file ? NULL : argv[optind], file, resource);
}

int vgpuctl_pacemaker(const struct vgpuctl_ctx *ctx, int argc, char *argv[])
{
        static const char usage[] = "Usage: vgpuctl pacemaker publish [--node NAME] [--dry-run] [--root DIR]\n"
                                    "       vgpuctl pacemaker demand DOMAIN|--xml FILE [--apply RESOURCE]\n"
                                    "\n"
                                    "Pacemaker's utilization: what each profile can have on this node\n"
                                    "(publish), what a domain takes (demand).  See 'SUBCOMMAND --help'.\n";

        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
                return fputs(usage, stdout), VGPUCTL_OK;
        if (argc >= 2 && strcmp(argv[1], "publish") == 0)
                return run_publish(ctx, argc - 1, argv + 1);
        if (argc >= 2 && strcmp(argv[1], "demand") == 0)
                return run_demand(ctx, argc - 1, argv + 1);
        return vgpuctl_usage_error("pacemaker takes a subcommand: 'publish' or 'demand'; see --help");
}
