/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl migrate-check DOMAIN DEST-URI: before a user migrates, the checks
 * the destination's migrate begin filter will make, judged from what the
 * destination's libvirt shows: the profile's mdev type offered with room
 * for every device of its kind (node devices' mdev_types), free VFs of a VF
 * profile's PFs, and which mdev UUIDs are taken there (the filter then
 * gives them fresh name-based ones).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpuctl-libvirt.h"
#include "vgpuctl.h"

static const char usage[] = "Usage: vgpuctl migrate-check [-c URI] [--root DIR] DOMAIN DEST-URI\n"
                            "\n"
                            "Can DOMAIN's vGPUs and VFs move to the host whose libvirt is DEST-URI?\n"
                            "Reads the domain at -c URI and its profiles here, then the destination's\n"
                            "node devices: each mdev type must be offered with room for all of the\n"
                            "domain's devices of that type, each VF profile must have free VFs there.\n"
                            "Says which mdev UUIDs are taken there (the destination's hook renames\n"
                            "them at migrate begin).  Exit 0: the move can work; 1: it cannot.\n";

/* One mdev type the domain needs, and how many of it. */
struct need {
        const char *name, *id; /* match by name, or id (type= may be either) */
        int count;
        const char *first_uuid;
};

struct check {
        const char *uri;
        struct vgpu_root *root; /* profiles are read below it */
        struct vgpu_domain *dom;
        struct vgpuctl_dest dest;
        struct need needs[64];
        size_t n_needs;
        char problem[512]; /* the first */
        int n_problems;
};

