/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Editing a domain XML for vgpuctl: our metadata and the hostdevs it names,
 * added or removed together so that the two never disagree.  The hook cannot
 * rewrite XML at start (docs/design.md §2.3), so this is where devices get named.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "vgpuhook-private.h"

struct vgpu_domain_doc {
        xmlDoc *doc;
};

static void xml_freep(xmlChar **p)
{
        xmlFree(*p);
}
#define _cleanup_xml_ _cleanup_(xml_freep)

static bool is(const xmlNode *n, const char *name)
{
        return n && n->type == XML_ELEMENT_NODE && !n->ns && xmlStrcmp(n->name, BAD_CAST name) == 0;
}

static bool is_ours(const xmlNode *n, const char *name)
{
        return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
               xmlStrcmp(n->ns->href, BAD_CAST VGPU_XMLNS) == 0 && (!name || xmlStrcmp(n->name, BAD_CAST name) == 0);
}

static xmlNode *child(const xmlNode *n, const char *name)
{
        for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
                if (is(c, name))
                        return c;
        return NULL;
}

static bool has_elements(const xmlNode *n)
{
        for (const xmlNode *c = n->children; c; c = c->next)
                if (c->type == XML_ELEMENT_NODE)
                        return true;
        return false;
}

static xmlNode *root_of(const struct vgpu_domain_doc *d)
{
        return xmlDocGetRootElement(d->doc);
}

int vgpu_domain_doc_parse(const char *xml, size_t len, struct vgpu_domain_doc **ret_doc, struct vgpu_error *err)
{
        struct vgpu_domain_doc *d;
        int r;
        /* NOBLANKS: the old indentation goes, so that the output is indented anew, in one style. */
        xmlDoc *doc = vgpu_domain_xml_read(xml, len, XML_PARSE_NOBLANKS, err, &r);

        if (!doc)
                return r;
        if (!is(xmlDocGetRootElement(doc), "domain")) {
                xmlFreeDoc(doc);
                return vgpu_error_set(err, EINVAL, "domain XML", 1, 0, "the document is not a <domain>");
        }
        d = calloc(1, sizeof(*d));
        if (!d) {
                xmlFreeDoc(doc);
                return -ENOMEM;
        }
        d->doc = doc;
        *ret_doc = d;
        return 0;
}

int vgpu_domain_doc_domain(const struct vgpu_domain_doc *d, struct vgpu_domain **ret_domain, struct vgpu_error *err)
{
        return vgpu_domain_from_xml(d->doc, ret_domain, err);
}

void vgpu_domain_doc_free(struct vgpu_domain_doc *d)
{
        if (!d)
                return;
        xmlFreeDoc(d->doc);
        free(d);
}

/* A new element @name (in @ns, or none) as the first child of @parent after @after (or the last child). */
static xmlNode *new_child(xmlNode *parent, xmlNode *after, xmlNs *ns, const char *name)
{
        xmlNode *n = xmlNewDocNode(parent->doc, ns, BAD_CAST name, NULL);

        if (!n)
                return NULL;
        if (after)
                return xmlAddNextSibling(after, n);
        return xmlAddChild(parent, n);
}

/* libvirt writes <uuid> right after <name>; a missing one goes there. */
static xmlNode *after_identity(xmlNode *root)
{
        xmlNode *at = child(root, "name");

        for (const char *const *e = (const char *const[]){"uuid", "genid", "title", "description", NULL}; *e; e++)
                if (child(root, *e))
                        at = child(root, *e);
        return at;
}

int vgpu_domain_doc_ensure_uuid(struct vgpu_domain_doc *d, char ret[VGPU_UUID_STRLEN])
{
        xmlNode *root = root_of(d), *u = child(root, "uuid");
        _cleanup_xml_ xmlChar *text = u ? xmlNodeGetContent(u) : NULL;
        char fresh[VGPU_UUID_STRLEN];
        int r;

        if (u)
                return text && vgpu_uuid_normalize((const char *)text, ret) == 0 ? 0 : -EINVAL;
        r = vgpu_uuid_random(fresh);
        if (r < 0)
                return r;
        u = new_child(root, child(root, "name"), NULL, "uuid");
        if (!u)
                return -ENOMEM;
        xmlNodeAddContent(u, BAD_CAST fresh);
        memcpy(ret, fresh, VGPU_UUID_STRLEN);
        return 1;
}

