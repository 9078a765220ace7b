/* fakehost preset parser.
 *
 * Line-oriented; '#' starts a comment; tokens split on whitespace; a value
 * may be "double quoted" with \" \\ \n escapes; options are key=value.
 *
 *   include NAME                 NAME.host from the same directory, once
 *   node ID cpus=LIST
 *   pci ADDR vendor= device= class= [subvendor= subdevice= revision=]
 *           [bridge=ADDR] [driver=] [override=] [group=] [numa=] [cpus=]
 *           [home=DRIVER|none] [vfio-bind=ok|fail]
 *           [totalvfs= numvfs= autoprobe= vf-offset= vf-stride= vf-device=]
 *           [numvfs-errno=ERRNO] [vgpu-fb=N] [vf-vgpu-types="ID:NAME:COST,..."]
 *           [vf-param=NAME] [netdev=IFNAME]
 *           [vgpu-mode=equal|mixed|mig] [mig-instances="GI:FB,..."] [vgpu-format=name-first]
 *           [physfn=ADDR] [vgpu-types="ID:NAME[:COST],..."] [current-type=ID] [vfio=N]
 *           [gpu-instance=GI] [placement=N] [vgpu-params=TEXT]
 *           [compute-partition=SPX|DPX|CPX...] [memory-partition=NPS1...]
 *           [xe-admin [xe-vram=BYTES] [xe-profiles="EQ:PT:PRIO:VRAM,..."]]
 *   mdev-pool NAME size=N [exclusive] [errno=ENOSPC|EUSERS]
 *   mdev-parent NAME pool= [max=] [class=] [mdev-driver=]
 *   mdev-type PARENT ID name= api= [description=] cost=
 *   mdev UUID parent= type= group= [vfio=]
 *   kernel RELEASE               uname -r: proc/sys/kernel/osrelease and
 *                                lib/modules/RELEASE/modules.{alias,dep,builtin}
 *   modparam MODULE NAME=VALUE...  sys/module/MODULE/parameters/NAME
 *   kmod NAME [alias="PATTERN,..."] [builtin]   a module of that kernel:
 *                                "alias PATTERN NAME" lines in modules.alias,
 *                                and its file in modules.dep (modules.builtin)
 *
 * Everything a line refers to (bridge, physfn, pool, parent, type) must be
 * declared on an earlier line, so each error points at the line that
 * breaks the model.
 *
 * What the kernel-emulation shim (tests/kshim*.c) needs:
 *   home        the driver that binds the device by its IDs (drivers_probe,
 *               bind; a PF's also binds the VFs it creates); default: its
 *               driver unless that is vfio-pci or pci-stub, else none
 *   vfio-bind   fail: vfio-pci's probe refuses the device
 *   numvfs-errno  every change of sriov_numvfs fails so (ENOENT: a PF driver
 *               without sriov_configure, like AMD GIM's module parameter)
 *   vgpu-fb     a PF's framebuffer shared by its VFs' NVIDIA vGPU types; each
 *               vgpu-types entry may end in :COST (same unit); a VF with a
 *               current type offers none, the others only types that fit
 *   vf-vgpu-types  a PF's vgpu-types for VFs that do not list their own
 *               (also those sriov_numvfs creates)
 *   vgpu-mode   how the PF's VFs share its framebuffer (fakehost-nvidia.c):
 *               equal-size, mixed-size, MIG-backed (mig-instances: its GPU
 *               instances and their framebuffer); none: capacity only
 *   vgpu-format name-first: creatable_vgpu_types rows "NAME ID"
 *   gpu-instance, placement, vgpu-params  a VF's nvidia/gpu_instance_id,
 *               placement_id, vgpu_params
 *   vf-param    a PF's driver module parameter that sets its VF count (AMD
 *               GIM's vf_num): sys/module/MODULE/parameters/NAME holds numvfs
 *   compute-partition, memory-partition  an AMD PF's partition modes
 *               (amdgpu's current_compute_partition, current_memory_partition)
 *   xe-admin, xe-vram, xe-profiles  an Intel xe PF's sriov_admin tree
 *               (fakehost-xe.c)
 *   netdev      the network interface the bound driver registers: net/NAME
 *               below the device and sys/class/net/NAME (none while unbound)
 *   errno       create's answer when a pool is full: ENOSPC (default; mtty,
 *               mbochs) or EUSERS (the mdev core's counter: mdpy)
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fakehost-private.h"

#define MAX_TOKS 32

struct tok {
        char *s;
        int eq; /* offset of the first unquoted '=', -1 if none */
        bool used;
};

struct line {
        struct tok tok[MAX_TOKS];
        int n;
};

