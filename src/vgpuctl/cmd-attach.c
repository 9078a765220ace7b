/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl attach / detach --config: change a domain's persistent definition
 * (GetXMLDesc(INACTIVE), edit, DefineXML); the hook makes or frees the
 * device at the next start.  libvirt 9.0's test driver has no
 * AttachDeviceFlags, and our metadata must change with the hostdev anyway,
 * so the whole definition is edited and defined again.  --live is in
 * attach-live.c and detach-live.c.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpuctl-libvirt.h"
#include "vgpuctl.h"

struct edit {
        const struct vgpuctl_ctx *ctx;
        const char *domain;
        bool print_xml;
        struct vgpuctl_virt virt;
        bool active;
};

static const char attach_usage[] = "Usage: vgpuctl attach DOMAIN --profile P [--profile P]... (--config | --live)\n"
                                   "                      [--print-xml] [--root DIR] [-c URI]\n"
                                   "\n"
                                   "DOMAIN is a name, UUID or ID, as virsh takes them.\n"
                                   "--config: add one device of each profile P to DOMAIN's persistent\n"
                                   "definition; the hook creates it when the domain next starts.\n"
                                   "--print-xml prints the definition libvirt stored.\n"
                                   "--live: create a vGPU of each (mdev) profile P now and hot-plug it into\n"
                                   "running DOMAIN; if libvirt refuses, the vGPU is removed again.  It is\n"
                                   "freed when the domain stops or by 'detach --live'.\n";

static const char detach_usage[] = "Usage: vgpuctl detach DOMAIN (--uuid U | --address A | --all) [--config] [--live]\n"
                                   "                      [--print-xml] [--timeout SECONDS] [--root DIR] [-c URI]\n"
                                   "\n"
                                   "DOMAIN is a name, UUID or ID.  --live --config does both, the running\n"
                                   "domain first.\n"
                                   "--config: remove mdev U, PCI device A, or every device our metadata\n"
                                   "names, from DOMAIN's persistent definition: the <hostdev> and its metadata.\n"
                                   "--live: unplug it (--all: every device leased to DOMAIN) from the running\n"
                                   "domain and free it once libvirt reports the guest let go, waiting at most\n"
                                   "--timeout seconds (default 20); until then the device stays leased.\n";

static int get_config(struct edit *e, struct vgpu_domain_doc **ret)
{
        _cleanup_free_ char *xml = NULL;
        struct vgpu_error err = {0};
        char msg[512], where[512];
        int r = e->virt.ops->get_config(e->virt.conn, e->domain, &xml, &e->active, msg, sizeof(msg));

        if (r == -ENOENT)
                return vgpuctl_fail("no domain '%s' at %s", e->domain,
                                    e->ctx->uri ? e->ctx->uri : "libvirt's default URI");
        if (r < 0)
                return vgpuctl_fail("cannot read the definition of '%s': %s", e->domain, msg);
        if (vgpu_domain_doc_parse(xml, strlen(xml), ret, &err) < 0)
                return vgpuctl_fail("the definition of '%s': %s", e->domain,
                                    vgpu_error_format(&err, where, sizeof(where)));
        return VGPUCTL_OK;
}

/* Define @doc, then read back what libvirt kept: it drops metadata it does not like. */
static int define(struct edit *e, struct vgpu_domain_doc *doc, struct vgpu_domain **ret)
{
        _cleanup_free_ char *xml = NULL, *stored = NULL;
        char msg[512];
        bool active;
        int r = vgpu_domain_doc_format(doc, &xml);

        if (r < 0)
                return vgpuctl_fail("out of memory");
        r = e->virt.ops->define(e->virt.conn, xml, msg, sizeof(msg));
        if (r < 0)
                return vgpuctl_fail("libvirt refused the new definition of '%s': %s", e->domain, msg);
        r = e->virt.ops->get_config(e->virt.conn, e->domain, &stored, &active, msg, sizeof(msg));
        if (r < 0)
                return vgpuctl_fail("cannot read back the definition of '%s': %s", e->domain, msg);
        r = vgpuctl_domain_of(stored, strlen(stored), ret);
        if (r == VGPUCTL_OK && e->print_xml)
                fputs(stored, stdout);
        return r;
}

