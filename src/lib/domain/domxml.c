/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The domain XML, read with libxml2 as hostile input: the hook runs as root
 * and libvirt hands it whatever a user defined.  No network, no DOCTYPE and
 * so no entities (no XXE, no billion laughs), a size cap, and strict values.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "vgpuhook-private.h"

#define NAME_MAX_LEN 64

struct walk {
        struct vgpu_domain *dom;
        struct vgpu_error *err;
        bool oom; /* a copy failed: an attribute read as absent may be there */
};

__attribute__((format(printf, 4, 5))) static int fail(struct walk *w, const xmlNode *n, int errnum, const char *fmt,
                                                      ...)
{
        char text[256];
        va_list ap;

        /* What looked wrong may only be what could not be copied. */
        if (w->oom)
                return vgpu_error_set(w->err, ENOMEM, "domain XML", 0, 0, "out of memory");
        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        return vgpu_error_set(w->err, errnum, "domain XML", n ? (int)xmlGetLineNo(n) : 0, 0, "%s", text);
}

static bool is(const xmlNode *n, const char *name)
{
        return n->type == XML_ELEMENT_NODE && !n->ns && xmlStrcmp(n->name, BAD_CAST name) == 0;
}

static bool is_ours(const xmlNode *n)
{
        return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href && xmlStrcmp(n->ns->href, BAD_CAST VGPU_XMLNS) == 0;
}

/* @v (from libxml2, which may be NULL) as a malloc'd string; w->oom when a copy failed. */
static char *copy_of(struct walk *w, xmlChar *v, bool present)
{
        char *s = v ? strdup((const char *)v) : NULL;

        xmlFree(v);
        if (present && !s)
                w->oom = true;
        return s;
}

/* An attribute as a malloc'd string (NULL if absent). */
static char *prop(struct walk *w, const xmlNode *n, const char *name)
{
        return copy_of(w, xmlGetNoNsProp(n, BAD_CAST name), xmlHasNsProp(n, BAD_CAST name, NULL) != NULL);
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
        for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
                if (is(c, name))
                        return c;
        return NULL;
}

static char *text_of(struct walk *w, const xmlNode *n)
{
        return copy_of(w, n ? xmlNodeGetContent(n) : NULL, n != NULL);
}

