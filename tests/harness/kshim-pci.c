/* kshim: PCI stores: SR-IOV (drivers/pci/iov.c), driver_override
 * (drivers/pci/pci-sysfs.c, drivers/base/driver.c), drivers_probe, bind and
 * unbind (drivers/base/bus.c), and NVIDIA's vendor-VFIO current_vgpu_type. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "kshim-private.h"

#define PAGE_SIZE 4096

/* The device whose directory + SUFFIX is the store's directory. */
static struct fh_pci *pci_at(const struct kshim *k, const char *suffix)
{
        for (size_t i = 0; i < k->fh->pcis.n; i++) {
                struct fh_pci *p = k->fh->pcis.v[i];
                size_t plen = strlen(p->path);

                if (strncmp(k->dir, p->path, plen) == 0 && strcmp(k->dir + plen, suffix) == 0)
                        return p;
        }
        return NULL;
}

/* bus_find_device_by_name(): the device named by the bytes written. */
static struct fh_pci *pci_named(const struct kshim *k)
{
        for (size_t i = 0; i < k->fh->pcis.n; i++) {
                struct fh_pci *p = k->fh->pcis.v[i];

                if (ks_sysfs_streq(p->addr, k->buf))
                        return p;
        }
        return NULL;
}

/* sys/bus/pci/drivers/<driver>/FILE: the driver's name. */
static const char *driver_dir(const struct kshim *k)
{
        static const char prefix[] = "sys/bus/pci/drivers/";
        const char *name = k->dir + sizeof(prefix) - 1;

        if (strncmp(k->dir, prefix, sizeof(prefix) - 1) != 0 || !*name || strchr(name, '/'))
                return NULL;
        return name;
}

static bool same(const char *a, const char *b)
{
        return a && b && strcmp(a, b) == 0;
}

/* ---- binding ----------------------------------------------------------- */

/* driver_match_device() and the driver's probe: with an override only that
 * driver matches (and any driver matches then, but only vfio-pci, pci-stub
 * or the device's own driver probe it successfully); without one, the
 * device's own driver.  0, or the errno bind would return. */
static int probe(const struct fh_pci *p, const char *driver)
{
        bool stub = fh_is_stub_driver(driver);

        if (p->override ? !same(p->override, driver) : stub || !same(p->home, driver))
                return -ENODEV;
        if (!stub && !same(p->home, driver))
                return -ENODEV;
        if (strcmp(driver, "vfio-pci") == 0 && p->vfio_fail)
                return -EINVAL;
        return 0;
}

static int attach(struct fakehost *fh, struct fh_pci *p, const char *driver)
{
        if (!(p->driver = strdup(driver)))
                return -ENOMEM;
        /* vfio-pci registers a vfio device (sys/class/vfio-dev/vfioN). */
        if (strcmp(driver, "vfio-pci") == 0 && p->vfio < 0)
                p->vfio = fh_next_vfio(fh);
        return 0;
}

/* The vfio device belongs to the driver that registered it. */
static void detach(struct fh_pci *p)
{
        free(p->driver);
        p->driver = NULL;
        p->vfio = -1;
}

int ks_drivers_probe(struct kshim *k)
{
        struct fh_pci *p;
        const char *driver;

        if (strcmp(k->rel, "sys/bus/pci/drivers_probe") != 0)
                return KS_PASS;
        if (!(p = pci_named(k)))
                return -ENODEV;
        /* A bound device stays; nothing binding is no error either. */
        driver = p->override ? p->override : p->home;
        if (p->driver || !driver || probe(p, driver) < 0)
                return 0;
        return attach(k->fh, p, driver);
}

int ks_driver_bind(struct kshim *k)
{
        const char *driver = driver_dir(k);
        struct fh_pci *p;
        int r;

        if (!driver || strcmp(k->name, "bind") != 0)
                return KS_PASS;
        p = pci_named(k);
        if (!p || (r = probe(p, driver)) == -ENODEV)
                return -ENODEV;
        if (p->driver)
                return -EBUSY;
        return r < 0 ? r : attach(k->fh, p, driver);
}