/* A PCI hostdev of @sent whose <driver model=> @stored lost (libvirt < 10.0 does not know it), or NULL. */
static const struct vgpu_hostdev *model_dropped(const struct vgpu_domain *sent, const struct vgpu_domain *stored)
{
        for (size_t i = 0; i < sent->n_hostdevs; i++) {
                const struct vgpu_hostdev *h = &sent->hostdevs[i], *kept;

                if (h->kind != VGPU_HOSTDEV_PCI || !h->driver_model)
                        continue;
                kept = vgpu_domain_find_pci(stored, &h->addr);
                if (!kept || !kept->driver_model || strcmp(kept->driver_model, h->driver_model) != 0)
                        return h;
        }
        return NULL;
}

/* Every device we added survived libvirt's parser, its driver too. */
static int check_stored(const struct edit *e, const struct vgpu_domain *before, const struct vgpu_domain *sent,
                        const struct vgpu_domain *after, size_t n)
{
        const struct vgpu_hostdev *h = model_dropped(sent, after);
        char addr[VGPU_PCI_ADDR_STRLEN];

        if (after->n_specs < before->n_specs + n)
                return vgpuctl_fail("libvirt dropped our metadata from the definition of '%s'", e->domain);
        if (!h)
                return VGPUCTL_OK;
        vgpu_pci_addr_format(&h->addr, addr);
        return vgpuctl_fail("libvirt stored '%s' without the <driver model='%s'/> of %s (libvirt before 10.0 does "
                            "not know it and binds vfio-pci), so the hook will refuse the domain at start; detach "
                            "it and use a profile without \"driver\" on this host",
                            e->domain, h->driver_model, addr);
}

static int attach(struct edit *e, char **profiles, size_t n)
{
        struct vgpuctl_state st = {0};
        struct vgpuctl_adder a = {.ctx = e->ctx, .st = &st, .virt = &e->virt};
        struct vgpu_domain_doc *doc = NULL;
        struct vgpu_domain *before = NULL, *sent = NULL, *after = NULL;
        _cleanup_free_ char *report = NULL;
        size_t report_len = 0;
        FILE *rep = open_memstream(&report, &report_len);
        int r = rep ? vgpuctl_state_load(e->ctx, &st) : vgpuctl_fail("out of memory");

        if (r == VGPUCTL_OK)
                r = get_config(e, &doc);
        if (r == VGPUCTL_OK)
                r = vgpuctl_domain_of_doc(doc, &before);
        for (size_t i = 0; r == VGPUCTL_OK && i < n; i++)
                r = vgpuctl_add_profile(&a, doc, profiles[i], rep);
        if (rep)
                fclose(rep);
        if (r == VGPUCTL_OK)
                r = vgpuctl_check_domain(&st, doc);
        if (r == VGPUCTL_OK)
                r = vgpuctl_domain_of_doc(doc, &sent);
        if (r == VGPUCTL_OK)
                r = define(e, doc, &after);
        if (r == VGPUCTL_OK)
                r = check_stored(e, before, sent, after, n);
        if (r == VGPUCTL_OK && !e->print_xml)
                printf("%s%s", report, e->active ? "the domain runs: the devices come at its next start\n" : "");
        vgpu_domain_free(before);
        vgpu_domain_free(sent);
        vgpu_domain_free(after);
        vgpu_domain_doc_free(doc);
        vgpuctl_adder_clear(&a);
        vgpuctl_state_clear(&st);
        return r;
}

static int remove_spec(struct vgpu_domain_doc *doc, const struct vgpu_spec *s)
{
        return s->kind == VGPU_SPEC_MDEV ? vgpu_domain_doc_remove_mdev(doc, s->uuid)
                                         : vgpu_domain_doc_remove_pci(doc, &s->addr);
}

