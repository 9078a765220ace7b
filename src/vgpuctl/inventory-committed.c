/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl inventory --committed: what the defined but stopped domains would
 * need, per profile, against what this host can give now.  An admin
 * overcommits on purpose or by accident; this says by how much before a
 * morning's worth of VMs fails to start.  Read through libvirt (the
 * definitions) and the host (placement, leases); nothing is written.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpuctl-libvirt.h"
#include "vgpuctl.h"

/* One profile (or, for metadata without one, one mdev type) the stopped domains ask for. */
struct need {
        char key[128]; /* the profile's name, or "type:NAME" */
        bool by_type;
        long needed, available;
        json_t *domains; /* names, each once */
};

struct committed {
        struct vgpuctl_state st;
        struct vgpuctl_virt virt;
        struct vgpu_pci_addr *running_pci; /* devices running domains hold */
        size_t n_running_pci;
        struct need *needs;
        size_t n_needs;
};

static struct need *need_for(struct committed *c, const struct vgpu_spec *s)
{
        char key[128];
        struct need *grown;

        snprintf(key, sizeof(key), "%s%s", s->profile ? "" : "type:", s->profile ? s->profile : s->type);
        for (size_t i = 0; i < c->n_needs; i++)
                if (strcmp(c->needs[i].key, key) == 0)
                        return &c->needs[i];
        grown = realloc(c->needs, (c->n_needs + 1) * sizeof(*grown));
        if (!grown)
                return NULL;
        c->needs = grown;
        memset(&grown[c->n_needs], 0, sizeof(*grown));
        snprintf(grown[c->n_needs].key, sizeof(grown[c->n_needs].key), "%s", key);
        grown[c->n_needs].domains = json_array();
        return grown[c->n_needs].domains ? &grown[c->n_needs++] : NULL;
}

