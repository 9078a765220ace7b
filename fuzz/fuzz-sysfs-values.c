/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sysfs attribute parsers (numbers, CPU lists) and libvirt's CPU sets:
 * the first byte picks the parser and its bound, the rest is the text.
 */
#include "config.h"

#include <inttypes.h>
#include <limits.h>

#include "fuzz.h"

#define NBITS_MAX 4096

static void check_uint(int which, const char *s, unsigned long long max)
{
        unsigned long long v = 0, again = 0;
        char buf[32];
        int r = which == 0   ? vgpu_parse_uint(s, max, &v)
                : which == 1 ? vgpu_parse_hex(s, max, &v)
                             : vgpu_parse_auto(s, max, &v);

        if (r < 0)
                return;
        FUZZ_ASSERT(v <= max);
        snprintf(buf, sizeof(buf), which == 0 ? "%llu" : "0x%llx", v);
        FUZZ_ASSERT((which == 0 ? vgpu_parse_uint(buf, max, &again) : vgpu_parse_auto(buf, max, &again)) == 0);
        FUZZ_ASSERT(again == v);
}

static void check_int(const char *s, long long bound)
{
        long long v = 0, again = 0;
        char buf[32];

        if (vgpu_parse_int(s, -bound - 1, bound, &v) < 0)
                return;
        FUZZ_ASSERT(v >= -bound - 1 && v <= bound);
        snprintf(buf, sizeof(buf), "%lld", v);
        FUZZ_ASSERT(vgpu_parse_int(buf, -bound - 1, bound, &again) == 0 && again == v);
}

static void check_cpulist(const char *s, unsigned nbits)
{
        uint64_t bits[NBITS_MAX / 64];
        int count = vgpu_parse_cpulist(s, bits, nbits), set = 0;

        if (count < 0)
                return;
        for (unsigned i = 0; i < (nbits + 63) / 64; i++)
                set += __builtin_popcountll(bits[i]);
        /* A CPU named twice ("1,1") is counted twice but set once. */
        FUZZ_ASSERT(set <= count);
}

/* libvirt's cpuset=/nodeset= ("0-7,^3"): what is left set is what is counted. */
static void check_cpuset(const char *s, unsigned nbits)
{
        uint64_t bits[NBITS_MAX / 64];
        int count = vgpu_parse_cpuset(s, bits, nbits), set = 0;

        if (count < 0)
                return;
        for (unsigned i = 0; i < (nbits + 63) / 64; i++)
                set += __builtin_popcountll(bits[i]);
        FUZZ_ASSERT(count > 0 && set == count);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const unsigned long long maxes[] = {0, 1, 7, 31, 0xff, 0xffff, INT32_MAX, 0xfffff, ULLONG_MAX};
        _cleanup_free_ char *s = NULL;
        unsigned sel;

        if (size < 1)
                return 0;
        sel = data[0];
        s = fuzz_text(data + 1, size - 1);
        switch (sel % 6) {
        case 0:
        case 1:
        case 2:
                check_uint((int)(sel % 6), s, maxes[(sel / 6) % ARRAY_SIZE(maxes)]);
                break;
        case 3:
                check_int(s, (long long)(maxes[(sel / 6) % ARRAY_SIZE(maxes)] >> 1));
                break;
        case 4:
                check_cpulist(s, 1 + (sel / 6) * (NBITS_MAX / 42) % NBITS_MAX);
                break;
        default:
                check_cpuset(s, 1 + (sel / 6) * (NBITS_MAX / 42) % NBITS_MAX);
                break;
        }
        return 0;
}
