/* fakehost model dump: the model as a flat preset (see fakehost-parse.c),
 * so that separate processes (a shim in each) share one simulated host
 * through ROOT/.fakehost/model.host; and the pruning of what a change to
 * the model removed from the tree. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fakehost-private.h"

/* key="value" with the parser's escapes. */
static void str(FILE *f, const char *key, const char *value)
{
        if (!value)
                return;
        fprintf(f, " %s=\"", key);
        for (const char *s = value; *s; s++) {
                if (*s == '\n')
                        fputs("\\n", f);
                else if (*s == '"' || *s == '\\')
                        fprintf(f, "\\%c", *s);
                else
                        fputc(*s, f);
        }
        fputc('"', f);
}

static void dump_node(FILE *f, const struct fh_node *n)
{
        char cpus[4096];

        fh_cpuset_list(&n->cpus, cpus, sizeof(cpus));
        fprintf(f, "node %d cpus=\"%s\"\n", n->id, cpus);
}

static void dump_sriov(FILE *f, const struct fh_pci *p)
{
        if (!p->is_pf)
                return;
        fprintf(f, " totalvfs=%d numvfs=%d autoprobe=%d vf-offset=%d vf-stride=%d vf-device=0x%04x", p->totalvfs,
                p->numvfs, p->autoprobe, p->vf_offset, p->vf_stride, p->vf_device);
        if (p->numvfs_errno)
                fprintf(f, " numvfs-errno=%s", fh_errno_name(p->numvfs_errno));
        if (p->vgpu_fb)
                fprintf(f, " vgpu-fb=%d", p->vgpu_fb);
        str(f, "vf-vgpu-types", p->vf_vgpu_types);
        str(f, "vf-param", p->vf_param);
        if (p->vgpu_mode)
                fprintf(f, " vgpu-mode=%s", fh_vgpu_mode_name(p->vgpu_mode));
        for (int i = 0; i < p->n_mig; i++)
                fprintf(f, "%s%d:%d%s", i ? "" : " mig-instances=\"", p->mig_id[i], p->mig_fb[i],
                        i + 1 < p->n_mig ? "," : "\"");
        if (p->vgpu_name_first)
                fputs(" vgpu-format=name-first", f);
        fh_xe_dump(f, p);
}

static void dump_pci(FILE *f, const struct fh_pci *p)
{
        char cpus[4096];

        fprintf(f, "pci %s vendor=0x%04x device=0x%04x class=0x%06x subvendor=0x%04x subdevice=0x%04x revision=0x%02x",
                p->addr, p->vendor, p->device, p->class_code, p->subvendor, p->subdevice, p->revision);
        if (p->bridge)
                fprintf(f, " bridge=%s", p->bridge->addr);
        if (p->physfn)
                fprintf(f, " physfn=%s", p->physfn->addr);
        str(f, "driver", p->driver);
        str(f, "override", p->override);
        str(f, "netdev", p->netdev);
        str(f, "home", p->home ? p->home : "none");
        if (p->vfio_fail)
                fputs(" vfio-bind=fail", f);
        if (p->group >= 0)
                fprintf(f, " group=%d", p->group);
        if (p->vfio >= 0)
                fprintf(f, " vfio=%d", p->vfio);
        if (p->numa_set)
                fprintf(f, " numa=%d", p->numa);
        if (p->cpus_set) {
                fh_cpuset_list(&p->cpus, cpus, sizeof(cpus));
                fprintf(f, " cpus=\"%s\"", cpus);
        }
        dump_sriov(f, p);
        str(f, "vgpu-types", p->vgpu_types);
        str(f, "current-type", p->current_type);
        if (p->gpu_instance >= 0)
                fprintf(f, " gpu-instance=%d", p->gpu_instance);
        if (p->placement >= 0)
                fprintf(f, " placement=%d", p->placement);
        str(f, "vgpu-params", p->vgpu_params);
        fputc('\n', f);
}

static void dump_mdev_side(FILE *f, const struct fakehost *fh)
{
        for (size_t i = 0; i < fh->pools.n; i++) {
                const struct fh_pool *p = fh->pools.v[i];

                fprintf(f, "mdev-pool %s size=%d%s errno=%s\n", p->name, p->size, p->exclusive ? " exclusive" : "",
                        fh_errno_name(p->full_errno));
        }
        for (size_t i = 0; i < fh->parents.n; i++) {
                const struct fh_parent *p = fh->parents.v[i];

                fprintf(f, "mdev-parent %s pool=%s", p->name, p->pool->name);
                if (p->max)
                        fprintf(f, " max=%d", p->max);
                if (!p->pci)
                        str(f, "class", p->class_name);
                str(f, "mdev-driver", p->mdev_driver);
                fputc('\n', f);
        }
        for (size_t i = 0; i < fh->types.n; i++) {
                const struct fh_type *t = fh->types.v[i];

                fprintf(f, "mdev-type %s %s", t->parent->name, t->id);
                str(f, "name", t->name);
                str(f, "api", t->api);
                str(f, "description", t->description);
                fprintf(f, " cost=%d\n", t->cost);
        }
        for (size_t i = 0; i < fh->mdevs.n; i++) {
                const struct fh_mdev *m = fh->mdevs.v[i];

                fprintf(f, "mdev %s parent=%s type=%s group=%d", m->uuid, m->type->parent->name, m->type->id, m->group);
                if (m->vfio >= 0)
                        fprintf(f, " vfio=%d", m->vfio);
                fputc('\n', f);
        }
}