int vgpu_domain_doc_format(const struct vgpu_domain_doc *d, char **ret)
{
        xmlBuffer *buf = xmlBufferCreate();
        xmlSaveCtxt *save = buf ? xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_FORMAT | XML_SAVE_NO_DECL) : NULL;
        int len = -ENOMEM;

        if (save) {
                xmlSaveTree(save, root_of(d));
                xmlSaveClose(save);
                *ret = vgpu_strdup_printf("%s\n", (const char *)xmlBufferContent(buf));
                len = *ret ? (int)strlen(*ret) : -ENOMEM;
        }
        if (buf)
                xmlBufferFree(buf);
        return len;
}

/* <metadata><vgpu:devices>, created when absent (one element per namespace). */
static xmlNode *our_devices(xmlNode *root)
{
        xmlNode *meta = child(root, "metadata"), *devs;
        xmlNs *ns;

        if (!meta && !(meta = new_child(root, after_identity(root), NULL, "metadata")))
                return NULL;
        for (xmlNode *c = meta->children; c; c = c->next)
                if (is_ours(c, "devices"))
                        return c;
        devs = new_child(meta, NULL, NULL, "devices");
        ns = devs ? xmlNewNs(devs, BAD_CAST VGPU_XMLNS, BAD_CAST VGPU_XMLNS_PREFIX) : NULL;
        if (!ns)
                return NULL;
        xmlSetNs(devs, ns);
        return devs;
}

static xmlNode *new_spec(xmlNode *root, const char *kind)
{
        xmlNode *devs = our_devices(root);

        return devs ? new_child(devs, NULL, devs->ns, kind) : NULL;
}

static xmlNode *new_hostdev(xmlNode *root, const char *type)
{
        xmlNode *devices = child(root, "devices"), *hd;

        if (!devices && !(devices = new_child(root, NULL, NULL, "devices")))
                return NULL;
        hd = new_child(devices, NULL, NULL, "hostdev");
        if (!hd || !xmlNewProp(hd, BAD_CAST "mode", BAD_CAST "subsystem") ||
            !xmlNewProp(hd, BAD_CAST "type", BAD_CAST type))
                return NULL;
        return hd;
}

/* <source><address/></source> of a new hostdev. */
static xmlNode *new_source_address(xmlNode *hd)
{
        xmlNode *src = new_child(hd, NULL, NULL, "source");

        return src ? new_child(src, NULL, NULL, "address") : NULL;
}

int vgpu_domain_doc_add_mdev(struct vgpu_domain_doc *d, const char *uuid, const char *profile, const char *model)
{
        xmlNode *root = root_of(d), *spec = new_spec(root, "mdev"), *hd, *addr;

        if (!spec || !xmlNewProp(spec, BAD_CAST "uuid", BAD_CAST uuid) ||
            !xmlNewProp(spec, BAD_CAST "profile", BAD_CAST profile))
                return -ENOMEM;
        hd = new_hostdev(root, "mdev");
        if (!hd || !xmlNewProp(hd, BAD_CAST "model", BAD_CAST model))
                return -ENOMEM;
        /* libvirt accepts display= only for vfio-pci; a vGPU's console is the guest's own. */
        if (strcmp(model, "vfio-pci") == 0 && !xmlNewProp(hd, BAD_CAST "display", BAD_CAST "off"))
                return -ENOMEM;
        addr = new_source_address(hd);
        return addr && xmlNewProp(addr, BAD_CAST "uuid", BAD_CAST uuid) ? 0 : -ENOMEM;
}

static int set_pci_address(xmlNode *addr, const struct vgpu_pci_addr *a)
{
        char dom[16], bus[8], slot[8], fn[8];

        snprintf(dom, sizeof(dom), "0x%04x", a->domain);
        snprintf(bus, sizeof(bus), "0x%02x", a->bus);
        snprintf(slot, sizeof(slot), "0x%02x", a->slot);
        snprintf(fn, sizeof(fn), "0x%x", a->function);
        return xmlNewProp(addr, BAD_CAST "domain", BAD_CAST dom) && xmlNewProp(addr, BAD_CAST "bus", BAD_CAST bus) &&
                               xmlNewProp(addr, BAD_CAST "slot", BAD_CAST slot) &&
                               xmlNewProp(addr, BAD_CAST "function", BAD_CAST fn)
                       ? 0
                       : -ENOMEM;
}

