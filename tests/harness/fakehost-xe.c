/* fakehost: an Intel xe PF's SR-IOV provisioning (sriov_admin) and module
 * parameters.  The layout and the driver's answers follow the kernel's
 * Documentation/ABI/testing/sysfs-driver-intel-xe-sriov (6.19; vram_quota
 * 7.0) and drivers/gpu/drm/xe/xe_sriov_pf_sysfs.c; the stores are answered
 * in kshim-xe.c.
 *
 * Preset options of the PF's pci line (fakehost-parse.c):
 *   xe-admin            the PF has sriov_admin/ (xe in PF mode, kernel >= 6.19)
 *   xe-vram=BYTES       VRAM its VFs share: a discrete part, with vram_quota
 *   xe-profiles="EQ:PT:PRIO:VRAM,..."  function 0 (the PF), 1, 2...: the
 *                       provisioning now (PRIO low, normal or high); the rest 0
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fakehost-private.h"

static const char *const prio_names[] = {"low", "normal", "high"};

const char *fh_xe_prio_name(int prio)
{
        return prio >= 0 && prio <= FH_XE_HIGH ? prio_names[prio] : "?";
}

int fh_xe_prio_parse(const char *s)
{
        for (int i = 0; i <= FH_XE_HIGH; i++)
                if (strcmp(s, prio_names[i]) == 0)
                        return i;
        return -EINVAL;
}

static int parse_u64(const char *s, size_t len, unsigned long long *ret)
{
        char buf[32];
        char *end;

        if (len == 0 || len >= sizeof(buf) || s[0] == '-')
                return -EINVAL;
        memcpy(buf, s, len);
        buf[len] = '\0';
        errno = 0;
        *ret = strtoull(buf, &end, 10);
        return *end || errno ? -EINVAL : 0;
}

/* "EQ:PT:PRIO:VRAM" into @fn. */
static int parse_fn(const char *s, size_t len, struct fh_xe_fn *fn)
{
        const char *f[4];
        size_t flen[4];
        char prio[16];
        int k = 0;

        for (const char *p = s, *end = s + len; k < 4; k++) {
                const char *colon = memchr(p, ':', (size_t)(end - p));

                f[k] = p;
                flen[k] = colon ? (size_t)(colon - p) : (size_t)(end - p);
                if (!colon) {
                        k++;
                        break;
                }
                p = colon + 1;
        }
        if (k != 4 || flen[2] >= sizeof(prio))
                return -EINVAL;
        memcpy(prio, f[2], flen[2]);
        prio[flen[2]] = '\0';
        if (parse_u64(f[0], flen[0], &fn->eq) < 0 || parse_u64(f[1], flen[1], &fn->pt) < 0 ||
            parse_u64(f[3], flen[3], &fn->vram) < 0 || (fn->prio = fh_xe_prio_parse(prio)) < 0)
                return -EINVAL;
        return fn->eq > UINT32_MAX || fn->pt > UINT32_MAX ? -EINVAL : 0;
}

int fh_xe_parse(struct fh_pci *pf, const char *vram, const char *profiles)
{
        struct fh_xe *x = calloc(1, sizeof(*x));
        int i = 0, r = 0;

        if (!x || !(x->fn = calloc((size_t)pf->totalvfs + 1, sizeof(*x->fn)))) {
                fh_xe_free(x);
                return -ENOMEM;
        }
        x->n = pf->totalvfs + 1;
        if (vram)
                r = parse_u64(vram, strlen(vram), &x->vram);
        for (const char *s = profiles; r == 0 && s && *s; i++) {
                size_t len = strcspn(s, ",");

                r = i < x->n ? parse_fn(s, len, &x->fn[i]) : -EINVAL;
                s += len + (s[len] == ',');
        }
        if (r < 0) {
                fh_xe_free(x);
                return r;
        }
        pf->xe = x;
        return 0;
}

void fh_xe_free(struct fh_xe *x)
{
        if (!x)
                return;
        free(x->fn);
        free(x);
}

void fh_xe_dump(FILE *f, const struct fh_pci *pf)
{
        const struct fh_xe *x = pf->xe;

        if (pf->compute_partition)
                fprintf(f, " compute-partition=%s", pf->compute_partition);
        if (pf->memory_partition)
                fprintf(f, " memory-partition=%s", pf->memory_partition);
        if (!x)
                return;
        fputs(" xe-admin", f);
        if (x->vram)
                fprintf(f, " xe-vram=%llu", x->vram);
        fputs(" xe-profiles=\"", f);
        for (int i = 0; i < x->n; i++)
                fprintf(f, "%s%llu:%llu:%s:%llu", i ? "," : "", x->fn[i].eq, x->fn[i].pt,
                        fh_xe_prio_name(x->fn[i].prio), x->fn[i].vram);
        fputc('"', f);
}

/* Once VFs are enabled without initial VRAM provisioning, the PF provisions
 * them itself (a fair share each); once they are disabled, all VRAM
 * provisioning is released (the ABI's vram_quota entry). */
void fh_xe_vfs_changed(struct fh_pci *pf)
{
        struct fh_xe *x = pf->xe;
        bool provisioned = false;

        if (!x || !x->vram)
                return;
        for (int i = 1; i < x->n; i++) {
                provisioned |= x->fn[i].vram != 0;
                if (i > pf->numvfs)
                        x->fn[i].vram = 0;
        }
        if (pf->numvfs == 0 || provisioned)
                return;
        for (int i = 1; i <= pf->numvfs && i < x->n; i++)
                x->fn[i].vram = x->vram / (unsigned)pf->numvfs;
}

/* ---- module parameters ----------------------------------------------------- */

void fh_modparam_free(struct fh_modparam *m)
{
        if (!m)
                return;
        free(m->module);
        free(m->name);
        free(m->value);
        free(m);
}

/* "NAME=VALUE" of MODULE. */
int fh_modparam_add(struct fakehost *fh, struct fh_where at, const char *module, const char *tok)
{
        const char *eq = strchr(tok, '=');
        struct fh_modparam *m;
        int r;

        if (!eq || eq == tok || strchr(module, '/') || memchr(tok, '/', (size_t)(eq - tok)))
                return -EINVAL;
        if (!(m = calloc(1, sizeof(*m))))
                return -ENOMEM;
        m->at = at;
        m->module = strdup(module);
        m->name = strndup(tok, (size_t)(eq - tok));
        m->value = strdup(eq + 1);
        r = m->module && m->name && m->value ? fh_vec_push(&fh->modparams, m) : -ENOMEM;
        if (r < 0)
                fh_modparam_free(m);
        return r;
}
