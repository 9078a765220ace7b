/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vgpuctl: the host, configuration and leases that placement commands read. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vgpuctl.h"

int vgpuctl_state_load(const struct vgpuctl_ctx *ctx, struct vgpuctl_state *st)
{
        struct vgpu_error err = {0};
        char where[512];
        int r;

        memset(st, 0, sizeof(*st));
        r = vgpuctl_load_host(ctx, &st->host);
        if (r != VGPUCTL_OK)
                return r;
        st->root = vgpu_root_ref(st->host->root);
        r = vgpu_config_load(st->root, &st->config, &err);
        if (r >= 0)
                r = vgpu_ledger_read(st->root, &st->ledger, &err);
        if (r < 0) {
                vgpuctl_state_clear(st);
                return vgpuctl_fail("%s", vgpu_error_format(&err, where, sizeof(where)));
        }
        return VGPUCTL_OK;
}

void vgpuctl_state_clear(struct vgpuctl_state *st)
{
        vgpu_ledger_free(st->ledger);
        vgpu_config_free(st->config);
        vgpu_host_free(st->host);
        vgpu_root_unref(st->root);
        memset(st, 0, sizeof(*st));
}

int vgpuctl_no_profile(const struct vgpu_root *root, const char *name)
{
        _cleanup_free_ char *meant = vgpu_profile_suggest(root, name);
        char hint[128];

        if (meant)
                snprintf(hint, sizeof(hint), "did you mean '%s'?", meant);
        else
                snprintf(hint, sizeof(hint), "'vgpuctl profiles' lists them");
        if (!vgpu_profile_name_valid(name))
                return vgpuctl_usage_error("'%s' is not a profile name (lower-case letters, digits, '.', '_', '-'); %s",
                                           name, hint);
        return vgpuctl_fail("profile '%s' does not exist (no %s/%s.json); %s", name, VGPU_PROFILES_DIR, name, hint);
}

int vgpuctl_profile_load(const struct vgpuctl_state *st, const char *name, struct vgpu_profile **ret)
{
        struct vgpu_error err = {0};
        char where[512];
        int r;

        if (!vgpu_profile_name_valid(name))
                return vgpuctl_no_profile(st->root, name);
        r = vgpu_profile_load(st->root, name, ret, &err);
        if (r == -ENOENT)
                return vgpuctl_no_profile(st->root, name);
        if (r < 0)
                return vgpuctl_fail("%s", vgpu_error_format(&err, where, sizeof(where)));
        return VGPUCTL_OK;
}

int vgpuctl_check_domain(const struct vgpuctl_state *st, const struct vgpu_domain_doc *doc)
{
        struct vgpu_domain *dom = NULL;
        struct vgpu_error err = {0};
        char where[512];
        int r = vgpuctl_domain_of_doc(doc, &dom);

        if (r == VGPUCTL_OK && vgpu_domain_check(st->root, st->config, dom, &err) < 0)
                r = vgpuctl_fail("%s; the hook would refuse the domain at start",
                                 vgpu_error_format(&err, where, sizeof(where)));
        vgpu_domain_free(dom);
        return r;
}

const char *vgpuctl_profile_what(const struct vgpu_profile *p, char *buf, size_t size)
{
        char pf[VGPU_PCI_ADDR_STRLEN] = "";

        if (p->n_devices)
                vgpu_pci_addr_format(&p->devices[0], pf);
        switch (p->kind) {
        case VGPU_PROFILE_MDEV:
                snprintf(buf, size, "mdev type %s", p->mdev_type_name ? p->mdev_type_name : p->mdev_type_id);
                break;
        case VGPU_PROFILE_NVIDIA_VFIO:
                snprintf(buf, size, "vendor-VFIO VF typed %s", p->nvidia_type);
                break;
        case VGPU_PROFILE_SRIOV_VF:
                snprintf(buf, size, "VF of %s%s", pf, p->n_devices > 1 ? " (and others)" : "");
                break;
        default:
                snprintf(buf, size, "whole GPU%s%s%s", *pf ? " " : "", pf, p->n_devices > 1 ? " (and others)" : "");
        }
        if (p->driver && strlen(buf) < size)
                snprintf(buf + strlen(buf), size - strlen(buf), " on %s", p->driver);
        return buf;
}

struct vgpu_mdev_request vgpuctl_mdev_request(const struct vgpu_profile *prof)
{
        return (struct vgpu_mdev_request){
                .type_name = prof->mdev_type_name,
                .type_id = prof->mdev_type_name ? NULL : prof->mdev_type_id,
                .profile = prof,
        };
}

static int read_all(int fd, char **ret, size_t *ret_len)
{
        size_t len = 0, cap = 65536;
        char *buf = malloc(cap + 1), *grown;

        while (buf) {
                ssize_t n = read(fd, buf + len, cap - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        if (n < 0)
                                break;
                        buf[len] = '\0';
                        *ret = buf;
                        *ret_len = len;
                        return 0;
                }
                len += (size_t)n;
                if (len == cap) {
                        if (cap > VGPU_DOMAIN_XML_MAX) {
                                free(buf);
                                return -EFBIG;
                        }
                        grown = realloc(buf, (cap *= 2) + 1);
                        if (!grown)
                                free(buf);
                        buf = grown;
                }
        }
        free(buf);
        return buf ? -errno : -ENOMEM;
}

int vgpuctl_read_input(const char *path, char **ret, size_t *ret_len)
{
        bool stdin_ = strcmp(path, "-") == 0;
        int fd = stdin_ ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
        int r;

        if (fd < 0)
                return vgpuctl_fail("cannot open %s: %s", path, strerror(errno));
        r = read_all(fd, ret, ret_len);
        if (!stdin_)
                close(fd);
        if (r < 0)
                return vgpuctl_fail("cannot read %s: %s", stdin_ ? "standard input" : path,
                                    r == -EFBIG ? "larger than a domain XML may be" : strerror(-r));
        return VGPUCTL_OK;
}

/* Fail with the error's sentence ("out of memory" for -ENOMEM). */
static int domain_fail(int r, const struct vgpu_error *err)
{
        char where[512];

        return vgpuctl_fail("%s", r == -ENOMEM ? "out of memory" : vgpu_error_format(err, where, sizeof(where)));
}

int vgpuctl_domain_of_doc(const struct vgpu_domain_doc *doc, struct vgpu_domain **ret)
{
        struct vgpu_error err = {0};
        int r = vgpu_domain_doc_domain(doc, ret, &err);

        return r < 0 ? domain_fail(r, &err) : VGPUCTL_OK;
}

int vgpuctl_domain_of(const char *xml, size_t len, struct vgpu_domain **ret)
{
        struct vgpu_domain_doc *doc = NULL;
        struct vgpu_error err = {0};
        char uuid[VGPU_UUID_STRLEN];
        int r = vgpu_domain_doc_parse(xml, len, &doc, &err);

        if (r >= 0 && (r = vgpu_domain_doc_ensure_uuid(doc, uuid)) == -EINVAL)
                vgpu_error_set(&err, EINVAL, "domain XML", 0, 0, "the domain's <uuid> is not a UUID");
        r = r < 0 ? domain_fail(r, &err) : vgpuctl_domain_of_doc(doc, ret);
        vgpu_domain_doc_free(doc);
        return r;
}
