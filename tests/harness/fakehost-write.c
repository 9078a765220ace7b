/* fakehost writer: lays the model out as the kernel does (paths, relative
 * link targets and attribute bytes as in tests/data's capture of 6.1). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fakehost-private.h"

#define MAX_DEPTH 64

struct wctx {
        const struct fakehost *fh;
        int root;
        bool dry;              /* record paths only */
        struct fh_vec *record; /* NULL: no recording */
        /* The tree as it stands (recorded from the model before the store),
         * sorted: what it already holds is not touched again. */
        const struct fh_index *before;
        char last_dir[PATH_MAX]; /* recorded with its ancestors just before */
        int err;                 /* the first error; every later write is skipped */
        int nbits;               /* nr_cpu_ids: the width of the kernel's CPU masks */
        struct fh_cpuset online;
        const struct fh_pci *boot_vga;
};

/* ---- primitives ------------------------------------------------------------ */

static int mkdir_p(int root, char *path)
{
        for (char *s = path;; s++) {
                if (*s != '/' && *s != '\0')
                        continue;
                char ch = *s;
                *s = '\0';
                int r = mkdirat(root, path, 0755) < 0 && errno != EEXIST ? -errno : 0;
                *s = ch;
                if (r < 0 || ch == '\0')
                        return r;
        }
}

/*
 * A recorded entry: "PATH\0" then what it holds: "" for a directory, "f" and
 * the mode and bytes of a file, "l" and the target of a link.  Compared as
 * strings, entries sort by path.
 */
static void push_entry(struct wctx *w, const char *path, size_t len, const char *what)
{
        size_t wlen = strlen(what);
        char *e = malloc(len + wlen + 2);

        if (e) {
                memcpy(e, path, len);
                e[len] = '\0';
                memcpy(e + len + 1, what, wlen + 1);
        }
        if (!e || fh_vec_push(w->record, e) < 0) {
                free(e);
                w->err = -ENOMEM;
        }
}

/* Records directory PATH and its ancestors (a shim prunes what a change removed). */
static void record(struct wctx *w, const char *path)
{
        size_t done = strlen(w->last_dir);
        const char *s = path;

        if (!w->record || w->err)
                return;
        /* Files come directory by directory: what the last one recorded is not recorded again. */
        if (done > 0 && strncmp(path, w->last_dir, done) == 0 && (path[done] == '/' || !path[done]))
                s = path + done;
        if (strlen(path) < sizeof(w->last_dir))
                strcpy(w->last_dir, path);
        for (; !w->err; s++) {
                if (*s != '/' && *s != '\0')
                        continue;
                push_entry(w, path, (size_t)(s - path), "");
                if (!*s)
                        return;
        }
}

/* Records file or link PATH (its directory was recorded when made) with WHAT it holds. */
static void record_leaf(struct wctx *w, const char *path, const char *what)
{
        if (w->record && !w->err)
                push_entry(w, path, strlen(path), what);
}

/* Did the tree before the store hold PATH as WHAT (see push_entry)?  Then writing it again would change nothing. */
static bool unchanged(const struct wctx *w, const char *path, const char *what)
{
        return w->before && fh_index_holds(w->before, path, what);
}

static void make_dir(struct wctx *w, const char *dir, const char *name)
{
        char path[PATH_MAX];

        if (w->err)
                return;
        if (snprintf(path, sizeof(path), "%s%s%s", dir, name ? "/" : "", name ? name : "") >= (int)sizeof(path))
                w->err = -ENAMETOOLONG;
        record(w, path);
        if (!w->err && !w->dry && !unchanged(w, path, ""))
                w->err = mkdir_p(w->root, path);
}

/* Formats a path into BUF (PATH_MAX bytes); too long is an error. */
__attribute__((format(printf, 3, 4))) static void pathf(struct wctx *w, char *buf, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        int n = vsnprintf(buf, PATH_MAX, fmt, ap);
        va_end(ap);
        if ((n < 0 || n >= PATH_MAX) && !w->err)
                w->err = -ENAMETOOLONG;
}

/* Joins DIR/NAME into PATH and creates DIR. */
static int prepare(struct wctx *w, const char *dir, const char *name, char *path, size_t len)
{
        make_dir(w, dir, NULL);
        if (!w->err && snprintf(path, len, "%s/%s", dir, name) >= (int)len)
                w->err = -ENAMETOOLONG;
        return w->err;
}