int vgpu_domain_doc_add_pci(struct vgpu_domain_doc *d, enum vgpu_spec_kind kind, const struct vgpu_pci_addr *addr,
                            const char *profile, bool managed)
{
        xmlNode *root = root_of(d), *spec, *hd, *src;
        char name[VGPU_PCI_ADDR_STRLEN];

        if (kind == VGPU_SPEC_MDEV)
                return -EINVAL;
        vgpu_pci_addr_format(addr, name);
        spec = new_spec(root, kind == VGPU_SPEC_VF ? "vf" : "pci");
        if (!spec || !xmlNewProp(spec, BAD_CAST "address", BAD_CAST name) ||
            !xmlNewProp(spec, BAD_CAST "profile", BAD_CAST profile))
                return -ENOMEM;
        hd = new_hostdev(root, "pci");
        if (!hd || !xmlNewProp(hd, BAD_CAST "managed", BAD_CAST(managed ? "yes" : "no")))
                return -ENOMEM;
        src = new_source_address(hd);
        return src ? set_pci_address(src, addr) : -ENOMEM;
}

/* Unlink and free @n; returns 1 for the count. */
static int drop(xmlNode *n)
{
        xmlUnlinkNode(n);
        xmlFreeNode(n);
        return 1;
}

typedef bool (*match_fn)(const xmlNode *n, const void *what);

static bool uuid_is(const xmlNode *n, const char *attr, const char *uuid)
{
        _cleanup_xml_ xmlChar *v = xmlGetNoNsProp(n, BAD_CAST attr);
        char norm[VGPU_UUID_STRLEN];

        return v && vgpu_uuid_normalize((const char *)v, norm) == 0 && strcmp(norm, uuid) == 0;
}

static bool mdev_hostdev_is(const xmlNode *hd, const void *uuid)
{
        _cleanup_xml_ xmlChar *type = xmlGetNoNsProp(hd, BAD_CAST "type");
        const xmlNode *addr = child(child(hd, "source"), "address");

        return type && xmlStrcmp(type, BAD_CAST "mdev") == 0 && addr && uuid_is(addr, "uuid", uuid);
}

static bool mdev_spec_is(const xmlNode *n, const void *uuid)
{
        return is_ours(n, "mdev") && uuid_is(n, "uuid", uuid);
}

static bool pci_hostdev_is(const xmlNode *hd, const void *want)
{
        _cleanup_xml_ xmlChar *type = xmlGetNoNsProp(hd, BAD_CAST "type");
        const xmlNode *addr = child(child(hd, "source"), "address");
        _cleanup_xml_ xmlChar *dom = NULL, *bus = NULL, *slot = NULL, *fn = NULL;
        struct vgpu_pci_addr a;

        if (!type || xmlStrcmp(type, BAD_CAST "pci") != 0 || !addr)
                return false;
        dom = xmlGetNoNsProp(addr, BAD_CAST "domain");
        bus = xmlGetNoNsProp(addr, BAD_CAST "bus");
        slot = xmlGetNoNsProp(addr, BAD_CAST "slot");
        fn = xmlGetNoNsProp(addr, BAD_CAST "function");
        return vgpu_pci_addr_from_parts((const char *)dom, (const char *)bus, (const char *)slot, (const char *)fn,
                                        &a) == 0 &&
               vgpu_pci_addr_cmp(&a, want) == 0;
}

/* <driver model=@model/> of PCI hostdev @hd, first among its children as libvirt writes it. */
static int set_driver_model(xmlNode *hd, const char *model)
{
        xmlNode *drv = child(hd, "driver");

        if (!drv) {
                drv = xmlNewDocNode(hd->doc, NULL, BAD_CAST "driver", NULL);
                if (!drv)
                        return -ENOMEM;
                if (!(hd->children ? xmlAddPrevSibling(hd->children, drv) : xmlAddChild(hd, drv))) {
                        xmlFreeNode(drv);
                        return -ENOMEM;
                }
        }
        return xmlSetProp(drv, BAD_CAST "model", BAD_CAST model) ? 0 : -ENOMEM;
}