struct pctx {
        struct fakehost *fh;
        struct fh_where at;
        char *err;
        size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int perr(struct pctx *c, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (c->errlen == 0)
                return -EINVAL;
        n = snprintf(c->err, c->errlen, "%s:%d: ", c->at.file, c->at.line);
        if (n >= 0 && (size_t)n < c->errlen) {
                va_start(ap, fmt);
                vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
}

/* ---- tokens ---------------------------------------------------------------- */

static int unescape(struct pctx *c, char ch, char **w)
{
        switch (ch) {
        case 'n':
                *(*w)++ = '\n';
                return 0;
        case '"':
        case '\\':
                *(*w)++ = ch;
                return 0;
        default:
                return perr(c, "bad escape in quoted value");
        }
}

/* Reads one token at *sp into itself (unescaping shrinks it in place). */
static int read_tok(struct pctx *c, char **sp, struct tok *t)
{
        char *s = *sp, *w = s;
        bool quoted = false;

        t->s = s;
        t->eq = -1;
        t->used = false;
        for (; *s && (quoted || !(isspace((unsigned char)*s) || *s == '#')); s++) {
                if (*s == '"') {
                        quoted = !quoted;
                } else if (quoted && *s == '\\') {
                        int r = unescape(c, *++s, &w);
                        if (r < 0)
                                return r;
                } else {
                        if (!quoted && *s == '=' && t->eq < 0)
                                t->eq = (int)(w - t->s);
                        *w++ = *s;
                }
        }
        if (quoted)
                return perr(c, "unterminated quote");
        *sp = *s == '#' ? s + strlen(s) : s + (*s != '\0');
        *w = '\0';
        return 0;
}

static int tokenize(struct pctx *c, char *s, struct line *l)
{
        l->n = 0;
        for (;;) {
                while (isspace((unsigned char)*s))
                        s++;
                if (!*s || *s == '#')
                        return 0;
                if (l->n == MAX_TOKS)
                        return perr(c, "too many words on one line");
                int r = read_tok(c, &s, &l->tok[l->n++]);
                if (r < 0)
                        return r;
        }
}

/* ---- options ----------------------------------------------------------- */

static bool key_is(const struct tok *t, const char *key)
{
        size_t klen = t->eq < 0 ? strlen(t->s) : (size_t)t->eq;

        return strlen(key) == klen && strncmp(t->s, key, klen) == 0;
}

/* Value of KEY=..., or NULL; marks the option as consumed. */
static const char *opt(struct line *l, const char *key)
{
        for (int i = 1; i < l->n; i++) {
                struct tok *t = &l->tok[i];

                if (t->eq >= 0 && key_is(t, key)) {
                        t->used = true;
                        return t->s + t->eq + 1;
                }
        }
        return NULL;
}

static bool flag(struct line *l, const char *key)
{
        for (int i = 1; i < l->n; i++) {
                struct tok *t = &l->tok[i];

                if (t->eq < 0 && !t->used && key_is(t, key)) {
                        t->used = true;
                        return true;
                }
        }
        return false;
}

static int check_options(struct pctx *c, struct line *l)
{
        for (int i = 1; i < l->n; i++) {
                struct tok *t = &l->tok[i];

                if (!t->used)
                        return perr(c, "unknown key '%.*s'", t->eq < 0 ? (int)strlen(t->s) : t->eq, t->s);
        }
        return 0;
}

static int check_duplicates(struct pctx *c, struct line *l)
{
        for (int i = 1; i < l->n; i++)
                for (int j = i + 1; j < l->n; j++)
                        if (l->tok[i].eq >= 0 && l->tok[j].eq == l->tok[i].eq &&
                            strncmp(l->tok[i].s, l->tok[j].s, (size_t)l->tok[i].eq) == 0)
                                return perr(c, "duplicate key '%.*s'", l->tok[i].eq, l->tok[i].s);
        return 0;
}

/* Integer option in [MIN, MAX]: 1 when present, 0 when absent (*out kept). */
static int opt_num(struct pctx *c, struct line *l, const char *key, int base, long min, long max, long *out)
{
        const char *v = opt(l, key);
        char *end;

        if (!v)
                return 0;
        errno = 0;
        long n = strtol(v, &end, base);
        if (!*v || *end || errno || n < min || n > max || (base == 16 && v[0] == '-'))
                return perr(c, "bad value for %s: '%s'", key, v);
        *out = n;
        return 1;
}

static int opt_int(struct pctx *c, struct line *l, const char *key, long min, long max, int *out)
{
        long n;
        int r = opt_num(c, l, key, 10, min, max, &n);

        if (r > 0)
                *out = (int)n;
        return r;
}

static int opt_hex(struct pctx *c, struct line *l, const char *key, unsigned max, unsigned *out)
{
        long n;
        int r = opt_num(c, l, key, 16, 0, max, &n);

        if (r > 0)
                *out = (unsigned)n;
        return r;
}

static int req_hex(struct pctx *c, struct line *l, const char *key, unsigned max, unsigned *out)
{
        int r = opt_hex(c, l, key, max, out);

        return r == 0 ? perr(c, "missing %s=", key) : r;
}

static int opt_str(struct pctx *c, struct line *l, const char *key, bool required, char **out)
{
        const char *v = opt(l, key);

        if (!v)
                return required ? perr(c, "missing %s=", key) : 0;
        if (!*v)
                return perr(c, "empty value for %s", key);
        *out = strdup(v);
        return *out ? 1 : -ENOMEM;
}

/* ---- node ---------------------------------------------------------------- */

static int d_node(struct pctx *c, struct line *l)
{
        struct fh_node tmp = {.at = c->at};
        const char *cpus = opt(l, "cpus");
        long id;
        char *end;

        errno = 0;
        id = strtol(l->tok[1].s, &end, 10);
        if (*end || errno || id < 0 || id >= 1024 || !isdigit((unsigned char)l->tok[1].s[0]))
                return perr(c, "bad node id '%s'", l->tok[1].s);
        tmp.id = (int)id;
        if (!cpus)
                return perr(c, "missing cpus=");
        if (fh_cpuset_parse(cpus, &tmp.cpus) < 0)
                return perr(c, "bad CPU list '%s'", cpus);
        int r = check_options(c, l);
        if (r < 0)
                return r;
        struct fh_node *old = fh_find_node(c->fh, tmp.id);
        if (old)
                return memcmp(&old->cpus, &tmp.cpus, sizeof(tmp.cpus)) == 0
                               ? 0
                               : perr(c, "node %d redefined with other CPUs", tmp.id);
        for (size_t i = 0; i < c->fh->nodes.n; i++)
                if (fh_cpuset_intersects(&((struct fh_node *)c->fh->nodes.v[i])->cpus, &tmp.cpus))
                        return perr(c, "node %d shares CPUs with another node", tmp.id);
        struct fh_node *n = malloc(sizeof(*n));
        if (!n)
                return -ENOMEM;
        *n = tmp;
        r = fh_vec_push(&c->fh->nodes, n);
        if (r < 0)
                free(n);
        return r;
}

/* ---- pci ----------------------------------------------------------------- */

static void pci_freep(struct fh_pci **p)
{
        fh_pci_free(*p);
}

static int pci_ids(struct pctx *c, struct line *l, struct fh_pci *p)
{
        int r;

        if ((r = req_hex(c, l, "vendor", 0xffff, &p->vendor)) < 0 ||
            (r = req_hex(c, l, "device", 0xffff, &p->device)) < 0 ||
            (r = req_hex(c, l, "class", 0xffffff, &p->class_code)) < 0)
                return r;
        p->subvendor = p->vendor;
        p->subdevice = p->device;
        if ((r = opt_hex(c, l, "subvendor", 0xffff, &p->subvendor)) < 0 ||
            (r = opt_hex(c, l, "subdevice", 0xffff, &p->subdevice)) < 0 ||
            (r = opt_hex(c, l, "revision", 0xff, &p->revision)) < 0)
                return r;
        return 0;
}

static int pci_ref(struct pctx *c, struct line *l, const char *key, struct fh_pci **out)
{
        const char *v = opt(l, key);
        struct fh_pci tmp;

        if (!v)
                return 0;
        if (fh_pci_addr_parse(v, &tmp) < 0)
                return perr(c, "bad PCI address '%s'", v);
        *out = fh_find_pci(c->fh, tmp.addr);
        if (!*out)
                return perr(c, "%s %s is not declared on an earlier line", key, tmp.addr);
        return 1;
}

static int pci_home(struct pctx *c, struct line *l, struct fh_pci *p)
{
        const char *home = opt(l, "home"), *bind = opt(l, "vfio-bind");

        if (bind && strcmp(bind, "ok") != 0 && strcmp(bind, "fail") != 0)
                return perr(c, "bad value for vfio-bind: '%s' (want ok or fail)", bind);
        p->vfio_fail = bind && strcmp(bind, "fail") == 0;
        if (home && !*home)
                return perr(c, "empty value for home");
        if (!home)
                home = fh_default_home(p);
        else if (strcmp(home, "none") == 0)
                home = NULL;
        if (home && !(p->home = strdup(home)))
                return -ENOMEM;
        return 0;
}

static int pci_host(struct pctx *c, struct line *l, struct fh_pci *p)
{
        const char *cpus = opt(l, "cpus");
        int r;

        if ((r = pci_ref(c, l, "bridge", &p->bridge)) < 0 || (r = pci_ref(c, l, "physfn", &p->physfn)) < 0 ||
            (r = opt_str(c, l, "driver", false, &p->driver)) < 0 ||
            (r = opt_str(c, l, "override", false, &p->override)) < 0 ||
            (r = opt_str(c, l, "netdev", false, &p->netdev)) < 0 ||
            (r = opt_int(c, l, "group", 0, INT_MAX, &p->group)) < 0 ||
            (r = opt_int(c, l, "vfio", 0, INT_MAX, &p->vfio)) < 0 ||
            (r = opt_int(c, l, "numa", -1, 1023, &p->numa)) < 0)
                return r;
        p->numa_set = r > 0;
        if (cpus && fh_cpuset_parse(cpus, &p->cpus) < 0)
                return perr(c, "bad CPU list '%s'", cpus);
        p->cpus_set = cpus != NULL;
        if (p->physfn && !p->physfn->is_pf)
                return perr(c, "physfn %s is not an SR-IOV PF (no totalvfs=)", p->physfn->addr);
        if ((r = pci_home(c, l, p)) < 0)
                return r;
        if (p->vfio >= 0 && fh_vfio_used(c->fh, p->vfio))
                return perr(c, "vfio%d is already in use", p->vfio);
        for (size_t i = 0; i < c->fh->mdevs.n; i++) {
                const struct fh_mdev *m = c->fh->mdevs.v[i];

                if (m->group == p->group)
                        return perr(c, "IOMMU group %d belongs to mdev %s", p->group, m->uuid);
        }
        return 0;
}

/* "GI:FB,...": the GPU instances of a PF in MIG mode. */
static int mig_instances(struct pctx *c, const char *list, struct fh_pci *p)
{
        for (const char *s = list; *s;) {
                int gi, fb, n = 0;

                if (p->n_mig == FH_MIG_MAX || sscanf(s, "%d:%d%n", &gi, &fb, &n) != 2 || gi < 0 || fb < 1 ||
                    (s[n] && s[n] != ','))
                        return perr(c, "bad mig-instances '%s' (want GI:FB,... with at most %d instances)", list,
                                    FH_MIG_MAX);
                p->mig_id[p->n_mig] = gi;
                p->mig_fb[p->n_mig++] = fb;
                s += n + (s[n] == ',');
        }
        return 0;
}

/* vgpu-mode=, mig-instances=, vgpu-format=: 1 if any is present. */
static int pci_vgpu_mode(struct pctx *c, struct line *l, struct fh_pci *p)
{
        const char *mode = opt(l, "vgpu-mode"), *mig = opt(l, "mig-instances"), *format = opt(l, "vgpu-format");

        if (mode && (p->vgpu_mode = fh_vgpu_mode_parse(mode)) < 0)
                return perr(c, "unknown vgpu-mode '%s' (want equal, mixed or mig)", mode);
        if ((mig != NULL) != (p->vgpu_mode == FH_VGPU_MIG))
                return perr(c, "vgpu-mode=mig and mig-instances= go together");
        if (mig && mig_instances(c, mig, p) < 0)
                return -EINVAL;
        if (p->vgpu_mode == FH_VGPU_MIXED && !p->vgpu_fb)
                return perr(c, "vgpu-mode=mixed needs vgpu-fb=");
        if (format && strcmp(format, "name-first") != 0 && strcmp(format, "id-first") != 0)
                return perr(c, "unknown vgpu-format '%s' (want id-first or name-first)", format);
        p->vgpu_name_first = format && strcmp(format, "name-first") == 0;
        return mode || mig || format;
}

/* An AMD PF's partition modes; an Intel xe PF's sriov_admin (fakehost-xe.c). */
static int pci_vendor_pf(struct pctx *c, struct line *l, struct fh_pci *p)
{
        const char *vram = opt(l, "xe-vram"), *profiles = opt(l, "xe-profiles");
        bool admin = flag(l, "xe-admin");
        int r, any = admin;

        if ((r = opt_str(c, l, "compute-partition", false, &p->compute_partition)) < 0)
                return r;
        any |= r;
        if ((r = opt_str(c, l, "memory-partition", false, &p->memory_partition)) < 0)
                return r;
        any |= r;
        if ((vram || profiles) && !admin)
                return perr(c, "xe-vram= and xe-profiles= need xe-admin");
        if (!admin)
                return any;
        if (p->totalvfs < 1)
                return perr(c, "xe-admin needs totalvfs= first");
        r = fh_xe_parse(p, vram, profiles);
        if (r == -EINVAL)
                return perr(c, "bad xe-vram= or xe-profiles= (want BYTES and \"EQ:PT:low|normal|high:VRAM,...\", "
                               "at most 1 + totalvfs entries)");
        return r < 0 ? r : 1;
}

/* Options that only a PF takes: 1 if any is present. */
static int pci_pf_extras(struct pctx *c, struct line *l, struct fh_pci *p)
{
        const char *e = opt(l, "numvfs-errno");
        int r, any = e != NULL;

        if (e && (p->numvfs_errno = fh_errno_parse(e)) < 0)
                return perr(c, "unknown errno name '%s'", e);
        if ((r = opt_int(c, l, "vgpu-fb", 1, INT_MAX, &p->vgpu_fb)) < 0)
                return r;
        any |= r;
        if ((r = opt_str(c, l, "vf-vgpu-types", false, &p->vf_vgpu_types)) < 0)
                return r;
        any |= r;
        if ((r = opt_str(c, l, "vf-param", false, &p->vf_param)) < 0)
                return r;
        any |= r;
        if ((r = pci_vgpu_mode(c, l, p)) < 0)
                return r;
        any |= r;
        if ((r = pci_vendor_pf(c, l, p)) < 0)
                return r;
        return any | r;
}

static int pci_sriov(struct pctx *c, struct line *l, struct fh_pci *p)
{
        static const char *const keys[] = {"numvfs", "autoprobe", "vf-offset", "vf-stride"};
        static const long max[] = {65535, 1, 65535, 65535};
        int *vals[] = {&p->numvfs, &p->autoprobe, &p->vf_offset, &p->vf_stride};
        int r, any;

        p->autoprobe = p->vf_offset = p->vf_stride = 1;
        p->vf_device = p->device;
        if ((r = opt_int(c, l, "totalvfs", 1, 65535, &p->totalvfs)) < 0)
                return r;
        p->is_pf = r > 0;
        if ((any = opt_hex(c, l, "vf-device", 0xffff, &p->vf_device)) < 0)
                return any;
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
                if ((r = opt_int(c, l, keys[i], 0, max[i], vals[i])) < 0)
                        return r;
                any |= r;
        }
        if ((r = pci_pf_extras(c, l, p)) < 0)
                return r;
        if ((any || r) && !p->is_pf)
                return perr(c, "SR-IOV options need totalvfs=");
        if (p->numvfs > p->totalvfs)
                return perr(c, "numvfs=%d is above totalvfs=%d", p->numvfs, p->totalvfs);
        if (p->is_pf && p->physfn)
                return perr(c, "a VF cannot be an SR-IOV PF");
        return 0;
}

/* "ID:NAME[:COST],...", as NVIDIA's creatable_vgpu_types lists them. */
static int check_vgpu_types(struct pctx *c, const char *list, const char *current)
{
        bool found = !current || strcmp(current, "0") == 0;
        struct fh_vgpu v;
        int r;

        for (const char *s = list; (r = fh_vgpu_next(&s, &v)) != 0;) {
                if (r < 0)
                        return perr(c, "bad vgpu-types entry in '%s' (want ID:NAME[:COST])", list);
                found |= current && fh_vgpu_is(&v, current);
        }
        if (!found)
                return perr(c, "current-type %s is not in vgpu-types", current);
        return 0;
}

static int pci_vgpu(struct pctx *c, struct line *l, struct fh_pci *p)
{
        int r;

        if ((r = opt_str(c, l, "vgpu-types", false, &p->vgpu_types)) < 0 ||
            (r = opt_str(c, l, "current-type", false, &p->current_type)) < 0 ||
            (r = opt_int(c, l, "gpu-instance", 0, INT_MAX, &p->gpu_instance)) < 0 ||
            (r = opt_int(c, l, "placement", 0, INT_MAX, &p->placement)) < 0 ||
            (r = opt_str(c, l, "vgpu-params", false, &p->vgpu_params)) < 0)
                return r;
        if (!p->vgpu_types && p->physfn && p->physfn->vf_vgpu_types &&
            !(p->vgpu_types = strdup(p->physfn->vf_vgpu_types)))
                return -ENOMEM;
        if (p->current_type && !p->vgpu_types)
                return perr(c, "current-type needs vgpu-types=");
        if (p->vf_vgpu_types && (r = check_vgpu_types(c, p->vf_vgpu_types, NULL)) < 0)
                return r;
        return p->vgpu_types ? check_vgpu_types(c, p->vgpu_types, p->current_type) : 0;
}

/* A name that becomes one path component (netdev, module parameter). */
static int check_component(struct pctx *c, const char *key, const char *v)
{
        if (v && (!*v || v[0] == '.' || strchr(v, '/')))
                return perr(c, "bad %s '%s' (one path component)", key, v);
        return 0;
}

static int d_pci(struct pctx *c, struct line *l)
{
        _cleanup_(pci_freep) struct fh_pci *p = calloc(1, sizeof(*p));
        int r;

        if (!p)
                return -ENOMEM;
        p->at = c->at;
        p->group = p->vfio = p->numa = p->vf_index = p->gpu_instance = p->placement = -1;
        if (fh_pci_addr_parse(l->tok[1].s, p) < 0)
                return perr(c, "bad PCI address '%s'", l->tok[1].s);
        if (fh_find_pci(c->fh, p->addr))
                return perr(c, "duplicate device %s", p->addr);
        if ((r = pci_ids(c, l, p)) < 0 || (r = pci_host(c, l, p)) < 0 || (r = pci_sriov(c, l, p)) < 0 ||
            (r = pci_vgpu(c, l, p)) < 0 || (r = check_options(c, l)) < 0 ||
            (r = check_component(c, "netdev", p->netdev)) < 0 || (r = check_component(c, "vf-param", p->vf_param)) < 0)
                return r;
        r = fh_vec_push(&c->fh->pcis, p);
        if (r < 0)
                return r;
        TAKE_PTR(p);
        return 0;
}

/* ---- mdev ---------------------------------------------------------------- */

static void pool_freep(struct fh_pool **p)
{
        fh_pool_free(*p);
}

static int d_pool(struct pctx *c, struct line *l)
{
        _cleanup_(pool_freep) struct fh_pool *p = calloc(1, sizeof(*p));
        int r;

        if (!p)
                return -ENOMEM;
        p->at = c->at;
        if (fh_find_pool(c->fh, l->tok[1].s))
                return perr(c, "duplicate pool %s", l->tok[1].s);
        p->name = strdup(l->tok[1].s);
        if (!p->name)
                return -ENOMEM;
        p->exclusive = flag(l, "exclusive");
        p->full_errno = ENOSPC;
        const char *e = opt(l, "errno");
        if (e && (p->full_errno = fh_errno_parse(e)) < 0)
                return perr(c, "unknown errno name '%s'", e);
        if ((r = opt_int(c, l, "size", 1, INT_MAX, &p->size)) <= 0)
                return r < 0 ? r : perr(c, "missing size=");
        if ((r = check_options(c, l)) < 0 || (r = fh_vec_push(&c->fh->pools, p)) < 0)
                return r;
        TAKE_PTR(p);
        return 0;
}

static void parent_freep(struct fh_parent **p)
{
        fh_parent_free(*p);
}

/* A parent named by a PCI address is that device; any other name is a
 * virtual device like the kernel's mdev samples. */
static int parent_device(struct pctx *c, struct fh_parent *p)
{
        struct fh_pci tmp;

        if (fh_pci_addr_parse(p->name, &tmp) == 0) {
                p->pci = fh_find_pci(c->fh, tmp.addr);
                if (!p->pci)
                        return perr(c, "mdev parent %s is not a declared PCI device", tmp.addr);
                free(p->name);
                p->name = strdup(tmp.addr);
        } else if (strchr(p->name, '/') || strchr(p->name, ':')) {
                return perr(c, "bad mdev parent name '%s'", p->name);
        }
        if (!p->name || (!p->class_name && !(p->class_name = strdup(p->name))))
                return -ENOMEM;
        if (!p->mdev_driver && !p->pci && !(p->mdev_driver = strdup(p->class_name)))
                return -ENOMEM;
        if (!p->mdev_driver)
                return perr(c, "mdev-driver= is required for a PCI parent");
        if (fh_find_parent(c->fh, p->name))
                return perr(c, "duplicate mdev parent %s", p->name);
        return 0;
}

static int d_parent(struct pctx *c, struct line *l)
{
        _cleanup_(parent_freep) struct fh_parent *p = calloc(1, sizeof(*p));
        const char *pool = opt(l, "pool");
        int r;

        if (!p || !(p->name = strdup(l->tok[1].s)))
                return -ENOMEM;
        p->at = c->at;
        if (!pool)
                return perr(c, "missing pool=");
        p->pool = fh_find_pool(c->fh, pool);
        if (!p->pool)
                return perr(c, "unknown pool %s", pool);
        if ((r = opt_int(c, l, "max", 1, INT_MAX, &p->max)) < 0 ||
            (r = opt_str(c, l, "class", false, &p->class_name)) < 0 ||
            (r = opt_str(c, l, "mdev-driver", false, &p->mdev_driver)) < 0 || (r = check_options(c, l)) < 0 ||
            (r = parent_device(c, p)) < 0 || (r = fh_vec_push(&c->fh->parents, p)) < 0)
                return r;
        TAKE_PTR(p);
        return 0;
}

static void type_freep(struct fh_type **t)
{
        fh_type_free(*t);
}

static struct fh_parent *find_parent_arg(struct pctx *c, const char *name)
{
        struct fh_pci tmp;

