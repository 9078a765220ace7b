/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PCI addresses as the kernel names devices and as libvirt XML spells them. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpuhook-private.h"

#define DOMAIN_MAX 0xfffffU

/* Exactly @min..@max hex digits, then @sep. */
static int take_hex(const char **p, unsigned min, unsigned max, char sep, unsigned *ret)
{
        unsigned v = 0, n = 0;

        while (isxdigit((unsigned char)**p) && n < max) {
                char c = (char)tolower((unsigned char)**p);

                v = v * 16 + (unsigned)(isdigit((unsigned char)c) ? c - '0' : c - 'a' + 10);
                (*p)++;
                n++;
        }
        if (n < min || **p != sep)
                return -EINVAL;
        if (sep)
                (*p)++;
        *ret = v;
        return 0;
}

int vgpu_pci_addr_parse(const char *s, struct vgpu_pci_addr *ret)
{
        unsigned domain, bus, slot, function;
        const char *p = s;

        if (take_hex(&p, 4, 5, ':', &domain) < 0 || take_hex(&p, 2, 2, ':', &bus) < 0 ||
            take_hex(&p, 2, 2, '.', &slot) < 0 || take_hex(&p, 1, 1, '\0', &function) < 0)
                return -EINVAL;
        if (slot > 31 || function > 7)
                return -EINVAL;
        *ret = (struct vgpu_pci_addr){domain, (uint8_t)bus, (uint8_t)slot, (uint8_t)function};
        return 0;
}

/* lspci's and nvidia-smi's "BB:SS.F": domain 0000. */
static int parse_short(const char *s, struct vgpu_pci_addr *ret)
{
        unsigned bus, slot, function;
        const char *p = s;

        if (take_hex(&p, 2, 2, ':', &bus) < 0 || take_hex(&p, 2, 2, '.', &slot) < 0 ||
            take_hex(&p, 1, 1, '\0', &function) < 0 || slot > 31 || function > 7)
                return -EINVAL;
        *ret = (struct vgpu_pci_addr){0, (uint8_t)bus, (uint8_t)slot, (uint8_t)function};
        return 0;
}

int vgpu_pci_addr_read(const char *s, struct vgpu_pci_addr *ret)
{
        return vgpu_pci_addr_parse(s, ret) == 0 ? 0 : parse_short(s, ret);
}

char *vgpu_device_name_canonical(const char *name)
{
        struct vgpu_pci_addr addr;
        char buf[VGPU_PCI_ADDR_STRLEN];

        if (vgpu_pci_addr_read(name, &addr) < 0)
                return strdup(name);
        vgpu_pci_addr_format(&addr, buf);
        return strdup(buf);
}

int vgpu_pci_addr_from_parts(const char *domain, const char *bus, const char *slot, const char *function,
                             struct vgpu_pci_addr *ret)
{
        unsigned long long d = 0, b, s, f;

        if ((domain && vgpu_parse_auto(domain, DOMAIN_MAX, &d) < 0) || !bus || !slot || !function ||
            vgpu_parse_auto(bus, 0xff, &b) < 0 || vgpu_parse_auto(slot, 31, &s) < 0 ||
            vgpu_parse_auto(function, 7, &f) < 0)
                return -EINVAL;
        *ret = (struct vgpu_pci_addr){(uint32_t)d, (uint8_t)b, (uint8_t)s, (uint8_t)f};
        return 0;
}

void vgpu_pci_addr_format(const struct vgpu_pci_addr *addr, char buf[VGPU_PCI_ADDR_STRLEN])
{
        snprintf(buf, VGPU_PCI_ADDR_STRLEN, "%04x:%02x:%02x.%x", addr->domain & DOMAIN_MAX, addr->bus, addr->slot & 31,
                 addr->function & 7);
}

int vgpu_pci_addr_cmp(const struct vgpu_pci_addr *a, const struct vgpu_pci_addr *b)
{
        if (a->domain != b->domain)
                return a->domain < b->domain ? -1 : 1;
        if (a->bus != b->bus)
                return a->bus < b->bus ? -1 : 1;
        if (a->slot != b->slot)
                return a->slot < b->slot ? -1 : 1;
        if (a->function != b->function)
                return a->function < b->function ? -1 : 1;
        return 0;
}