int vgpu_domain_doc_set_pci_driver(struct vgpu_domain_doc *d, const struct vgpu_pci_addr *addr, const char *model)
{
        xmlNode *devices = child(root_of(d), "devices");
        int n = 0;

        if (!vgpu_kmod_name_valid(model))
                return -EINVAL;
        for (xmlNode *c = devices ? devices->children : NULL; c; c = c->next) {
                int r = is(c, "hostdev") && pci_hostdev_is(c, addr) ? set_driver_model(c, model) : -ENOENT;

                if (r == -ENOMEM)
                        return r;
                n += r == 0;
        }
        return n ? n : -ENOENT;
}

static bool pci_spec_is(const xmlNode *n, const void *want)
{
        _cleanup_xml_ xmlChar *v = NULL;
        struct vgpu_pci_addr a;

        if (!is_ours(n, "vf") && !is_ours(n, "pci"))
                return false;
        v = xmlGetNoNsProp(n, BAD_CAST "address");
        return v && vgpu_pci_addr_parse((const char *)v, &a) == 0 && vgpu_pci_addr_cmp(&a, want) == 0;
}

static int remove_hostdevs(xmlNode *root, match_fn match, const void *what)
{
        xmlNode *devices = child(root, "devices"), *next;
        int n = 0;

        for (xmlNode *c = devices ? devices->children : NULL; c; c = next) {
                next = c->next;
                if (is(c, "hostdev") && match(c, what))
                        n += drop(c);
        }
        return n;
}

static int remove_specs(xmlNode *root, match_fn match, const void *what)
{
        xmlNode *meta = child(root, "metadata"), *next, *dnext;
        int n = 0;

        for (xmlNode *c = meta ? meta->children : NULL; c; c = next) {
                next = c->next;
                if (!is_ours(c, "devices"))
                        continue;
                for (xmlNode *s = c->children; s; s = dnext) {
                        dnext = s->next;
                        if (match(s, what))
                                n += drop(s);
                }
                if (n && !has_elements(c))
                        drop(c);
        }
        if (n && meta && !has_elements(meta))
                drop(meta);
        return n;
}

int vgpu_domain_doc_remove_mdev(struct vgpu_domain_doc *d, const char *uuid)
{
        char norm[VGPU_UUID_STRLEN];

        if (vgpu_uuid_normalize(uuid, norm) < 0)
                return -EINVAL;
        return remove_hostdevs(root_of(d), mdev_hostdev_is, norm) + remove_specs(root_of(d), mdev_spec_is, norm);
}

int vgpu_domain_doc_remove_pci(struct vgpu_domain_doc *d, const struct vgpu_pci_addr *addr)
{
        return remove_hostdevs(root_of(d), pci_hostdev_is, addr) + remove_specs(root_of(d), pci_spec_is, addr);
}

/* The <source><address> of each hostdev @match picks, and each spec in <vgpu:devices> it picks. */
static size_t collect(xmlNode *root, match_fn hostdev, match_fn spec, const void *what, xmlNode **out, size_t max)
{
        xmlNode *devices = child(root, "devices"), *meta = child(root, "metadata");
        size_t n = 0;

        for (xmlNode *c = devices ? devices->children : NULL; c && n < max; c = c->next)
                if (is(c, "hostdev") && hostdev(c, what))
                        out[n++] = child(child(c, "source"), "address");
        for (xmlNode *d = meta ? meta->children : NULL; d; d = d->next)
                for (xmlNode *s = is_ours(d, "devices") ? d->children : NULL; s && n < max; s = s->next)
                        if (spec(s, what))
                                out[n++] = s;
        return n;
}

int vgpu_domain_doc_rename_mdev(struct vgpu_domain_doc *d, const char *uuid, const char *new_uuid)
{
        char norm[VGPU_UUID_STRLEN], fresh[VGPU_UUID_STRLEN];
        xmlNode *found[64];
        size_t n;

        if (vgpu_uuid_normalize(uuid, norm) < 0 || vgpu_uuid_normalize(new_uuid, fresh) < 0)
                return -EINVAL;
        n = collect(root_of(d), mdev_hostdev_is, mdev_spec_is, norm, found, sizeof(found) / sizeof(found[0]));
        for (size_t i = 0; i < n; i++)
                if (!xmlSetProp(found[i], BAD_CAST "uuid", BAD_CAST fresh))
                        return -ENOMEM;
        return (int)n;
}

