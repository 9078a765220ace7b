/* fakehost model: lookups, the mdev pool rules, value helpers, and the small
 * test helpers (temp dirs). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fakehost-private.h"

int fh_vec_push(struct fh_vec *vec, void *item)
{
        if (vec->n == vec->cap) {
                size_t cap = vec->cap ? vec->cap * 2 : 16;
                void **v = realloc(vec->v, cap * sizeof(*v));

                if (!v)
                        return -ENOMEM;
                vec->v = v;
                vec->cap = cap;
        }
        vec->v[vec->n++] = item;
        return 0;
}

struct fh_pci *fh_find_pci(const struct fakehost *fh, const char *addr)
{
        for (size_t i = 0; i < fh->pcis.n; i++) {
                struct fh_pci *p = fh->pcis.v[i];

                if (strcmp(p->addr, addr) == 0)
                        return p;
        }
        return NULL;
}

struct fh_pool *fh_find_pool(const struct fakehost *fh, const char *name)
{
        for (size_t i = 0; i < fh->pools.n; i++) {
                struct fh_pool *p = fh->pools.v[i];

                if (strcmp(p->name, name) == 0)
                        return p;
        }
        return NULL;
}

struct fh_parent *fh_find_parent(const struct fakehost *fh, const char *name)
{
        for (size_t i = 0; i < fh->parents.n; i++) {
                struct fh_parent *p = fh->parents.v[i];

                if (strcmp(p->name, name) == 0)
                        return p;
        }
        return NULL;
}

struct fh_type *fh_find_type(const struct fakehost *fh, const struct fh_parent *parent, const char *id)
{
        for (size_t i = 0; i < fh->types.n; i++) {
                struct fh_type *t = fh->types.v[i];

                if (t->parent == parent && strcmp(t->id, id) == 0)
                        return t;
        }
        return NULL;
}

struct fh_mdev *fh_find_mdev(const struct fakehost *fh, const char *uuid)
{
        for (size_t i = 0; i < fh->mdevs.n; i++) {
                struct fh_mdev *m = fh->mdevs.v[i];

                if (strcmp(m->uuid, uuid) == 0)
                        return m;
        }
        return NULL;
}

struct fh_node *fh_find_node(const struct fakehost *fh, int id)
{
        for (size_t i = 0; i < fh->nodes.n; i++) {
                struct fh_node *n = fh->nodes.v[i];

                if (n->id == id)
                        return n;
        }
        return NULL;
}

/* The pool rules: a pool's size is shared by every type of every parent in
 * it; an exclusive pool (NVIDIA: one type per physical GPU) offers nothing
 * of another type while it holds any instance; a parent's max caps its own
 * instances (Ampere: one vGPU per VF). */
int fh_type_available(const struct fakehost *fh, const struct fh_type *type)
{
        const struct fh_parent *parent = type->parent;
        const struct fh_pool *pool = parent->pool;
        int used = 0, on_parent = 0;
        bool foreign = false;

        for (size_t i = 0; i < fh->mdevs.n; i++) {
                const struct fh_mdev *m = fh->mdevs.v[i];

                if (m->type->parent->pool != pool)
                        continue;
                used += m->type->cost;
                on_parent += m->type->parent == parent;
                foreign |= strcmp(m->type->id, type->id) != 0;
        }
        if (pool->exclusive && foreign)
                return 0;
        int avail = (pool->size - used) / type->cost;
        if (parent->max > 0 && parent->max - on_parent < avail)
                avail = parent->max - on_parent;
        return avail < 0 ? 0 : avail;
}

int fakehost_available(const struct fakehost *fh, const char *parent, const char *type_id)
{
        const struct fh_parent *p = fh_find_parent(fh, parent);
        const struct fh_type *t = p ? fh_find_type(fh, p, type_id) : NULL;

        return t ? fh_type_available(fh, t) : -ENOENT;
}

/* An mdev's group is its own (the kernel gives each mdev a fresh one). */
bool fh_group_used(const struct fakehost *fh, int group)
{
        for (size_t i = 0; i < fh->pcis.n; i++)
                if (((struct fh_pci *)fh->pcis.v[i])->group == group)
                        return true;
        for (size_t i = 0; i < fh->mdevs.n; i++)
                if (((struct fh_mdev *)fh->mdevs.v[i])->group == group)
                        return true;
        return false;
}

