/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PCI addresses: the kernel's "DDDD:BB:SS.F" (sysfs names, config, our
 * metadata), and libvirt's domain/bus/slot/function attributes, taken as
 * the input's NUL-separated parts.
 */
#include "config.h"

#include <strings.h>

#include "fuzz.h"

static void check_parse(const char *s)
{
        struct vgpu_pci_addr a, again;
        char buf[VGPU_PCI_ADDR_STRLEN];

        if (vgpu_pci_addr_parse(s, &a) < 0)
                return;
        FUZZ_ASSERT(a.slot <= 31 && a.function <= 7 && a.domain <= 0xfffff);
        vgpu_pci_addr_format(&a, buf);
        FUZZ_ASSERT(vgpu_pci_addr_parse(buf, &again) == 0 && vgpu_pci_addr_cmp(&a, &again) == 0);
        FUZZ_ASSERT(strcasecmp(buf, s) == 0 || strlen(s) == 13);
}

/* What a person types: a superset of the kernel's form, always formatted back in that form. */
static void check_read(const char *s)
{
        struct vgpu_pci_addr a, again;
        char buf[VGPU_PCI_ADDR_STRLEN];

        if (vgpu_pci_addr_read(s, &a) < 0) {
                FUZZ_ASSERT(vgpu_pci_addr_parse(s, &a) < 0);
                return;
        }
        vgpu_pci_addr_format(&a, buf);
        FUZZ_ASSERT(vgpu_pci_addr_parse(buf, &again) == 0 && vgpu_pci_addr_cmp(&a, &again) == 0);
        FUZZ_ASSERT(strcasecmp(buf, s) == 0 || strcasecmp(buf + 5, s) == 0 || strlen(s) == 13);
}

static void check_parts(const char *text, size_t size)
{
        const char *part[4] = {NULL, NULL, NULL, NULL};
        struct vgpu_pci_addr a, again;
        char buf[VGPU_PCI_ADDR_STRLEN];
        const char *p = text;

        for (int i = 0; i < 4 && p <= text + size; i++, p += strlen(p) + 1)
                part[i] = p;
        if (vgpu_pci_addr_from_parts(part[0], part[1], part[2], part[3], &a) < 0)
                return;
        vgpu_pci_addr_format(&a, buf);
        FUZZ_ASSERT(vgpu_pci_addr_parse(buf, &again) == 0 && vgpu_pci_addr_cmp(&a, &again) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *s = fuzz_text(data, size);

        check_parse(s);
        check_read(s);
        check_parts(s, size);
        return 0;
}
