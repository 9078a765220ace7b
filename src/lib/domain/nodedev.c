/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvirt's node device XML, as far as `vgpuctl migrate-check` needs it:
 * what a destination host offers (mdev types with their room), which mdev
 * UUIDs it has, which VFs of which PFs.  Read as hostile input, like a
 * domain XML: it comes from another host.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "vgpuhook-private.h"

static bool is(const xmlNode *n, const char *name)
{
        return n && n->type == XML_ELEMENT_NODE && !n->ns && xmlStrcmp(n->name, BAD_CAST name) == 0;
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
        for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
                if (is(c, name))
                        return c;
        return NULL;
}

/* The text of @n (NULL: absent) as a malloc'd string. */
static char *text_of(const xmlNode *n)
{
        xmlChar *v = n ? xmlNodeGetContent(n) : NULL;
        char *s = v ? strdup((const char *)v) : NULL;

        xmlFree(v);
        return s;
}

static bool attr_is(const xmlNode *n, const char *attr, const char *value)
{
        xmlChar *v = xmlGetNoNsProp(n, BAD_CAST attr);
        bool same = v && xmlStrcmp(v, BAD_CAST value) == 0;

        xmlFree(v);
        return same;
}

static int type_of(const xmlNode *t, struct vgpu_nodedev_type *ret)
{
        xmlChar *id = xmlGetNoNsProp(t, BAD_CAST "id");
        char *avail = text_of(child(t, "availableInstances"));
        long long n = -1;

        ret->id = id ? strdup((const char *)id) : NULL;
        xmlFree(id);
        ret->name = text_of(child(t, "name"));
        if (!avail || vgpu_parse_int(avail, 0, 1 << 30, &n) < 0)
                n = -1;
        free(avail);
        ret->available = (int)n;
        return ret->id ? 0 : -EINVAL;
}

/* libvirt 9.0 shows a parent of no known bus (mtty) as mdev_types inside mdev_types: one level more. */
static int mdev_types(const xmlNode *cap, struct vgpu_nodedev *d, int depth)
{
        for (const xmlNode *t = cap->children; t; t = t->next) {
                struct vgpu_nodedev_type *grown;

                if (depth == 0 && is(t, "capability") && attr_is(t, "type", "mdev_types")) {
                        int r = mdev_types(t, d, depth + 1);

                        if (r < 0)
                                return r;
                        continue;
                }
                if (!is(t, "type"))
                        continue;
                grown = realloc(d->types, (d->n_types + 1) * sizeof(*grown));
                if (!grown)
                        return -ENOMEM;
                d->types = grown;
                memset(&d->types[d->n_types], 0, sizeof(*grown));
                if (type_of(t, &d->types[d->n_types++]) < 0)
                        return -EINVAL;
        }
        return 0;
}

static int pci_address(const xmlNode *a, struct vgpu_pci_addr *ret)
{
        xmlChar *dom = xmlGetNoNsProp(a, BAD_CAST "domain"), *bus = xmlGetNoNsProp(a, BAD_CAST "bus"),
                *slot = xmlGetNoNsProp(a, BAD_CAST "slot"), *fn = xmlGetNoNsProp(a, BAD_CAST "function");
        int r = vgpu_pci_addr_from_parts((const char *)dom, (const char *)bus, (const char *)slot, (const char *)fn,
                                         ret);

        xmlFree(dom);
        xmlFree(bus);
        xmlFree(slot);
        xmlFree(fn);
        return r;
}

/* <capability type='pci'>: the address (elements, decimal), nested mdev_types, VFs, the PF. */
static int pci_cap(const xmlNode *cap, struct vgpu_nodedev *d)
{
        char *parts[4] = {text_of(child(cap, "domain")), text_of(child(cap, "bus")), text_of(child(cap, "slot")),
                          text_of(child(cap, "function"))};
        int r = vgpu_pci_addr_from_parts(parts[0], parts[1], parts[2], parts[3], &d->addr);

        for (int i = 0; i < 4; i++)
                free(parts[i]);
        d->is_pci = r == 0;
        if (child(cap, "vendor")) {
                xmlChar *id = xmlGetNoNsProp(child(cap, "vendor"), BAD_CAST "id");
                unsigned long long v;

                d->vendor = id && vgpu_parse_hex((const char *)id, 0xffff, &v) == 0 ? (int)v : -1;
                xmlFree(id);
        }
        for (const xmlNode *c = cap->children; r == 0 && c; c = c->next) {
                if (!is(c, "capability"))
                        continue;
                if (attr_is(c, "type", "mdev_types"))
                        r = mdev_types(c, d, 1);
                else if (attr_is(c, "type", "virt_functions"))
                        for (const xmlNode *a = c->children; a; a = a->next)
                                d->n_vfs += is(a, "address");
                else if (attr_is(c, "type", "phys_function") && child(c, "address"))
                        d->is_vf = pci_address(child(c, "address"), &d->physfn) == 0;
        }
        return r;
}

/* libvirt names an mdev "mdev_UUID" with '_' for '-' (before <uuid> existed), maybe with a parent suffix. */
static void uuid_from_name(const char *name, char ret[VGPU_UUID_STRLEN])
{
        char u[VGPU_UUID_STRLEN];

        if (!name || strncmp(name, "mdev_", 5) != 0 || strlen(name) < 5 + 36)
                return;
        memcpy(u, name + 5, 36);
        u[36] = '\0';
        for (char *p = u; *p; p++)
                if (*p == '_')
                        *p = '-';
        vgpu_uuid_normalize(u, ret);
}

static int walk(const xmlNode *root, struct vgpu_nodedev *d)
{
        int r = 0;

        d->name = text_of(child(root, "name"));
        for (const xmlNode *cap = root->children; r == 0 && cap; cap = cap->next) {
                if (!is(cap, "capability"))
                        continue;
                if (attr_is(cap, "type", "pci"))
                        r = pci_cap(cap, d);
                else if (attr_is(cap, "type", "mdev_types")) /* css, ap_matrix: not nested */
                        r = mdev_types(cap, d, 0);
                else if (attr_is(cap, "type", "mdev")) {
                        char *u = text_of(child(cap, "uuid"));

                        if (!u || vgpu_uuid_normalize(u, d->uuid) < 0)
                                uuid_from_name(d->name, d->uuid);
                        free(u);
                }
        }
        return r;
}

int vgpu_nodedev_parse(const char *xml, size_t len, struct vgpu_nodedev **ret, struct vgpu_error *err)
{
        struct vgpu_nodedev *d;
        int r;
        xmlDoc *doc = vgpu_domain_xml_read(xml, len, 0, err, &r);

        if (!doc)
                return r;
        if (!is(xmlDocGetRootElement(doc), "device")) {
                xmlFreeDoc(doc);
                return vgpu_error_set(err, EINVAL, "node device XML", 1, 0, "the document is not a <device>");
        }
        d = calloc(1, sizeof(*d));
        if (d)
                d->vendor = -1;
        r = d ? walk(xmlDocGetRootElement(doc), d) : -ENOMEM;
        xmlFreeDoc(doc);
        if (r < 0) {
                vgpu_nodedev_free(d);
                return r == -EINVAL ? vgpu_error_set(err, EINVAL, "node device XML", 0, 0, "an mdev type without id")
                                    : r;
        }
        *ret = d;
        return 0;
}

void vgpu_nodedev_free(struct vgpu_nodedev *d)
{
        if (!d)
                return;
        for (size_t i = 0; i < d->n_types; i++) {
                free(d->types[i].id);
                free(d->types[i].name);
        }
        free(d->types);
        free(d->name);
        free(d);
}