bool fh_vfio_used(const struct fakehost *fh, int vfio)
{
        for (size_t i = 0; i < fh->pcis.n; i++)
                if (((struct fh_pci *)fh->pcis.v[i])->vfio == vfio)
                        return true;
        for (size_t i = 0; i < fh->mdevs.n; i++)
                if (((struct fh_mdev *)fh->mdevs.v[i])->vfio == vfio)
                        return true;
        return false;
}

int fakehost_mdev_add(struct fakehost *fh, const char *uuid, const char *parent, const char *type_id, int group,
                      int vfio)
{
        const struct fh_parent *p = fh_find_parent(fh, parent);
        struct fh_type *t = p ? fh_find_type(fh, p, type_id) : NULL;
        _cleanup_free_ struct fh_mdev *m = calloc(1, sizeof(*m));

        if (!m)
                return -ENOMEM;
        if (fh_uuid_canonical(uuid, m->uuid) < 0 || group < 0 || fh_group_used(fh, group) ||
            (vfio >= 0 && fh_vfio_used(fh, vfio)))
                return -EINVAL;
        if (!t)
                return -ENOENT;
        if (fh_find_mdev(fh, m->uuid))
                return -EEXIST;
        if (fh_type_available(fh, t) < 1)
                return -ENOSPC;
        m->type = t;
        m->group = group;
        m->vfio = vfio;
        m->at = t->at;
        int r = fh_vec_push(&fh->mdevs, m);
        if (r < 0)
                return r;
        TAKE_PTR(m);
        return 0;
}

int fakehost_mdev_remove(struct fakehost *fh, const char *uuid)
{
        char canon[37];

        if (fh_uuid_canonical(uuid, canon) < 0)
                return -ENOENT;
        for (size_t i = 0; i < fh->mdevs.n; i++) {
                struct fh_mdev *m = fh->mdevs.v[i];

                if (strcmp(m->uuid, canon) != 0)
                        continue;
                free(m);
                memmove(&fh->mdevs.v[i], &fh->mdevs.v[i + 1], (fh->mdevs.n - i - 1) * sizeof(void *));
                fh->mdevs.n--;
                return 0;
        }
        return -ENOENT;
}

static void vec_del(struct fh_vec *vec, size_t i)
{
        memmove(&vec->v[i], &vec->v[i + 1], (vec->n - i - 1) * sizeof(void *));
        vec->n--;
}

/* Removes parent P's types and their instances, then P. */
static void parent_remove(struct fakehost *fh, struct fh_parent *p)
{
        for (size_t i = fh->mdevs.n; i-- > 0;)
                if (((struct fh_mdev *)fh->mdevs.v[i])->type->parent == p) {
                        free(fh->mdevs.v[i]);
                        vec_del(&fh->mdevs, i);
                }
        for (size_t i = fh->types.n; i-- > 0;)
                if (((struct fh_type *)fh->types.v[i])->parent == p) {
                        fh_type_free(fh->types.v[i]);
                        vec_del(&fh->types, i);
                }
        for (size_t i = fh->parents.n; i-- > 0;)
                if (fh->parents.v[i] == p) {
                        fh_parent_free(p);
                        vec_del(&fh->parents, i);
                }
}

/* Removes device P (a VF: nothing points at it but its mdev parents). */
void fh_pci_remove(struct fakehost *fh, struct fh_pci *p)
{
        for (size_t i = fh->parents.n; i-- > 0;)
                if (((struct fh_parent *)fh->parents.v[i])->pci == p)
                        parent_remove(fh, fh->parents.v[i]);
        for (size_t i = 0; i < fh->pcis.n; i++)
                if (fh->pcis.v[i] == p) {
                        vec_del(&fh->pcis, i);
                        break;
                }
        fh_pci_free(p);
}

/* vfio-pci and pci-stub claim no device by its IDs, only through
 * driver_override (or new_id). */
bool fh_is_stub_driver(const char *driver)
{
        return driver && (strcmp(driver, "vfio-pci") == 0 || strcmp(driver, "pci-stub") == 0);
}