int ks_driver_unbind(struct kshim *k)
{
        const char *driver = driver_dir(k);
        struct fh_pci *p;

        if (!driver || strcmp(k->name, "unbind") != 0)
                return KS_PASS;
        p = pci_named(k);
        if (!p || !same(p->driver, driver))
                return -ENODEV;
        /* The driver's remove() waits for the VM to let the device go. */
        if (p->group >= 0 && ks_group_held(k, p->group))
                return ks_blocked(k);
        detach(p);
        return 0;
}

/* driver_set_override(): up to the first newline; "" or "\n" clears. */
int ks_driver_override(struct kshim *k)
{
        struct fh_pci *p = pci_at(k, "");
        size_t len = strcspn(k->buf, "\n");
        char *value = NULL;

        if (!p)
                return KS_PASS;
        if (k->count >= PAGE_SIZE - 1)
                return -EINVAL;
        if (len > 0 && !(value = strndup(k->buf, len)))
                return -ENOMEM;
        free(p->override);
        p->override = value;
        return 0;
}

/* ---- SR-IOV ---------------------------------------------------------------- */

int ks_sriov_autoprobe(struct kshim *k)
{
        struct fh_pci *pf = pci_at(k, "");
        bool on;

        if (!pf || !pf->is_pf)
                return KS_PASS;
        if (ks_kstrtobool(k->buf, &on) < 0)
                return -EINVAL;
        pf->autoprobe = on;
        return 0;
}

static bool vf_held(const struct kshim *k, const struct fh_pci *vf)
{
        if (vf->group >= 0 && ks_group_held(k, vf->group))
                return true;
        for (size_t i = 0; i < k->fh->mdevs.n; i++) {
                const struct fh_mdev *m = k->fh->mdevs.v[i];

                if (m->type->parent->pci == vf && ks_group_held(k, m->group))
                        return true;
        }
        return false;
}

/* Removing a VF unbinds its driver, which waits for a VM using it (or one
 * of the mdevs on it); VFs go with their mdev parents and instances. */
static int disable_vfs(struct kshim *k, struct fh_pci *pf)
{
        for (size_t i = 0; i < k->fh->pcis.n; i++) {
                const struct fh_pci *vf = k->fh->pcis.v[i];

                if (vf->physfn == pf && vf_held(k, vf))
                        return ks_blocked(k);
        }
        for (size_t i = k->fh->pcis.n; i-- > 0;) {
                struct fh_pci *vf = k->fh->pcis.v[i];

                if (vf->physfn == pf)
                        fh_pci_remove(k->fh, vf);
        }
        pf->numvfs = 0;
        /* Mixed-size mode lives with the VFs (nvidia-smi vgpu -shm sets it after they are enabled). */
        if (pf->vgpu_mode == FH_VGPU_MIXED)
                pf->vgpu_mode = FH_VGPU_EQUAL;
        return 0;
}

/* VF I: routing ID = the PF's + offset + I * stride (the bus carries). */
static int vf_addr(const struct fh_pci *pf, int i, struct fh_pci *vf)
{
        unsigned rid =
                (pf->bus << 8 | pf->slot << 3 | pf->func) + (unsigned)pf->vf_offset + (unsigned)(i * pf->vf_stride);
        char addr[32];

        if (rid > 0xffff)
                return -ENOSPC;
        snprintf(addr, sizeof(addr), "%04x:%02x:%02x.%x", pf->domain, rid >> 8, (rid >> 3) & 0x1f, rid & 7);
        return fh_pci_addr_parse(addr, vf);
}

