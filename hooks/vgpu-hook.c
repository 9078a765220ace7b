/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgpu-hook: the libvirt QEMU hook.  libvirt runs it as
 * "HOOK DOMAIN OP SUBOP EXTRA" with the domain XML on stdin, for every op of
 * every VM, with the domain lock held.
 *
 * This first version manages no device yet (the per-op work lands with the
 * hook issue); it already keeps the contract that matters for every VM on
 * the host: it drains stdin so libvirt's writer never blocks, never runs
 * longer than the read, and exits 0 for every op.
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

/* libvirt writes the XML then closes the pipe; read it to EOF and drop it. */
static void drain_stdin(void)
{
        char buf[65536];

        for (;;) {
                ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

                if (n > 0 || (n < 0 && errno == EINTR))
                        continue;
                break;
        }
}

int main(int argc, char *argv[])
{
        (void)argc;
        (void)argv;
        drain_stdin();
        return 0;
}
