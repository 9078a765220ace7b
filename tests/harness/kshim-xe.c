/* kshim: Intel xe SR-IOV provisioning stores under a PF's sriov_admin/, as
 * drivers/gpu/drm/xe/xe_sriov_pf_sysfs.c answers them and the kernel's
 * Documentation/ABI/testing/sysfs-driver-intel-xe-sriov describes them:
 * exec_quantum_ms and preempt_timeout_us take kstrtou32 (EINVAL malformed,
 * ERANGE too big) and may change while VFs run; sched_priority takes low,
 * normal or high for the PF, low or normal in .bulk_profile (for every
 * function, the PF too), and a VF's own is read-only (EOPNOTSUPP: the GuC
 * changes only the PF's); vram_quota (7.0, discrete parts) takes kstrtou64
 * bytes, per VF or for each VF in .bulk_profile. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kshim-private.h"

/* The PF whose sriov_admin/ holds the store's directory; *FN: 0 the PF, N
 * vfN, -1 .bulk_profile. */
static struct fh_pci *admin_of(const struct kshim *k, int *fn)
{
        for (size_t i = 0; i < k->fh->pcis.n; i++) {
                struct fh_pci *p = k->fh->pcis.v[i];
                size_t plen = strlen(p->path);
                const char *rest = k->dir + plen;
                int n, end = 0;

                if (!p->xe || strncmp(k->dir, p->path, plen) != 0 || strncmp(rest, "/sriov_admin/", 13) != 0)
                        continue;
                rest += 13;
                if (strcmp(rest, ".bulk_profile") == 0)
                        *fn = -1;
                else if (strcmp(rest, "pf/profile") == 0)
                        *fn = 0;
                else if (sscanf(rest, "vf%d/profile%n", &n, &end) == 1 && !rest[end] && n >= 1 && n < p->xe->n)
                        *fn = n;
                else
                        continue;
                return p;
        }
        return NULL;
}

static int number(const struct kshim *k, unsigned long long max, unsigned long long *ret)
{
        int r = ks_kstrtoull(k->buf, 0, ret);

        if (r == 0 && *ret > max)
                return -ERANGE;
        return r;
}

/* __sysfs_match_string() over the first N priority names. */
static int priority(const struct kshim *k, int n)
{
        for (int p = FH_XE_LOW; p < n; p++)
                if (ks_sysfs_streq(fh_xe_prio_name(p), k->buf))
                        return p;
        return -EINVAL;
}

static void set(struct fh_xe *x, int fn, const char *name, unsigned long long v)
{
        for (int i = fn < 0 ? 0 : fn; i < (fn < 0 ? x->n : fn + 1); i++) {
                struct fh_xe_fn *f = &x->fn[i];

                if (strcmp(name, "exec_quantum_ms") == 0)
                        f->eq = v;
                else if (strcmp(name, "preempt_timeout_us") == 0)
                        f->pt = v;
                else if (strcmp(name, "sched_priority") == 0)
                        f->prio = (int)v;
                else if (i > 0)
                        f->vram = v; /* vram_quota: VFs only */
        }
}

int ks_xe_profile(struct kshim *k)
{
        unsigned long long v;
        int fn, r;
        struct fh_pci *pf = admin_of(k, &fn);

        if (!pf)
                return KS_PASS;
        if (strcmp(k->name, "sched_priority") == 0) {
                if (fn > 0)
                        return -EOPNOTSUPP;
                if ((r = priority(k, fn == 0 ? FH_XE_HIGH + 1 : FH_XE_HIGH)) < 0)
                        return r;
                v = (unsigned long long)r;
        } else if (strcmp(k->name, "vram_quota") == 0) {
                if (!pf->xe->vram || fn == 0)
                        return KS_PASS; /* no such attribute */
                if ((r = number(k, UINT64_MAX, &v)) < 0)
                        return r;
        } else if ((r = number(k, UINT32_MAX, &v)) < 0) {
                return r;
        }
        set(pf->xe, fn, k->name, v);
        return 0;
}
