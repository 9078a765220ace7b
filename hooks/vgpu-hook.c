/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpu-hook: the libvirt QEMU hook's front.  libvirt runs it as
 * "HOOK DOMAIN OP SUBOP EXTRA", domain XML on stdin, for every op of every
 * VM, with the domain lock held.  Most VMs have no vGPU: this front links
 * nothing but libc, reads stdin, and only when the XML may concern us loads
 * the module that does the work (libxml2, jansson, the library).  A plain VM
 * opens no file, takes no lock, and exits 0.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "hook.h"

/* One byte more than the library accepts, so that "too large" is visible. */
#define STDIN_CAP (VGPU_DOMAIN_XML_MAX + 1)

/* Longer than any marker vgpu_domain_xml_maybe_ours() looks for. */
#define OVERLAP 64

struct input {
        char *buf; /* the first STDIN_CAP bytes */
        size_t len;
        bool ours; /* a marker was seen past the cap */
};

/* Past the cap we keep reading, and scanning, so that libvirt never blocks. */
static void drain(struct input *in)
{
        char chunk[OVERLAP + 65536];
        size_t keep = OVERLAP;

        memcpy(chunk, in->buf + in->len - OVERLAP, OVERLAP);
        for (;;) {
                ssize_t r = read(STDIN_FILENO, chunk + keep, sizeof(chunk) - keep);

                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        return;
                in->ours |= vgpu_domain_xml_maybe_ours(chunk, keep + (size_t)r);
                memmove(chunk, chunk + keep + (size_t)r - OVERLAP, OVERLAP);
        }
}

static int read_stdin(struct input *in)
{
        size_t cap = 64 * 1024;

        in->buf = malloc(cap);
        while (in->buf && in->len < STDIN_CAP) {
                ssize_t r = read(STDIN_FILENO, in->buf + in->len, cap - in->len);

                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        return 0;
                in->len += (size_t)r;
                if (in->len == cap && cap < STDIN_CAP) {
                        char *grown = realloc(in->buf, cap = cap * 2 > STDIN_CAP ? STDIN_CAP : cap * 2);

                        if (!grown)
                                free(in->buf);
                        in->buf = grown;
                }
        }
        if (!in->buf)
                return -ENOMEM;
        drain(in);
        return 0;
}

/* Ops whose failure may stop what libvirt is doing; all others must exit 0. */
static bool may_fail(const char *op)
{
        return strcmp(op, "prepare") == 0 || strcmp(op, "migrate") == 0 || strcmp(op, "restore") == 0;
}

static int module_failed(const char *op, const char *what)
{
        syslog(LOG_ERR, "cannot load the vgpu-hook module: %s", what);
        if (!may_fail(op))
                return 0;
        fprintf(stderr, "vgpu-hook: cannot load its module (%s); reinstall vgpu-hook\n", what);
        return 1;
}

static int run_module(int argc, char *argv[], const char *xml, size_t len)
{
        char built[4096];
        const char *path = vgpu_module_path("VGPU_HOOK_MODULE", SBINDIR, "vgpu-hook-ops.so", VGPU_HOOK_MODULE_PATH,
                                            built, sizeof(built));
        vgpu_hook_run_fn run;
        void *module;

        module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!module)
                return module_failed(argv[2], dlerror());
        *(void **)&run = dlsym(module, VGPU_HOOK_RUN_SYMBOL);
        if (!run)
                return module_failed(argv[2], "no entry point");
        return run(argc, argv, xml, len);
}

int main(int argc, char *argv[])
{
        struct input in = {0};
        int r;

        if (argc < 4) {
                fputs("usage: vgpu-hook DOMAIN OP SUBOP [EXTRA] < domain.xml (run by libvirt)\n", stderr);
                /* libvirt always passes all four; still, fail only where the op may. */
                return argc < 3 || may_fail(argv[2]) ? 2 : 0;
        }
        if (read_stdin(&in) < 0) {
                syslog(LOG_ERR, "out of memory reading the domain XML");
                if (!may_fail(argv[2]))
                        return 0;
                fputs("vgpu-hook: out of memory reading the domain XML\n", stderr);
                return 1;
        }
        /* start begin and stopped end have nothing to do, for any VM: no module to load. */
        if (!vgpu_hook_op_does_work(argv[2], argv[3])) {
                free(in.buf);
                return 0;
        }
        r = in.ours || vgpu_domain_xml_maybe_ours(in.buf, in.len) ? run_module(argc, argv, in.buf, in.len) : 0;
        free(in.buf);
        return r;
}