static int count_domain(struct committed *c, const struct vgpu_domain *dom)
{
        for (size_t i = 0; i < dom->n_specs; i++) {
                const struct vgpu_spec *s = &dom->specs[i];
                struct need *n = need_for(c, s);
                size_t k = 0;
                json_t *v = NULL;

                if (!n)
                        return -ENOMEM;
                n->by_type = !s->profile;
                n->needed++;
                /* sorted, each once: libvirt lists domains in no particular order */
                json_array_foreach(n->domains, k, v) if (strcmp(json_string_value(v), dom->name) >= 0) break;
                if (v && strcmp(json_string_value(v), dom->name) == 0)
                        continue;
                if (json_array_insert_new(n->domains, k, json_string(dom->name)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int push_pci(struct committed *c, const struct vgpu_pci_addr *a)
{
        struct vgpu_pci_addr *grown = realloc(c->running_pci, (c->n_running_pci + 1) * sizeof(*grown));

        if (!grown)
                return -ENOMEM;
        grown[c->n_running_pci++] = *a;
        c->running_pci = grown;
        return 0;
}

static int note_running(struct committed *c, const struct vgpu_domain *dom)
{
        int r = 0;

        for (size_t i = 0; r == 0 && i < dom->n_hostdevs; i++)
                if (dom->hostdevs[i].kind == VGPU_HOSTDEV_PCI)
                        r = push_pci(c, &dom->hostdevs[i].addr);
        return r;
}

/* Feed every domain in state @which to @fn. */
static int each_domain(struct committed *c, int which, int (*fn)(struct committed *, const struct vgpu_domain *))
{
        _cleanup_strv_ char **xmls = NULL;
        char msg[512];
        int r = c->virt.ops->list_xml(c->virt.conn, which, &xmls, msg, sizeof(msg));

        if (r < 0)
                return vgpuctl_fail("cannot list libvirt's domains: %s", msg);
        for (char **x = xmls; r == VGPUCTL_OK && *x; x++) {
                struct vgpu_domain *dom = NULL;

                r = vgpuctl_domain_of(*x, strlen(*x), &dom);
                if (r == VGPUCTL_OK && fn(c, dom) < 0)
                        r = vgpuctl_fail("out of memory");
                vgpu_domain_free(dom);
        }
        return r;
}

static const char *profile_of(const struct need *n)
{
        return n->by_type ? NULL : n->key;
}

static const char *type_of(const struct need *n)
{
        return n->by_type ? n->key + strlen("type:") : NULL;
}

static long mdev_available(const struct committed *c, struct vgpu_mdev_request *req)
{
        struct vgpu_placement *pl = NULL;
        long n = 0;

        if (vgpu_place_mdev(c->st.host, c->st.config, c->st.ledger, NULL, req, &pl) < 0)
                return -1;
        for (size_t i = 0; i < pl->n_usable; i++)
                n += pl->candidates[i].free;
        vgpu_placement_free(pl);
        return n;
}

static long pci_available(const struct committed *c, const struct vgpu_profile *prof)
{
        struct vgpu_pci_request req = {.profile = prof, .n_named = c->n_running_pci, .named = c->running_pci};
        struct vgpu_pci_placement *pl = NULL;
        long n;

        if (vgpu_place_pci(c->st.host, c->st.config, c->st.ledger, NULL, &req, &pl) < 0)
                return -1;
        n = (long)pl->n_usable;
        vgpu_pci_placement_free(pl);
        return n;
}

/* What the host can give now; -1 when unknown (a profile that does not load). */
static long available(const struct committed *c, const struct need *n)
{
        struct vgpu_mdev_request req = {.type_name = type_of(n)};
        struct vgpu_profile *prof = NULL;
        struct vgpu_error err = {0};
        long avail;

        if (n->by_type) {
                avail = mdev_available(c, &req);
                req = (struct vgpu_mdev_request){.type_id = type_of(n)};
                return avail > 0 ? avail : mdev_available(c, &req); /* type= is a sysfs name or an id */
        }
        if (vgpu_profile_load(c->st.root, n->key, &prof, &err) < 0)
                return -1;
        req = vgpuctl_mdev_request(prof);
        avail = prof->kind == VGPU_PROFILE_MDEV ? mdev_available(c, &req) : pci_available(c, prof);
        vgpu_profile_free(prof);
        return avail;
}

static long shortfall(const struct need *n)
{
        return n->available < 0 ? -1 : n->needed > n->available ? n->needed - n->available : 0;
}

static int print_json(const struct committed *c)
{
        json_t *arr = json_array(), *root;
        int r;

        for (size_t i = 0; arr && i < c->n_needs; i++) {
                const struct need *n = &c->needs[i];
                json_t *o = json_pack(
                        "{s:s?, s:s?, s:I, s:o, s:o, s:O}", "profile", profile_of(n), "type", type_of(n), "needed",
                        (json_int_t)n->needed, "available", n->available < 0 ? json_null() : json_integer(n->available),
                        "short", n->available < 0 ? json_null() : json_integer(shortfall(n)), "domains", n->domains);

                if (!o || json_array_append_new(arr, o) < 0)
                        return vgpuctl_fail("out of memory");
        }
        root = arr ? json_pack("{s:i, s:o}", "schema_version", 1, "committed", arr) : NULL;
        if (!root)
                return vgpuctl_fail("out of memory");
        r = vgpuctl_json_print(root);
        json_decref(root);
        return r == 0 ? VGPUCTL_OK : vgpuctl_fail("cannot write to standard output");
}

static void print_table(const struct committed *c)
{
        long total_short = 0;

        if (!c->n_needs) {
                puts("no stopped domain asks for a vGPU, VF or GPU");
                return;
        }
        printf("%-24s %-7s %-10s %-6s %s\n", "PROFILE", "NEEDED", "AVAILABLE", "SHORT", "STOPPED DOMAINS");
        for (size_t i = 0; i < c->n_needs; i++) {
                const struct need *n = &c->needs[i];
                size_t k;
                json_t *v;

                printf("%-24s %-7ld ", n->key, n->needed);
                if (n->available < 0)
                        printf("%-10s %-6s ", "?", "?");
                else
                        printf("%-10ld %-6ld ", n->available, shortfall(n));
                json_array_foreach(n->domains, k, v) printf("%s%s", k ? "," : "", json_string_value(v));
                putchar('\n');
                total_short += shortfall(n) > 0 ? shortfall(n) : 0;
        }
        if (total_short)
                printf("the stopped domains need %ld more device%s than this host can give now\n", total_short,
                       total_short == 1 ? "" : "s");
        else
                puts("this host can give every stopped domain its devices (profiles sharing a GPU compete for it)");
}

static int by_key(const void *a, const void *b)
{
        return strcmp(((const struct need *)a)->key, ((const struct need *)b)->key);
}

int vgpuctl_inventory_committed(const struct vgpuctl_ctx *ctx, bool json)
{
        struct committed c = {0};
        int r = vgpuctl_state_load(ctx, &c.st);

        if (r == VGPUCTL_OK)
                r = vgpuctl_virt_open(ctx, &c.virt);
        if (r == VGPUCTL_OK)
                r = each_domain(&c, VGPUCTL_LV_RUNNING, note_running);
        if (r == VGPUCTL_OK)
                r = each_domain(&c, VGPUCTL_LV_STOPPED, count_domain);
        if (c.n_needs)
                qsort(c.needs, c.n_needs, sizeof(*c.needs), by_key);
        for (size_t i = 0; r == VGPUCTL_OK && i < c.n_needs; i++)
                c.needs[i].available = available(&c, &c.needs[i]);
        if (r == VGPUCTL_OK && json)
                r = print_json(&c);
        else if (r == VGPUCTL_OK)
                print_table(&c);
        for (size_t i = 0; i < c.n_needs; i++)
                json_decref(c.needs[i].domains);
        free(c.needs);
        free(c.running_pci);
        vgpuctl_virt_close(&c.virt);
        vgpuctl_state_clear(&c.st);
        return r;
}
