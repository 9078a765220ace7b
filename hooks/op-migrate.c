/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * migrate begin (on the destination, also for an offline migration, which
 * no prepare or release follows) and restore begin.  libvirt replaces the
 * domain XML with what we print, if anything, after its ABI check: the
 * hostdev count, mode, type and guest address stay, only sources change.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "migrate.h"

struct vgpu_domain_doc *move_doc(struct move *m)
{
        struct vgpu_error err = {0};
        char where[512];
        int r;

        if (m->doc)
                return m->doc;
        r = vgpu_domain_doc_parse(m->h->xml, m->h->xml_len, &m->doc, &err);
        if (r < 0)
                hook_fail(m->h, "%s", hook_why(&err, r, "domain XML", where, sizeof(where)));
        return m->doc;
}

static int load(struct move *m)
{
        struct vgpu_error err = {0};
        char where[512];
        int r = vgpu_domain_wants_pci(m->h->dom) ? vgpu_host_load(m->h->root, &m->host)
                                                 : hook_load_host(m->h, &m->host);

        if (r < 0)
                return vgpu_domain_wants_pci(m->h->dom) ? hook_fail(m->h, "cannot read the host's devices under %s: %s",
                                                                    vgpu_root_path(m->h->root), strerror(-r))
                                                        : 1;
        /* A snapshot is enough: nothing is reserved, prepare decides again under the lock. */
        r = vgpu_ledger_read(m->h->root, &m->ledger, &err);
        if (r < 0)
                return hook_fail(m->h, "the lease ledger is unusable (%s); see 'vgpuctl leases' or 'vgpuctl reconcile'",
                                 hook_why(&err, r, VGPU_LEDGER_FILE, where, sizeof(where)));
        return 0;
}

static int print(struct move *m)
{
        char *text = NULL;
        int len = vgpu_domain_doc_format(m->doc, &text);

        if (len < 0)
                return hook_fail(m->h, "cannot write the rewritten domain XML: %s", strerror(-len));
        if (fwrite(text, 1, (size_t)len, stdout) != (size_t)len || fflush(stdout) != 0) {
                free(text);
                return hook_fail(m->h, "cannot write the rewritten domain XML to libvirt");
        }
        free(text);
        return 0;
}

static void clear(struct move *m)
{
        vgpu_domain_doc_free(m->doc);
        vgpu_ledger_free(m->ledger);
        vgpu_host_free(m->host);
        free(m->uuids);
        free(m->addrs);
        free(m->uses);
}

int hook_migrate(struct hook *h)
{
        struct move m = {.h = h};
        int r = h->dom->n_specs ? load(&m) : 0;

        /* Devices without our metadata are the admin's: libvirt's own checks judge them at start. */
        for (size_t i = 0; r == 0 && i < h->dom->n_specs; i++)
                r = h->dom->specs[i].kind == VGPU_SPEC_MDEV ? move_mdev(&m, &h->dom->specs[i])
                                                            : move_pci(&m, &h->dom->specs[i]);
        if (r == 0 && m.doc)
                r = print(&m);
        clear(&m);
        return r ? 1 : 0;
}