static void dump_kernel(FILE *f, const struct fakehost *fh)
{
        for (size_t i = 0; i < fh->modparams.n; i++) {
                const struct fh_modparam *m = fh->modparams.v[i];

                fprintf(f, "modparam %s", m->module);
                str(f, m->name, m->value);
                fputc('\n', f);
        }
        if (!fh->kernel)
                return;
        fprintf(f, "kernel %s\n", fh->kernel);
        for (size_t i = 0; i < fh->kmods.n; i++) {
                const struct fh_kmod *k = fh->kmods.v[i];

                fprintf(f, "kmod %s", k->name);
                str(f, "alias", k->aliases);
                fputs(k->builtin ? " builtin\n" : "\n", f);
        }
}

int fakehost_dump(const struct fakehost *fh, FILE *f)
{
        fputs("# A fakehost model, as fakehost_dump() writes it.\n", f);
        for (size_t i = 0; i < fh->nodes.n; i++)
                dump_node(f, fh->nodes.v[i]);
        for (size_t i = 0; i < fh->pcis.n; i++)
                dump_pci(f, fh->pcis.v[i]);
        dump_mdev_side(f, fh);
        dump_kernel(f, fh);
        return fflush(f) != 0 || ferror(f) ? -EIO : 0;
}

/* ROOT/.fakehost/model.host: the model as a preset, for a shim in any
 * process to parse, change and write back. */
int fh_write_model(const struct fakehost *fh, const char *root_dir)
{
        static const char *const markers[] = {"held", "eperm"};
        _cleanup_free_ char *dir = NULL, *tmp = NULL, *path = NULL;
        FILE *f;
        int r;

        if (asprintf(&dir, "%s/.fakehost", root_dir) < 0 || asprintf(&tmp, "%s/model.host.tmp", dir) < 0 ||
            asprintf(&path, "%s/model.host", dir) < 0)
                return -ENOMEM;
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        /* Where tests put the shim's marker files. */
        for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
                _cleanup_free_ char *sub = NULL;

                if (asprintf(&sub, "%s/%s", dir, markers[i]) < 0)
                        return -ENOMEM;
                if (mkdir(sub, 0755) < 0 && errno != EEXIST)
                        return -errno;
        }
        f = fopen(tmp, "we");
        if (!f)
                return -errno;
        r = fakehost_dump(fh, f);
        if (fclose(f) != 0 && r == 0)
                r = -EIO;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                unlink(tmp);
        return r;
}

/* ---- pruning what a change removed --------------------------------------- */

static bool prunable(const char *path)
{
        return strncmp(path, "sys/", 4) == 0 || strncmp(path, "dev/vfio/", 9) == 0;
}

/* Deletes root-relative PATH, a file, a link or a tree; gone already is fine. */
static int remove_path(const char *root_dir, const char *path)
{
        char full[PATH_MAX];
        struct stat st;
        int r;

        if (snprintf(full, sizeof(full), "%s/%s", root_dir, path) >= (int)sizeof(full))
                return -ENAMETOOLONG;
        if (lstat(full, &st) < 0)
                return errno == ENOENT ? 0 : -errno;
        r = S_ISDIR(st.st_mode) ? fakehost_rm_rf(full) : (unlink(full) < 0 ? -errno : 0);
        return r == -ENOENT ? 0 : r;
}

int fh_prune(const char *root_dir, struct fh_vec *old, struct fh_vec *now)
{
        struct fh_index ix;
        int r = fh_index_build(&ix, now);

        for (size_t i = 0; r == 0 && i < old->n; i++)
                if (prunable(old->v[i]) && !fh_index_find(&ix, old->v[i], NULL))
                        r = remove_path(root_dir, old->v[i]);
        fh_index_free(&ix);
        return r;
}

void fh_paths_free(struct fh_vec *paths)
{
        for (size_t i = 0; i < paths->n; i++)
                free(paths->v[i]);
        free(paths->v);
        *paths = (struct fh_vec){0};
}