static int new_vf(struct kshim *k, struct fh_pci *pf, int i)
{
        struct fh_pci *vf = calloc(1, sizeof(*vf));
        const char *slash = strrchr(pf->path, '/');
        int r;

        if (!vf)
                return -ENOMEM;
        if ((r = vf_addr(pf, i, vf)) < 0 || (r = fh_find_pci(k->fh, vf->addr) ? -EEXIST : 0) < 0) {
                free(vf);
                return r;
        }
        vf->at = pf->at;
        vf->vendor = pf->vendor;
        vf->device = vf->vf_device = pf->vf_device;
        vf->subvendor = pf->subvendor;
        vf->subdevice = pf->subdevice;
        vf->revision = pf->revision;
        vf->class_code = pf->class_code;
        vf->physfn = pf;
        vf->vf_index = i;
        vf->numa = pf->numa;
        vf->vfio = vf->gpu_instance = vf->placement = -1;
        vf->autoprobe = vf->vf_offset = vf->vf_stride = 1;
        vf->group = fh_next_group(k->fh);
        r = asprintf(&vf->path, "%.*s/%s", (int)(slash - pf->path), pf->path, vf->addr) < 0 ? -ENOMEM : 0;
        if (r == 0 && pf->home && !(vf->home = strdup(pf->home)))
                r = -ENOMEM;
        if (r == 0 && pf->vf_vgpu_types && !(vf->vgpu_types = strdup(pf->vf_vgpu_types)))
                r = -ENOMEM;
        if (r == 0 && pf->autoprobe && vf->home && !(vf->driver = strdup(vf->home)))
                r = -ENOMEM;
        if (r == 0)
                r = fh_vec_push(&k->fh->pcis, vf);
        if (r < 0)
                fh_pci_free(vf);
        return r;
}

/* sriov_numvfs_store(): kstrtou16, ERANGE above TotalVFs, the same count
 * is no change, then the PF driver's sriov_configure (ENOENT without one),
 * and a change between two non-zero counts is refused. */
int ks_sriov_numvfs(struct kshim *k)
{
        struct fh_pci *pf = pci_at(k, "");
        unsigned long long n;

        if (!pf || !pf->is_pf)
                return KS_PASS;
        if (ks_kstrtoull(k->buf, 0, &n) < 0 || n > 0xffff)
                return -EINVAL;
        if (n > (unsigned long long)pf->totalvfs)
                return -ERANGE;
        if ((int)n == pf->numvfs)
                return 0;
        if (!pf->driver)
                return -ENOENT;
        if (pf->numvfs_errno)
                return -pf->numvfs_errno;
        if (n == 0) {
                int r = disable_vfs(k, pf);

                fh_xe_vfs_changed(pf);
                return r;
        }
        if (pf->numvfs)
                return -EBUSY;
        for (int i = 0; i < (int)n; i++) {
                int r = new_vf(k, pf, i);

                if (r < 0)
                        return r;
        }
        pf->numvfs = (int)n;
        fh_xe_vfs_changed(pf);
        return 0;
}

/* ---- NVIDIA vendor VFIO ---------------------------------------------------- */

static bool has_type(const struct fh_pci *p)
{
        return p->current_type && strcmp(p->current_type, "0") != 0;
}

/* The driver refuses a type it does not offer the VF now, and leaves the VF
 * at current_vgpu_type 0 (issue 22, from NVIDIA's vGPU 17-19 user guides):
 * its instance and placement choices go too; the model changes, the store
 * fails.  A VF that has a type keeps it: whether the driver drops a type on
 * a refused change is not published, and dropping a VM's vGPU on a stray
 * write is the worse guess. */
static int refuse(struct kshim *k, struct fh_pci *p)
{
        if (has_type(p))
                return -EINVAL;
        fh_vgpu_reset(p);
        k->refused = EINVAL;
        return 0;
}

/* An ID from the VF's creatable list sets the type, "0" clears it (and its
 * instance, placement and parameters); any other ID is refused.  In MIG mode
 * the VF must have selected a GPU instance first; in mixed-size mode the
 * driver places the vGPU (where placement_id asks, if it is free).  A marker
 * file makes the next stores fail with EPERM, as the driver does while it
 * still releases the VF. */
