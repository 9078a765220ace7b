/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON on standard output, as the --json commands print it. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vgpuctl.h"

/*
 * jansson hands each token to its callback: json_dumpf() makes that one
 * locked fwrite() each, a good part of an inventory's own (user) time at 256
 * parents (800 KB of JSON).  Tokens are gathered here and written in blocks.
 */
struct out {
        size_t len;
        char buf[65536];
};

static int flush(struct out *o)
{
        size_t len = o->len;

        o->len = 0;
        return fwrite(o->buf, 1, len, stdout) == len ? 0 : -1;
}

static int gather(const char *s, size_t n, void *data)
{
        struct out *o = data;

        if (n > sizeof(o->buf) - o->len && flush(o) < 0)
                return -1;
        if (n > sizeof(o->buf))
                return fwrite(s, 1, n, stdout) == n ? 0 : -1;
        memcpy(o->buf + o->len, s, n);
        o->len += n;
        return 0;
}

int vgpuctl_json_print(const json_t *doc)
{
        static struct out o;

        o.len = 0;
        if (json_dump_callback(doc, gather, &o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 || gather("\n", 1, &o) < 0)
                return -1;
        return flush(&o);
}
