/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The plain-VM test, without libxml2: most VMs on a host have no vGPU, and
 * the hook runs for every op of every VM with the domain lock held.  Kept
 * apart from domxml.c so that the hook's front can link it alone.
 */
#include "config.h"

#include <string.h>

#include "vgpuhook.h"

bool vgpu_domain_xml_maybe_ours(const char *xml, size_t len)
{
        /* Our namespace, or an mdev hostdev (type='mdev' or type="mdev"). */
        return memmem(xml, len, VGPU_XMLNS, strlen(VGPU_XMLNS)) || memmem(xml, len, "'mdev'", 6) ||
               memmem(xml, len, "\"mdev\"", 6);
}