static bool same_bytes(int root, const char *path, const char *data)
{
        size_t len = strlen(data);
        _cleanup_free_ char *buf = malloc(len + 1);
        _cleanup_close_ int fd = openat(root, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        struct stat st;

        if (!buf || fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size != len)
                return false;
        return read(fd, buf, len + 1) == (ssize_t)len && memcmp(buf, data, len) == 0;
}

/* A temporary name beside PATH, for replacing it in one rename(2). */
static int tmp_name(char *tmp, size_t len, const char *path)
{
        const char *slash = strrchr(path, '/');
        int dirlen = slash ? (int)(slash - path + 1) : 0;
        int n = snprintf(tmp, len, "%.*s.fakehost-tmp.%s", dirlen, path, path + dirlen);

        return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Files are replaced by rename, and only when their bytes change, so that
 * a process reading the tree while a shim updates it never sees a
 * truncated attribute. */
static void put(struct wctx *w, const char *dir, const char *name, const char *data, mode_t mode)
{
        char path[PATH_MAX], tmp[PATH_MAX + 16];
        _cleanup_free_ char *what = NULL;

        if (prepare(w, dir, name, path, sizeof(path)) < 0)
                return;
        if ((w->record || w->before) && asprintf(&what, "f%04o%s", (unsigned)mode, data) < 0) {
                w->err = -ENOMEM;
                return;
        }
        record_leaf(w, path, what);
        if (w->dry || (w->before && unchanged(w, path, what)) || same_bytes(w->root, path, data))
                return;
        if ((w->err = tmp_name(tmp, sizeof(tmp), path)) < 0)
                return;
        unlinkat(w->root, tmp, 0);
        _cleanup_close_ int fd = openat(w->root, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0) {
                w->err = -errno;
                return;
        }
        ssize_t n = write(fd, data, strlen(data));
        if (n < 0)
                w->err = -errno;
        else if ((size_t)n != strlen(data))
                w->err = -EIO;
        else if (renameat(w->root, tmp, w->root, path) < 0)
                w->err = -errno;
        if (w->err)
                unlinkat(w->root, tmp, 0);
}

__attribute__((format(printf, 4, 5))) static void attr(struct wctx *w, const char *dir, const char *name,
                                                       const char *fmt, ...)
{
        _cleanup_free_ char *data = NULL;
        va_list ap;

        va_start(ap, fmt);
        int n = vasprintf(&data, fmt, ap);
        va_end(ap);
        if (n < 0 && !w->err)
                w->err = -ENOMEM;
        if (n >= 0)
                put(w, dir, name, data, 0644);
}

/* Write-only and binary attributes: the capture holds them empty. */
static void empty(struct wctx *w, const char *dir, const char *name)
{
        put(w, dir, name, "", 0644);
}

static int split(char *s, char **comp)
{
        char *save = NULL;
        int n = 0;

        for (char *t = strtok_r(s, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
                if (n == MAX_DEPTH)
                        return -ENAMETOOLONG;
                comp[n++] = t;
        }
        return n;
}

static int append(char *out, size_t len, size_t *off, const char *s)
{
        size_t n = strlen(s);

        if (*off + n >= len)
                return -ENAMETOOLONG;
        memcpy(out + *off, s, n + 1);
        *off += n;
        return 0;
}

/* kernfs_get_target_path(): climb from the link's directory to the nearest
 * ancestor of the target's parent, so a link to an ancestor climbs past it
 * ("device -> ../../../pci0000:00"). */
static int relpath(const char *dir, const char *target, char *out, size_t len)
{
        char d[PATH_MAX], t[PATH_MAX], *dc[MAX_DEPTH], *tc[MAX_DEPTH];
        size_t off = 0;
        int nd, nt, common = 0, r = 0;

        snprintf(d, sizeof(d), "%s", dir);
        snprintf(t, sizeof(t), "%s", target);
        if ((nd = split(d, dc)) < 0 || (nt = split(t, tc)) < 1)
                return -EINVAL;
        while (common < nd && common < nt - 1 && strcmp(dc[common], tc[common]) == 0)
                common++;
        out[0] = '\0';
        for (int i = common; i < nd && r == 0; i++)
                r = append(out, len, &off, "../");
        for (int i = common; i < nt && r == 0; i++)
                if ((r = append(out, len, &off, tc[i])) == 0 && i + 1 < nt)
                        r = append(out, len, &off, "/");
        return r;
}

/* DIR/NAME -> TARGET, both root-relative; written relative like sysfs. */
static void lnk(struct wctx *w, const char *dir, const char *name, const char *target)
{
        char path[PATH_MAX], rel[PATH_MAX];

        char old[PATH_MAX], tmp[PATH_MAX + 16];

        if (prepare(w, dir, name, path, sizeof(path)) < 0)
                return;
        if ((w->err = relpath(dir, target, rel, sizeof(rel))) < 0)
                return;
        old[0] = 'l';
        snprintf(old + 1, sizeof(old) - 1, "%s", rel);
        record_leaf(w, path, old);
        if (w->dry || (w->before && unchanged(w, path, old)))
                return;
        ssize_t n = readlinkat(w->root, path, old, sizeof(old) - 1);
        if (n >= 0 && (size_t)n == strlen(rel) && memcmp(old, rel, (size_t)n) == 0)
                return;
        if (symlinkat(rel, w->root, path) == 0)
                return;
        if (errno != EEXIST) {
                w->err = -errno;
                return;
        }
        if ((w->err = tmp_name(tmp, sizeof(tmp), path)) < 0)
                return;
        unlinkat(w->root, tmp, 0);
        if (symlinkat(rel, w->root, tmp) < 0 || renameat(w->root, tmp, w->root, path) < 0)
                w->err = -errno;
}

__attribute__((format(printf, 4, 5))) static void lnkf(struct wctx *w, const char *dir, const char *name,
                                                       const char *fmt, ...)
{
        char target[PATH_MAX];
        va_list ap;

        va_start(ap, fmt);
        int n = vsnprintf(target, sizeof(target), fmt, ap);
        va_end(ap);
        if (n < 0 || n >= (int)sizeof(target))
                w->err = w->err ? w->err : -ENAMETOOLONG;
        else
                lnk(w, dir, name, target);
}

/* Modules whose name is not the driver's with '_' for '-'; false: built in. */
static bool module_name(const char *driver, char mod[NAME_MAX + 1])
{
        static const struct {
                const char *driver, *module;
        } odd[] = {{"pcieport", NULL}, {"intel_vgpu_mdev", "kvmgt"}};

        snprintf(mod, NAME_MAX + 1, "%s", driver);
        for (char *s = mod; *s; s++)
                *s = *s == '-' ? '_' : *s;
        for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
                if (strcmp(driver, odd[i].driver) != 0)
                        continue;
                if (!odd[i].module)
                        return false;
                snprintf(mod, NAME_MAX + 1, "%s", odd[i].module);
        }
        return true;
}

static void module_link(struct wctx *w, const char *dir, const char *driver)
{
        char mod[NAME_MAX + 1];

        if (module_name(driver, mod))
                lnkf(w, dir, "module", "sys/module/%s", mod);
}

/* ---- NUMA ------------------------------------------------------------------- */

static void cpus_attrs(struct wctx *w, const char *dir, const char *list_name, const char *mask_name,
                       const struct fh_cpuset *set)
{
        char list[4096], mask[4096];

        fh_cpuset_list(set, list, sizeof(list));
        fh_cpuset_mask(set, w->nbits, mask, sizeof(mask));
        attr(w, dir, list_name, "%s\n", list);
        attr(w, dir, mask_name, "%s\n", mask);
}

/* The CPUs of node NUMA; -1 (no affinity) means every online CPU. */
static const struct fh_cpuset *node_cpus(const struct wctx *w, int numa)
{
        const struct fh_node *n = numa >= 0 ? fh_find_node(w->fh, numa) : NULL;

        return n ? &n->cpus : &w->online;
}

static void write_node(struct wctx *w, const struct fh_node *n, const struct fh_cpuset *ids)
{
        char dir[PATH_MAX], dist[4096] = "", name[32];
        size_t off = 0;

        pathf(w, dir, "sys/devices/system/node/node%d", n->id);
        cpus_attrs(w, dir, "cpulist", "cpumap", &n->cpus);
        /* Without a SLIT the kernel's distances are 10 (local) and 20. */
        for (unsigned i = 0; i < FH_MAX_CPUS && off < sizeof(dist); i++)
                if (fh_cpuset_test(ids, i))
                        off += (size_t)snprintf(dist + off, sizeof(dist) - off, "%s%d", off ? " " : "",
                                                (int)i == n->id ? 10 : 20);
        attr(w, dir, "distance", "%s\n", dist);
        empty(w, dir, "compact");
        empty(w, dir, "uevent");
        lnk(w, dir, "subsystem", "sys/bus/node");
        for (unsigned c = 0; c < FH_MAX_CPUS; c++) {
                if (!fh_cpuset_test(&n->cpus, c))
                        continue;
                snprintf(name, sizeof(name), "cpu%u", c);
                lnkf(w, dir, name, "sys/devices/system/cpu/cpu%u", c);
        }
}

static void write_nodes(struct wctx *w)
{
        static const char *const all[] = {"online", "possible", "has_memory", "has_normal_memory"};
        const char *dir = "sys/devices/system/node";
        struct fh_cpuset ids = {{0}}, with_cpus = {{0}};
        char list[4096];

        if (w->fh->nodes.n == 0)
                return;
        for (size_t i = 0; i < w->fh->nodes.n; i++) {
                const struct fh_node *n = w->fh->nodes.v[i];

                fh_cpuset_set(&ids, (unsigned)n->id);
                if (fh_cpuset_nbits(&n->cpus) > 0)
                        fh_cpuset_set(&with_cpus, (unsigned)n->id);
        }
        fh_cpuset_list(&ids, list, sizeof(list));
        for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
                attr(w, dir, all[i], "%s\n", list);
        fh_cpuset_list(&with_cpus, list, sizeof(list));
        attr(w, dir, "has_cpu", "%s\n", list);
        attr(w, dir, "has_generic_initiator", "\n");
        empty(w, dir, "uevent");
        for (size_t i = 0; i < w->fh->nodes.n; i++)
                write_node(w, w->fh->nodes.v[i], &ids);
}

/* ---- PCI -------------------------------------------------------------------- */

static bool is_vfio_pci(const char *driver)
{
        return driver && strcmp(driver, "vfio-pci") == 0;
}

/* The bridge a device sits below; a VF sits beside its PF. */
static const struct fh_pci *upstream(const struct fh_pci *p)
{
        return p->physfn ? p->physfn->bridge : p->bridge;
}

static void write_pci_ids(struct wctx *w, const struct fh_pci *p)
{
        const char *d = p->path;
        unsigned cls = p->class_code;

        attr(w, d, "vendor", "0x%04x\n", p->vendor);
        attr(w, d, "device", "0x%04x\n", p->device);
        attr(w, d, "subsystem_vendor", "0x%04x\n", p->subvendor);
        attr(w, d, "subsystem_device", "0x%04x\n", p->subdevice);
        attr(w, d, "class", "0x%06x\n", cls);
        attr(w, d, "revision", "0x%02x\n", p->revision);
        attr(w, d, "modalias", "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n", p->vendor, p->device, p->subvendor,
             p->subdevice, cls >> 16, (cls >> 8) & 0xff, cls & 0xff);
}

/* What reading uevent gives: dev_uevent()'s DRIVER= then pci_uevent()'s keys. */
static void write_pci_uevent(struct wctx *w, const struct fh_pci *p)
{
        unsigned cls = p->class_code;
        char drv[NAME_MAX + 16] = "";

        if (p->driver)
                snprintf(drv, sizeof(drv), "DRIVER=%s\n", p->driver);
        attr(w, p->path, "uevent",
             "%sPCI_CLASS=%04X\nPCI_ID=%04X:%04X\nPCI_SUBSYS_ID=%04X:%04X\nPCI_SLOT_NAME=%04x:%02x:%02x.%x\n"
             "MODALIAS=pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n",
             drv, cls, p->vendor, p->device, p->subvendor, p->subdevice, p->domain, p->bus, p->slot, p->func, p->vendor,
             p->device, p->subvendor, p->subdevice, cls >> 16, (cls >> 8) & 0xff, cls & 0xff);
}

static void write_pci_state(struct wctx *w, const struct fh_pci *p)
{
        const char *d = p->path;
        /* Drivers enable the device at probe; vfio-pci only once a user opens it. */
        bool enabled = p->driver && !is_vfio_pci(p->driver) && strcmp(p->driver, "pci-stub") != 0;

        attr(w, d, "numa_node", "%d\n", p->numa);
        if (p->cpus_set || w->fh->nodes.n > 0)
                cpus_attrs(w, d, "local_cpulist", "local_cpus", p->cpus_set ? &p->cpus : node_cpus(w, p->numa));
        attr(w, d, "driver_override", "%s\n", p->override ? p->override : "(null)");
        attr(w, d, "enable", "%d\n", enabled);
        attr(w, d, "broken_parity_status", "0\n");
        attr(w, d, "msi_bus", "1\n");
        empty(w, d, "config");
        write_pci_uevent(w, p);
        /* pci_dev_hp_attrs_are_visible(): VFs have no remove/rescan. */
        if (!p->physfn) {
                empty(w, d, "remove");
                empty(w, d, "rescan");
        } else {
                empty(w, d, "sriov_vf_msix_count");
        }
        if (p->class_code >> 8 == 0x0300)
                attr(w, d, "boot_vga", "%d\n", p == w->boot_vga);
}

static void write_vfio_dev(struct wctx *w, const char *devdir, int n)
{
        char dir[PATH_MAX];

        pathf(w, dir, "%s/vfio-dev/vfio%d", devdir, n);
        lnk(w, dir, "device", devdir);
        lnk(w, dir, "subsystem", "sys/class/vfio-dev");
        empty(w, dir, "uevent");
}

/* A loaded driver's directory; every driver a device uses or would bind to
 * is loaded, and vfio-pci on any host with PCI devices. */
static void write_driver_dir(struct wctx *w, const char *driver)
{
        static const char *const files[] = {"bind", "unbind", "new_id", "remove_id", "uevent"};
        char dir[PATH_MAX];

        pathf(w, dir, "sys/bus/pci/drivers/%s", driver);
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
                empty(w, dir, files[i]);
        module_link(w, dir, driver);
}

static bool driver_seen(const struct fakehost *fh, size_t before, const char *driver)
{
        for (size_t i = 0; i < before; i++) {
                const struct fh_pci *p = fh->pcis.v[i];

                if ((p->driver && strcmp(p->driver, driver) == 0) || (p->home && strcmp(p->home, driver) == 0))
                        return true;
        }
        return false;
}

static void write_pci_drivers(struct wctx *w)
{
        const struct fakehost *fh = w->fh;

        if (fh->pcis.n > 0 && !driver_seen(fh, fh->pcis.n, "vfio-pci"))
                write_driver_dir(w, "vfio-pci");
        for (size_t i = 0; i < fh->pcis.n; i++) {
                const struct fh_pci *p = fh->pcis.v[i];

                if (p->driver && !driver_seen(fh, i, p->driver))
                        write_driver_dir(w, p->driver);
                if (p->home && (!p->driver || strcmp(p->home, p->driver) != 0) && !driver_seen(fh, i, p->home))
                        write_driver_dir(w, p->home);
        }
}

static void write_pci_driver(struct wctx *w, const struct fh_pci *p)
{
        char dir[PATH_MAX];

        pathf(w, dir, "sys/bus/pci/drivers/%s", p->driver);
        lnk(w, dir, p->addr, p->path);
        lnk(w, p->path, "driver", dir);
}

static void write_pci_links(struct wctx *w, const struct fh_pci *p)
{
        const char *d = p->path;

        lnk(w, d, "subsystem", "sys/bus/pci");
        lnk(w, "sys/bus/pci/devices", p->addr, d);
        if (p->driver)
                write_pci_driver(w, p);
        if (p->group >= 0) {
                lnkf(w, d, "iommu_group", "sys/kernel/iommu_groups/%d", p->group);
                /* One Intel VT-d unit, as in the capture. */
                lnk(w, d, "iommu", "sys/devices/virtual/iommu/dmar0");
        }
        if (p->physfn)
                lnk(w, d, "physfn", p->physfn->path);
        if (p->vfio >= 0)
                write_vfio_dev(w, d, p->vfio);
}

static void write_sriov(struct wctx *w, const struct fh_pci *pf)
{
        const char *d = pf->path;
        char name[32];

        attr(w, d, "sriov_totalvfs", "%d\n", pf->totalvfs);
        attr(w, d, "sriov_numvfs", "%d\n", pf->numvfs);
        attr(w, d, "sriov_offset", "%d\n", pf->vf_offset);
        attr(w, d, "sriov_stride", "%d\n", pf->vf_stride);
        attr(w, d, "sriov_vf_device", "%x\n", pf->vf_device);
        attr(w, d, "sriov_drivers_autoprobe", "%d\n", pf->autoprobe);
        attr(w, d, "sriov_vf_total_msix", "0\n");
        for (size_t i = 0; i < w->fh->pcis.n; i++) {
                const struct fh_pci *vf = w->fh->pcis.v[i];

                if (vf->physfn != pf)
                        continue;
                snprintf(name, sizeof(name), "virtfn%d", vf->vf_index);
                lnk(w, d, name, vf->path);
        }
}

/* amdgpu's partition modes (drivers/gpu/drm/amd/amdgpu/amdgpu_gfx.c, amdgpu_gmc.c). */
static void write_partitions(struct wctx *w, const struct fh_pci *pf)
{
        if (pf->compute_partition)
                attr(w, pf->path, "current_compute_partition", "%s\n", pf->compute_partition);
        if (pf->memory_partition)
                attr(w, pf->path, "current_memory_partition", "%s\n", pf->memory_partition);
}

/* One function's sriov_admin/{pf,vfN}/profile (xe_sriov_pf_sysfs.c): the
 * scheduling priority reads "[low] normal high", and is read-only for VFs,
 * whose list stops at normal. */
static void write_xe_profile(struct wctx *w, const char *dir, const struct fh_xe *x, int i)
{
        const struct fh_xe_fn *fn = &x->fn[i];
        char prio[32] = "";

        for (int p = FH_XE_LOW; p <= (i ? FH_XE_NORMAL : FH_XE_HIGH); p++)
                snprintf(prio + strlen(prio), sizeof(prio) - strlen(prio), "%s%s%s%s", p ? " " : "",
                         p == fn->prio ? "[" : "", fh_xe_prio_name(p), p == fn->prio ? "]" : "");
        attr(w, dir, "exec_quantum_ms", "%llu\n", fn->eq);
        attr(w, dir, "preempt_timeout_us", "%llu\n", fn->pt);
        put(w, dir, "sched_priority", strcat(prio, "\n"), i ? 0444 : 0644);
        if (i && x->vram)
                attr(w, dir, "vram_quota", "%llu\n", fn->vram);
}

/* sriov_admin/ (sysfs-driver-intel-xe-sriov): .bulk_profile (write-only),
 * pf/ and vf1..vfN/ up to sriov_totalvfs, each VF's device link only while
 * the VF is enabled. */
static void write_xe(struct wctx *w, const struct fh_pci *pf)
{
        const struct fh_xe *x = pf->xe;
        char dir[PATH_MAX], sub[PATH_MAX];

        pathf(w, dir, "%s/sriov_admin/.bulk_profile", pf->path);
        put(w, dir, "exec_quantum_ms", "", 0200);
        put(w, dir, "preempt_timeout_us", "", 0200);
        put(w, dir, "sched_priority", "", 0200);
        if (x->vram)
                put(w, dir, "vram_quota", "", 0200);
        for (int i = 0; i < x->n; i++) {
                if (i)
                        pathf(w, dir, "%s/sriov_admin/vf%d", pf->path, i);
                else
                        pathf(w, dir, "%s/sriov_admin/pf", pf->path);
                pathf(w, sub, "%s/profile", dir);
                write_xe_profile(w, sub, x, i);
                if (i)
                        put(w, dir, "stop", "", 0200);
                if (!i)
                        lnk(w, dir, "device", pf->path);
                for (size_t j = 0; i && j < w->fh->pcis.n; j++) {
                        const struct fh_pci *vf = w->fh->pcis.v[j];

                        if (vf->physfn == pf && vf->vf_index == i - 1)
                                lnk(w, dir, "device", vf->path);
                }
        }
}

/* sys/module/MODULE/parameters/NAME. */
static void write_modparams(struct wctx *w)
{
        char dir[PATH_MAX];

        for (size_t i = 0; i < w->fh->modparams.n; i++) {
                const struct fh_modparam *m = w->fh->modparams.v[i];

                pathf(w, dir, "sys/module/%s/parameters", m->module);
                attr(w, dir, m->name, "%s\n", m->value);
        }
}

static void write_bus(struct wctx *w, const char *devdir, unsigned domain, unsigned bus, int numa)
{
        char dir[PATH_MAX];

        pathf(w, dir, "%s/pci_bus/%04x:%02x", devdir, domain, bus);
        if (w->fh->nodes.n > 0)
                cpus_attrs(w, dir, "cpulistaffinity", "cpuaffinity", node_cpus(w, numa));
        empty(w, dir, "rescan");
        empty(w, dir, "uevent");
        lnk(w, dir, "device", devdir);
        lnk(w, dir, "subsystem", "sys/class/pci_bus");
}

/* /sys/devices/pciDDDD:BB, written for the first device declared on it. */
static void write_root_bus(struct wctx *w, size_t idx)
{
        const struct fh_pci *p = w->fh->pcis.v[idx];
        char dir[PATH_MAX];

        if (p->bridge || p->physfn)
                return;
        for (size_t i = 0; i < idx; i++) {
                const struct fh_pci *o = w->fh->pcis.v[i];

                if (!o->bridge && !o->physfn && o->domain == p->domain && o->bus == p->bus)
                        return;
        }
        pathf(w, dir, "sys/devices/pci%04x:%02x", p->domain, p->bus);
        empty(w, dir, "uevent");
        write_bus(w, dir, p->domain, p->bus, p->numa);
}

static void write_bridge(struct wctx *w, const struct fh_pci *b)
{
        unsigned secondary = 256, subordinate = 0;

        for (size_t i = 0; i < w->fh->pcis.n; i++) {
                const struct fh_pci *q = w->fh->pcis.v[i];

                if (upstream(q) == b && q->bus < secondary)
                        secondary = q->bus;
                for (const struct fh_pci *x = upstream(q); x; x = upstream(x))
                        if (x == b && q->bus > subordinate)
                                subordinate = q->bus;
        }
        if (secondary == 256)
                return;
        attr(w, b->path, "secondary_bus_number", "%u\n", secondary);
        attr(w, b->path, "subordinate_bus_number", "%u\n", subordinate);
        write_bus(w, b->path, b->domain, secondary, b->numa);
}

/* NVIDIA vendor VFIO (vGPU >= 17): the VF's own type files.  Published
 * examples show creatable_vgpu_types rows in two forms; the PF says which. */
static void write_nvidia(struct wctx *w, const struct fh_pci *p)
{
        bool name_first = p->physfn && p->physfn->vgpu_name_first;
        _cleanup_free_ char *text = NULL;
        char dir[PATH_MAX];
        size_t len = 0;
        struct fh_vgpu v;
        FILE *f = open_memstream(&text, &len);

        if (!f) {
                w->err = w->err ? w->err : -ENOMEM;
                return;
        }
        fputs(name_first ? "" : "ID    : vGPU Name\n", f);
        for (const char *s = p->vgpu_types; fh_vgpu_next(&s, &v) > 0;)
                if (fh_vgpu_creatable(w->fh, p, &v) && name_first)
                        fprintf(f, "%-20.*s %.*s\n", v.namelen, v.name, v.idlen, v.id);
                else if (fh_vgpu_creatable(w->fh, p, &v))
                        fprintf(f, "%-6.*s: %.*s\n", v.idlen, v.id, v.namelen, v.name);
        if (fclose(f) != 0 && !w->err)
                w->err = -ENOMEM;
        pathf(w, dir, "%s/nvidia", p->path);
        put(w, dir, "creatable_vgpu_types", text ? text : "", 0644);
        attr(w, dir, "current_vgpu_type", "%s\n", p->current_type ? p->current_type : "0");
        /* An unset id reads -1 here; the guides do not show what the driver prints. */
        attr(w, dir, "gpu_instance_id", "%d\n", p->gpu_instance);
        attr(w, dir, "placement_id", "%d\n", p->placement);
        attr(w, dir, "vgpu_params", "%s\n", p->vgpu_params ? p->vgpu_params : "");
}

/* ---- IOMMU groups ------------------------------------------------------------ */

static bool group_has(const struct fakehost *fh, int group, bool (*pred)(const struct fh_pci *p))
{
        for (size_t i = 0; i < fh->pcis.n; i++) {
                const struct fh_pci *p = fh->pcis.v[i];

                if (p->group == group && pred(p))
                        return true;
        }
        return false;
}

static bool is_isa_bridge(const struct fh_pci *p)
{
        return p->class_code >> 8 == 0x0601;
}

static bool is_vfio_user(const struct fh_pci *p)
{
        return p->vfio >= 0 || is_vfio_pci(p->driver);
}

static void dev_vfio(struct wctx *w, int group)
{
        char name[16];

        snprintf(name, sizeof(name), "%d", group);
        put(w, "dev/vfio", name, "", 0600);
}

static void write_pci_group(struct wctx *w, const struct fh_pci *p)
{
        char dir[PATH_MAX], devs[PATH_MAX];

        pathf(w, dir, "sys/kernel/iommu_groups/%d", p->group);
        pathf(w, devs, "%s/devices", dir);
        lnk(w, devs, p->addr, p->path);
        attr(w, dir, "type", "DMA-FQ\n");
        /* intel-iommu's floppy workaround maps the low 16M of an ISA bridge. */
        attr(w, dir, "reserved_regions", "%s0x00000000fee00000 0x00000000feefffff msi\n",
             group_has(w->fh, p->group, is_isa_bridge) ? "0x0000000000000000 0x0000000000ffffff direct-relaxable\n"
                                                       : "");
        if (group_has(w->fh, p->group, is_vfio_user))
                dev_vfio(w, p->group);
}

/* A network driver's interface: net/NAME below the device, and its class link. */
static void write_netdev(struct wctx *w, const struct fh_pci *p)
{
        char dir[PATH_MAX];

        pathf(w, dir, "%s/net/%s", p->path, p->netdev);
        attr(w, dir, "address", "02:00:%02x:%02x:%02x:%02x\n", p->domain & 0xff, p->bus, p->slot, p->func);
        attr(w, dir, "operstate", "up\n");
        attr(w, dir, "mtu", "1500\n");
        empty(w, dir, "uevent");
        lnk(w, dir, "device", p->path);
        lnk(w, dir, "subsystem", "sys/class/net");
        lnk(w, "sys/class/net", p->netdev, dir);
}

/* A driver that sets VFs by module parameter shows the count there. */
static void write_vf_param(struct wctx *w, const struct fh_pci *pf)
{
        char mod[NAME_MAX + 1], dir[PATH_MAX];

        if (!module_name(pf->driver, mod))
                return;
        pathf(w, dir, "sys/module/%s/parameters", mod);
        attr(w, dir, pf->vf_param, "%d\n", pf->numvfs);
}

static void write_pci(struct wctx *w, size_t idx)
{
        const struct fh_pci *p = w->fh->pcis.v[idx];

        write_root_bus(w, idx);
        write_pci_ids(w, p);
        write_pci_state(w, p);
        write_pci_links(w, p);
        write_bridge(w, p);
        if (p->is_pf)
                write_sriov(w, p);
        if (p->is_pf)
                write_partitions(w, p);
        if (p->xe && p->driver)
                write_xe(w, p);
        if (p->netdev && p->driver)
                write_netdev(w, p);
        if (p->vf_param && p->driver)
                write_vf_param(w, p);
        /* The nvidia driver makes a VF's nvidia/ files when it binds it (sriov-manage binds each VF):
         * a VF no driver took has none.  (Tests hold a typed VF for a VM by binding it to vfio-pci:
         * its files stay.) */
        if (p->vgpu_types && p->driver)
                write_nvidia(w, p);
        if (p->group >= 0)
                write_pci_group(w, p);
}

/* ---- mdev ---------------------------------------------------------------------- */

static void write_mdev_bus(struct wctx *w)
{
        const char *d = "sys/bus/mdev";

        empty(w, d, "drivers_probe");
        attr(w, d, "drivers_autoprobe", "1\n");
        empty(w, d, "uevent");
        make_dir(w, d, "devices");
        make_dir(w, d, "drivers");
        make_dir(w, "sys/class/mdev_bus", NULL);
}

static void write_parent(struct wctx *w, const struct fh_parent *p)
{
        char drv[PATH_MAX];

        if (!p->pci) {
                empty(w, p->path, "uevent");
                lnkf(w, p->path, "subsystem", "sys/class/%s", p->class_name);
        }
        make_dir(w, p->path, "mdev_supported_types");
        lnk(w, "sys/class/mdev_bus", p->name, p->path);
        pathf(w, drv, "sys/bus/mdev/drivers/%s", p->mdev_driver);
        empty(w, drv, "bind");
        empty(w, drv, "unbind");
        empty(w, drv, "uevent");
        module_link(w, drv, p->mdev_driver);
}

static void write_type(struct wctx *w, const struct fh_type *t)
{
        char dir[PATH_MAX];
        const char *desc = t->description;

        pathf(w, dir, "%s/mdev_supported_types/%s", t->parent->path, t->id);
        attr(w, dir, "name", "%s\n", t->name);
        attr(w, dir, "device_api", "%s\n", t->api);
        attr(w, dir, "available_instances", "%d\n", fh_type_available(w->fh, t));
        empty(w, dir, "create");
        if (desc)
                attr(w, dir, "description", "%s%s", desc, desc[strlen(desc) - 1] == '\n' ? "" : "\n");
        make_dir(w, dir, "devices");
}

/* Every mdev gets an emulated IOMMU group of its own (vfio-noiommu). */
static void write_mdev_group(struct wctx *w, const struct fh_mdev *m, const char *devdir)
{
        char dir[PATH_MAX], devs[PATH_MAX];

        pathf(w, dir, "sys/kernel/iommu_groups/%d", m->group);
        pathf(w, devs, "%s/devices", dir);
        lnk(w, devs, m->uuid, devdir);
        attr(w, dir, "name", "vfio-noiommu\n");
        attr(w, dir, "type", "unknown\n");
        empty(w, dir, "reserved_regions");
        dev_vfio(w, m->group);
}

static void write_mdev(struct wctx *w, const struct fh_mdev *m)
{
        const struct fh_parent *p = m->type->parent;
        char dir[PATH_MAX], type[PATH_MAX], devs[PATH_MAX], drv[PATH_MAX];

        pathf(w, dir, "%s/%s", p->path, m->uuid);
        pathf(w, type, "%s/mdev_supported_types/%s", p->path, m->type->id);
        pathf(w, devs, "%s/devices", type);
        pathf(w, drv, "sys/bus/mdev/drivers/%s", p->mdev_driver);
        lnk(w, dir, "driver", drv);
        lnk(w, dir, "mdev_type", type);
        lnk(w, dir, "subsystem", "sys/bus/mdev");
        lnkf(w, dir, "iommu_group", "sys/kernel/iommu_groups/%d", m->group);
        empty(w, dir, "remove");
        /* the mdev bus adds nothing to dev_uevent()'s DRIVER= */
        attr(w, dir, "uevent", "DRIVER=%s\n", p->mdev_driver);
        lnk(w, devs, m->uuid, dir);
        lnk(w, drv, m->uuid, dir);
        lnk(w, "sys/bus/mdev/devices", m->uuid, dir);
        if (m->vfio >= 0)
                write_vfio_dev(w, dir, m->vfio);
        write_mdev_group(w, m, dir);
}

static void write_mdevs(struct wctx *w)
{
        const struct fakehost *fh = w->fh;

        if (fh->parents.n == 0)
                return;
        write_mdev_bus(w);
        for (size_t i = 0; i < fh->parents.n; i++)
                write_parent(w, fh->parents.v[i]);
        for (size_t i = 0; i < fh->types.n; i++)
                write_type(w, fh->types.v[i]);
        for (size_t i = 0; i < fh->mdevs.n; i++)
                write_mdev(w, fh->mdevs.v[i]);
}

/* ---- the running kernel's module index ---------------------------------------- */

/* "amd_vfio_pci" lives in .../amd-vfio-pci.ko.xz, as Debian ships modules. */
static void kmod_file(const struct fh_kmod *k, const char *suffix, char *buf, size_t len)
{
        size_t n = (size_t)snprintf(buf, len, "kernel/drivers/vfio/pci/%s%s", k->name, suffix);

        for (char *s = strrchr(buf, '/'); s && *s && n < len; s++)
                if (*s == '_')
                        *s = '-';
}

/* Appends @s to the growing @buf; errors land in @w. */
static void grow(struct wctx *w, char **buf, const char *s)
{
        char *old = *buf;

        if (asprintf(buf, "%s%s", old ? old : "", s) < 0) {
                *buf = old;
                w->err = w->err ? w->err : -ENOMEM;
                return;
        }
        free(old);
}

static void write_kernel(struct wctx *w)
{
        _cleanup_free_ char *alias = strdup("# Aliases extracted from modules themselves.\n"), *dep = strdup(""),
                            *builtin = strdup("");
        char dir[PATH_MAX], line[PATH_MAX];

        if (!w->fh->kernel)
                return;
        attr(w, "proc/sys/kernel", "osrelease", "%s\n", w->fh->kernel);
        for (size_t i = 0; i < w->fh->kmods.n; i++) {
                const struct fh_kmod *k = w->fh->kmods.v[i];
                _cleanup_free_ char *list = k->aliases ? strdup(k->aliases) : NULL;

                for (char *save = NULL, *a = list ? strtok_r(list, ",", &save) : NULL; a;
                     a = strtok_r(NULL, ",", &save)) {
                        snprintf(line, sizeof(line), "alias %s %s\n", a, k->name);
                        grow(w, &alias, line);
                }
                kmod_file(k, k->builtin ? ".ko\n" : ".ko.xz:\n", line, sizeof(line));
                grow(w, k->builtin ? &builtin : &dep, line);
        }
        pathf(w, dir, "lib/modules/%s", w->fh->kernel);
        if (alias && dep && builtin) {
                put(w, dir, "modules.alias", alias, 0644);
                put(w, dir, "modules.dep", dep, 0644);
                put(w, dir, "modules.builtin", builtin, 0644);
        }
}

/* ---- the whole tree ---------------------------------------------------------- */

static void setup(struct wctx *w)
{
        struct fh_cpuset all;

        for (size_t i = 0; i < w->fh->nodes.n; i++)
                fh_cpuset_or(&w->online, &((const struct fh_node *)w->fh->nodes.v[i])->cpus);
        all = w->online;
        for (size_t i = 0; i < w->fh->pcis.n; i++) {
                const struct fh_pci *p = w->fh->pcis.v[i];

                if (p->cpus_set)
                        fh_cpuset_or(&all, &p->cpus);
                /* vgaarb's default device: the first VGA controller. */
                if (p->class_code >> 8 == 0x0300 && (!w->boot_vga || fh_pci_addr_cmp(p, w->boot_vga) < 0))
                        w->boot_vga = p;
        }
        w->nbits = fh_cpuset_nbits(&all);
}

static int write_tree(struct wctx w, const char *root_dir)
{
        static const char *const base[] = {"sys", "etc", "run", "proc", "dev/vfio"};
        const struct fakehost *fh = w.fh;
        bool dry = w.dry;
        _cleanup_close_ int root = dry ? -1 : open(root_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (!dry && root < 0)
                return -errno;
        w.root = root;
        setup(&w);
        for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
                make_dir(&w, base[i], NULL);
        write_nodes(&w);
        if (fh->pcis.n > 0) {
                make_dir(&w, "sys/bus/pci/drivers", NULL);
                empty(&w, "sys/bus/pci", "drivers_probe");
                write_pci_drivers(&w);
        }
        for (size_t i = 0; i < fh->pcis.n; i++)
                write_pci(&w, i);
        write_mdevs(&w);
        write_kernel(&w);
        write_modparams(&w);
        return w.err;
}

int fh_write_tree(const struct fakehost *fh, const char *root_dir, bool dry, struct fh_vec *rec)
{
        return write_tree((struct wctx){.fh = fh, .dry = dry, .record = rec}, root_dir);
}

int fh_write_changes(const struct fakehost *fh, const char *root_dir, struct fh_vec *before, struct fh_vec *rec)
{
        struct fh_index ix;
        int r = fh_index_build(&ix, before);

        if (r == 0)
                r = write_tree((struct wctx){.fh = fh, .record = rec, .before = &ix}, root_dir);
        fh_index_free(&ix);
        return r;
}

int fakehost_write(const struct fakehost *fh, const char *root_dir)
{
        int r = fh_write_tree(fh, root_dir, false, NULL);

        return r < 0 ? r : fh_write_model(fh, root_dir);
}