int ks_vgpu_type(struct kshim *k)
{
        struct fh_pci *p = pci_at(k, "/nvidia");
        unsigned long long id;
        struct fh_vgpu v;
        char text[32];
        int at = -1;

        if (!p || !p->vgpu_types)
                return KS_PASS;
        if (ks_eperm_take(k, p->addr))
                return -EPERM;
        if (ks_kstrtoull(k->buf, 10, &id) < 0 || id > UINT_MAX)
                return -EINVAL;
        if (id == 0) {
                fh_vgpu_reset(p);
                return 0;
        }
        snprintf(text, sizeof(text), "%llu", id);
        if (!fh_vgpu_find(p->vgpu_types, text, &v) || !fh_vgpu_creatable(k->fh, p, &v))
                return refuse(k, p);
        if (p->physfn && p->physfn->vgpu_mode == FH_VGPU_MIG && p->gpu_instance < 0)
                return refuse(k, p);
        if (p->physfn && p->physfn->vgpu_mode == FH_VGPU_MIXED && (at = fh_vgpu_placement(k->fh, p, v.cost)) < 0)
                return refuse(k, p);
        free(p->current_type);
        p->current_type = strdup(text);
        p->placement = at;
        return p->current_type ? 0 : -ENOMEM;
}

/* A number stored to a VF's nvidia/ file that only a PF in @mode takes, before the type. */
static int vf_setting(struct kshim *k, int mode, struct fh_pci **ret_vf, unsigned long long *ret)
{
        struct fh_pci *p = pci_at(k, "/nvidia");

        if (!p || !p->vgpu_types)
                return KS_PASS;
        if (ks_kstrtoull(k->buf, 10, ret) < 0 || !p->physfn || p->physfn->vgpu_mode != mode)
                return -EINVAL;
        if (has_type(p))
                return -EBUSY;
        *ret_vf = p;
        return 0;
}

/* gpu_instance_id (MIG-backed vGPU): a GPU instance of the VF's GPU. */
int ks_vgpu_instance(struct kshim *k)
{
        struct fh_pci *p = NULL;
        unsigned long long gi;
        int r = vf_setting(k, FH_VGPU_MIG, &p, &gi);

        if (r)
                return r;
        for (int i = 0; i < p->physfn->n_mig; i++)
                if ((unsigned long long)p->physfn->mig_id[i] == gi) {
                        p->gpu_instance = (int)gi;
                        return 0;
                }
        return -EINVAL;
}

/* placement_id (mixed-size mode): where the type about to be written goes. */
int ks_vgpu_placement(struct kshim *k)
{
        struct fh_pci *p = NULL;
        unsigned long long at;
        int r = vf_setting(k, FH_VGPU_MIXED, &p, &at);

        if (r)
                return r;
        if (at >= (unsigned long long)p->physfn->vgpu_fb)
                return -EINVAL;
        p->placement = (int)at;
        return 0;
}

/* "KEY=VALUE[, KEY=VALUE...]" of letters, digits and '_' (vgpu_params). */
static bool params_ok(const char *s)
{
        while (*s && *s != '\n') {
                size_t key = strspn(s, "abcdefghijklmnopqrstuvwxyz_"), value;

                if (!key || s[key] != '=')
                        return false;
                s += key + 1;
                value = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
                if (!value)
                        return false;
                s += value;
                if (*s == ',')
                        s += 1 + strspn(s + 1, " ");
                else if (*s && *s != '\n')
                        return false;
        }
        return true;
}

/* vgpu_params: the plugin's parameters of the VF's vGPU, once it has a type. */
int ks_vgpu_params(struct kshim *k)
{
        struct fh_pci *p = pci_at(k, "/nvidia");
        char *text;

        if (!p || !p->vgpu_types)
                return KS_PASS;
        if (!has_type(p) || !params_ok(k->buf))
                return -EINVAL;
        if (!(text = strndup(k->buf, strcspn(k->buf, "\n"))))
                return -ENOMEM;
        free(p->vgpu_params);
        p->vgpu_params = *text ? text : NULL;
        if (!*text)
                free(text);
        return 0;
}