/* The driver that binds P when nothing overrides it: the one the preset
 * binds it to, unless that is vfio-pci or pci-stub (which claim devices
 * only through driver_override).  A VF that sriov_numvfs creates gets its
 * PF's instead; say home= for a preset VF that should have one. */
const char *fh_default_home(const struct fh_pci *p)
{
        return p->driver && !fh_is_stub_driver(p->driver) ? p->driver : NULL;
}

/* The kernel numbers IOMMU groups and vfio devices with an IDA: the
 * lowest free number. */
int fh_next_group(const struct fakehost *fh)
{
        int n = 0;

        while (fh_group_used(fh, n))
                n++;
        return n;
}

int fh_next_vfio(const struct fakehost *fh)
{
        int n = 0;

        while (fh_vfio_used(fh, n))
                n++;
        return n;
}

/* "EUSERS" -> EUSERS; -EINVAL for an unknown name. */
int fh_errno_parse(const char *name)
{
        for (int e = 1; e < 4096; e++) {
                const char *s = strerrorname_np(e);

                if (s && strcmp(s, name) == 0)
                        return e;
        }
        return -EINVAL;
}

const char *fh_errno_name(int err)
{
        const char *s = strerrorname_np(err);

        return s ? s : "E?";
}

/* ---- NVIDIA vendor VFIO types: "ID:NAME[:COST]" lists ------------------ */

int fh_vgpu_next(const char **s, struct fh_vgpu *v)
{
        const char *e = *s;
        size_t len = strcspn(e, ","), idlen = strcspn(e, ":,");

        if (!*e)
                return 0;
        *s = e + len + (e[len] == ',');
        if (idlen == 0 || idlen + 1 >= len)
                return -EINVAL;
        v->id = e;
        v->idlen = (int)idlen;
        v->name = e + idlen + 1;
        v->namelen = (int)(len - idlen - 1);
        v->cost = 0;
        /* A last ":DIGITS" is the cost; a name may hold colons. */
        const char *colon = memrchr(v->name, ':', (size_t)v->namelen);
        size_t digits = colon ? (size_t)(e + len - colon - 1) : 0;
        if (colon && colon > v->name && digits > 0 && digits < 9 && strspn(colon + 1, "0123456789") >= digits) {
                v->cost = atoi(colon + 1);
                v->namelen = (int)(colon - v->name);
        }
        return 1;
}

bool fh_vgpu_is(const struct fh_vgpu *v, const char *id)
{
        return strlen(id) == (size_t)v->idlen && strncmp(v->id, id, (size_t)v->idlen) == 0;
}

bool fh_vgpu_find(const char *list, const char *id, struct fh_vgpu *v)
{
        const char *s = list;

        while (list && fh_vgpu_next(&s, v) > 0)
                if (fh_vgpu_is(v, id))
                        return true;
        return false;
}

int fh_uuid_canonical(const char *in, char out[37])
{
        for (int i = 0; i < 36; i++) {
                bool dash = i == 8 || i == 13 || i == 18 || i == 23;

                if (dash ? in[i] != '-' : !isxdigit((unsigned char)in[i]))
                        return -EINVAL;
                out[i] = (char)tolower((unsigned char)in[i]);
        }
        if (in[36] != '\0')
                return -EINVAL;
        out[36] = '\0';
        return 0;
}

/* DDDD:BB:SS.F; Intel VMD puts devices in domains 0x10000 and up, which
 * the kernel prints with 5 digits. */
int fh_pci_addr_parse(const char *s, struct fh_pci *p)
{
        unsigned d, b, sl, f;
        int n = 0, dlen = (int)strcspn(s, ":");

        if (dlen < 4 || dlen > 5 || strspn(s, "0123456789abcdefABCDEF:.") != strlen(s))
                return -EINVAL;
        if (sscanf(s, "%x:%2x:%2x.%1x%n", &d, &b, &sl, &f, &n) != 4 || s[n] != '\0' || n != dlen + 8 || sl > 0x1f ||
            f > 7)
                return -EINVAL;
        p->domain = d;
        p->bus = b;
        p->slot = sl;
        p->func = f;
        snprintf(p->addr, sizeof(p->addr), "%04x:%02x:%02x.%x", d, b, sl, f);
        return 0;
}