static int detach(struct edit *e, const char *uuid, const char *address)
{
        struct vgpu_domain_doc *doc = NULL;
        struct vgpu_domain *dom = NULL, *after = NULL;
        struct vgpu_pci_addr addr;
        int r = get_config(e, &doc), removed = 0;

        if (r == VGPUCTL_OK && uuid)
                removed = vgpu_domain_doc_remove_mdev(doc, uuid);
        else if (r == VGPUCTL_OK && address)
                removed = vgpu_pci_addr_read(address, &addr) < 0 ? -EINVAL : vgpu_domain_doc_remove_pci(doc, &addr);
        else if (r == VGPUCTL_OK && (r = vgpuctl_domain_of_doc(doc, &dom)) == VGPUCTL_OK)
                for (size_t i = 0; i < dom->n_specs; i++)
                        removed += remove_spec(doc, &dom->specs[i]);
        if (r == VGPUCTL_OK && removed < 0)
                r = vgpuctl_usage_error("'%s' is not a %s", uuid ? uuid : address, uuid ? "UUID" : "PCI address");
        else if (r == VGPUCTL_OK && removed == 0)
                r = vgpuctl_fail("'%s' names no such device%s", e->domain, uuid || address ? "" : " of ours");
        if (r == VGPUCTL_OK)
                r = define(e, doc, &after);
        if (r == VGPUCTL_OK && !e->print_xml)
                printf("%s: removed %d element%s\n", e->domain, removed, removed == 1 ? "" : "s");
        vgpu_domain_free(dom);
        vgpu_domain_free(after);
        vgpu_domain_doc_free(doc);
        return r;
}

struct opts {
        struct vgpuctl_ctx ctx;
        char **profiles;
        size_t n_profiles;
        const char *uuid, *address;
        bool all, config, live, print_xml;
        int timeout_s;
};

static int parse(struct opts *o, int argc, char *argv[], const char *usage)
{
        static const struct option opts[] = {
                {"profile", required_argument, NULL, 'p'}, {"uuid", required_argument, NULL, 'u'},
                {"address", required_argument, NULL, 'a'}, {"all", no_argument, NULL, 'A'},
                {"config", no_argument, NULL, 'C'},        {"live", no_argument, NULL, 'L'},
                {"print-xml", no_argument, NULL, 'P'},     {"timeout", required_argument, NULL, 'T'},
                {"root", required_argument, NULL, 'r'},    {"connect", required_argument, NULL, 'c'},
                {"help", no_argument, NULL, 'h'},          {},
        };
        long long timeout;
        int c;

        while ((c = getopt_long(argc, argv, "p:c:h", opts, NULL)) != -1) {
                switch (c) {
                case 'p':
                        o->profiles[o->n_profiles++] = optarg;
                        break;
                case 'u':
                        o->uuid = optarg;
                        break;
                case 'a':
                        o->address = optarg;
                        break;
                case 'A':
                        o->all = true;
                        break;
                case 'C':
                        o->config = true;
                        break;
                case 'L':
                        o->live = true;
                        break;
                case 'P':
                        o->print_xml = true;
                        break;
                case 'T':
                        if (vgpu_parse_int(optarg, 0, 3600, &timeout) < 0)
                                return vgpuctl_usage_error("--timeout takes seconds, 0 to 3600");
                        o->timeout_s = (int)timeout;
                        break;
                case 'r':
                        o->ctx.root = optarg;
                        break;
                case 'c':
                        o->ctx.uri = optarg;
                        break;
                case 'h':
                        fputs(usage, stdout);
                        return -1;
                default:
                        return VGPUCTL_USAGE;
                }
        }
        if (argc - optind != 1)
                return vgpuctl_usage_error("%s takes one DOMAIN (a name or UUID)", argv[0]);
        if (!o->live && !o->config)
                return vgpuctl_usage_error("%s needs --config (the persistent definition), --live (the running "
                                           "domain), or both",
                                           argv[0]);
        if (o->live && o->print_xml)
                return vgpuctl_usage_error("--print-xml is for --config");
        return VGPUCTL_OK;
}

