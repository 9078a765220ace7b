/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpuctl render: a domain XML for `virsh define`, with the hostdevs and
 * metadata of the profiles asked for.  The hook cannot write XML at start
 * (docs/design.md §2.3): what a VM gets must be in its definition beforehand.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpuctl.h"

static const char usage[] = "Usage: vgpuctl render [--profile P]... [--console] [--root DIR] [-c URI] IN.xml|-\n"
                            "\n"
                            "Print domain XML IN.xml (or standard input) with one device of each\n"
                            "profile P added: a <hostdev> and its <vgpu:…> metadata.  A domain\n"
                            "without <uuid> gets a fresh one; mdev UUIDs derive from it.  For VF and\n"
                            "passthrough profiles a device no domain known to libvirt names is picked\n"
                            "(read through libvirt, at -c URI).  The output is for 'virsh define'.\n"
                            "--console: the first vGPU added becomes the console (display='on',\n"
                            "ramfb='on'), shown in the domain's <graphics>; one vGPU per domain can.\n";

/* The first mdev added since @before (the domain as it was) becomes the console. */
static int console(struct vgpu_domain_doc *doc, const struct vgpu_domain *before)
{
        struct vgpu_domain *after = NULL;
        int r = vgpuctl_domain_of_doc(doc, &after);

        for (size_t i = 0; r == VGPUCTL_OK && i < after->n_hostdevs; i++) {
                const struct vgpu_hostdev *hd = &after->hostdevs[i];
                int c;

                if (hd->kind != VGPU_HOSTDEV_MDEV || vgpu_domain_find_mdev(before, hd->uuid))
                        continue;
                c = vgpu_domain_doc_set_console(doc, hd->uuid);
                if (c == -EEXIST)
                        r = vgpuctl_fail("the domain has a console on a vGPU already (display='on'): one per domain");
                else if (c == 0)
                        fprintf(stderr,
                                "vgpuctl: warning: the domain has no <graphics> device to show the console in\n");
                if (c == -ENOENT)
                        continue; /* not vfio-pci: no display */
                if (c < 0 && r == VGPUCTL_OK)
                        r = vgpuctl_fail("out of memory");
                vgpu_domain_free(after);
                return r;
        }
        vgpu_domain_free(after);
        return r == VGPUCTL_OK ? vgpuctl_fail("--console needs a vGPU of model vfio-pci to add") : r;
}

/* render without --profile: a usage error, after the domain is read, so that a bad file is told first, at its line. */
static int no_profile(const struct vgpu_domain_doc *doc)
{
        struct vgpu_domain *dom = NULL;
        int r = vgpuctl_domain_of_doc(doc, &dom);

        vgpu_domain_free(dom);
        return r != VGPUCTL_OK ? r
                               : vgpuctl_usage_error("render needs --profile P (one or more): it adds their devices");
}

static int render(const struct vgpuctl_ctx *ctx, const char *in, char **profiles, size_t n_profiles, bool with_console)
{
        struct vgpu_domain *before = NULL;
        struct vgpuctl_state st = {0};
        struct vgpuctl_adder a = {.ctx = ctx, .st = &st};
        struct vgpu_domain_doc *doc = NULL;
        _cleanup_free_ char *xml = NULL, *out = NULL;
        struct vgpu_error err = {0};
        char uuid[VGPU_UUID_STRLEN], where[512];
        size_t len;
        int r = vgpuctl_read_input(in, &xml, &len);

        if (r != VGPUCTL_OK)
                return r;
        if (vgpu_domain_doc_parse(xml, len, &doc, &err) < 0)
                return vgpuctl_fail("%s", vgpu_error_format(&err, where, sizeof(where)));
        r = vgpu_domain_doc_ensure_uuid(doc, uuid) < 0 ? vgpuctl_fail("the domain's <uuid> is not a UUID") : VGPUCTL_OK;
        if (r == VGPUCTL_OK && !n_profiles)
                r = no_profile(doc);
        if (r == VGPUCTL_OK)
                r = vgpuctl_state_load(ctx, &st);
        if (r == VGPUCTL_OK && with_console)
                r = vgpuctl_domain_of_doc(doc, &before);
        for (size_t i = 0; r == VGPUCTL_OK && i < n_profiles; i++)
                r = vgpuctl_add_profile(&a, doc, profiles[i], NULL);
        if (r == VGPUCTL_OK && with_console)
                r = console(doc, before);
        if (r == VGPUCTL_OK)
                r = vgpuctl_check_domain(&st, doc);
        if (r == VGPUCTL_OK && vgpu_domain_doc_format(doc, &out) < 0)
                r = vgpuctl_fail("out of memory");
        if (r == VGPUCTL_OK && (fputs(out, stdout) == EOF || fflush(stdout) == EOF))
                r = vgpuctl_fail("cannot write to standard output");
        vgpuctl_adder_clear(&a);
        vgpuctl_state_clear(&st);
        vgpu_domain_doc_free(doc);
        vgpu_domain_free(before);
        return r;
}

int vgpuctl_render(const struct vgpuctl_ctx *gctx, int argc, char *argv[])
{
        static const struct option opts[] = {
                {"profile", required_argument, NULL, 'p'}, {"console", no_argument, NULL, 'C'},
                {"root", required_argument, NULL, 'r'},    {"connect", required_argument, NULL, 'c'},
                {"help", no_argument, NULL, 'h'},          {},
        };
        struct vgpuctl_ctx ctx = *gctx;
        _cleanup_free_ char **profiles = calloc((size_t)argc + 1, sizeof(char *));
        size_t n = 0;
        bool with_console = false;
        int c, r;

        if (!profiles)
                return vgpuctl_fail("out of memory");
        while ((c = getopt_long(argc, argv, "p:c:h", opts, NULL)) != -1) {
                if (c == 'p')
                        profiles[n++] = optarg;
                else if (c == 'C')
                        with_console = true;
                else if ((r = vgpuctl_common_option(&ctx, c, usage)) != VGPUCTL_MORE)
                        return r;
        }
        if (argc - optind != 1)
                return vgpuctl_usage_error("render takes one domain XML file, or - for standard input");
        return render(&ctx, argv[optind], profiles, n, with_console);
}