int fh_pci_addr_cmp(const struct fh_pci *a, const struct fh_pci *b)
{
        unsigned ka[] = {a->domain, a->bus, a->slot, a->func};
        unsigned kb[] = {b->domain, b->bus, b->slot, b->func};

        for (int i = 0; i < 4; i++)
                if (ka[i] != kb[i])
                        return ka[i] < kb[i] ? -1 : 1;
        return 0;
}

/* ---- CPU sets, printed the way the kernel's %*pbl and %*pb do ---------- */

int fh_cpuset_parse(const char *s, struct fh_cpuset *set)
{
        memset(set, 0, sizeof(*set));
        while (*s) {
                char *end;
                unsigned long lo = strtoul(s, &end, 10), hi = lo;

                if (end == s || !isdigit((unsigned char)*s))
                        return -EINVAL;
                if (*end == '-') {
                        s = end + 1;
                        hi = strtoul(s, &end, 10);
                        if (end == s || !isdigit((unsigned char)*s))
                                return -EINVAL;
                }
                if (hi < lo || hi >= FH_MAX_CPUS || (*end && *end != ','))
                        return -EINVAL;
                for (unsigned long c = lo; c <= hi; c++)
                        fh_cpuset_set(set, (unsigned)c);
                s = *end ? end + 1 : end;
        }
        return 0;
}

void fh_cpuset_set(struct fh_cpuset *set, unsigned bit)
{
        if (bit < FH_MAX_CPUS)
                set->bits[bit / 64] |= UINT64_C(1) << (bit % 64);
}

void fh_cpuset_or(struct fh_cpuset *dst, const struct fh_cpuset *src)
{
        for (size_t i = 0; i < FH_MAX_CPUS / 64; i++)
                dst->bits[i] |= src->bits[i];
}

bool fh_cpuset_test(const struct fh_cpuset *set, unsigned cpu)
{
        return cpu < FH_MAX_CPUS && (set->bits[cpu / 64] >> (cpu % 64)) & 1;
}

bool fh_cpuset_intersects(const struct fh_cpuset *a, const struct fh_cpuset *b)
{
        for (size_t i = 0; i < FH_MAX_CPUS / 64; i++)
                if (a->bits[i] & b->bits[i])
                        return true;
        return false;
}

/* Highest set bit + 1: the host's nr_cpu_ids (or nr_node_ids). */
int fh_cpuset_nbits(const struct fh_cpuset *set)
{
        for (int c = FH_MAX_CPUS - 1; c >= 0; c--)
                if (fh_cpuset_test(set, (unsigned)c))
                        return c + 1;
        return 0;
}

void fh_cpuset_list(const struct fh_cpuset *set, char *buf, size_t len)
{
        size_t off = 0;

        buf[0] = '\0';
        for (unsigned c = 0; c < FH_MAX_CPUS; c++) {
                if (!fh_cpuset_test(set, c))
                        continue;
                unsigned hi = c;
                while (fh_cpuset_test(set, hi + 1))
                        hi++;
                int n = hi == c ? snprintf(buf + off, len - off, "%s%u", off ? "," : "", c)
                                : snprintf(buf + off, len - off, "%s%u-%u", off ? "," : "", c, hi);
                if (n < 0 || (size_t)n >= len - off)
                        return;
                off += (size_t)n;
                c = hi;
        }
}

/* lib/vsprintf.c bitmap_string(): 32-bit chunks from the top, comma
 * separated, the first one only as wide as its bits need. */
void fh_cpuset_mask(const struct fh_cpuset *set, int nbits, char *buf, size_t len)
{
        int chunk = nbits % 32 ? nbits % 32 : 32;
        size_t off = 0;

        buf[0] = '\0';
        for (int i = (nbits + 31) / 32 * 32 - 32; i >= 0; i -= 32) {
                uint32_t val = (uint32_t)(set->bits[i / 64] >> (i % 64));

                if (chunk < 32)
                        val &= (UINT32_C(1) << chunk) - 1;
                int n = snprintf(buf + off, len - off, "%s%0*x", off ? "," : "", (chunk + 3) / 4, val);
                if (n < 0 || (size_t)n >= len - off)
                        return;
                off += (size_t)n;
                chunk = 32;
        }
}