        return fh_find_parent(c->fh, fh_pci_addr_parse(name, &tmp) == 0 ? tmp.addr : name);
}

static int d_type(struct pctx *c, struct line *l)
{
        _cleanup_(type_freep) struct fh_type *t = calloc(1, sizeof(*t));
        int r;

        if (!t || !(t->id = strdup(l->tok[2].s)))
                return -ENOMEM;
        t->at = c->at;
        t->parent = find_parent_arg(c, l->tok[1].s);
        if (!t->parent)
                return perr(c, "unknown mdev parent %s", l->tok[1].s);
        if (strchr(t->id, '/') || fh_find_type(c->fh, t->parent, t->id))
                return perr(c, "%s type id '%s'", strchr(t->id, '/') ? "bad" : "duplicate", t->id);
        if ((r = opt_str(c, l, "name", true, &t->name)) < 0 || (r = opt_str(c, l, "api", true, &t->api)) < 0 ||
            (r = opt_str(c, l, "description", false, &t->description)) < 0 ||
            (r = opt_int(c, l, "cost", 1, INT_MAX, &t->cost)) < 0)
                return r;
        if (r == 0)
                return perr(c, "missing cost=");
        if ((r = check_options(c, l)) < 0 || (r = fh_vec_push(&c->fh->types, t)) < 0)
                return r;
        TAKE_PTR(t);
        return 0;
}

static int d_mdev(struct pctx *c, struct line *l)
{
        const char *parent = opt(l, "parent"), *type = opt(l, "type");
        struct fh_parent *p;
        int group = -1, vfio = -1, r;

        if (!parent || !type)
                return perr(c, "missing %s=", parent ? "type" : "parent");
        if ((r = opt_int(c, l, "group", 0, INT_MAX, &group)) < 0 ||
            (r = opt_int(c, l, "vfio", 0, INT_MAX, &vfio)) < 0 || (r = check_options(c, l)) < 0)
                return r;
        if (group < 0)
                return perr(c, "missing group=");
        p = find_parent_arg(c, parent);
        r = fakehost_mdev_add(c->fh, l->tok[1].s, p ? p->name : parent, type, group, vfio);
        if (r == -EINVAL && fh_uuid_canonical(l->tok[1].s, (char[37]){0}) < 0)
                return perr(c, "bad UUID '%s' (want 8-4-4-4-12 hex digits)", l->tok[1].s);
        if (r == -EINVAL && vfio >= 0 && fh_vfio_used(c->fh, vfio))
                return perr(c, "vfio%d is already in use", vfio);
        if (r == -EINVAL)
                return perr(c, "IOMMU group %d is already in use", group);
        if (r == -ENOENT && !p)
                return perr(c, "unknown mdev parent %s", parent);
        if (r == -ENOENT)
                return perr(c, "unknown type %s on mdev parent %s", type, parent);
        if (r == -EEXIST)
                return perr(c, "duplicate mdev %s", l->tok[1].s);
        if (r == -ENOSPC)
                return perr(c, "no capacity left for type %s on %s", type, parent);
        if (r < 0)
                return r;
        ((struct fh_mdev *)c->fh->mdevs.v[c->fh->mdevs.n - 1])->at = c->at;
        return 0;
}

/* ---- kernel modules -------------------------------------------------------- */

static int d_kernel(struct pctx *c, struct line *l)
{
        const char *release = l->tok[1].s;
        int r = check_options(c, l);

        if (r < 0 || (r = check_component(c, "kernel release", release)) < 0)
                return r;
        if (c->fh->kernel)
                return strcmp(c->fh->kernel, release) == 0 ? 0 : perr(c, "kernel redefined as %s", release);
        c->fh->kernel = strdup(release);
        return c->fh->kernel ? 0 : -ENOMEM;
}

static bool kmod_exists(const struct fakehost *fh, const char *name)
{
        for (size_t i = 0; i < fh->kmods.n; i++)
                if (strcmp(((const struct fh_kmod *)fh->kmods.v[i])->name, name) == 0)
                        return true;
        return false;
}

static int d_kmod(struct pctx *c, struct line *l)
{
        const char *name = l->tok[1].s;
        struct fh_kmod *k;
        int r;

        if (!c->fh->kernel)
                return perr(c, "kmod before any kernel line");
        if (!*name || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(name))
                return perr(c, "bad module name '%s' (lower case, digits, '_')", name);
        if (kmod_exists(c->fh, name))
                return perr(c, "duplicate kmod %s", name);
        if (!(k = calloc(1, sizeof(*k))) || !(k->name = strdup(name))) {
                fh_kmod_free(k);
                return -ENOMEM;
        }
        k->at = c->at;
        k->builtin = flag(l, "builtin");
        if ((r = opt_str(c, l, "alias", false, &k->aliases)) < 0 || (r = check_options(c, l)) < 0 ||
            (r = fh_vec_push(&c->fh->kmods, k)) < 0) {
                fh_kmod_free(k);
                return r;
        }
        return 0;
}

/* modparam MODULE NAME=VALUE...: sys/module/MODULE/parameters/NAME. */
static int d_modparam(struct pctx *c, struct line *l)
{
        const char *module = l->tok[1].s;
        int r;

        if (check_component(c, "module name", module) < 0)
                return -EINVAL;
        for (int i = 2; i < l->n; i++) {
                l->tok[i].used = true;
                r = fh_modparam_add(c->fh, c->at, module, l->tok[i].s);
                if (r == -EINVAL)
                        return perr(c, "bad module parameter '%s' (want NAME=VALUE)", l->tok[i].s);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- files --------------------------------------------------------------- */

static int parse_file(struct fakehost *fh, const char *file, char *err, size_t errlen);

static int d_include(struct pctx *c, struct line *l)
{
        const char *name = l->tok[1].s;
        const char *slash = strrchr(c->at.file, '/');
        _cleanup_free_ char *path = NULL;

        if (strchr(name, '/') || name[0] == '.')
                return perr(c, "include takes a preset name from the same directory, not '%s'", name);
        if (check_options(c, l) < 0)
                return -EINVAL;
        if (asprintf(&path, "%.*s%s.host", slash ? (int)(slash - c->at.file + 1) : 0, c->at.file, name) < 0)
                return -ENOMEM;
        int r = parse_file(c->fh, path, c->err, c->errlen);
        if (r < 0 && r != -EINVAL)
                return perr(c, "cannot read %s: %s", path, strerror(-r));
        return r;
}

static const struct directive {
        const char *name;
        int args;
        int (*fn)(struct pctx *c, struct line *l);
} directives[] = {
        {"include", 1, d_include},    {"node", 1, d_node},         {"pci", 1, d_pci},   {"mdev-pool", 1, d_pool},
        {"mdev-parent", 1, d_parent}, {"mdev-type", 2, d_type},    {"mdev", 1, d_mdev}, {"kernel", 1, d_kernel},
        {"kmod", 1, d_kmod},          {"modparam", 1, d_modparam},
};

static int parse_line(struct pctx *c, char *s)
{
        struct line l;
        int r = tokenize(c, s, &l);

        if (r < 0 || l.n == 0)
                return r;
        for (size_t i = 0; i < sizeof(directives) / sizeof(directives[0]); i++) {
                const struct directive *d = &directives[i];

                if (strcmp(l.tok[0].s, d->name) != 0)
                        continue;
                for (int a = 1; a <= d->args; a++) {
                        if (a >= l.n || l.tok[a].eq >= 0)
                                return perr(c, "%s: missing argument", d->name);
                        l.tok[a].used = true;
                }
                if ((r = check_duplicates(c, &l)) < 0)
                        return r;
                return d->fn(c, &l);
        }
        return perr(c, "unknown directive '%s'", l.tok[0].s);
}

/* Records FILE; 1 if it was parsed before (include once), 0 if new. */
static int remember_file(struct fakehost *fh, const char *file, const char **display)
{
        _cleanup_free_ char *real = realpath(file, NULL);
        _cleanup_free_ char *copy = strdup(file);
        int r;

        if (!real)
                return -errno;
        if (!copy)
                return -ENOMEM;
        for (size_t i = 0; i < fh->real.n; i++)
                if (strcmp(fh->real.v[i], real) == 0)
                        return 1;
        if ((r = fh_vec_push(&fh->real, real)) < 0)
                return r;
        TAKE_PTR(real);
        if ((r = fh_vec_push(&fh->files, copy)) < 0)
                return r;
        *display = TAKE_PTR(copy);
        return 0;
}

static void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}

static int parse_file(struct fakehost *fh, const char *file, char *err, size_t errlen)
{
        struct pctx c = {.fh = fh, .err = err, .errlen = errlen};
        _cleanup_(fclosep) FILE *f = fopen(file, "re");
        _cleanup_free_ char *buf = NULL;
        size_t cap = 0;
        int r;

        if (!f)
                return -errno;
        r = remember_file(fh, file, &c.at.file);
        if (r != 0)
                return r < 0 ? r : 0;
        while (getline(&buf, &cap, f) >= 0) {
                c.at.line++;
                if ((r = parse_line(&c, buf)) < 0)
                        return r;
        }
        return ferror(f) ? -EIO : 0;
}

/* ---- whole-model checks, once every file is read ------------------------- */

static int check_pf(struct pctx *c, struct fh_pci *pf)
{
        int k = 0;

        /* virtfnK follow the VFs' routing IDs, i.e. their address order. */
        for (size_t i = 0; i < c->fh->pcis.n; i++) {
                struct fh_pci *vf = c->fh->pcis.v[i];

                if (vf->physfn != pf)
                        continue;
                vf->vf_index = 0;
                for (size_t j = 0; j < c->fh->pcis.n; j++) {
                        struct fh_pci *o = c->fh->pcis.v[j];

                        vf->vf_index += o->physfn == pf && fh_pci_addr_cmp(o, vf) < 0;
                }
                k++;
        }
        c->at = pf->at;
        if (k != pf->numvfs)
                return perr(c, "PF %s has numvfs=%d but %d VF%s declared", pf->addr, pf->numvfs, k,
                            k == 1 ? " is" : "s are");
        return 0;
}

/* The kernel puts a device under its upstream bridge (a VF beside its PF,
 * or /sys/devices/pciDDDD:BB on a root bus) and gives it that bridge's
 * NUMA node unless firmware says otherwise. */
static int place_pci(struct pctx *c, struct fh_pci *p)
{
        const struct fh_pci *up = p->physfn ? p->physfn : p->bridge;
        int r;

        c->at = p->at;
        if (!p->numa_set && up)
                p->numa = up->numa;
        if (p->numa >= 0 && c->fh->nodes.n > 0 && !fh_find_node(c->fh, p->numa))
                return perr(c, "numa=%d but no node %d is declared", p->numa, p->numa);
        if (p->physfn)
                r = asprintf(&p->path, "%.*s/%s", (int)(strrchr(up->path, '/') - up->path), up->path, p->addr);
        else if (p->bridge)
                r = asprintf(&p->path, "%s/%s", up->path, p->addr);
        else
                r = asprintf(&p->path, "sys/devices/pci%04x:%02x/%s", p->domain, p->bus, p->addr);
        if (r < 0)
                return -ENOMEM;
        return p->is_pf ? check_pf(c, p) : 0;
}

static int place_parent(struct fh_parent *p)
{
        int r = p->pci ? asprintf(&p->path, "%s", p->pci->path)
                       : asprintf(&p->path, "sys/devices/virtual/%s/%s", p->class_name, p->name);

        return r < 0 ? -ENOMEM : 0;
}

static int finish(struct pctx *c)
{
        int r;

        for (size_t i = 0; i < c->fh->pcis.n; i++)
                if ((r = place_pci(c, c->fh->pcis.v[i])) < 0)
                        return r;
        for (size_t i = 0; i < c->fh->parents.n; i++)
                if ((r = place_parent(c->fh->parents.v[i])) < 0)
                        return r;
        return 0;
}

int fakehost_parse(const char *preset_file, struct fakehost **ret, char *err, size_t errlen)
{
        struct fakehost *fh = calloc(1, sizeof(*fh));
        struct pctx c = {.fh = fh, .err = err, .errlen = errlen};
        int r;

        if (errlen > 0)
                err[0] = '\0';
        if (!fh)
                return -ENOMEM;
        r = parse_file(fh, preset_file, err, errlen);
        if (r < 0 && r != -EINVAL && errlen > 0)
                snprintf(err, errlen, "%s: %s", preset_file, strerror(-r));
        if (r == 0)
                r = finish(&c);
        if (r < 0) {
                fakehost_free(fh);
                return r;
        }
        *ret = fh;
        return 0;
}