__attribute__((format(printf, 2, 3))) static void problem(struct check *c, const char *fmt, ...)
{
        char text[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        printf("  problem: %s\n", text);
        if (c->n_problems++ == 0)
                snprintf(c->problem, sizeof(c->problem), "%s", text);
}

/* Profile @name from this host: the destination must have the same (its hook refuses an unknown one). */
static struct vgpu_profile *profile(struct check *c, const char *name, const char *dev)
{
        struct vgpu_profile *p = NULL;
        struct vgpu_error err = {0};
        char where[512];
        int r = vgpu_profile_name_valid(name) ? vgpu_profile_load(c->root, name, &p, &err) : -ENOENT;

        if (r == -ENOENT)
                problem(c, "%s: profile '%s' does not exist here, so what it needs is unknown", dev, name);
        else if (r < 0)
                problem(c, "%s: %s", dev, vgpu_error_format(&err, where, sizeof(where)));
        return r < 0 ? NULL : p;
}

static bool type_matches(const struct need *n, const struct vgpu_nodedev_type *t)
{
        return (n->name && ((t->name && strcmp(t->name, n->name) == 0) || (!n->id && strcmp(t->id, n->name) == 0))) ||
               (n->id && strcmp(t->id, n->id) == 0);
}

#define NVIDIA 0x10de

/* The physical GPU of an NVIDIA parent: its PF when it is a VF (Ampere), else itself. */
static const struct vgpu_pci_addr *physical(const struct vgpu_nodedev *d)
{
        return d->is_vf ? &d->physfn : &d->addr;
}

/* Is NVIDIA parent @i the first one of its physical GPU with room for @n? */
static bool first_of_gpu(const struct check *c, size_t i, const struct need *n)
{
        for (size_t k = 0; k < i; k++) {
                const struct vgpu_nodedev *d = c->dest.devs[k];

                if (d->vendor != NVIDIA || vgpu_pci_addr_cmp(physical(d), physical(c->dest.devs[i])) != 0)
                        continue;
                for (size_t j = 0; j < d->n_types; j++)
                        if (type_matches(n, &d->types[j]) && d->types[j].available > 0)
                                return false;
        }
        return true;
}

/*
 * Room for @n there: the instances available, where on NVIDIA GPUs one VM
 * gets one vGPU per physical GPU.  -1 when no device offers the type.
 */
static int room_for(const struct check *c, const struct need *n, char *where, size_t size)
{
        size_t o = 0;
        int room = 0;

        where[0] = '\0';
        for (size_t i = 0; i < c->dest.n_devs; i++)
                for (size_t j = 0; j < c->dest.devs[i]->n_types; j++) {
                        const struct vgpu_nodedev *d = c->dest.devs[i];
                        const struct vgpu_nodedev_type *t = &d->types[j];
                        int here = t->available > 0 ? t->available : 0;

                        if (!type_matches(n, t))
                                continue;
                        if (d->vendor == NVIDIA && d->is_pci)
                                here = here && first_of_gpu(c, i, n) ? 1 : 0;
                        room += here;
                        if (o < size)
                                o += (size_t)snprintf(where + o, size - o, "%s%s: %d", o ? ", " : "",
                                                      d->name ? d->name : "?", t->available);
                }
        return o ? room : -1;
}

static bool nvidia(const struct check *c, const struct need *n)
{
        for (size_t i = 0; i < c->dest.n_devs; i++)
                for (size_t j = 0; j < c->dest.devs[i]->n_types; j++)
                        if (c->dest.devs[i]->vendor == NVIDIA && type_matches(n, &c->dest.devs[i]->types[j]))
                                return true;
        return false;
}

static void add_need(struct check *c, const char *name, const char *id, const char *uuid)
{
        for (size_t i = 0; i < c->n_needs; i++)
                if ((name && c->needs[i].name && strcmp(name, c->needs[i].name) == 0) ||
                    (id && c->needs[i].id && strcmp(id, c->needs[i].id) == 0)) {
                        c->needs[i].count++;
                        return;
                }
        if (c->n_needs < sizeof(c->needs) / sizeof(c->needs[0]))
                c->needs[c->n_needs++] = (struct need){name, id, 1, uuid};
}

static void check_mdev(struct check *c, const struct vgpu_spec *s, struct vgpu_profile **keep)
{
        const char *user = vgpuctl_dest_mdev_user(&c->dest, s->uuid);
        struct vgpu_profile *p = NULL;

        if (s->profile) {
                char dev[64];

                snprintf(dev, sizeof(dev), "mdev %s", s->uuid);
                if (!(p = profile(c, s->profile, dev)))
                        return;
                *keep = p;
                if (p->kind != VGPU_PROFILE_MDEV) {
                        problem(c, "mdev %s: profile '%s' is not an mdev profile", s->uuid, s->profile);
                        return;
                }
                add_need(c, p->mdev_type_name, p->mdev_type_id, s->uuid);
        } else {
                add_need(c, s->type, NULL, s->uuid);
        }
        printf("  mdev %s: %s %s%s", s->uuid, s->profile ? "profile" : "type", s->profile ? s->profile : s->type,
               user ? "" : "\n");
        if (user)
                printf("; its UUID is taken there (%s): the destination's hook gives it a fresh name-based one\n",
                       user);
}

static void check_needs(struct check *c)
{
        char where[512];

        for (size_t i = 0; i < c->n_needs; i++) {
                const struct need *n = &c->needs[i];
                const char *what = n->name ? n->name : n->id;
                int room = room_for(c, n, where, sizeof(where));

                if (room < 0)
                        problem(c, "%s is not offered there (mdev %s)", what, n->first_uuid);
                else if (room < n->count)
                        problem(c, "%s is offered there with room for %d, the domain needs %d (%s%s)", what, room,
                                n->count, where, nvidia(c, n) ? "; NVIDIA: one vGPU of a VM per physical GPU" : "");
                else
                        printf("  %s: room for %d there, the domain needs %d (%s)\n", what, room, n->count, where);
        }
}

static bool of_profile(const struct vgpu_profile *p, const struct vgpu_nodedev *d)
{
        for (size_t i = 0; d->is_vf && i < p->n_devices; i++)
                if (vgpu_pci_addr_cmp(&p->devices[i], &d->physfn) == 0)
                        return true;
        return false;
}

/* How many VFs of @p's PFs no domain there names. */
static int free_vfs(const struct check *c, const struct vgpu_profile *p)
{
        int n = 0;

        for (size_t i = 0; i < c->dest.n_devs; i++)
                n += of_profile(p, c->dest.devs[i]) && !vgpuctl_dest_pci_named(&c->dest, &c->dest.devs[i]->addr);
        return n;
}

static void check_vfs(struct check *c, struct vgpu_profile **profiles)
{
        for (size_t i = 0; i < c->dom->n_specs; i++) {
                const struct vgpu_spec *s = &c->dom->specs[i];
                const struct vgpu_profile *p = profiles[i];
                char addr[VGPU_PCI_ADDR_STRLEN];
                int want = 0, have;

                if (s->kind == VGPU_SPEC_MDEV || !p)
                        continue;
                vgpu_pci_addr_format(&s->addr, addr);
                if (p->kind != VGPU_PROFILE_SRIOV_VF) {
                        printf("  %s: profile %s (%s) cannot be judged through libvirt; the destination's hook "
                               "checks it at migrate begin\n",
                               addr, p->name, vgpu_profile_kind_name(p->kind));
                        continue;
                }
                for (size_t j = 0; j < c->dom->n_specs; j++)
                        want += profiles[j] == p || (profiles[j] && strcmp(profiles[j]->name, p->name) == 0);
                have = free_vfs(c, p);
                if (have < want)
                        problem(c, "%s: profile %s has %d free VF%s there, the domain needs %d", addr, p->name, have,
                                have == 1 ? "" : "s", want);
                else
                        printf("  %s: profile %s, %d free VF%s there, the domain needs %d\n", addr, p->name, have,
                               have == 1 ? "" : "s", want);
        }
}

static int load_pci_profiles(struct check *c, struct vgpu_profile **profiles)
{
        for (size_t i = 0; i < c->dom->n_specs; i++) {
                const struct vgpu_spec *s = &c->dom->specs[i];
                char dev[VGPU_PCI_ADDR_STRLEN];

                if (s->kind == VGPU_SPEC_MDEV)
                        continue;
                vgpu_pci_addr_format(&s->addr, dev);
                profiles[i] = profile(c, s->profile ? s->profile : "", dev);
        }
        return 0;
}

static int judge(struct check *c)
{
        struct vgpu_profile **profiles = calloc(c->dom->n_specs + 1, sizeof(*profiles));
        int r = profiles ? vgpuctl_dest_load(c->uri, c->dom->uuid, vgpu_domain_wants_pci(c->dom), &c->dest)
                         : VGPUCTL_FAILED;

        if (r == VGPUCTL_OK) {
                printf("domain %s to %s:\n", c->dom->name ? c->dom->name : c->dom->uuid, c->uri);
                for (size_t i = 0; i < c->dom->n_specs; i++)
                        if (c->dom->specs[i].kind == VGPU_SPEC_MDEV)
                                check_mdev(c, &c->dom->specs[i], &profiles[i]);
                check_needs(c);
                load_pci_profiles(c, profiles);
                check_vfs(c, profiles);
                if (c->n_problems)
                        r = vgpuctl_fail("domain %s cannot move to %s: %s%s", c->dom->name ? c->dom->name : "?", c->uri,
                                         c->problem, c->n_problems > 1 ? " (and more, above)" : "");
                else
                        printf("the move can work\n");
        }
        for (size_t i = 0; profiles && i < c->dom->n_specs; i++)
                vgpu_profile_free(profiles[i]);
        free(profiles);
        return r;
}

static int migrate_check(const struct vgpuctl_ctx *ctx, const char *name, const char *uri)
{
        struct check c = {.uri = uri};
        struct vgpuctl_virt v;
        char *xml = NULL, msg[512];
        bool active;
        int r = vgpuctl_virt_open(ctx, &v);

        if (r != VGPUCTL_OK)
                return r;
        if (v.ops->get_config(v.conn, name, &xml, &active, msg, sizeof(msg)) < 0)
                r = vgpuctl_fail("cannot read domain '%s': %s", name, msg);
        vgpuctl_virt_close(&v);
        if (r == VGPUCTL_OK)
                r = vgpuctl_domain_of(xml, strlen(xml), &c.dom);
        free(xml);
        if (r == VGPUCTL_OK && c.dom->n_specs == 0) {
                printf("domain %s has no devices of vgpu-hook: nothing to check\n", name);
        } else if (r == VGPUCTL_OK) {
                r = vgpuctl_root_new(ctx, &c.root);
                r = r < 0 ? vgpuctl_fail("cannot open the root %s: %s", ctx->root ? ctx->root : "/", strerror(-r))
                          : judge(&c);
        }
        vgpuctl_dest_clear(&c.dest);
        vgpu_root_unref(c.root);
        vgpu_domain_free(c.dom);
        return r;
}

int vgpuctl_migrate_check(const struct vgpuctl_ctx *gctx, int argc, char *argv[])
{
        static const struct option opts[] = {
                {"root", required_argument, NULL, 'r'},
                {"connect", required_argument, NULL, 'c'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        struct vgpuctl_ctx ctx = *gctx;
        int c, r;

        while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
                if ((r = vgpuctl_common_option(&ctx, c, usage)) != VGPUCTL_MORE)
                        return r;
        }
        if (argc - optind != 2)
                return vgpuctl_usage_error("migrate-check takes a domain and the destination's libvirt URI");
        return migrate_check(&ctx, argv[optind], argv[optind + 1]);
}
