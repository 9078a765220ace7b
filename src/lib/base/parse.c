/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Strict number parsers.  strtoull() alone accepts "  -1", "12abc" and
 * silently wraps; every value we read from sysfs or from a domain XML goes
 * through these instead.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <string.h>

#include "vgpuhook-private.h"

/* Digits of @base only, then an optional single newline, then the end. */
static int parse_digits(const char *s, int base, unsigned long long max, unsigned long long *ret)
{
        unsigned long long v = 0;
        const char *p = s;

        if (!*p || *p == '\n')
                return -EINVAL;
        for (; *p && *p != '\n'; p++) {
                int d;

                if (isdigit((unsigned char)*p))
                        d = *p - '0';
                else if (base == 16 && isxdigit((unsigned char)*p))
                        d = tolower((unsigned char)*p) - 'a' + 10;
                else
                        return -EINVAL;
                if (d >= base)
                        return -EINVAL;
                if ((unsigned long long)d > max || v > (max - (unsigned)d) / (unsigned)base)
                        return -ERANGE;
                v = v * (unsigned)base + (unsigned)d;
        }
        if (*p == '\n' && p[1])
                return -EINVAL;
        *ret = v;
        return 0;
}

static bool has_hex_prefix(const char *s)
{
        return s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

int vgpu_parse_uint(const char *s, unsigned long long max, unsigned long long *ret)
{
        return parse_digits(s, 10, max, ret);
}

int vgpu_parse_hex(const char *s, unsigned long long max, unsigned long long *ret)
{
        return parse_digits(has_hex_prefix(s) ? s + 2 : s, 16, max, ret);
}

int vgpu_parse_auto(const char *s, unsigned long long max, unsigned long long *ret)
{
        if (has_hex_prefix(s))
                return parse_digits(s + 2, 16, max, ret);
        return parse_digits(s, 10, max, ret);
}

int vgpu_parse_int(const char *s, long long min, long long max, long long *ret)
{
        const unsigned long long limit = (unsigned long long)LLONG_MAX + 1;
        bool neg = s[0] == '-';
        unsigned long long mag;
        long long v;
        int r = parse_digits(neg ? s + 1 : s, 10, limit, &mag);

        if (r < 0)
                return r;
        if (!neg && mag == limit)
                return -ERANGE;
        if (neg)
                v = mag == limit ? LLONG_MIN : -(long long)mag;
        else
                v = (long long)mag;
        if (v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

static int parse_cpu(const char **p, unsigned nbits, unsigned *ret)
{
        unsigned v = 0;

        if (!isdigit((unsigned char)**p))
                return -EINVAL;
        while (isdigit((unsigned char)**p)) {
                v = v * 10 + (unsigned)(**p - '0');
                if (v >= nbits)
                        return -ERANGE;
                (*p)++;
        }
        *ret = v;
        return 0;
}

int vgpu_parse_cpulist(const char *s, uint64_t *bits, unsigned nbits)
{
        const char *p = s;
        int count = 0;

        memset(bits, 0, (nbits + 63) / 64 * sizeof(uint64_t));
        if (!*p || *p == '\n')
                return 0; /* a node without CPUs has an empty list */
        for (;;) {
                unsigned lo, hi;
                int r = parse_cpu(&p, nbits, &lo);

                if (r < 0)
                        return r;
                hi = lo;
                if (*p == '-') {
                        p++;
                        r = parse_cpu(&p, nbits, &hi);
                        if (r < 0)
                                return r;
                        if (hi < lo)
                                return -EINVAL;
                }
                for (unsigned c = lo; c <= hi; c++, count++)
                        bits[c / 64] |= 1ULL << (c % 64);
                if (*p != ',')
                        break;
                p++;
        }
        if (*p == '\n')
                p++;
        return *p ? -EINVAL : count;
}

static void skip_spaces(const char **p)
{
        while (isspace((unsigned char)**p))
                (*p)++;
}

/* One item of a libvirt set: "N", "N-M" or "^N", applied to @bits. */
static int cpuset_item(const char **p, uint64_t *bits, unsigned nbits)
{
        bool drop = **p == '^';
        unsigned lo, hi;
        int r;

        *p += drop;
        r = parse_cpu(p, nbits, &lo);
        skip_spaces(p);
        hi = lo;
        if (r == 0 && **p == '-' && !drop) {
                (*p)++;
                skip_spaces(p);
                r = parse_cpu(p, nbits, &hi);
                skip_spaces(p);
        }
        if (r < 0 || hi < lo)
                return r < 0 ? r : -EINVAL;
        for (unsigned c = lo; c <= hi; c++)
                if (drop)
                        bits[c / 64] &= ~(1ULL << (c % 64));
                else
                        bits[c / 64] |= 1ULL << (c % 64);
        return 0;
}

int vgpu_parse_cpuset(const char *s, uint64_t *bits, unsigned nbits)
{
        const char *p = s;
        int count = 0;

        memset(bits, 0, (nbits + 63) / 64 * sizeof(uint64_t));
        skip_spaces(&p);
        for (;;) {
                int r = cpuset_item(&p, bits, nbits);

                if (r < 0)
                        return r;
                if (*p != ',')
                        break;
                p++;
                skip_spaces(&p);
        }
        if (*p)
                return -EINVAL;
        for (unsigned w = 0; w < (nbits + 63) / 64; w++)
                count += __builtin_popcountll(bits[w]);
        return count ? count : -EINVAL;
}
