/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the hook refuses at prepare before it looks at the devices: the vgpu
 * metadata against the domain's hostdevs, and the profiles it names.  The
 * hook's prepare and vgpuctl's render and attach ask the same questions, so a
 * definition vgpuctl writes is one the hook takes.
 */
#include "config.h"

#include <stdio.h>

#include "vgpuhook-private.h"

static const char *spec_what(const struct vgpu_spec *s)
{
        return s->kind == VGPU_SPEC_MDEV ? "mdev" : s->kind == VGPU_SPEC_VF ? "VF" : "GPU";
}

/* The element, as the kind refusal names it: "mdev U", "<vgpu:vf> A", "<vgpu:pci> A". */
static const char *spec_element(const struct vgpu_spec *s, char *buf, size_t size)
{
        char addr[VGPU_PCI_ADDR_STRLEN];

        if (s->kind == VGPU_SPEC_MDEV) {
                snprintf(buf, size, "mdev %s", s->uuid);
                return buf;
        }
        vgpu_pci_addr_format(&s->addr, addr);
        snprintf(buf, size, "<vgpu:%s> %s", s->kind == VGPU_SPEC_VF ? "vf" : "pci", addr);
        return buf;
}

static bool kind_fits(const struct vgpu_spec *s, enum vgpu_profile_kind k)
{
        if (s->kind == VGPU_SPEC_MDEV)
                return k == VGPU_PROFILE_MDEV;
        if (s->kind == VGPU_SPEC_VF)
                return k == VGPU_PROFILE_SRIOV_VF || k == VGPU_PROFILE_NVIDIA_VFIO;
        return k == VGPU_PROFILE_PASSTHROUGH;
}

static const char *kind_wanted(const struct vgpu_spec *s)
{
        if (s->kind == VGPU_SPEC_MDEV)
                return "an mdev_type profile";
        return s->kind == VGPU_SPEC_VF ? "a sriov_vf or nvidia_vgpu_type profile" : "a passthrough profile";
}

int vgpu_domain_check_spec(const struct vgpu_domain *dom, const struct vgpu_spec *s, struct vgpu_error *err)
{
        char addr[VGPU_PCI_ADDR_STRLEN];

        if (s->kind == VGPU_SPEC_MDEV && !vgpu_domain_find_mdev(dom, s->uuid))
                return vgpu_error_set(err, EINVAL, "domain XML", s->line, 0,
                                      "the vgpu metadata names mdev %s, but no <hostdev> uses it; add the hostdev or "
                                      "remove the metadata entry",
                                      s->uuid);
        vgpu_pci_addr_format(&s->addr, addr);
        if (s->kind != VGPU_SPEC_MDEV && !vgpu_domain_find_pci(dom, &s->addr))
                return vgpu_error_set(err, EINVAL, "domain XML", s->line, 0,
                                      "the vgpu metadata names %s %s, but no <hostdev type='pci'> uses it; add the "
                                      "hostdev or remove the metadata entry",
                                      spec_what(s), addr);
        return 0;
}

int vgpu_spec_profile(const struct vgpu_root *root, const struct vgpu_config *config, const struct vgpu_spec *s,
                      struct vgpu_profile **ret, struct vgpu_error *err)
{
        char addr[VGPU_PCI_ADDR_STRLEN], element[64];
        struct vgpu_profile *p = NULL;
        int r;

        *ret = NULL;
        if (!s->profile)
                return config && config->profiles_only
                               ? vgpu_error_set(err, EINVAL, "domain XML", s->line, 0,
                                                "mdev %s names type '%s' without a profile, and this host accepts "
                                                "profiles only; use profile=",
                                                s->uuid, s->type)
                               : 0;
        r = vgpu_profile_load(root, s->profile, &p, err);
        vgpu_pci_addr_format(&s->addr, addr);
        if (r == -ENOENT)
                return vgpu_error_set(err, ENOENT, "domain XML", s->line, 0,
                                      "profile '%s' (%s %s) does not exist in " VGPU_PROFILES_DIR
                                      "; see 'vgpuctl profiles'",
                                      s->profile, spec_what(s), s->kind == VGPU_SPEC_MDEV ? s->uuid : addr);
        if (r < 0)
                return r;
        if (!kind_fits(s, p->kind)) {
                r = vgpu_error_set(
                        err, EINVAL, "domain XML", s->line, 0, "profile '%s' is a %s profile, but %s needs %s", p->name,
                        vgpu_profile_kind_name(p->kind), spec_element(s, element, sizeof(element)), kind_wanted(s));
                vgpu_profile_free(p);
                return r;
        }
        *ret = p;
        return 0;
}

int vgpu_domain_check(const struct vgpu_root *root, const struct vgpu_config *config, const struct vgpu_domain *dom,
                      struct vgpu_error *err)
{
        for (size_t i = 0; i < dom->n_specs; i++) {
                const struct vgpu_spec *s = &dom->specs[i];
                struct vgpu_profile *p = NULL;
                int r = vgpu_domain_check_spec(dom, s, err);

                if (r == 0)
                        r = vgpu_spec_profile(root, config, s, &p, err);
                vgpu_profile_free(p);
                if (r < 0)
                        return r;
        }
        return 0;
}