bool vgpu_profile_name_valid(const char *name)
{
        size_t len = strlen(name);

        if (len == 0 || len > NAME_MAX_LEN ||
            !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')))
                return false;
        return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-") == len;
}

static int parse_uuid_prop(struct walk *w, const xmlNode *n, const char *attr, char out[VGPU_UUID_STRLEN])
{
        _cleanup_free_ char *v = prop(w, n, attr);

        if (!v)
                return fail(w, n, EINVAL, "<%s> has no uuid", (const char *)n->name);
        if (vgpu_uuid_normalize(v, out) < 0)
                return fail(w, n, EINVAL, "'%.64s' is not a UUID", v);
        return 0;
}

static int parse_mdev_hostdev(struct walk *w, const xmlNode *hd, struct vgpu_hostdev *h)
{
        const xmlNode *addr = child(child(hd, "source"), "address");

        h->kind = VGPU_HOSTDEV_MDEV;
        h->model = prop(w, hd, "model");
        if (!addr)
                return fail(w, hd, EINVAL, "an mdev <hostdev> has no <source><address uuid=…/>");
        return parse_uuid_prop(w, addr, "uuid", h->uuid);
}

static int parse_pci_hostdev(struct walk *w, const xmlNode *hd, struct vgpu_hostdev *h)
{
        const xmlNode *addr = child(child(hd, "source"), "address");
        _cleanup_free_ char *managed = prop(w, hd, "managed"), *d = NULL, *b = NULL, *s = NULL, *f = NULL;

        h->kind = VGPU_HOSTDEV_PCI;
        h->managed = managed && strcmp(managed, "yes") == 0;
        h->driver_model = prop(w, child(hd, "driver"), "model");
        if (!addr)
                return fail(w, hd, EINVAL, "a PCI <hostdev> has no <source><address/>");
        d = prop(w, addr, "domain");
        b = prop(w, addr, "bus");
        s = prop(w, addr, "slot");
        f = prop(w, addr, "function");
        if (vgpu_pci_addr_from_parts(d, b, s, f, &h->addr) < 0)
                return fail(w, addr, EINVAL, "a PCI <hostdev> has a bad address");
        return 0;
}

static int parse_hostdev(struct walk *w, const xmlNode *hd)
{
        _cleanup_free_ char *mode = prop(w, hd, "mode"), *type = prop(w, hd, "type");
        struct vgpu_domain *dom = w->dom;
        struct vgpu_hostdev *h;
        bool mdev = type && strcmp(type, "mdev") == 0;

        if (!mode || strcmp(mode, "subsystem") != 0 || !type || (!mdev && strcmp(type, "pci") != 0))
                return 0; /* USB, SCSI, capabilities: not ours */
        h = vgpu_array_push(&dom->hostdevs, &dom->n_hostdevs, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->line = (int)xmlGetLineNo(hd);
        return mdev ? parse_mdev_hostdev(w, hd, h) : parse_pci_hostdev(w, hd, h);
}

static int parse_devices(struct walk *w, const xmlNode *devices)
{
        for (const xmlNode *c = devices ? devices->children : NULL; c; c = c->next) {
                int r = is(c, "hostdev") ? parse_hostdev(w, c) : 0;

                if (r < 0)
                        return r;
        }
        return 0;
}

/* profile= or type= [parent=]: exactly one way to name the type. */
static int parse_spec_type(struct walk *w, const xmlNode *n, struct vgpu_spec *s)
{
        s->profile = prop(w, n, "profile");
        s->type = prop(w, n, "type");
        s->parent = prop(w, n, "parent");
        if (!s->profile == !s->type)
                return fail(w, n, EINVAL, "<vgpu:%s> needs either profile= or type=", (const char *)n->name);
        if (s->profile && !vgpu_profile_name_valid(s->profile))
                return fail(w, n, EINVAL, "'%.64s' is not a profile name", s->profile);
        if (s->type && (!*s->type || strlen(s->type) > 128 || strchr(s->type, '/')))
                return fail(w, n, EINVAL, "'%.64s' is not an mdev type", s->type);
        if (s->parent && (!*s->parent || strlen(s->parent) > 64 || strchr(s->parent, '/') ||
                          strcmp(s->parent, ".") == 0 || strcmp(s->parent, "..") == 0))
                return fail(w, n, EINVAL, "'%.64s' is not an mdev parent", s->parent);
        if (s->kind != VGPU_SPEC_MDEV && !s->profile)
                return fail(w, n, EINVAL, "<vgpu:%s> needs a profile=", (const char *)n->name);
        return 0;
}

static int parse_spec_addr(struct walk *w, const xmlNode *n, struct vgpu_spec *s)
{
        _cleanup_free_ char *a = prop(w, n, "address");

        if (!a || vgpu_pci_addr_parse(a, &s->addr) < 0)
                return fail(w, n, EINVAL, "<vgpu:%s> needs address='DDDD:BB:SS.F'", (const char *)n->name);
        return 0;
}

static bool spec_duplicate(const struct vgpu_domain *dom, const struct vgpu_spec *s)
{
        for (const struct vgpu_spec *o = dom->specs; o < s; o++) {
                if (s->kind == VGPU_SPEC_MDEV && o->kind == VGPU_SPEC_MDEV && strcmp(o->uuid, s->uuid) == 0)
                        return true;
                if (s->kind != VGPU_SPEC_MDEV && o->kind != VGPU_SPEC_MDEV &&
                    vgpu_pci_addr_cmp(&o->addr, &s->addr) == 0)
                        return true;
        }
        return false;
}

static int parse_spec(struct walk *w, const xmlNode *n)
{
        static const char *const kinds[] = {[VGPU_SPEC_MDEV] = "mdev", [VGPU_SPEC_VF] = "vf", [VGPU_SPEC_PCI] = "pci"};
        struct vgpu_spec *s;
        int kind = -1, r;

        for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
                if (xmlStrcmp(n->name, BAD_CAST kinds[i]) == 0)
                        kind = (int)i;
        if (kind < 0)
                return fail(w, n, EINVAL, "unknown element <vgpu:%.32s>", (const char *)n->name);
        s = vgpu_array_push(&w->dom->specs, &w->dom->n_specs, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->kind = (enum vgpu_spec_kind)kind;
        s->line = (int)xmlGetLineNo(n);
        r = kind == VGPU_SPEC_MDEV ? parse_uuid_prop(w, n, "uuid", s->uuid) : parse_spec_addr(w, n, s);
        if (r >= 0)
                r = parse_spec_type(w, n, s);
        if (r >= 0 && spec_duplicate(w->dom, s))
                r = fail(w, n, EINVAL, "<vgpu:%s> names the same device twice", kinds[kind]);
        return r;
}

static int parse_metadata(struct walk *w, const xmlNode *metadata)
{
        for (const xmlNode *c = metadata ? metadata->children : NULL; c; c = c->next) {
                if (!is_ours(c))
                        continue;
                if (xmlStrcmp(c->name, BAD_CAST "devices") != 0)
                        return fail(w, c, EINVAL, "unknown element <vgpu:%.32s>", (const char *)c->name);
                for (const xmlNode *d = c->children; d; d = d->next) {
                        int r;

                        if (d->type != XML_ELEMENT_NODE)
                                continue;
                        if (!is_ours(d))
                                return fail(w, d, EINVAL, "<vgpu:devices> holds a foreign element <%.32s>",
                                            (const char *)d->name);
                        r = parse_spec(w, d);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

#define SET_BITS 8192

/* "0-2,5": the set in @bits as a plain cpulist, which placement reads. */
static char *format_set(const uint64_t *bits)
{
        char *out = strdup(""), *grown;

        for (unsigned c = 0; out && c < SET_BITS; c++) {
                unsigned hi = c;

                if (!(bits[c / 64] & (1ULL << (c % 64))))
                        continue;
                while (hi + 1 < SET_BITS && (bits[(hi + 1) / 64] & (1ULL << ((hi + 1) % 64))))
                        hi++;
                grown = hi > c ? vgpu_strdup_printf("%s%s%u-%u", out, *out ? "," : "", c, hi)
                               : vgpu_strdup_printf("%s%s%u", out, *out ? "," : "", c);
                free(out);
                out = grown;
                c = hi;
        }
        return out;
}

/* A libvirt cpuset/nodeset ("0-7,^3"), normalised to a plain list in *ret. */
static int parse_set(struct walk *w, const xmlNode *n, const char *list, char **ret)
{
        uint64_t bits[SET_BITS / 64];

        if (vgpu_parse_cpuset(list, bits, SET_BITS) < 0)
                return fail(w, n, EINVAL, "'%.64s' is not a CPU list", list);
        *ret = format_set(bits);
        return *ret ? 0 : -ENOMEM;
}

static int parse_numatune(struct walk *w, const xmlNode *numatune)
{
        const xmlNode *mem = child(numatune, "memory");
        _cleanup_free_ char *mode = NULL, *nodeset = NULL;

        if (!mem)
                return 0;
        mode = prop(w, mem, "mode");
        nodeset = prop(w, mem, "nodeset");
        if (!nodeset)
                return 0; /* placement='auto': numad decides */
        /* libvirt: no mode means strict */
        w->dom->numa_mode = !mode || strcmp(mode, "strict") == 0 ? VGPU_NUMA_STRICT : VGPU_NUMA_PREFERRED;
        return parse_set(w, mem, nodeset, &w->dom->numa_nodeset);
}

static int add_cpuset(struct walk *w, const xmlNode *n)
{
        _cleanup_free_ char *set = prop(w, n, "cpuset"), *plain = NULL;
        char *joined;
        int r;

        if (!set)
                return 0;
        r = parse_set(w, n, set, &plain);
        if (r < 0)
                return r;
        joined = w->dom->vcpu_cpuset ? vgpu_strdup_printf("%s,%s", w->dom->vcpu_cpuset, plain) : strdup(plain);
        if (!joined)
                return -ENOMEM;
        free(w->dom->vcpu_cpuset);
        w->dom->vcpu_cpuset = joined;
        return 0;
}

static int parse_cpus(struct walk *w, const xmlNode *root)
{
        const xmlNode *cputune = child(root, "cputune");
        int r = child(root, "vcpu") ? add_cpuset(w, child(root, "vcpu")) : 0;

        for (const xmlNode *c = cputune ? cputune->children : NULL; r >= 0 && c; c = c->next)
                if (is(c, "vcpupin"))
                        r = add_cpuset(w, c);
        return r;
}

static int parse_identity(struct walk *w, const xmlNode *root)
{
        _cleanup_free_ char *uuid = text_of(w, child(root, "uuid"));

        w->dom->name = text_of(w, child(root, "name"));
        if (!w->dom->name || !*w->dom->name)
                return fail(w, root, EINVAL, "the domain has no <name>");
        if (!uuid || vgpu_uuid_normalize(uuid, w->dom->uuid) < 0)
                return fail(w, child(root, "uuid"), EINVAL, "the domain has no valid <uuid>");
        return 0;
}

static int walk_domain(struct walk *w, const xmlNode *root)
{
        int r;

        if (!root || !is(root, "domain"))
                return fail(w, root, EINVAL, "the document is not a <domain>");
        r = parse_identity(w, root);
        if (r >= 0)
                r = parse_devices(w, child(root, "devices"));
        if (r >= 0)
                r = parse_metadata(w, child(root, "metadata"));
        if (r >= 0)
                r = parse_numatune(w, child(root, "numatune"));
        if (r >= 0)
                r = parse_cpus(w, root);
        if (r >= 0 && w->oom)
                r = fail(w, root, ENOMEM, "out of memory");
        return r;
}

/*
 * libxml2 reports what it cannot tie to a parser context (out of memory
 * while making one, encoding tables) through its generic handler, which
 * prints to stderr; the library never prints, and XML_PARSE_NOERROR does
 * not cover these.
 */
static void silent(void *ctx, const char *msg, ...)
{
}

/*
 * Every error of a parse, seen for one thing: libxml2 2.9 may stop at an
 * allocation failure and still hand back a (truncated) document, or report
 * a later syntax error in its place.
 */
static void note_oom(void *oom, xmlError *e)
{
        if (e && e->code == XML_ERR_NO_MEMORY)
                *(bool *)oom = true;
}

/* The parser's last error as ours: EINVAL at its line. */
static int parse_error(xmlParserCtxt *ctxt, struct vgpu_error *err)
{
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        size_t n = e && e->message ? strcspn(e->message, "\n") : 0;
        char text[256] = "malformed XML";

        if (n) /* its first line: libxml2 ends messages with a newline */
                snprintf(text, sizeof(text), "%.*s", (int)n, e->message);
        return vgpu_error_set(err, EINVAL, "domain XML", e ? e->line : 0, e ? e->int2 : 0, "%s", text);
}

static xmlDoc *read_doc(const char *xml, size_t len, int options, struct vgpu_error *err, int *ret)
{
        xmlStructuredErrorFunc old = xmlStructuredError;
        void *old_data = xmlStructuredErrorContext;
        xmlParserCtxt *ctxt;
        xmlDoc *doc = NULL;
        bool oom = false;

        xmlSetGenericErrorFunc(NULL, silent);
        xmlSetStructuredErrorFunc(&oom, (xmlStructuredErrorFunc)note_oom);
        ctxt = xmlNewParserCtxt();
        /* No XML_PARSE_NOENT (entities stay unexpanded), no DTD loading, no network. */
        if (ctxt)
                doc = xmlCtxtReadMemory(ctxt, xml, (int)len, "domain.xml", NULL,
                                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
                                                options);
        xmlSetStructuredErrorFunc(old_data, old);
        if (!ctxt || oom) {
                xmlFreeDoc(doc);
                doc = NULL;
                *ret = vgpu_error_set(err, ENOMEM, "domain XML", 0, 0, "out of memory");
        } else if (!doc) {
                *ret = parse_error(ctxt, err);
        } else if (doc->intSubset || doc->extSubset) {
                xmlFreeDoc(doc);
                doc = NULL;
                *ret = vgpu_error_set(err, EINVAL, "domain XML", 1, 0, "a domain XML must not have a DOCTYPE");
        }
        xmlFreeParserCtxt(ctxt);
        return doc;
}

xmlDoc *vgpu_domain_xml_read(const char *xml, size_t len, int options, struct vgpu_error *err, int *ret)
{
        if (len > VGPU_DOMAIN_XML_MAX) {
                *ret = vgpu_error_set(err, EFBIG, "domain XML", 0, 0, "larger than %u bytes", VGPU_DOMAIN_XML_MAX);
                return NULL;
        }
        if (len == 0) {
                *ret = vgpu_error_set(err, EINVAL, "domain XML", 0, 0, "empty input");
                return NULL;
        }
        return read_doc(xml, len, options, err, ret);
}

int vgpu_domain_from_xml(const xmlDoc *doc, struct vgpu_domain **ret_domain, struct vgpu_error *err)
{
        struct walk w = {.err = err};
        int r;

        w.dom = calloc(1, sizeof(*w.dom));
        r = w.dom ? walk_domain(&w, xmlDocGetRootElement(doc)) : -ENOMEM;
        if (r < 0) {
                vgpu_domain_free(w.dom);
                return r;
        }
        *ret_domain = w.dom;
        return 0;
}

int vgpu_domain_parse(const char *xml, size_t len, struct vgpu_domain **ret_domain, struct vgpu_error *err)
{
        xmlDoc *doc;
        int r;

        doc = vgpu_domain_xml_read(xml, len, 0, err, &r);
        if (!doc)
                return r;
        r = vgpu_domain_from_xml(doc, ret_domain, err);
        xmlFreeDoc(doc);
        return r;
}

void vgpu_domain_free(struct vgpu_domain *dom)
{
        if (!dom)
                return;
        for (size_t i = 0; i < dom->n_hostdevs; i++) {
                free(dom->hostdevs[i].model);
                free(dom->hostdevs[i].driver_model);
        }
        for (size_t i = 0; i < dom->n_specs; i++) {
                free(dom->specs[i].profile);
                free(dom->specs[i].type);
                free(dom->specs[i].parent);
        }
        free(dom->hostdevs);
        free(dom->specs);
        free(dom->name);
        free(dom->numa_nodeset);
        free(dom->vcpu_cpuset);
        free(dom);
}