/* Rewrite one <address domain= bus= slot= function=> in place, in the form libvirt writes. */
static int reset_pci_address(xmlNode *addr, const struct vgpu_pci_addr *a)
{
        static const char *const attrs[] = {"domain", "bus", "slot", "function"};

        for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
                xmlAttr *old = xmlHasProp(addr, BAD_CAST attrs[i]);

                if (old)
                        xmlRemoveProp(old);
        }
        return set_pci_address(addr, a);
}

int vgpu_domain_doc_move_pci(struct vgpu_domain_doc *d, const struct vgpu_pci_addr *addr,
                             const struct vgpu_pci_addr *new_addr)
{
        char name[VGPU_PCI_ADDR_STRLEN];
        xmlNode *found[64];
        size_t n = collect(root_of(d), pci_hostdev_is, pci_spec_is, addr, found, sizeof(found) / sizeof(found[0]));

        vgpu_pci_addr_format(new_addr, name);
        for (size_t i = 0; i < n; i++) {
                int r = is_ours(found[i], NULL)
                                ? (xmlSetProp(found[i], BAD_CAST "address", BAD_CAST name) ? 0 : -ENOMEM)
                                : reset_pci_address(found[i], new_addr);

                if (r < 0)
                        return r;
        }
        return (int)n;
}

/* ---- the console on a vGPU (render --console) ----------------------------- */

static bool attr_is(const xmlNode *n, const char *attr, const char *value)
{
        _cleanup_xml_ xmlChar *v = xmlGetNoNsProp(n, BAD_CAST attr);

        return v && xmlStrcmp(v, BAD_CAST value) == 0;
}

int vgpu_domain_doc_set_console(struct vgpu_domain_doc *d, const char *uuid)
{
        xmlNode *devices = child(root_of(d), "devices"), *target = NULL;
        char norm[VGPU_UUID_STRLEN];
        bool graphics = false;

        if (vgpu_uuid_normalize(uuid, norm) < 0)
                return -EINVAL;
        for (xmlNode *c = devices ? devices->children : NULL; c; c = c->next) {
                graphics = graphics || is(c, "graphics");
                if (!is(c, "hostdev"))
                        continue;
                if (mdev_hostdev_is(c, norm))
                        target = c;
                else if (attr_is(c, "display", "on"))
                        return -EEXIST;
        }
        if (!target || !attr_is(target, "model", "vfio-pci"))
                return -ENOENT;
        if (!xmlSetProp(target, BAD_CAST "display", BAD_CAST "on") ||
            !xmlSetProp(target, BAD_CAST "ramfb", BAD_CAST "on"))
                return -ENOMEM;
        return graphics;
}

/* ---- one hostdev, for a live detach ----------------------------------------- */

static char *node_text(xmlNode *n)
{
        xmlBuffer *buf = xmlBufferCreate();
        char *text = NULL;

        if (buf && xmlNodeDump(buf, n->doc, n, 0, 0) >= 0)
                text = strdup((const char *)xmlBufferContent(buf));
        if (buf)
                xmlBufferFree(buf);
        return text;
}

int vgpu_domain_doc_hostdev(const struct vgpu_domain_doc *d, const char *uuid, const struct vgpu_pci_addr *addr,
                            char **ret_xml, char **ret_alias)
{
        xmlNode *devices = child(root_of(d), "devices");
        char norm[VGPU_UUID_STRLEN];

        if (uuid && vgpu_uuid_normalize(uuid, norm) < 0)
                return -EINVAL;
        for (xmlNode *c = devices ? devices->children : NULL; c; c = c->next) {
                _cleanup_xml_ xmlChar *alias = NULL;
                char *text, *name = NULL;

                if (!is(c, "hostdev") || !(uuid ? mdev_hostdev_is(c, norm) : pci_hostdev_is(c, addr)))
                        continue;
                alias = child(c, "alias") ? xmlGetNoNsProp(child(c, "alias"), BAD_CAST "name") : NULL;
                text = node_text(c);
                if (!text || (alias && !(name = strdup((const char *)alias)))) {
                        free(text);
                        return -ENOMEM;
                }
                *ret_xml = text;
                *ret_alias = name;
                return 0;
        }
        return -ENOENT;
}