/* ---- freeing ------------------------------------------------------------ */

void fh_pci_free(struct fh_pci *p)
{
        if (!p)
                return;
        free(p->driver);
        free(p->override);
        free(p->vgpu_types);
        free(p->current_type);
        free(p->path);
        free(p->home);
        free(p->vf_vgpu_types);
        free(p->netdev);
        free(p->vf_param);
        free(p->vgpu_params);
        free(p->compute_partition);
        free(p->memory_partition);
        fh_xe_free(p->xe);
        free(p);
}

void fh_pool_free(struct fh_pool *p)
{
        if (p)
                free(p->name);
        free(p);
}

void fh_parent_free(struct fh_parent *p)
{
        if (!p)
                return;
        free(p->name);
        free(p->class_name);
        free(p->mdev_driver);
        free(p->path);
        free(p);
}

void fh_type_free(struct fh_type *t)
{
        if (!t)
                return;
        free(t->id);
        free(t->name);
        free(t->api);
        free(t->description);
        free(t);
}

/*
 * vec_free()'s item_free for each kind: called through a pointer of another
 * type the free functions would be undefined behaviour, which clang 19's
 * UBSan (-fsanitize=function, Debian 13) stops at.
 */
static void pci_free(void *p)
{
        fh_pci_free(p);
}

static void pool_free(void *p)
{
        fh_pool_free(p);
}

static void kmod_free(void *k)
{
        fh_kmod_free(k);
}

static void modparam_free(void *m)
{
        fh_modparam_free(m);
}

static void parent_free(void *p)
{
        fh_parent_free(p);
}

static void type_free(void *p)
{
        fh_type_free(p);
}

static void vec_free(struct fh_vec *vec, void (*item_free)(void *))
{
        for (size_t i = 0; i < vec->n; i++)
                item_free(vec->v[i]);
        free(vec->v);
}

void fh_kmod_free(struct fh_kmod *k)
{
        if (!k)
                return;
        free(k->name);
        free(k->aliases);
        free(k);
}

void fakehost_free(struct fakehost *fh)
{
        if (!fh)
                return;
        vec_free(&fh->files, free);
        vec_free(&fh->real, free);
        vec_free(&fh->nodes, free);
        vec_free(&fh->pcis, pci_free);
        vec_free(&fh->pools, pool_free);
        vec_free(&fh->parents, parent_free);
        vec_free(&fh->types, type_free);
        vec_free(&fh->mdevs, free);
        vec_free(&fh->kmods, kmod_free);
        vec_free(&fh->modparams, modparam_free);
        free(fh->kernel);
        free(fh);
}

/* ---- whole-build and test helpers --------------------------------------- */

int fakehost_build(const char *preset_file, const char *root_dir, char *err, size_t errlen)
{
        struct fakehost *fh = NULL;
        int r = fakehost_parse(preset_file, &fh, err, errlen);

        if (r < 0)
                return r;
        r = fakehost_write(fh, root_dir);
        if (r < 0 && errlen > 0)
                snprintf(err, errlen, "cannot write the tree under %s: %s", root_dir, strerror(-r));
        fakehost_free(fh);
        return r;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)ftw;
        if ((flag == FTW_DP ? rmdir(path) : unlink(path)) < 0)
                return errno;
        return 0;
}

int fakehost_rm_rf(const char *dir)
{
        int r = nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);

        if (r == -1)
                return errno == ENOENT ? 0 : -errno;
        return -r;
}

int fakehost_mktemp(char **ret_dir)
{
        const char *tmp = getenv("TMPDIR");
        char *dir;

        if (!tmp || !*tmp)
                tmp = "/tmp";
        if (asprintf(&dir, "%s/vgpu-test-XXXXXX", tmp) < 0)
                return -ENOMEM;
        if (!mkdtemp(dir)) {
                int r = -errno;

                free(dir);
                return r;
        }
        *ret_dir = dir;
        return 0;
}
