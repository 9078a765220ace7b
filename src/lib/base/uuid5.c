/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Name-based UUIDs (RFC 4122 version 5, SHA-1) for the mdevs vgpuctl writes:
 * derived from the domain UUID and the device's index, so that ownership
 * can be recomputed when the ledger is lost.  A small SHA-1 of our own keeps
 * the hook free of a crypto library.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vgpuhook-private.h"

struct sha1 {
        uint32_t h[5];
        uint8_t block[64];
        size_t fill;
        uint64_t bytes;
};

static uint32_t rol(uint32_t v, int n)
{
        return (v << n) | (v >> (32 - n));
}

static uint32_t round_f(int t, uint32_t b, uint32_t c, uint32_t d)
{
        if (t < 20)
                return (b & c) | (~b & d);
        if (t >= 40 && t < 60)
                return (b & c) | (b & d) | (c & d);
        return b ^ c ^ d;
}

static void sha1_block(struct sha1 *s)
{
        static const uint32_t k[4] = {0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6};
        uint32_t w[80], a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];

        for (int t = 0; t < 16; t++)
                w[t] = (uint32_t)s->block[4 * t] << 24 | (uint32_t)s->block[4 * t + 1] << 16 |
                       (uint32_t)s->block[4 * t + 2] << 8 | s->block[4 * t + 3];
        for (int t = 16; t < 80; t++)
                w[t] = rol(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
        for (int t = 0; t < 80; t++) {
                uint32_t tmp = rol(a, 5) + round_f(t, b, c, d) + e + w[t] + k[t / 20];

                e = d;
                d = c;
                c = rol(b, 30);
                b = a;
                a = tmp;
        }
        s->h[0] += a;
        s->h[1] += b;
        s->h[2] += c;
        s->h[3] += d;
        s->h[4] += e;
}

static void sha1_update(struct sha1 *s, const void *data, size_t len)
{
        const uint8_t *p = data;

        s->bytes += len;
        while (len--) {
                s->block[s->fill++] = *p++;
                if (s->fill == 64) {
                        sha1_block(s);
                        s->fill = 0;
                }
        }
}

static void sha1_final(struct sha1 *s, uint8_t out[20])
{
        uint64_t bits = s->bytes * 8;
        uint8_t len[8];

        for (int i = 0; i < 8; i++)
                len[i] = (uint8_t)(bits >> (56 - 8 * i));
        sha1_update(s, "\x80", 1);
        while (s->fill != 56)
                sha1_update(s, "", 1);
        sha1_update(s, len, 8);
        for (int i = 0; i < 20; i++)
                out[i] = (uint8_t)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

static int uuid_bytes(const char *uuid, uint8_t out[16])
{
        char norm[VGPU_UUID_STRLEN];
        int n = 0;

        if (vgpu_uuid_normalize(uuid, norm) < 0)
                return -EINVAL;
        for (const char *p = norm; *p; p++) {
                if (*p == '-')
                        continue;
                sscanf(p, "%2hhx", &out[n++]);
                p++;
        }
        return 0;
}

int vgpu_uuid_v5(const char *namespace_uuid, const char *name, char ret[VGPU_UUID_STRLEN])
{
        struct sha1 s = {.h = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0}};
        uint8_t ns[16], d[20];

        if (uuid_bytes(namespace_uuid, ns) < 0)
                return -EINVAL;
        sha1_update(&s, ns, sizeof(ns));
        sha1_update(&s, name, strlen(name));
        sha1_final(&s, d);
        d[6] = (d[6] & 0x0f) | 0x50; /* version 5 */
        d[8] = (d[8] & 0x3f) | 0x80; /* RFC 4122 variant */
        snprintf(ret, VGPU_UUID_STRLEN, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", d[0],
                 d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15]);
        return 0;
}

int vgpu_mdev_uuid_for(const char *domain_uuid, unsigned index, char ret[VGPU_UUID_STRLEN])
{
        char name[32];

        snprintf(name, sizeof(name), "vgpu-hook/mdev/%u", index);
        return vgpu_uuid_v5(domain_uuid, name, ret);
}

bool vgpu_mdev_uuid_is_ours(const char *domain_uuid, const char *uuid, unsigned max_index)
{
        char want[VGPU_UUID_STRLEN], norm[VGPU_UUID_STRLEN];

        if (vgpu_uuid_normalize(uuid, norm) < 0)
                return false;
        for (unsigned i = 0; i < max_index; i++)
                if (vgpu_mdev_uuid_for(domain_uuid, i, want) == 0 && strcmp(want, norm) == 0)
                        return true;
        return false;
}