/* The running domain as libvirt shows it now, and its definition if it has one. */
static int live_target(struct edit *e, struct vgpuctl_live_target *t)
{
        _cleanup_free_ char *xml = NULL, *config = NULL;
        struct vgpu_error err = {0};
        char msg[512], where[512];
        bool active;
        int r = e->virt.ops->get_live(e->virt.conn, e->domain, &xml, msg, sizeof(msg));

        if (r == -ENOENT)
                return vgpuctl_fail("no domain '%s' at %s", e->domain,
                                    e->ctx->uri ? e->ctx->uri : "libvirt's default URI");
        if (r == -ESRCH)
                return vgpuctl_fail("domain '%s' is not running: use --config", e->domain);
        if (r < 0)
                return vgpuctl_fail("cannot read the live XML of '%s': %s", e->domain, msg);
        r = vgpuctl_domain_of(xml, strlen(xml), &t->live);
        if (r == VGPUCTL_OK && vgpu_domain_doc_parse(xml, strlen(xml), &t->live_doc, &err) < 0)
                r = vgpuctl_fail("the live XML of '%s': %s", e->domain, vgpu_error_format(&err, where, sizeof(where)));
        if (r == VGPUCTL_OK &&
            e->virt.ops->get_config(e->virt.conn, e->domain, &config, &active, msg, sizeof(msg)) == 0)
                r = vgpuctl_domain_of(config, strlen(config), &t->config);
        return r;
}

static void live_target_clear(struct vgpuctl_live_target *t)
{
        vgpu_domain_free(t->live);
        vgpu_domain_doc_free(t->live_doc);
        vgpu_domain_free(t->config);
        t->live = t->config = NULL;
        t->live_doc = NULL;
}

static int live(struct edit *e, const struct opts *o, bool attaching)
{
        struct vgpuctl_live_target t = {.ctx = &o->ctx,
                                        .virt = &e->virt,
                                        .domain = e->domain,
                                        .timeout_s = o->timeout_s > 0 ? o->timeout_s : 20};
        int r = VGPUCTL_OK;

        /* one at a time, each on the live XML as the previous one left it */
        for (size_t i = 0; attaching && r == VGPUCTL_OK && i < o->n_profiles; i++) {
                r = live_target(e, &t);
                if (r == VGPUCTL_OK)
                        r = vgpuctl_attach_live(&t, o->profiles[i]);
                live_target_clear(&t);
        }
        if (!attaching) {
                r = live_target(e, &t);
                if (r == VGPUCTL_OK)
                        r = vgpuctl_detach_live(&t, o->uuid, o->address);
                live_target_clear(&t);
        }
        return r;
}

static int run(const struct vgpuctl_ctx *gctx, int argc, char *argv[], bool attaching)
{
        _cleanup_free_ char **profiles = calloc((size_t)argc + 1, sizeof(char *));
        struct opts o = {.ctx = *gctx, .profiles = profiles};
        struct edit e = {.ctx = &o.ctx};
        int r;

        if (!profiles)
                return vgpuctl_fail("out of memory");
        r = parse(&o, argc, argv, attaching ? attach_usage : detach_usage);
        if (r != VGPUCTL_OK)
                return r < 0 ? VGPUCTL_OK : r;
        if (attaching && o.live && o.config)
                return vgpuctl_usage_error("attach takes --config or --live, not both: a vGPU attached --live gets "
                                           "its own UUID; attach --config as well to keep one in the definition");
        if (attaching && (!o.n_profiles || o.uuid || o.address || o.all))
                return vgpuctl_usage_error("attach takes --profile P (one or more), and no --uuid, --address, --all");
        if (!attaching && (o.n_profiles || !!o.uuid + !!o.address + o.all != 1))
                return vgpuctl_usage_error("detach takes exactly one of --uuid U, --address A, --all");
        e.domain = argv[optind];
        e.print_xml = o.print_xml;
        r = vgpuctl_virt_open(&o.ctx, &e.virt);
        if (r == VGPUCTL_OK && o.live)
                r = live(&e, &o, attaching);
        /* detach --live --config, as virsh takes it: the running domain first, then the definition */
        if (r == VGPUCTL_OK && o.config)
                r = attaching ? attach(&e, o.profiles, o.n_profiles) : detach(&e, o.uuid, o.address);
        vgpuctl_virt_close(&e.virt);
        return r;
}

int vgpuctl_attach(const struct vgpuctl_ctx *ctx, int argc, char *argv[])
{
        return run(ctx, argc, argv, true);
}

int vgpuctl_detach(const struct vgpuctl_ctx *ctx, int argc, char *argv[])
{
        return run(ctx, argc, argv, false);
}
